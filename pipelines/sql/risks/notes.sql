-- Evidence and note of the given risks (the board's shown entries). Grain: one row per risk.
-- The IDS placeholder becomes the risk ids written out (integers): a constant list reaches the
-- scan of the risks and skips most of it, which a bound list does not.
SELECT id AS risk_id, evidence, note
FROM v_risks
WHERE id IN (__IDS__)
