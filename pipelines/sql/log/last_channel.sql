-- The channel of the actor's latest follow-up (the log form's default channel).
-- Grain: at most one row. Parameters: $me (the actor's user id).
SELECT channel FROM v_follow_ups WHERE rep_id = $me ORDER BY occurred_at DESC, id DESC LIMIT 1
