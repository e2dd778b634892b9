"""Admin section: risk rules (level, switch, threshold), follow-up cadence by stage and
feedback deadlines by severity. Saving the rules re-evaluates every customer at once."""

from __future__ import annotations

import streamlit as st

from dashboard.data import actor, run_write, store
from dashboard.guard import callback
from dashboard.i18n import label, t
from dashboard.widgets import field_error, notice
from pipelines import settings
from pipelines.codes import SEVERITIES, STAGES
from pipelines.rules import risks

TITLE_KEY = "rules_admin.title"


S = st.session_state


def _error(exc: risks.RuleError) -> dict[str, str]:
    """{each box at fault: its message}: a rule's, a stage's or a severity's (the order of the two
    silence rules is the 60-day one's)."""
    said = {}
    for one in exc.all:
        values = dict(one.values)
        field = values.get("rule") or values.get("code") or "silent_60d"
        if "rule" in values:
            values["rule"] = label("rule", values["rule"])
        if "code" in values:
            values["code"] = label("stage", values["code"]) if values["code"] in STAGES else label("severity", values["code"])
        said.setdefault(field, t(f"risk.{one.key}", **values))
    return said


@callback
def _save(work, done, form: str) -> None:
    """The save button's callback, run before the page is drawn: a refused value is said beside
    its box, the outcome above the form (both in session state under `form`)."""
    def wrapped():
        S[f"{form}_errors"], S[f"{form}_notice"] = {}, None
        try:
            result = work()
        except risks.RuleError as exc:
            S[f"{form}_errors"] = _error(exc)
            return
        # None: the values in force, nothing written
        S[f"{form}_notice"] = ("info", t("rules_admin.unchanged")) if result is None else ("success", done(result))

    run_write(wrapped)


def _notice(form: str) -> dict[str, str]:
    """The last save's outcome above the form; the refused boxes' messages."""
    notice(f"{form}_notice")
    return S.get(f"{form}_errors", {})


def _edited_rules(config: dict[str, dict]) -> dict[str, dict]:
    """The rules as the form holds them (read in the save button's callback)."""
    edited = {}
    for rule in config:
        row = {"enabled": S[f"adm_rr_on_{rule}"]}
        if rule != "manual":
            row["level"] = S[f"adm_rr_lv_{rule}"]
        if rule in risks.THRESHOLDS:
            row[risks.THRESHOLDS[rule][0]] = S[f"adm_rr_n_{rule}"]
        edited[rule] = row
    return edited


def _rules() -> None:
    config = risks.rules(store())
    errs = _notice("adm_rr")
    with st.form("adm_risk_rules"):
        for rule, values in config.items():
            left, on, level, number = st.columns([5, 1, 2, 2])
            left.markdown(f"**{label('rule', rule)}**  \n{t(f'rule_condition.{rule}')}")
            on.checkbox(t("rules_admin.enabled"), values["enabled"], key=f"adm_rr_on_{rule}")
            if rule != "manual":
                level.selectbox(t("rules_admin.level"), ["red", "yellow"], key=f"adm_rr_lv_{rule}",
                                index=["red", "yellow"].index(values["level"]), format_func=lambda c: label("level", c), placeholder=t("common.choose"))
            if rule in risks.THRESHOLDS:
                name, low, high = risks.THRESHOLDS[rule]
                # no min/max: the browser would keep an out-of-range number to itself (a red
                # box) and send the old one, which then "saved"; validate() names the range.
                # A decimal box (shown as typed, %g): a whole-number box cut 2.5 to 2 and saved it
                number.number_input(t("rules_admin.threshold"), value=float(values[name]), step=1.0, format="%g",
                                    key=f"adm_rr_n_{rule}", help=t("rules_admin.range", min=low, max=high))
                with number:
                    field_error(errs, rule)
        st.form_submit_button(t("rules_admin.save"), type="primary", icon=":material/save:", on_click=_save, args=(
            lambda: risks.save(store(), actor(), _edited_rules(config)),
            lambda c: t("rules_admin.saved", opened=c.opened, updated=c.updated, closed=c.closed), "adm_rr"))


def _days(key: str, codes: tuple[str, ...], kind: str, title_key: str, help_key: str | None) -> None:
    current = settings.get(store(), key) or {}
    st.subheader(t(title_key), help=t(help_key) if help_key else None)
    errs = _notice(f"adm_{key}")
    with st.form(f"adm_{key}"):
        for code, col in zip(codes, st.columns(len(codes))):
            col.number_input(label(kind, code), value=float(current.get(code, 7)), step=1.0, format="%g",
                             key=f"adm_{key}_{code}", help=t("rules_admin.range", min=1, max=365))  # as above
            with col:
                field_error(errs, code)
        st.form_submit_button(t("common.save"), icon=":material/save:", on_click=_save, args=(
            lambda: risks.save_days(store(), actor(), key, {c: S[f"adm_{key}_{c}"] for c in codes}, codes),
            lambda _: t("common.saved"), f"adm_{key}"))


def render() -> None:
    st.caption(t("rules_admin.intro"))
    _rules()
    _days("cadence_days", STAGES, "stage", "rules_admin.cadence_title", "rules_admin.cadence_help")
    _days("feedback_deadline_days", SEVERITIES, "severity", "rules_admin.deadline_title", None)
