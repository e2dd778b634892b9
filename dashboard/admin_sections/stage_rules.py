"""Admin section: the stage transition rules (manual 1.2.5), stored in settings "stage_rules"."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.data import actor, run_write, store
from dashboard.i18n import label, t
from pipelines import admin_views, settings
from pipelines.codes import CHANNELS, STAGES

TITLE_KEY = "admin.stage_rules"


def render() -> None:
    st.caption(t("admin.rules_intro"))
    # the example rule is on from the start (a team with no 产品演示 was blocked on day one), and a
    # data editor's row delete is not obvious
    st.caption(t("admin.rules_edit_hint"))
    rules = settings.get(store(), "stage_rules") or []
    stage_labels = {label("stage", s): s for s in STAGES[1:]}
    channel_labels = {label("channel", c): c for c in CHANNELS}
    frame = pl.DataFrame({"to_stage": [label("stage", r["to_stage"]) for r in rules],
                          "channel": [label("channel", r["channel"]) for r in rules],
                          "min_count": [str(int(r["min_count"])) for r in rules]},
                         schema={"to_stage": pl.Utf8, "channel": pl.Utf8, "min_count": pl.Utf8})
    edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, key="adm_rules", width="stretch",
                            column_config={
                                "to_stage": st.column_config.SelectboxColumn(t("admin.rule_to_stage"),
                                                                             options=list(stage_labels)),
                                "channel": st.column_config.SelectboxColumn(t("admin.rule_channel"),
                                                                            options=list(channel_labels)),
                                # text, checked by check_stage_rules: a number cell with a minimum
                                # dropped a 0 typed into it without a word, and the save then said saved
                                "min_count": st.column_config.TextColumn(t("admin.rule_min_count"),
                                                                         help=t("admin.rule_min_count_help"))})
    if not st.button(t("common.save"), key="adm_rules_save", type="primary", icon=":material/save:"):
        return
    rows = [{"to_stage": stage_labels.get(r["to_stage"]), "channel": channel_labels.get(r["channel"]),
             "min_count": r["min_count"]} for r in pl.DataFrame(edited).iter_rows(named=True)]
    clean, problems = admin_views.check_stage_rules(rows)
    if problems:
        st.error("\n\n".join(t(key, **values) for key, values in problems))
        return
    run_write(lambda: settings.put(store(), actor(), "stage_rules", clean), t("admin.rules_saved"))
