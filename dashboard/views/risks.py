"""Risk board (`/risks`): counts by level, a column per level with a card per customer, the
warnings' evidence and age, acknowledge / note / resolve, raising a warning, a customer's
risk history and the trend of open warnings. Reps see their own customers, managers their
team's, leadership all (read-only)."""

from __future__ import annotations

import streamlit as st

from dashboard import analytics_ui as ui
from dashboard import fmt
from dashboard.data import actor, cached, run_write, store
from dashboard.filter_bar import filter_bar, today
from dashboard.guard import callback, guard, safely
from dashboard.i18n import label, lang, t
from dashboard.levels import BADGE_COLORS
from dashboard.risk_charts import trend_figure
from dashboard.risk_forms import error_text, raise_form
from dashboard.widgets import keep_choice, page_link
from pipelines import customer_views, risk_actions, risk_board
from pipelines.codes import RAISED_RULES, RISK_LEVELS, RISK_RULES
from pipelines.rules import risks

AGES = (0, 7, 30, 90)
PER_COLUMN = 15  # cards per column at first (each has buttons and popovers: 30 took the browser 3.5 s)
FLASH = "risks_flash"
DONE = "risks_done"  # actions done on the board: a part of every popover's key (see _popover)


def _act(work, ok_key: str) -> None:
    """Run a card's risk action; on success rerun with a message and the popovers shut (new
    keys), a refusal with its reason (a refusal drawn in the popover went unseen) and the
    popover left open to correct."""
    def wrapped():
        try:
            work()
            return True
        except risk_actions.RiskActionError as exc:
            st.session_state[FLASH] = ("error", error_text(exc))
            st.rerun()

    if run_write(wrapped):
        st.session_state[FLASH] = ("success", t(ok_key))
        st.session_state[DONE] = st.session_state.get(DONE, 0) + 1
        st.rerun()


def _popover(row, label_key: str, icon: str, key: str):
    """A card's action popover. Keyed: unkeyed, a popover is known by its place, so when a
    resolved card left the board the next card's popover took its place and opened, empty,
    under another customer's name. The key holds the count of actions done, so a finished
    action's popover is a new one, shut (it stayed open over the emptied form). Shutting it
    through its tracked state instead raced the browser: under load the note's popover opened
    again over the next one."""
    return row.popover(t(label_key), icon=icon, key=f"{key}_{st.session_state.get(DONE, 0)}")


def _filters(role: str) -> risk_board.BoardFilter:
    people = filter_bar("risks", fields=("team", "rep")) if role != "rep" else None
    left, right = st.columns([3, 1])
    rules = left.multiselect(t("risk.filter_rule"), list(RISK_RULES), key="risks_rules",
                             format_func=lambda c: label("rule", c), placeholder=t("risk.rule_all"), select_all=False)
    keep_choice("risks_age", AGES, AGES[0])  # named anew after a language switch
    age = right.selectbox(t("risk.filter_age"), AGES, key="risks_age",
                          format_func=lambda d: t("risk.age_over", days=d) if d else t("risk.age_any"), placeholder=t("common.choose"))
    return risk_board.BoardFilter(team=people.team if people else (), rep=people.rep if people else (),
                                  rules=tuple(rules), min_age_days=int(age) + (1 if age else 0))


def _entry_actions(entry: dict) -> None:
    rid = entry["risk_id"]
    raised = entry["rule"] in RAISED_RULES
    row = st.container(horizontal=True, gap="small", key=f"risk_actions_{rid}")
    if entry["status"] == "open" and row.button(t("risk.acknowledge"), key=f"ack_{rid}", icon=":material/visibility:",
                                                help=None if raised else t("risk.computed_hint")):
        _act(lambda: risk_actions.acknowledge(store(), actor(), rid), "risk.acknowledged_ok")
    with _popover(row, "risk.add_note", ":material/edit_note:", f"note_pop_{rid}"), \
            st.form(f"note_{rid}", border=False):
        note = st.text_area(t("risk.note_label"), key=f"note_text_{rid}", max_chars=4000)
        if st.form_submit_button(t("risk.save_note")):
            _act(lambda: risk_actions.add_note(store(), actor(), rid, note), "risk.noted_ok")
    if raised:
        with _popover(row, "risk.resolve", ":material/task_alt:", f"resolve_pop_{rid}"), \
                st.form(f"resolve_{rid}", border=False):
            note = st.text_area(t("risk.resolve_note"), key=f"resolve_text_{rid}", max_chars=4000)
            if st.form_submit_button(t("risk.confirm_resolve"), type="primary"):
                _act(lambda: risk_actions.resolve(store(), actor(), rid, note), "risk.resolved_ok")


def _card(card: dict, can_act: bool) -> None:
    with st.container(border=True):
        # the customer's page (follow-ups, contacts, what was said) one tap away
        page_link("customers", label=f"**{fmt.literal(card['customer_name'])}**", icon=":material/open_in_new:",
                  query={"id": str(card["customer_id"])})
        st.caption(f"{t('risk.owner', name=fmt.literal(card['owner_name'] or '—'))} · {label('stage', card['stage'])}")
        for entry in card["entries"]:
            st.badge(f"{label('level', entry['level'])} · {label('rule', entry['rule'])}",
                     color=BADGE_COLORS[entry["level"]])
            text = risk_board.evidence_text(entry["rule"], entry["evidence"], lang(), note=entry["note"])
            text = t("risk.evidence_on_track") if entry["rule"] == "on_track" else fmt.literal(text)
            if text:
                st.markdown(text)
            details = [t("risk.since", date=fmt.day(entry["since"]), days=risk_board.age_days(entry["since"]))]
            if entry["status"]:
                details.append(t("risk.status_line", status=label("risk_status", entry["status"])))
            if entry["note"] and entry["evidence"] and not entry["latest_note"]:
                details.append(t("risk.note_line", note=fmt.literal(entry["note"])))
            st.caption(" · ".join(details))
            if entry["latest_note"]:  # the newest note people added: what is being done about it
                st.caption(t("risk.latest_note", note=fmt.literal(entry["latest_note"]), by=fmt.literal(entry["latest_note_by"] or "—"),
                             date=fmt.day(entry["latest_note_at"])))
            if can_act and entry["risk_id"] is not None:
                _entry_actions(entry)


def _shown(level: str) -> int:
    """How many cards the level's column shows: PER_COLUMN more each time its button is pressed."""
    return st.session_state.get(f"risk_shown_{level}", PER_COLUMN)


@callback
def _show_more(level: str) -> None:
    st.session_state[f"risk_shown_{level}"] = _shown(level) + PER_COLUMN


def _columns(cards, counts: dict[str, int], can_act: bool) -> None:
    # One level alone on request: on a phone the three columns stack, and the yellow and green
    # cards lay under the red ones, 21,900 px down; with a mouse, one level's cards across the page.
    only = st.segmented_control(t("risk.show_level"), RISK_LEVELS, key="risks_only",
                                format_func=lambda c: t("risk.column", level=label("level", c), count=counts[c]))
    levels = [only] if only else list(RISK_LEVELS)
    for level, col in zip(levels, st.columns(len(levels))):
        with col:
            st.badge(t("risk.column", level=label("level", level), count=counts[level]),
                     color=BADGE_COLORS[level])
            rows = cards.filter(cards["column_level"] == level).head(_shown(level)).to_dicts()
            if not rows:
                st.caption(t("risk.column_empty"))
            for card in rows:
                _card(card, can_act)
            if counts[level] > len(rows):
                st.caption(t("risk.column_more", shown=len(rows), count=counts[level]))
                st.button(t("risk.show_more", n=min(PER_COLUMN, counts[level] - len(rows))),
                          key=f"risk_more_{level}", icon=":material/expand_more:", on_click=_show_more,
                          args=(level,))


def _pick_customer(key: str, label_key: str) -> int | None:
    q = st.text_input(t("risk.search"), key=f"{key}_q", placeholder=t("risk.search_hint"))
    found = cached(customer_views.picker, q.strip().lower(), 30)
    if found.is_empty():
        st.caption(t("risk.raise_no_customers"))
        return None
    names = dict(zip(found["id"].to_list(), found["name"].to_list()))
    # none chosen until the user picks one: the first listed, chosen for them, took a red
    # warning raised with one click
    return st.selectbox(t(label_key), list(names), key=f"{key}_pick", format_func=lambda i: names[i],
                        index=None, placeholder=t("common.choose"))


def _opened(label_key: str, icon: str, key: str):
    """An expander whose content runs only while it is open: its customer picker reads every
    visible customer's latest follow-up, which most visits to the board do not need."""
    box = st.expander(t(label_key), icon=icon, key=key, on_change="rerun")
    return box if box.open else None


def _raise_form() -> None:
    if (box := _opened("risk.raise_title", ":material/add_alert:", "risks_raise_open")) is None:
        return
    with box:
        customer_id = _pick_customer("risks_raise", "risk.raise_customer")
        if customer_id is None:
            return
        if raise_form(customer_id, "risks_raise_form"):
            st.session_state[FLASH] = ("success", t("risk.raised_ok"))
            # the next warning is for a customer picked anew (the last one stayed, as if not raised)
            for left in ("risks_raise_q", "risks_raise_pick"):
                st.session_state.pop(left, None)
            st.rerun()


def _history() -> None:
    if (box := _opened("risk.history_title", ":material/history:", "risks_history_open")) is None:
        return
    with box:
        customer_id = _pick_customer("risks_history", "risk.history_customer")
        if customer_id is None:
            return
        frame = cached(risk_board.history, customer_id)
        if frame.is_empty():
            st.caption(t("risk.history_empty"))
            return
        shown = frame.select("happened_at", "action", "rule", "level", "note", "actor_name").to_dicts()
        for row in shown:
            row["happened_at"] = fmt.moment(row["happened_at"])
            row["action"] = t(f"risk_action.{row['action']}")
            row["rule"], row["level"] = label("rule", row["rule"]), label("level", row["level"])
            row["note"], row["actor_name"] = row["note"] or "—", row["actor_name"] or "—"  # the rules' own steps
        st.dataframe([{t(f"risk_history.{k}"): v for k, v in row.items()} for row in shown],
                     hide_index=True, width="stretch")


def render() -> None:
    guard("risks")
    user = actor()
    risks.ensure_fresh(store())
    st.title(t("risk.title"))
    st.caption(t("risk.intro"))
    if FLASH in st.session_state:
        # a toast, seen wherever the user is scrolled to (a card far down the board, a phone);
        # a message at the top was out of view there, and when the next run (a popover opened)
        # took it away the page moved up under the open popover
        kind, text = st.session_state.pop(FLASH)
        st.toast(text, icon=":material/error:" if kind == "error" else ":material/check_circle:")
    can_act = not user.read_only
    if not can_act:
        st.info(t("risk.read_only"), icon=":material/visibility:")
    flt = _filters(user.role)
    cards = cached(risk_board.board, flt, today(), max(_shown(level) for level in RISK_LEVELS))
    counts = risk_board.column_counts(cards)
    open_counts = risk_board.board_open_counts(cards)
    m = st.columns(3)
    for col, level in zip(m, RISK_LEVELS):
        col.metric(t(f"risk.count_{level}"), f"{counts[level]:,}", border=True,
                   help=t("risk.count_help", open=f"{open_counts['red'] + open_counts['yellow']:,}"))
    if cards.is_empty():  # a filter to widen, or no customer at all (a new rep's first day)
        st.info(t("risk.empty") if (flt.team or flt.rep or flt.rules or flt.min_age_days) else t("risk.empty_none"))
    else:
        _columns(cards, counts, can_act)
    trend = cached(risk_board.trend, flt, 26, today())
    if trend["open_risks"].sum() == 0:
        st.caption(t("risk.trend_empty"))
    else:
        ui.explain("risk_trend", filters_note=False)  # the board has no channel or contract  # its definition one click away, as every other chart's
        st.plotly_chart(trend_figure(trend, lang()), config={"displayModeBar": False})
    if can_act:
        _raise_form()
    _history()


safely(render)
