"""What the three daily summary tables (follow_up_daily, stage_daily, risk_daily) share.

Each is append-only: a write adds signed rows (its rows' contribution taken away before, added
after), so concurrent saves never update the same counter row; readers sum per cell. Now and
then a process folds the cells that have several rows into one. Rows carry the time zone they
were counted in: after a change of the configured zone the figures come from the raw tables.
"""

from __future__ import annotations

import itertools
import weakref
from typing import ClassVar

from pipelines import config, sql

MERGE_EVERY = 500  # signed-row writes per process between merges


class SignedTable:
    """One summary table: its cell keys (zone first) and measures, and its data check."""

    tables: ClassVar[list[SignedTable]] = []

    @classmethod
    def forget_usable(cls) -> None:
        """Drop every kept usable() answer (the benchmark's cold runs start without them)."""
        for table in cls.tables:
            table._usable.clear()

    def __init__(self, table: str, keys: tuple[str, ...], measures: tuple[str, ...], check: str):
        self.table, self.keys, self.measures, self.check = table, keys, measures, check
        self.columns = ", ".join((*keys, *measures))
        self._writes = itertools.count(1)
        self._usable: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # store: (version and zone, answer)
        SignedTable.tables.append(self)

    def merge_now_and_then(self, cur, sign: int) -> None:
        """After an added contribution: every MERGE_EVERY-th one in this process merges."""
        if sign > 0 and next(self._writes) % MERGE_EVERY == 0:
            self.merge(cur)

    def add_frame(self, cur, rows) -> None:
        """INSERT the signed rows of a polars frame holding the table's columns (a bulk import's
        contribution, counted from its own frame), then merge now and then."""
        if rows.height == 0:
            return
        cur.register(f"{self.table}_rows", rows.to_arrow())
        try:
            cur.execute(f"INSERT INTO {self.table} ({self.columns}) SELECT {self.columns} FROM {self.table}_rows")
        finally:
            cur.unregister(f"{self.table}_rows")
        self.merge_now_and_then(cur, +1)

    def merge(self, cur) -> None:
        """Fold every cell that has several rows into one row (or none, when they cancel out)."""
        keys = ", ".join(self.keys)
        scratch = f"{self.table}_merge"
        cur.execute(f"""
CREATE OR REPLACE TEMP TABLE {scratch} AS
SELECT * FROM {self.table} WHERE ({keys}) IN (
    SELECT {keys} FROM {self.table} GROUP BY ALL HAVING count(*) > 1)""")
        cur.execute(f"DELETE FROM {self.table} WHERE id IN (SELECT id FROM temp.{scratch})")
        sums = ", ".join(f"sum({m})::BIGINT" for m in self.measures)
        nonzero = " OR ".join(f"sum({m}) <> 0" for m in self.measures)
        cur.execute(f"""
INSERT INTO {self.table} ({self.columns})
SELECT {keys}, {sums}
FROM temp.{scratch} GROUP BY ALL
HAVING {nonzero}""")
        cur.execute(f"DROP TABLE temp.{scratch}")

    def usable(self, store) -> bool:
        """Is every row in the configured time zone (else the figures come from the raw tables)?
        Asked before most summary reads (six on the monthly page): the answer is kept until the
        next committed write or a change of zone, as writes add rows in the configured zone only."""
        key = (store.data_version, config.tz_name())
        known = self._usable.get(store)
        if known is not None and known[0] == key:
            return known[1]
        answer = store.scalar(f"SELECT 1 FROM {self.table} WHERE zone <> $zone LIMIT 1", {"zone": key[1]}) is None
        self._usable[store] = (key, answer)
        return answer

    def differences(self, store) -> int:
        """Cells where the table differs from counting the raw rows now, and rows counted in
        another zone: 0 when exact (the data check pipelines/sql/<check>.sql)."""
        return store.query(sql.load(self.check)).height
