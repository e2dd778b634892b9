-- Satisfaction in the period: csat (1–5) count and mean; NPS (0–10) count, promoters (9–10),
-- passives (7–8), detractors (0–6) and NPS = % promoters − % detractors (−100…100).
-- Grain: one row. Parameters: $start, $end (local dates, both inclusive), $customer_id (NULL: all).
WITH s AS (
    SELECT scale, score FROM v_surveys
    WHERE surveyed_on BETWEEN $start AND $end
      AND ($customer_id::BIGINT IS NULL OR customer_id = $customer_id::BIGINT)
)
SELECT count(*) FILTER (WHERE scale = 'csat') AS csat_count,
       round(avg(score) FILTER (WHERE scale = 'csat'), 2) AS csat_avg,
       count(*) FILTER (WHERE scale = 'nps') AS nps_count,
       count(*) FILTER (WHERE scale = 'nps' AND score >= 9) AS promoters,
       count(*) FILTER (WHERE scale = 'nps' AND score BETWEEN 7 AND 8) AS passives,
       count(*) FILTER (WHERE scale = 'nps' AND score <= 6) AS detractors,
       round(100.0 * (count(*) FILTER (WHERE scale = 'nps' AND score >= 9)
                      - count(*) FILTER (WHERE scale = 'nps' AND score <= 6))
             / nullif(count(*) FILTER (WHERE scale = 'nps'), 0), 1) AS nps
FROM s
