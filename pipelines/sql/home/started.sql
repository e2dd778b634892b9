-- Whether the actor sees any customer at all: on a new team's first day (or a rep's) the empty
-- states say where to start, not which filter to widen. Grain: one row.
SELECT EXISTS (SELECT 1 FROM v_customers) AS started
