"""Admin section: risk rules (level, switch, threshold), follow-up cadence by stage and
feedback deadlines by severity. Saving the rules re-evaluates every customer at once."""

from __future__ import annotations

import streamlit as st

from dashboard.data import actor, run_write, store
from dashboard.i18n import label, t
from pipelines import settings
from pipelines.codes import SEVERITIES, STAGES
from pipelines.rules import risks

TITLE_KEY = "rules_admin.title"


def _error(exc: risks.RuleError) -> None:
    values = dict(exc.values)
    if "rule" in values:
        values["rule"] = label("rule", values["rule"])
    if "code" in values:
        values["code"] = label("stage", values["code"]) if values["code"] in STAGES else label("severity", values["code"])
    st.error(t(f"risk.{exc.key}", **values))


def _save(work, done) -> None:
    def wrapped():
        try:
            result = work()
        except risks.RuleError as exc:
            _error(exc)
            return None
        if result is None:  # the values in force: nothing written
            st.info(t("rules_admin.unchanged"), icon=":material/info:")
            return None
        return done(result)

    run_write(wrapped)


def _rules() -> None:
    config = risks.rules(store())
    edited: dict[str, dict] = {}
    with st.form("adm_risk_rules"):
        for rule, values in config.items():
            left, on, level, number = st.columns([5, 1, 2, 2])
            left.markdown(f"**{label('rule', rule)}**  \n{t(f'rule_condition.{rule}')}")
            row = {"enabled": on.checkbox(t("rules_admin.enabled"), values["enabled"], key=f"adm_rr_on_{rule}")}
            if rule != "manual":
                row["level"] = level.selectbox(t("rules_admin.level"), ["red", "yellow"], key=f"adm_rr_lv_{rule}",
                                               index=["red", "yellow"].index(values["level"]),
                                               format_func=lambda c: label("level", c))
            if rule in risks.THRESHOLDS:
                name, low, high = risks.THRESHOLDS[rule]
                # no min/max: the browser would keep an out-of-range number to itself (a red
                # box) and send the old one, which then "saved"; validate() names the range
                row[name] = number.number_input(t("rules_admin.threshold"), value=int(values[name]), step=1,
                                                key=f"adm_rr_n_{rule}", help=t("rules_admin.range", min=low, max=high))
            edited[rule] = row
        if st.form_submit_button(t("rules_admin.save"), type="primary", icon=":material/save:"):
            _save(lambda: risks.save(store(), actor(), edited),
                  lambda c: st.success(t("rules_admin.saved", opened=c.opened, updated=c.updated, closed=c.closed)))


def _days(key: str, codes: tuple[str, ...], kind: str, title_key: str, help_key: str | None) -> None:
    current = settings.get(store(), key) or {}
    st.subheader(t(title_key), help=t(help_key) if help_key else None)
    with st.form(f"adm_{key}"):
        cols = st.columns(len(codes))
        values = {code: col.number_input(label(kind, code), value=int(current.get(code, 7)), step=1,
                                         key=f"adm_{key}_{code}", help=t("rules_admin.range", min=1, max=365))
                  for code, col in zip(codes, cols)}
        if st.form_submit_button(t("common.save"), icon=":material/save:"):
            _save(lambda: risks.save_days(store(), actor(), key, values, codes),
                  lambda _: st.success(t("common.saved")))


def render() -> None:
    st.caption(t("rules_admin.intro"))
    _rules()
    _days("cadence_days", STAGES, "stage", "rules_admin.cadence_title", "rules_admin.cadence_help")
    _days("feedback_deadline_days", SEVERITIES, "severity", "rules_admin.deadline_title", None)
