"""What the filter bar offers (pipelines.filters.options): one read, scoped to the acting user."""

from __future__ import annotations

from pipelines.filters import options


def _seed(store, org) -> None:
    cur = store.cursor()
    cur.execute("INSERT INTO users (username, display_name, role, team_id, active) VALUES ('rep4', 'rep4', 'rep', $t,"
                " false)", {"t": org.teams[1]})
    rows = [("rep1", "广东", None), ("rep1", "广东", None), ("rep1", "北京", None), ("rep1", None, None),
            ("rep2", "天津", "2026-09-10 00:00:00+08"), ("rep3", "上海", None), ("rep3", "上海", None),
            ("rep3", "上海", None), ("rep3", "北京", None)]
    for n, (owner, province, deleted) in enumerate(rows):
        cur.execute("INSERT INTO customers (name, owner_id, province, deleted_at) VALUES ($n, $o, $p, $d)",
                    {"n": f"C{n}", "o": org[owner].id, "p": province, "d": deleted})


def test_admin_is_offered_every_team_active_rep_and_live_province(store, org):
    _seed(store, org)
    got = options(store, org["admin"])
    assert got["team"] == ["一组", "二组"]
    assert got["rep"] == ["rep1", "rep2", "manager1", "rep3", "manager2"]  # by team, reps before managers
    assert got["rep_names"] == {u: u for u in got["rep"]}
    assert got["province"] == ["上海", "北京", "广东"]  # most customers first, then by name; 天津's is deleted


def test_manager_and_rep_are_offered_only_what_they_may_see(store, org):
    _seed(store, org)
    manager = options(store, org["manager1"])
    assert manager["team"] == ["一组"]
    assert manager["rep"] == ["rep1", "rep2", "manager1"]
    assert manager["province"] == ["广东", "北京"]
    rep = options(store, org["rep3"])
    assert (rep["team"], rep["rep"], rep["province"]) == (["二组"], ["rep3"], ["上海", "北京"])


def test_nothing_to_offer_is_empty_lists(store, org):
    assert options(store, org["rep1"]) == {"team": ["一组"], "rep": ["rep1"], "rep_names": {"rep1": "rep1"},
                                           "province": []}


def test_this_and_last_week_run_monday_to_sunday():
    """A team's weekly review had no 本周 or 上周: it needed 自定义 dates (weeks start on Monday)."""
    from datetime import date

    from pipelines.periods import PRESETS, match_preset, preset_range

    thursday = date(2026, 11, 26)
    assert preset_range("this_week", thursday) == (date(2026, 11, 23), date(2026, 11, 29))
    assert preset_range("last_week", thursday) == (date(2026, 11, 16), date(2026, 11, 22))
    assert preset_range("this_week", date(2026, 11, 23)) == (date(2026, 11, 23), date(2026, 11, 29))  # a Monday
    assert preset_range("last_week", date(2027, 1, 3)) == (date(2026, 12, 21), date(2026, 12, 27))  # across a year
    assert match_preset(date(2026, 11, 16), date(2026, 11, 22), thursday) == "last_week"
    assert PRESETS[:2] == ("this_week", "last_week")
