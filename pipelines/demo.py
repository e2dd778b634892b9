"""`followup demo`: realistic demo data, generated column-wise with numpy (1,000,000 follow-ups in
seconds, not a Python loop per row).

What it guarantees (tests/test_demo.py checks each): every credit code passes GB 32100-2015;
stage histories move forward through the standard stages in time order (some end in `lost`);
3 product demos precede every move into `proposal` (the default stage rule); every follow-up's
rep owned the customer at that time; every rep has a target for every month; the demo accounts
of ../shared/INTERFACES.md exist with bcrypt-hashed passwords.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache

import numpy as np
import polars as pl
from pypinyin import Style, lazy_pinyin

from pipelines import accounts, audit, daily_summary, risk_summary, stage_summary
from pipelines.access import SYSTEM
from pipelines.codes import CHANNELS, STAGES
from pipelines.config import local_tz
from pipelines.demo_vocab import (
    BRANDS,
    CITIES,
    GIVEN,
    GROUPS,
    INDUSTRY_WEIGHTS,
    INDUSTRY_WORDS,
    MOBILE_PREFIXES,
    NEEDS,
    NEXT_ACTIONS,
    OUTCOMES,
    POSITIONS,
    PRODUCTS,
    SUFFIXES,
    SUMMARIES,
    SURNAMES,
)
from pipelines.store import Store

DEMO_PASSWORD = "followup-demo"
DAY = 86_400_000_000  # microseconds
HOUR = 3_600_000_000
CHANNEL_WEIGHTS = np.array([0.34, 0.14, 0.12, 0.2, 0.08, 0.04, 0.03, 0.05])  # order of CHANNELS
CHANGE_CHANNEL_WEIGHTS = np.array([0.14, 0.05, 0.3, 0.1, 0.2, 0.16, 0.02, 0.03])
EFFECTIVE_P = np.array([0.65, 0.5, 0.9, 0.55, 0.85, 0.95, 0.7, 0.6])
DURATION = np.array([(3, 30), (5, 20), (45, 180), (2, 15), (20, 90), (40, 120), (10, 40), (20, 120)])
CONTINUE_P = 0.64  # chance of moving on from each stage to the next
LOST_P = 0.45  # chance that a customer who stops before contract_signed is lost


class DemoError(Exception):
    zh = "数据库里已经有账号或客户,演示数据只写入空数据库。"
    en = "The database already holds accounts or customers; demo data goes into an empty database only."


@dataclass
class DemoResult:
    customers: int
    follow_ups: int
    users: int


@cache
def _initials(token: str) -> str:
    return "".join(p[0] for p in lazy_pinyin(token, style=Style.FIRST_LETTER) if p).lower()


@cache
def _pinyin(token: str) -> str:
    return "".join(lazy_pinyin(token))


def _accounts(store: Store) -> dict[str, int]:
    """The demo accounts: admin, leader, manager1–2, rep1–8 in two teams."""
    hashed = accounts.hash_password(DEMO_PASSWORD)  # one hash: the demo password is public anyway
    people = [("admin", "系统管理员", "admin", None), ("leader", "周总", "leader", None),
              ("manager1", "陈经理", "manager", 1), ("manager2", "林经理", "manager", 2)]
    reps = ["王磊", "李娜", "张伟", "刘洋", "陈静", "杨帆", "黄涛", "赵敏"]
    people += [(f"rep{i + 1}", name, "rep", 1 if i < 4 else 2) for i, name in enumerate(reps)]

    def work(cur):
        ids = {}
        for team_no, name in ((1, "华东销售一组"), (2, "华南销售二组")):
            cur.execute("INSERT INTO teams (id, name) VALUES ($i, $n)", {"i": team_no, "n": name})
        for i, (username, display, role, team) in enumerate(people, start=1):
            cur.execute("INSERT INTO users (id, username, display_name, role, team_id, password_hash)"
                        " VALUES ($i, $u, $d, $r, $t, $h)",
                        {"i": i, "u": username, "d": display, "r": role, "t": team, "h": hashed})
            ids[username] = i
        cur.execute("UPDATE teams SET manager_id = $m WHERE id = 1", {"m": ids["manager1"]})
        cur.execute("UPDATE teams SET manager_id = $m WHERE id = 2", {"m": ids["manager2"]})
        _advance(cur, "teams", 2)
        _advance(cur, "users", len(people))
        cur.execute("INSERT INTO settings (key, value) VALUES ('demo', 'true')")
        audit.record(cur, SYSTEM, "create", "users", None, detail=f"demo accounts: {len(people)}")
        return ids

    return store.write(work)


def _advance(cur, table: str, n: int) -> None:
    """Move a table's id sequence past ids assigned explicitly."""
    if n > 0:
        cur.execute(f"SELECT max(nextval('{table}_id_seq')) FROM range($n)", {"n": n})


def _to_us(d: date) -> int:
    return int(datetime.combine(d, time(0), tzinfo=local_tz()).timestamp() * 1_000_000)


def _work_hours(rng: np.random.Generator, t: np.ndarray, offset_us: int) -> np.ndarray:
    """Snap instants to 09:00–18:00 local time on the same local day."""
    local_day = (t + offset_us) // DAY * DAY
    return local_day - offset_us + 9 * HOUR + rng.integers(0, 9 * HOUR, size=t.shape)


def generate(store: Store, customers: int | None = None, follow_ups: int = 12_000, months: int = 24,
             as_of: date | None = None, seed: int = 7) -> DemoResult:
    """Fill an empty database with demo data; reproducible for the same arguments."""
    cur = store.cursor()
    if cur.execute("SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM customers)").fetchone()[0]:
        raise DemoError()
    as_of = as_of or datetime.now(local_tz()).date()
    n_c = customers or max(follow_ups // 10, 20)
    rng = np.random.default_rng(seed)
    ids = _accounts(store)
    rep_names = [f"rep{i}" for i in range(1, 9)]
    rep_ids = np.array([ids[r] for r in rep_names])
    rep_team = np.array([1] * 4 + [2] * 4)
    offset_us = int(datetime.now(local_tz()).utcoffset().total_seconds() * 1_000_000)
    first = as_of.year * 12 + as_of.month - 1 - (months - 1)  # months back, counted in whole months
    start_month = date(first // 12, first % 12 + 1, 1)
    # Up to 17:00 on as_of, and never later than now: a demo made in the morning has no afternoon yet.
    now_us = int(datetime.now(UTC).timestamp() * 1_000_000)
    t_start, t_end = _to_us(start_month), min(_to_us(as_of) + 17 * HOUR, now_us)

    # -- customers --------------------------------------------------------------------------
    t0 = _work_hours(rng, rng.integers(t_start, t_end - 3 * DAY, size=n_c), offset_us)
    owner_idx = rng.integers(0, 8, size=n_c)
    inds = list(INDUSTRY_WEIGHTS)
    ind_p = np.array([INDUSTRY_WEIGHTS[i] for i in inds])
    industry = np.array(inds)[rng.choice(len(inds), size=n_c, p=ind_p / ind_p.sum())]
    city_idx = rng.integers(0, len(CITIES), size=n_c)
    word = np.array([INDUSTRY_WORDS[i][rng.integers(0, len(INDUSTRY_WORDS[i]))] for i in industry])
    brand = np.array(BRANDS)[rng.integers(0, len(BRANDS), size=n_c)]
    suffix = np.array(SUFFIXES)[rng.choice(len(SUFFIXES), size=n_c, p=[0.55, 0.25, 0.15, 0.05])]
    city_short = np.array([c[1].rstrip("市") for c in CITIES])[city_idx]
    names = pl.Series(np.char.add(np.char.add(np.char.add(city_short, brand), word), suffix))
    dup = names.cum_count().over(names) if hasattr(names, "over") else None
    frame = pl.DataFrame({"name": names}).with_columns(k=pl.int_range(pl.len()).over("name"))
    names = frame.select(pl.when(pl.col("k") == 0).then(pl.col("name"))
                         .otherwise(pl.col("name") + "第" + (pl.col("k") + 1).cast(pl.Utf8) + "分公司")
                         ).to_series().to_list()
    del dup
    initials = [_initials(c) + _initials(b) + _initials(w) + _initials(s) for c, b, w, s in
                zip(city_short, brand, word, suffix)]
    initials = [i if not n.endswith("分公司") or "第" not in n else i + _initials(n[n.rindex("第"):])
                for i, n in zip(initials, names)]
    uscc = _uscc_codes(rng, n_c, [CITIES[i][3] for i in city_idx])
    size = np.array(["large", "medium", "small", "micro"])[rng.choice(4, size=n_c, p=[0.12, 0.3, 0.4, 0.18])]
    ctype = np.array(["new", "existing", "strategic"])[rng.choice(3, size=n_c, p=[0.6, 0.3, 0.1])]

    # -- stage paths ------------------------------------------------------------------------
    steps = np.zeros(n_c, dtype=int)  # forward steps beyond initial_contact
    alive = np.ones(n_c, dtype=bool)
    for _ in range(len(STAGES) - 1):
        alive &= rng.random(n_c) < CONTINUE_P
        steps += alive
    gaps = rng.gamma(2.0, 9.0, size=(n_c, len(STAGES) + 1)) * DAY + DAY
    times = t0[:, None] + np.cumsum(gaps, axis=1).astype(np.int64)
    times[:, 0] = t0
    times = _work_hours(rng, times, offset_us)
    times[:, 0] = t0
    times = np.maximum.accumulate(times + np.arange(times.shape[1]) * 60_000_000, axis=1)
    lost = (steps < STAGES.index("contract_signed")) & (rng.random(n_c) < LOST_P)

    change_cust, change_from, change_to, change_at = [], [], [], []
    reached = np.zeros(n_c, dtype=int)  # index of the last stage reached by as_of
    lost_at = np.full(n_c, -1, dtype=np.int64)
    for j in range(len(STAGES)):
        take = (steps >= j) & (times[:, j] <= t_end)
        idx = np.nonzero(take)[0]
        change_cust.append(idx)
        change_from.append(np.full(idx.size, None if j == 0 else STAGES[j - 1], dtype=object))
        change_to.append(np.full(idx.size, STAGES[j], dtype=object))
        change_at.append(times[idx, j])
        reached[take] = j
    lost_time = times[np.arange(n_c), steps + 1]
    did_lose = lost & (lost_time <= t_end)
    idx = np.nonzero(did_lose)[0]
    change_cust.append(idx)
    change_from.append(np.array([STAGES[reached[i]] for i in idx], dtype=object))
    change_to.append(np.full(idx.size, "lost", dtype=object))
    change_at.append(lost_time[idx])
    lost_at[idx] = lost_time[idx]
    stage_now = np.array(STAGES, dtype=object)[reached]
    stage_now[did_lose] = "lost"
    sc_cust = np.concatenate(change_cust)
    sc_from = np.concatenate(change_from)
    sc_to = np.concatenate(change_to)
    sc_at = np.concatenate(change_at)

    # -- ownership: ~5% reassigned within the team ------------------------------------------
    end_active = np.where(lost_at >= 0, lost_at, t_end)
    span = np.maximum(end_active - t0, HOUR)
    moved = (rng.random(n_c) < 0.05) & (span > 60 * DAY)
    moved_at = np.where(moved, t0 + (span * rng.uniform(0.3, 0.7, size=n_c)).astype(np.int64), np.iinfo(np.int64).max)
    other = (owner_idx % 4 + rng.integers(1, 4, size=n_c)) % 4 + (owner_idx // 4) * 4
    new_owner_idx = np.where(moved, other, owner_idx)

    def rep_at(cust: np.ndarray, when: np.ndarray) -> np.ndarray:
        return rep_ids[np.where(when >= moved_at[cust], new_owner_idx[cust], owner_idx[cust])]

    # -- follow-ups -------------------------------------------------------------------------
    forward = sc_from != None  # noqa: E711 - object array comparison
    f_parts = []
    # one follow-up at each stage change, carrying the new stage
    ch = rng.choice(len(CHANNELS), size=int(forward.sum()), p=CHANGE_CHANNEL_WEIGHTS)
    f_parts.append((sc_cust[forward], sc_at[forward], ch, sc_to[forward], np.ones(ch.size, dtype=bool)))
    # three product demos before every move into proposal (the default stage rule)
    into_proposal = sc_to == "proposal"
    pc, pt = sc_cust[into_proposal], sc_at[into_proposal]
    demo_c = np.repeat(pc, 3)
    demo_t = np.repeat(t0[pc], 3) + ((np.repeat(pt - t0[pc], 3)) * rng.uniform(0.05, 0.9, size=demo_c.size)).astype(np.int64)
    demo_t = np.minimum(_work_hours(rng, demo_t, offset_us), np.repeat(pt, 3) - HOUR)
    f_parts.append((demo_c, demo_t, np.full(demo_c.size, CHANNELS.index("demo")), np.full(demo_c.size, None, dtype=object),
                    np.ones(demo_c.size, dtype=bool)))
    rest = max(follow_ups - sum(p[0].size for p in f_parts), 0)
    counts = _spread(rng, rest, span) if rest else np.zeros(n_c, dtype=int)
    rc = np.repeat(np.arange(n_c), counts)
    rt = _work_hours(rng, t0[rc] + (span[rc] * rng.random(rc.size)).astype(np.int64), offset_us)
    rt = np.minimum(np.maximum(rt, t0[rc]), np.minimum(end_active[rc], t_end))
    rch = rng.choice(len(CHANNELS), size=rc.size, p=CHANNEL_WEIGHTS)
    f_parts.append((rc, rt, rch, np.full(rc.size, None, dtype=object), rng.random(rc.size) < EFFECTIVE_P[rch]))
    fc = np.concatenate([p[0] for p in f_parts])
    ft = np.concatenate([p[1] for p in f_parts])
    fch = np.concatenate([p[2] for p in f_parts])
    fstage = np.concatenate([p[3] for p in f_parts])
    feff = np.concatenate([p[4] for p in f_parts])
    order = np.lexsort((ft, fc))
    fc, ft, fch, fstage, feff = fc[order], ft[order], fch[order], fstage[order], feff[order]
    n_f = fc.size
    dur = rng.integers(DURATION[fch, 0], DURATION[fch, 1] + 1)
    local_date = ((ft + offset_us) // DAY).astype("datetime64[D]")
    next_date = local_date + rng.integers(3, 15, size=n_f).astype("timedelta64[D]")
    summary_pool = {c: np.array(SUMMARIES[c], dtype=object) for c in CHANNELS}
    summary = np.empty(n_f, dtype=object)
    for k, c in enumerate(CHANNELS):
        sel = fch == k
        summary[sel] = summary_pool[c][rng.integers(0, len(SUMMARIES[c]), size=int(sel.sum()))]
    outcome = np.array(OUTCOMES, dtype=object)[rng.integers(0, len(OUTCOMES), size=n_f)]
    next_action = np.array(NEXT_ACTIONS, dtype=object)[rng.integers(0, len(NEXT_ACTIONS), size=n_f)]
    f_rep = rep_at(fc, ft)

    # -- contracts --------------------------------------------------------------------------
    signed = sc_to == "contract_signed"
    kc, kt = sc_cust[signed], sc_at[signed]
    renew = np.nonzero(reached == STAGES.index("after_sales"))[0]
    renew = renew[rng.random(renew.size) < 0.3]
    renew_t = times[renew, STAGES.index("after_sales")] + rng.integers(20, 200, size=renew.size) * DAY
    keep = renew_t <= t_end
    kc = np.concatenate([kc, renew[keep]])
    kt = np.concatenate([kt, renew_t[keep]])
    amount = np.round(rng.lognormal(12.2, 0.75, size=kc.size), -2)

    # -- write ------------------------------------------------------------------------------
    us = lambda a: pl.Series(a, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
    customers_df = pl.DataFrame({
        "id": np.arange(1, n_c + 1), "name": names, "uscc": uscc, "industry": industry, "size": size,
        "province": [CITIES[i][0] for i in city_idx], "city": [CITIES[i][1] for i in city_idx],
        "district": [CITIES[i][2][rng.integers(0, len(CITIES[i][2]))] for i in city_idx],
        "customer_type": ctype,
        "group_name": np.where(rng.random(n_c) < 0.06, np.array(GROUPS)[rng.integers(0, len(GROUPS), n_c)], None),
        "owner_id": rep_ids[new_owner_idx], "stage": stage_now.astype(str), "name_initials": initials,
        "created_at": us(t0), "updated_at": us(t0),
    })
    stage_df = pl.DataFrame({
        "id": np.arange(1, sc_cust.size + 1), "customer_id": sc_cust + 1,
        "from_stage": pl.Series(sc_from.tolist(), dtype=pl.Utf8), "to_stage": sc_to.astype(str),
        "changed_at": us(sc_at), "changed_by": rep_at(sc_cust, sc_at),
        "created_at": us(sc_at), "updated_at": us(sc_at),
    })
    follow_df = pl.DataFrame({
        "id": np.arange(1, n_f + 1), "customer_id": fc + 1, "rep_id": f_rep, "occurred_at": us(ft),
        "channel": np.array(CHANNELS)[fch], "summary": summary.astype(str),
        "duration_minutes": dur.astype(np.int32), "effective": feff,
        "outcome": pl.Series(outcome.astype(str)).replace("", None),
        "stage_after": pl.Series(fstage.tolist(), dtype=pl.Utf8),
        "next_follow_up_date": next_date, "next_action": next_action.astype(str),
        "created_at": us(ft), "updated_at": us(ft),
    })
    contracts_df = pl.DataFrame({
        "id": np.arange(1, kc.size + 1), "customer_id": kc + 1, "rep_id": rep_at(kc, kt),
        "signed_on": ((kt + offset_us) // DAY).astype("datetime64[D]"), "amount": amount,
        "products": np.array(PRODUCTS)[rng.integers(0, len(PRODUCTS), size=kc.size)],
        "created_at": us(kt), "updated_at": us(kt),
    }).with_columns(pl.col("amount").cast(pl.Decimal(18, 2)))
    mc = np.nonzero(moved & (moved_at < t_end))[0]
    ownership_df = pl.DataFrame({
        "id": np.arange(1, mc.size + 1), "customer_id": mc + 1, "from_owner_id": rep_ids[owner_idx[mc]],
        "to_owner_id": rep_ids[new_owner_idx[mc]], "changed_at": us(moved_at[mc]),
        "changed_by": np.where(rep_team[owner_idx[mc]] == 1, ids["manager1"], ids["manager2"]),
        "created_at": us(moved_at[mc]), "updated_at": us(moved_at[mc]),
    })
    contacts_df = _contacts(rng, n_c, initials)
    needs_df = _needs(rng, n_c, t0, offset_us)
    targets_df = _targets(rng, rep_ids, start_month, as_of, follow_df, contracts_df, customers_df)
    feedback_df, surveys_df = _relationship(rng, n_c, t0, reached, stage_now, rep_ids[new_owner_idx], t_end,
                                            offset_us)
    risks_df = _raised_risks(rng, n_c, stage_now, rep_ids[new_owner_idx], t_end, t0)

    # Stored in time order, as real saves arrive: a period filter then skips whole row groups by
    # their zone maps (about half the cost of the period queries at 1,000,000 follow-ups).
    stage_df, follow_df = stage_df.sort("changed_at", "id"), follow_df.sort("occurred_at", "id")
    tables = {"customers": customers_df, "stage_changes": stage_df, "follow_ups": follow_df,
              "contracts": contracts_df, "ownership_changes": ownership_df, "contacts": contacts_df,
              "needs": needs_df, "targets": targets_df, "feedback": feedback_df, "surveys": surveys_df,
              "risks": risks_df}

    def work(cur):
        for table, df in tables.items():
            cur.register("demo_frame", df.to_arrow())
            cols = ", ".join(df.columns)
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM demo_frame")
            cur.unregister("demo_frame")
            _advance(cur, table, df.height)
        daily_summary.rebuild(cur)  # the follow-up summary kept on write, for rows written in bulk
        stage_summary.rebuild(cur)  # and the stage-change and risk summaries
        risk_summary.rebuild(cur)
        audit.record(cur, SYSTEM, "import", None, None,
                     detail=f"demo data: {n_c} customers, {n_f} follow-ups, seed {seed}, as of {as_of}")

    store.write(work, attempts=1)
    from pipelines.rules import risks  # computed risks and their recent history (issue 6)

    risks.seed_demo(store, as_of)
    return DemoResult(customers=n_c, follow_ups=n_f, users=len(ids))


def _spread(rng: np.random.Generator, total: int, weights: np.ndarray) -> np.ndarray:
    """`total` items spread over the slots in proportion to `weights` (a multinomial draw)."""
    # Summed as floats: the microsecond spans of ~1M customers overflow int64 (10M follow-ups).
    return rng.multinomial(total, weights / weights.sum(dtype=np.float64))


def _uscc_codes(rng: np.random.Generator, n: int, regions: list[str]) -> list[str]:
    """Distinct, valid codes: 9 (SAIC) 1 (enterprise) + region + organisation code + check.

    Both check characters are computed column-wise: the organisation code's (GB 11714) and
    the code's own (GB 32100-2015, the weights of stdnum.cn.uscc); tests check every code
    with stdnum.
    """
    start = int(rng.integers(0, 10**8))
    org8 = (np.arange(n, dtype=np.int64) * 7_919_113 + start) % 10**8  # a bijection: distinct codes
    digits = (org8[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    c9 = 11 - (digits * np.array([3, 7, 9, 10, 5, 8, 4, 2])).sum(axis=1) % 11
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    c9_index = np.where(c9 == 10, alphabet.index("X"), np.where(c9 == 11, 0, c9))
    region = np.array([[int(ch) for ch in r] for r in regions]).reshape(n, 6)
    body = np.concatenate([np.full((n, 1), 9), np.full((n, 1), 1), region, digits, c9_index[:, None]], axis=1)
    weights = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
    check = (31 - (body * weights).sum(axis=1) % 31) % 31
    chars = np.array(list(alphabet))
    full = np.concatenate([body, check[:, None]], axis=1)
    return ["".join(row) for row in chars[full].tolist()]


def _contacts(rng: np.random.Generator, n_c: int, initials: list[str]) -> pl.DataFrame:
    per = rng.integers(1, 4, size=n_c)
    cust = np.repeat(np.arange(n_c), per)
    n = cust.size
    sur = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), size=n)]
    giv = np.array(GIVEN)[rng.integers(0, len(GIVEN), size=n)]
    pos = rng.integers(0, len(POSITIONS), size=n)
    first = np.concatenate([[True], cust[1:] != cust[:-1]])
    pos = np.where(first, rng.choice([2, 3, 9], size=n), pos)  # every customer has a decision maker
    mobile = [p + f"{x:08d}" for p, x in zip(np.array(MOBILE_PREFIXES)[rng.integers(0, len(MOBILE_PREFIXES), size=n)],
                                               rng.integers(0, 10**8, size=n).tolist())]
    domain = [initials[c] + ".com.cn" for c in cust]
    emails = [f"{_pinyin(g)}.{_pinyin(s)}@{d}" for s, g, d in zip(sur, giv, domain)]
    return pl.DataFrame({
        "id": np.arange(1, n + 1), "customer_id": cust + 1, "name": np.char.add(sur, giv),
        "position": [POSITIONS[p][0] for p in pos], "decision_role": [POSITIONS[p][1] for p in pos],
        "phone": ["+86" + m for m in mobile], "email": emails,
        "wechat": [f"wx_{_pinyin(s)}{m[-4:]}" for s, m in zip(sur, mobile)],
    })


def _needs(rng: np.random.Generator, n_c: int, t0: np.ndarray, offset_us: int) -> pl.DataFrame:
    cust = np.nonzero(rng.random(n_c) < 0.6)[0]
    pick = rng.integers(0, len(NEEDS), size=cust.size)
    raised = ((t0[cust] + offset_us) // DAY + rng.integers(0, 20, size=cust.size)).astype("datetime64[D]")
    return pl.DataFrame({
        "id": np.arange(1, cust.size + 1), "customer_id": cust + 1,
        "description": [NEEDS[p][0] for p in pick], "raised_on": raised,
        "pain_point": [NEEDS[p][1] for p in pick], "impact": [NEEDS[p][2] for p in pick],
    })


def _targets(rng, rep_ids, start_month: date, as_of: date, follow_df, contracts_df, customers_df) -> pl.DataFrame:
    """A target for every rep and month of the window, near what reps actually reach."""
    months = pl.date_range(start_month, as_of.replace(day=1), "1mo", eager=True)
    n_months = len(months)
    won = contracts_df["amount"].cast(pl.Float64).sum() / max(len(rep_ids) * n_months, 1)
    eff = follow_df["effective"].sum() / max(len(rep_ids) * n_months, 1)
    new = customers_df.height / max(len(rep_ids) * n_months, 1)
    grid = pl.DataFrame({"rep_id": np.repeat(rep_ids, n_months), "month": pl.concat([months] * len(rep_ids))})
    n = grid.height
    return grid.with_columns(
        id=pl.int_range(1, n + 1),
        amount=pl.Series(np.round(won * rng.uniform(0.9, 1.3, size=n), -4)).cast(pl.Decimal(18, 2)),
        effective_follow_ups=pl.Series(np.ceil(eff * rng.uniform(0.95, 1.2, size=n)).astype(np.int32)),
        new_customers=pl.Series(np.ceil(new * rng.uniform(0.9, 1.3, size=n)).astype(np.int32)),
    )


def _relationship(rng, n_c, t0, reached, stage_now, owner, t_end, offset_us):
    """Complaints (some overdue) and satisfaction surveys (some low) for signed customers."""
    signed = np.nonzero((reached >= STAGES.index("contract_signed")) & (stage_now != "lost"))[0]
    comp = signed[rng.random(signed.size) < 0.12]
    created = t_end - rng.integers(1, 120, size=comp.size) * DAY
    sev = np.array(["low", "medium", "high"])[rng.choice(3, size=comp.size, p=[0.5, 0.35, 0.15])]
    if comp.size:  # at least one open complaint past its deadline, so the board shows the rule
        created[0], sev[0] = t_end - 20 * DAY, "high"
    days = np.select([sev == "high", sev == "medium"], [3, 7], 14)
    deadline = ((created + offset_us) // DAY + days).astype("datetime64[D]")
    status = np.array(["open", "in_progress", "resolved"])[rng.choice(3, size=comp.size, p=[0.15, 0.15, 0.7])]
    status[:1] = "open"
    resolved_at = np.where(status == "resolved", _before_end(created, rng.integers(1, 10, size=comp.size) * DAY,
                                                             t_end), 0)
    kind = np.where(rng.random(comp.size) < 0.7, "complaint", "feedback")
    kind[:1] = "complaint"
    feedback = pl.DataFrame({
        "id": np.arange(1, comp.size + 1), "customer_id": comp + 1,
        "kind": kind, "severity": sev,
        "description": np.array(["交付延期两周", "设备故障响应慢", "发票开具有误", "培训不到位", "希望增加报表功能"])[
            rng.integers(0, 5, size=comp.size)],
        "owner_id": owner[comp], "deadline": deadline, "status": status,
        "resolution_note": np.where(status == "resolved", "已与客户沟通并处理完毕", None),
        "resolved_at": pl.Series(np.where(resolved_at > 0, resolved_at, None).tolist(), dtype=pl.Int64)
        .cast(pl.Datetime("us", "UTC")),
        "created_at": pl.Series(created, dtype=pl.Int64).cast(pl.Datetime("us", "UTC")),
    })
    surv = signed[rng.random(signed.size) < 0.6]
    scale = np.where(rng.random(surv.size) < 0.2, "nps", "csat")
    score = np.where(scale == "csat", rng.choice([1, 2, 3, 4, 5], size=surv.size, p=[0.04, 0.06, 0.2, 0.4, 0.3]),
                     rng.choice(11, size=surv.size, p=[0.02] * 5 + [0.05, 0.08, 0.15, 0.2, 0.2, 0.22]))
    surveyed = ((t_end - rng.integers(1, 300, size=surv.size) * DAY + offset_us) // DAY).astype("datetime64[D]")
    scale[:1], score[:1] = "csat", 2  # at least one low satisfaction score
    surveys = pl.DataFrame({
        "id": np.arange(1, surv.size + 1), "customer_id": surv + 1, "scale": scale,
        "score": score.astype(np.int32), "comment": np.where(score <= 2, "服务响应需要改进", "整体满意"),
        "surveyed_on": surveyed,
    })
    return feedback, surveys


def _before_end(start: np.ndarray, after: np.ndarray, t_end: int) -> np.ndarray:
    """`start + after`, kept before the demo's present moment (a risk closed or a complaint
    resolved next month would count as open at every month's end until then)."""
    return start + np.minimum(after, (t_end - start) * 9 // 10)


def _raised_risks(rng, n_c, stage_now, owner, t_end, t0) -> pl.DataFrame:
    """Warnings raised by reps: decision-maker changes (red), budget cuts, competitors (yellow),
    none before the customer's first contact (`t0`: a card read 「自 2026-09-20 起」 for a customer
    first met in November)."""
    active = np.nonzero((stage_now != "lost") & (stage_now != "after_sales"))[0]
    pick = active[rng.random(active.size) < 0.07]
    rules = np.array(["decision_maker_change", "budget_cut", "competitor_engaged", "manual"])
    rule = rules[rng.choice(4, size=pick.size, p=[0.28, 0.34, 0.26, 0.12])]
    rule[:4] = rules[:pick.size]  # every raised rule open at least once (the first four stay open)
    level = np.where(rule == "decision_maker_change", "red", "yellow")
    raised = np.maximum(t_end - rng.integers(1, 90, size=pick.size) * DAY, t0[pick] + HOUR)
    status = np.array(["open", "acknowledged", "resolved"])[rng.choice(3, size=pick.size, p=[0.55, 0.2, 0.25])]
    status[:4] = "open"
    closed = np.where(status == "resolved", _before_end(raised, rng.integers(1, 20, size=pick.size) * DAY, t_end), 0)
    acknowledged = np.where(status != "open", raised + np.minimum(DAY, (t_end - raised) // 2), 0)  # before closed
    notes = {"decision_maker_change": "客户更换了分管副总,新领导尚未见面",
             "budget_cut": "客户反馈今年预算削减约30%", "competitor_engaged": "竞争对手已提交报价,价格低10%",
             "manual": "客户内部审计,采购流程暂停一个月"}
    return pl.DataFrame({
        "id": np.arange(1, pick.size + 1), "customer_id": pick + 1, "level": level, "rule": rule,
        "note": [notes[r] for r in rule], "status": status,
        "raised_at": pl.Series(raised, dtype=pl.Int64).cast(pl.Datetime("us", "UTC")),
        "closed_at": pl.Series(np.where(closed > 0, closed, None).tolist(), dtype=pl.Int64)
        .cast(pl.Datetime("us", "UTC")),
        "raised_by": owner[pick],
        "acknowledged_at": pl.Series(np.where(acknowledged > 0, acknowledged, None).tolist(), dtype=pl.Int64)
        .cast(pl.Datetime("us", "UTC")),
        "acknowledged_by": pl.Series(np.where(acknowledged > 0, owner[pick], None).tolist(), dtype=pl.Int64),
        "closed_by": pl.Series(np.where(closed > 0, owner[pick], None).tolist(), dtype=pl.Int64),
    })
