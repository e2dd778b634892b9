-- won_amount (METRICS.md): sum of contract amounts whose signing date is in the period, with
-- the number of those contracts. A contract belongs to the rep recorded on the contract: those
-- of the people the actor may see, whoever owns the customer now (v_work_contracts).
-- Grain: one row per (signing day, rep_id of the contract).
-- Parameters: $period_start, $period_end (local dates, end exclusive).
-- Filters: customer attributes; team and rep of the contract's rep.
SELECT k.signed_on AS day,
       k.rep_id,
       count(*) AS contracts,
       sum(k.amount)::DOUBLE AS won_amount
FROM v_work_contracts k
WHERE k.signed_on >= $period_start AND k.signed_on < $period_end
  AND {work_customer_of k.customer_id} AND {person k.rep_id}
GROUP BY ALL
ORDER BY day, k.rep_id
