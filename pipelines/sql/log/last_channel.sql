-- The channel of the actor's latest follow-up logged in the app (the log form's default channel).
-- Imported rows do not count: an import's channel is often one value filled in for every row
-- (每行统一填的跟进方式 = 其他), which then came up first on every call.
-- Grain: at most one row. Parameters: $me (the actor's user id).
SELECT channel FROM v_follow_ups WHERE rep_id = $me AND import_run_id IS NULL
ORDER BY occurred_at DESC, id DESC LIMIT 1
