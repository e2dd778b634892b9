-- new_customers and the stage entries (METRICS.md; contracts_signed = entries into
-- `contract_signed`): the frames of new_customers.sql and stage_entries.sql in one read of the
-- summary kept on write (pipelines/stage_summary.py, migration 0007) instead of every stage change.
-- Used when the filter has no customer-attribute filter (the summary keeps none) and every row is
-- in the configured time zone. It holds only live stage changes of live customers, by the
-- customer's current owner (v_stage_daily applies the role scope); a cell's signed rows are
-- summed, and a cell they cancel out in is no row.
-- Grain: one row per (day, rep_id = owner, stage); pipelines.metrics splits it into the two frames.
-- Parameters: $period_start, $period_end (local dates, end exclusive).
-- Filters: team and rep of the customer's owner.
SELECT s.day,
       s.owner_id AS rep_id,
       s.stage,
       sum(s.entries)::BIGINT AS entries,
       sum(s.new_customers)::BIGINT AS new_customers
FROM v_stage_daily s
WHERE s.day >= $period_start AND s.day < $period_end
  AND {person s.owner_id}
GROUP BY ALL
HAVING sum(s.entries) <> 0 OR sum(s.new_customers) <> 0
ORDER BY s.day, s.owner_id, s.stage
