"""Log a follow-up (`/log`): pick the customer, type the summary, one click to save.

Defaults: now, the channel used last, the stage unchanged, the next date by the stage's cadence.
Saving runs in the submit button's callback, before the page is drawn again, so each field's
validation message appears right under it and a saved form comes back empty for the next call.
"""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import streamlit as st
from pydantic import ValidationError

from dashboard import fmt
from dashboard.data import actor, cached, failure_text, store
from dashboard.guard import callback, guard, safely
from dashboard.i18n import label, lang, t
from dashboard.widgets import (
    asks_before_leaving,
    ctrl_enter_saves,
    date_in,
    empty,
    field_error,
    focus,
    keep_choice,
    not_saved,
    notice,
    page_link,
    when_inputs,
)
from pipelines import customer_views, errors, follow_ups, home
from pipelines.access import NotPermitted
from pipelines.codes import ALL_STAGES, CHANNELS
from pipelines.config import local_tz
from pipelines.customers import StageMovedMeanwhile, StageRuleBlocked
from pipelines.models import FollowUpIn
from pipelines.store import StoreError

S = st.session_state


FORM_KEYS = ("log_stage", "log_date", "log_time", "log_effective")  # widget state _defaults() gives
# A half-typed follow-up is kept while the rep looks at another page (a customer's history in the
# middle of a call): Streamlit drops a widget's value when a run does not draw it, and the summary,
# the customer and all went with a click on 跟进记录.
DRAFT = {"persist_state": "session"}


def _defaults(customer: dict) -> None:
    """Stage and next date follow the chosen customer until the user changes them.

    A run that does not draw the form (a search with no match, another page) drops its widgets'
    state, while `log_for` stays: the defaults are then given again, or the form would come back
    with no date and the first stage (初步接触), and save that stage unseen."""
    if S.get("log_for") == customer["id"] and all(k in S for k in FORM_KEYS):
        return
    now = datetime.now(local_tz())
    nxt = home.next_date(store(), customer["stage"], now.date())
    S.update(log_for=customer["id"], log_stage=customer["stage"], log_next=nxt, log_next_default=nxt)
    if "log_date" not in S or "log_time" not in S:
        _now_shown(now)
    S.setdefault("log_effective", True)


def _now_shown(now: datetime) -> None:
    """The date and time boxes at `now`, marked as the default: left so, the follow-up is saved
    at the moment of saving (see _when)."""
    shown = (now.date(), now.time().replace(second=0, microsecond=0))
    S.update(log_date=shown[0], log_time=shown[1], log_when_default=shown)


def _when() -> datetime:
    """The follow-up's time: as typed, or, with the boxes left at their default, now. The default
    is the time the form was drawn (a form does not rerun while it is filled in), and a page left
    open kept the time of the previous save: a call logged at 14:00 was stored at 09:00, across
    midnight on the day before."""
    if (S["log_date"], S["log_time"]) == S.get("log_when_default"):
        return datetime.now(local_tz()).replace(second=0, microsecond=0)
    return datetime.combine(S["log_date"], S["log_time"])


def _record(user, customer: dict, next_date) -> FollowUpIn:
    """The follow-up the form holds (raises ValidationError)."""
    return FollowUpIn(
        customer_id=customer["id"], rep_id=S.get("log_rep", user.id),
        occurred_at=_when(), channel=S["log_channel"],
        summary=S.get("log_summary") or "", participants=S.get("log_participants"),
        duration_minutes=S.get("log_duration") or 0, effective=bool(S.get("log_effective", True)),
        outcome=S.get("log_outcome"), stage_after=S.get("log_stage"), next_follow_up_date=next_date,
        next_action=S.get("log_action"))


def _say_blocked(exc: StageRuleBlocked) -> None:
    """The unmet stage rules, for the form's notice (_not_saved) and the reason box."""
    S["log_blocked"] = [(u.to_stage, u.channel, u.needed, u.found) for u in exc.unmet]


def _say_moved(exc: StageMovedMeanwhile, chosen: str | None) -> None:
    """Someone moved the customer since the form was drawn: nothing is saved, the rep is told who
    and to what, and a stage box left untouched follows the stored stage, with an untouched next
    date (a second save then keeps both); a stage the rep picked stays, to be saved again on purpose."""
    if chosen == exc.seen:
        S["log_stage"] = exc.now
        if S.get("log_next") == S.get("log_next_default"):  # and its next date, the new stage's cadence
            S["log_next"] = S["log_next_default"] = home.next_date(store(), exc.now, S["log_date"])
    S["log_notice"] = ("warning", t("log.stage_moved", seen=label("stage", exc.seen), now=label("stage", exc.now),
                                    who=fmt.literal(exc.by) if exc.by else t("log.someone"),
                                    when=fmt.moment(exc.at) if exc.at else "—"))


@callback
def _save(customers: dict[int, dict]) -> None:
    """The submit button's callback: validate, save, and reset or explain."""
    user = actor()
    overriding = bool(S.get("log_blocked")) and user.role in ("manager", "admin")  # the reason box was shown
    S["log_errors"], S["log_blocked"], S["log_notice"] = {}, None, None
    customer = customers.get(S.get("log_customer"))
    if customer is None:
        S["log_errors"] = {"customer_id": t("log.pick_customer")}
        return
    if S.get("log_date") is None or S.get("log_time") is None:  # a box the user emptied
        S["log_errors"] = {"occurred_at": t("error.missing", field=t("field.occurred_at"))}
        return
    stage_after = S.get("log_stage")
    next_date = S.get("log_next")
    name = fmt.literal(customer["name"])
    saved = t("log.saved", customer=name)
    if stage_after != customer["stage"] and next_date == S.get("log_next_default"):
        # The date shown, untouched, is the old stage's cadence (a form does not rerun when the
        # stage is picked): the new stage's is saved, and said with the save. It was put in the box
        # for a second look first, and every stage change took two saves.
        next_date = home.next_date(store(), stage_after, S["log_date"])
        stage = label("stage", stage_after)
        saved = t("log.saved_next", customer=name, stage=stage, date=fmt.day(next_date)) if next_date \
            else t("log.saved_next_none", customer=name, stage=stage)
    try:
        record = _record(user, customer, next_date)
    except ValidationError as exc:
        S["log_errors"] = errors.explain(exc, lang())
        return
    try:
        follow_ups.add(store(), user, record, override_reason=S.get("log_override"), seen_stage=customer["stage"])
    except StageMovedMeanwhile as exc:
        _say_moved(exc, stage_after)
        return
    except StageRuleBlocked as exc:
        _say_blocked(exc)
        if overriding:  # saved again with the reason left empty: say so beside its box
            S["log_errors"] = {"override": t("log.override_missing")}
        return
    except (NotPermitted, StoreError) as exc:
        if isinstance(exc, NotPermitted) and customer_views.detail(store(), user, customer["id"]) is None:
            # moved to another rep (or deleted) since the form was drawn: the form goes with it at the
            # next run, and the typed text did, under a bare 只能操作自己的客户; the text is given back
            S["log_notice"] = ("error", t("log.customer_gone", summary=fmt.literal(S.get("log_summary") or "")))
        else:
            S["log_notice"] = ("error", fmt.literal(exc.text(lang())))
        return
    except Exception as exc:  # noqa: BLE001 - the user sees an id, the log the traceback
        S["log_notice"] = ("error", failure_text(exc, "log"))  # a database out of reach says so
        return
    # Assigned, not just removed: the browser keeps a removed widget's text, an assigned value it shows.
    S.update(log_q="", log_summary="", log_participants="", log_duration=None, log_effective=True,
             log_outcome="", log_action="", log_override="")
    _now_shown(datetime.now(local_tz()))
    for key in ("log_customer", "log_for", "log_next_default"):
        S.pop(key, None)
    S["log_notice"] = ("success", saved)
    S["log_focus"] = "search"  # the next call's customer


def _given_customer(opened: bool) -> None:
    """/log?customer=ID (the customer page's link): that customer, found by its name. Read once,
    so that a later search picks anew."""
    given = st.query_params.get("customer")
    if given is None:
        if opened:  # the page opened anew (the menu): that link's word is no longer about this page
            S.pop("log_refused", None)
        # said until the user searches or picks: the login cookie's rerun came half a second later and the
        # word went with it, leaving an empty picker
        if S.get("log_refused") and not (S.get("log_q") or "").strip() and S.get("log_customer") is None:
            st.warning(t("customers.not_found"), icon=":material/person_off:")
        else:
            S.pop("log_refused", None)
        return
    del st.query_params["customer"]
    found = cached(customer_views.detail, int(given)) if given.isdigit() else None
    if found is not None:  # None: not a customer this user may see
        S["log_q"], S["log_customer"] = found.base["name"], int(given)
        S.pop("log_refused", None)
    else:  # a link to a customer this user may not see, or one deleted since
        S["log_refused"] = True
        st.warning(t("customers.not_found"), icon=":material/person_off:")


def _picker(user, opened: bool) -> dict | None:
    _given_customer(opened)
    st.text_input(t("log.search"), key="log_q", placeholder=t("log.search_hint"), **DRAFT)
    found = cached(customer_views.picker, S.get("log_q") or "")
    if found.is_empty():
        empty(t("log.no_match"))
        page_link("customers", label=t("log.add_customer"), icon=":material/add_business:",
                  query={"new": (S.get("log_q") or "").strip()})  # its form opens with the name searched for
        return None
    rows = {r["id"]: r for r in found.iter_rows(named=True)}
    chosen, searched = S.get("log_customer"), S.get("log_q") or ""
    if chosen is not None and chosen not in rows and S.get("log_rows_q") == searched \
            and (before := S.get("log_rows", {}).get(chosen)):
        # the customer being logged fell off the same search's list (a colleague marked it lost,
        # which sorts last): the form went with it, and the typed text, under a message saying the
        # text was kept. Found again by its name, as it is now, while it is still the user's to
        # see. (A new search names its own best match.)
        again = cached(customer_views.picker, before["name"]).filter(pl.col("id") == chosen)
        if again.height:
            rows = {chosen: again.row(0, named=True), **rows}
    S["log_rows"], S["log_rows_q"] = rows, searched
    # a typed search names its best match; with none, no customer is chosen for the rep (the
    # most recent one chosen by default took follow-ups typed without a search). Given again on
    # every run, by value: the text shown holds the stage's name, which a language switch changes
    keep_choice("log_customer", rows, fallback=next(iter(rows)) if (S.get("log_q") or "").strip() else None)
    st.selectbox(t("field.customer"), list(rows), key="log_customer", placeholder=t("log.pick_placeholder"), **DRAFT,
                 format_func=lambda i: f"{rows[i]['name']} · {label('stage', rows[i]['stage'])}"
                                       + (f" · {rows[i]['uscc']}" if rows[i]["uscc"] else ""))
    field_error(S.get("log_errors", {}), "customer_id")
    if user.role == "manager":
        people = cached(customer_views.owners)
        names = dict(zip(people["id"].to_list(), people["display_name"].to_list()))
        S.setdefault("log_rep", user.id)
        ids = list(names)  # the chosen rep as the default too (see widgets.date_in)
        st.selectbox(t("field.rep"), ids, key="log_rep", format_func=lambda i: names.get(i, str(i)),
                     placeholder=t("common.choose"),
                     index=ids.index(S["log_rep"]) if S["log_rep"] in ids else 0, **DRAFT)
    return rows.get(S["log_customer"])


def _form(customer: dict, user) -> None:
    errs = S.get("log_errors", {})
    if "log_channel" not in S:
        S["log_channel"] = cached(customer_views.last_channel) or "phone"
    keep_choice("log_channel", CHANNELS, fallback="phone")  # named in the UI language, as above
    keep_choice("log_stage", ALL_STAGES, fallback=customer["stage"])
    # Enter in a one-line field moved on in the rep's mind and saved the half-typed record:
    # saving is the button (Tab to it, Enter) or Ctrl+Enter anywhere in the form (ctrl_enter_saves)
    with st.form("log_form", border=True, enter_to_submit=False):
        # what was said first: one Tab from the customer (channel and time are usually right as
        # given: the last channel used, now)
        st.text_area(t("field.summary"), key="log_summary", placeholder=t("log.summary_hint"), height=110, **DRAFT)
        field_error(errs, "summary")
        a, b, c = st.columns([2, 1, 1])
        a.selectbox(t("field.channel"), CHANNELS, key="log_channel", format_func=lambda x: label("channel", x),
                    placeholder=t("common.choose"), **DRAFT)  # shown while its text is deleted; Streamlit's own is English
        when_inputs(b, c, t("log.date"), "log_date", "log_time", **DRAFT)
        with a:
            field_error(errs, "channel")
        with b:
            field_error(errs, "occurred_at")
        a, b, c = st.columns([2, 1, 1])
        a.text_input(t("field.participants"), key="log_participants", placeholder=t("log.participants_hint"), **DRAFT)
        b.number_input(t("field.duration_minutes"), key="log_duration", step=5.0, value=None, format="%g",
                       placeholder="0", **DRAFT)  # a decimal box, as model_form's: 7.5 is named, not cut to 7
        # its state as its default too (see date_in): after a save the browser mounted it from
        # the default, off, showed 否 and sent it back, so the next record was saved not effective
        c.toggle(t("field.effective"), value=S.get("log_effective", True), key="log_effective",
                 help=t("log.effective_help"), **DRAFT)
        with a:
            field_error(errs, "participants")
        with b:
            field_error(errs, "duration_minutes")
        st.text_input(t("field.outcome"), key="log_outcome", placeholder=t("log.outcome_hint"), **DRAFT)
        field_error(errs, "outcome")
        a, b, c = st.columns([1, 1, 2])
        a.selectbox(t("field.stage_after"), ALL_STAGES, key="log_stage", format_func=lambda x: label("stage", x),
                    placeholder=t("common.choose"),
                    help=t("log.stage_help"), **DRAFT)
        date_in(b, t("field.next_follow_up_date"), "log_next", help=t("log.next_help"), **DRAFT)
        c.text_input(t("field.next_action"), key="log_action", placeholder=t("log.action_hint"), **DRAFT)
        with a:
            field_error(errs, "stage_after")
        with b:
            field_error(errs, "next_follow_up_date")
        with c:
            field_error(errs, "next_action")
        if S.get("log_blocked") and user.role in ("manager", "admin"):
            st.text_input(t("log.override_reason"), key="log_override", placeholder=t("log.override_hint"))
            field_error(errs, "override")
        st.form_submit_button(t("log.save"), type="primary", icon=":material/save:", key="log_submit",
                              on_click=_save, args=(S.get("log_rows", {}),))
    _not_saved(errs)
    ctrl_enter_saves(".st-key-log_submit button")
    asks_before_leaving(".st-key-log_summary textarea", t("log.leave_unsaved"))


def _not_saved(errs: dict[str, str]) -> None:
    """Under the save button, where the eye is: that the record was not saved, and why. The
    fields' own messages are beside them and the rule's above the form, out of view on a phone,
    where a refused save looked like a saved one."""
    if errs:
        not_saved([t("log.override_reason") if name == "override" else t(f"field.{name}") for name in errs])
    elif unmet := S.get("log_blocked"):
        gates = ";".join(t("log.gate_line", stage=label("stage", to), channel=label("channel", ch), needed=n, found=f)
                         for to, ch, n, f in unmet)
        st.error(t("log.not_saved_blocked", gates=gates), icon=":material/block:")


def _blocked(user) -> None:
    unmet = S.get("log_blocked")
    if not unmet:
        return
    lines = "\n".join("- " + t("log.gate_line", stage=label("stage", to), channel=label("channel", ch),
                                  needed=n, found=f) for to, ch, n, f in unmet)
    advice = t("log.blocked_manager") if user.role in ("manager", "admin") else t("log.blocked_rep")
    st.warning(t("log.blocked") + "\n\n" + lines + "\n\n" + advice, icon=":material/block:")


def _keyboard(opened: bool) -> None:
    """Where the keyboard goes: the search when the page opens and after a save, the summary when
    a link brought the customer. Each is a new focus (its count), run once."""
    target = S.pop("log_focus", None)
    if target is None and opened:  # a link or the menu kept the focus
        target = "summary" if S.get("log_customer") is not None else "search"
    S["log_focus_n"] = S.get("log_focus_n", 0) + (target is not None)
    if target == "summary":
        focus(f"textarea[aria-label={json.dumps(t('field.summary'), ensure_ascii=False)}]", force=True,
              nonce=S["log_focus_n"])
    elif target == "search":
        focus(f"input[aria-label={json.dumps(t('log.search'), ensure_ascii=False)}]", force=True, nonce=S["log_focus_n"])
    else:  # no new focus: a script on every run took the keyboard back to the search whenever the
        # page was redrawn under a rep who had moved on (the customer box, the summary)
        focus(None)


def render() -> None:
    guard("log")
    user = actor()
    st.title(t("nav.log"))
    st.caption(t("log.intro"))
    notice("log_notice")
    opened = S.get("page_opened", True)  # from the menu, a link or a login (app.py)
    customer = _picker(user, opened)
    _keyboard(opened)
    if customer is None:
        return
    st.caption(t("log.customer_now", stage=label("stage", customer["stage"]),
                 last=fmt.day(customer["last_any"])))
    _defaults(customer)
    _blocked(user)
    _form(customer, user)


safely(render)
