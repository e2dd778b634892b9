"""Raising a risk warning by hand: the form the risk board (`/risks`, after picking a customer)
and a customer's 风险 tab share, and the words of a refused risk action."""

from __future__ import annotations

import streamlit as st

from dashboard.data import actor, run_write, store
from dashboard.i18n import label, t
from pipelines import risk_actions
from pipelines.codes import RAISED_RULES
from pipelines.rules import risks


def error_text(exc: risk_actions.RiskActionError) -> str:
    values = dict(exc.values)
    if "rule" in values:
        values["rule"] = label("rule", values["rule"])
    return t(f"risk.{exc.key}", **values)


def raise_form(customer_id: int, key: str) -> bool:
    """The form for one customer; True once a warning was raised (the caller says so and reruns).
    A refusal (a kind already open, 人工预警 without a note) is said under the form, which stays
    filled in. A raised one leaves an empty form (a new key): kept filled in, a second press
    raised it again, or said it was open already."""
    done = f"{key}_done"
    count = st.session_state.get(done, 0)
    rules = risks.rules(store())  # read once, not once per kind
    levels = {c: (rules.get(c) or {}).get("level") for c in RAISED_RULES if c != "manual"}
    # The kind outside the form, so that picking it reruns: only 人工预警 takes a level chosen by
    # hand; the others' is the rules', said beside the kind and under it (a level choice shown for
    # them could be clicked and did nothing). No kind is chosen for the user: the first,
    # 决策层变动(红色), was raised by a user who only typed a note.
    rule = st.selectbox(t("risk.raise_rule"), list(RAISED_RULES), format_func=lambda c: label("rule", c) + (
        t("risk.raise_rule_level", level=label("level", levels[c])) if levels.get(c) else ""), index=None,
        placeholder=t("common.choose"), key=f"{key}_rule_{count}")
    with st.form(f"{key}_{count}", border=False):
        level = None
        if rule == "manual":
            level = st.radio(t("risk.raise_level"), ["yellow", "red"], horizontal=True,
                             format_func=lambda c: label("level", c))
        elif levels.get(rule):
            st.caption(t("risk.raise_level_fixed", level=label("level", levels[rule])))
        note = st.text_area(t("risk.raise_note"), max_chars=4000)
        if not st.form_submit_button(t("risk.raise_submit"), type="primary"):
            return False

    if rule is None:
        st.error(t("risk.error_pick_rule"))
        return False

    def work():
        try:
            risk_actions.raise_risk(store(), actor(), customer_id, rule, note, level)
            return True
        except risk_actions.RiskActionError as exc:
            st.error(error_text(exc))
            return None

    if not run_write(work):
        return False
    st.session_state[done] = st.session_state.get(done, 0) + 1
    return True
