"""Admin section: accounts (create with the password policy, reset password, disable/enable,
role and team) and teams."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import streamlit as st
from pydantic import ValidationError

from dashboard import fmt
from dashboard.data import actor, cached, run_write, store
from dashboard.i18n import label, lang, t
from dashboard.widgets import empty, field_error, keep_choice, notice
from pipelines import accounts, admin_views, errors
from pipelines.codes import ROLES
from pipelines.models import TEAMLESS_ROLES, UserIn
from pipelines.validators import password_ok

TITLE_KEY = "admin.users"
S = st.session_state


def _password_problem(password: str, username: str) -> str | None:
    """The policy's message when a password breaks it (checked before the write, beside the field)."""
    if password and not password_ok(password, username):
        return t("error.password_policy", field=t("field.password"))
    return None


NEW_USER_KEYS = ("adm_new_username", "adm_new_display", "adm_new_password")


def _team_box(cell, role: str, teams: dict, key: str, current: int | None = None) -> int | None:
    """An account's team, in `cell`: a box for the roles that have one, and for leadership and admins
    a line saying they belong to none (a box beside 管理层 showed a team that was then not saved)."""
    if role in TEAMLESS_ROLES:
        cell.caption(t("admin.teamless", role=label("role", role)))
        return None
    options = [None, *teams]
    return cell.selectbox(t("field.team_id"), options, key=key, help=t("admin.team_help"),
                          index=options.index(current) if current in options else 0,
                          format_func=lambda i: t("admin.no_team") if i is None else teams[i],
                          placeholder=t("common.choose"))


def _create(teams: dict) -> None:
    if S.pop("adm_new_done", False):  # an account was just made: an empty form for the next one
        for k in NEW_USER_KEYS:
            S[k] = ""
        S["adm_new_role"] = "rep"  # most accounts are reps: a kept 销售经理 made a second manager by mistake
    S.setdefault("adm_new_role", "rep")
    errs = S.get("adm_new_errors", {})
    # The role is chosen above the form, so that the form shows a team box only for the roles that
    # have a team: inside it, the box kept the last team beside 管理层, which was then not saved.
    role = st.segmented_control(t("field.role"), ROLES, format_func=lambda r: label("role", r), key="adm_new_role",
                                required=True)
    with st.form("adm_new_user", clear_on_submit=False):
        a, b = st.columns(2)
        username = a.text_input(t("field.username"), key="adm_new_username")
        with a:  # in its column, under the box (drawn at the form's level, it fell under the next row)
            field_error(errs, "username")
        display = b.text_input(t("field.display_name"), key="adm_new_display")
        with b:
            field_error(errs, "display_name")
        team = _team_box(a, role, teams, "adm_new_team")
        with a:
            field_error(errs, "team_id")
        password = b.text_input(t("field.password"), type="password", key="adm_new_password",
                                help=t("admin.password_hint"))
        with b:
            field_error(errs, "password")
        submitted = st.form_submit_button(t("admin.new_user"), type="primary", icon=":material/person_add:")
    if not submitted:
        return
    # every field's message in one round (a taken username came only once the password was mended)
    found: dict[str, str] = {}
    user = None
    try:
        user = UserIn(username=username, display_name=display, role=role, team_id=team)
    except ValidationError as exc:
        found = errors.explain(exc, lang())
    name = user.username if user else (username or "").strip()
    if "username" not in found and name and accounts.username_taken(store(), actor(), name):
        found["username"] = accounts.NameTaken.username(name).text(lang())
    if problem := _password_problem(password, name):
        found["password"] = problem
    if role in ("rep", "manager") and team is None and teams:
        # a rep or manager in no team: no manager sees their work, and a manager sees nothing
        found["team_id"] = t("admin.team_needed", field=t("field.team_id"))
    S["adm_new_errors"] = found
    if found or user is None:
        st.rerun()
    if run_write(lambda: accounts.create_user(store(), actor(), user, password or None),
                 t("admin.created_user", username=fmt.literal(user.username))):
        S["adm_new_done"] = True
        st.rerun()


def _manage(users: pl.DataFrame, teams: dict) -> None:
    names = {r["username"]: r for r in users.iter_rows(named=True)}
    # given again by value, so that a rename's new label reaches the browser (it kept the old one)
    keep_choice("adm_pick", names, fallback=next(iter(names), None))
    who = st.selectbox(t("admin.pick_user"), list(names), key="adm_pick",
                       format_func=lambda u: f"{names[u]['display_name']}({u} · {label('role', names[u]['role'])})", placeholder=t("common.choose"))
    if who is None:
        return
    row = names[who]
    locked = row["locked_until"]
    if locked is not None and locked > datetime.now(UTC):
        st.warning(t("admin.locked_now", name=fmt.literal(row["display_name"]), until=fmt.moment(locked)), icon=":material/lock:")
        if st.button(t("admin.unlock"), key="adm_unlock", icon=":material/lock_open:") \
                and run_write(lambda: accounts.unlock(store(), actor(), who) or True):
            st.session_state["adm_notice"] = ("success", t("admin.unlocked", username=fmt.literal(who)))  # after the rerun
            st.rerun()
    notice("adm_notice")
    a, b, c = st.columns(3)
    with a.form("adm_pw", clear_on_submit=True):  # a password is not left in the box once sent
        pw = st.text_input(t("admin.new_password"), type="password", key="adm_pw_value", help=t("admin.password_hint"))
        if st.form_submit_button(t("admin.reset_password"), icon=":material/key:"):
            problem = _password_problem(pw or "", who) if pw else t("error.missing", field=t("field.password"))
            if problem:
                st.error(problem)
            elif run_write(lambda: accounts.set_password(store(), actor(), who, pw) or True):
                # said after a rerun, so that the table above shows 待本人改密码 already
                st.session_state["adm_notice"] = ("success", t("admin.password_set", username=fmt.literal(who)))
                st.rerun()
    # the role above the form, as on the new-account form: the form asks for a team only for the
    # roles that have one (the box kept the account's team beside 管理层, which was then not saved)
    role = b.selectbox(t("field.role"), ROLES, index=ROLES.index(row["role"]), key=f"adm_role_{who}",
                       format_func=lambda r: label("role", r), placeholder=t("common.choose"),
                       help=t("admin.role_saved_below"))
    with b.form("adm_role"):
        display = st.text_input(t("field.display_name"), row["display_name"], key=f"adm_display_{who}",
                                max_chars=200)
        team = _team_box(st, role, teams, f"adm_team_{who}", row["team_id"])
        owned = int(row["customers"] or 0)
        if owned:  # said before saving: the old team's manager stops seeing them
            st.caption(t("admin.team_moves_customers", name=fmt.literal(row["display_name"]), n=f"{owned:,}"))
        if st.form_submit_button(t("admin.role_team"), icon=":material/badge:"):
            moved = owned and team != row["team_id"]
            done = t("admin.role_changed", username=fmt.literal(f"{display.strip() or row['display_name']}({who})")) + (
                t("admin.customers_moved", n=f"{owned:,}", team=fmt.literal(teams.get(team)) or t("admin.no_team")) if moved else "")
            def save() -> bool:
                if display.strip() != row["display_name"]:
                    accounts.set_display_name(store(), actor(), who, display)
                accounts.set_role(store(), actor(), who, role, team)
                return True

            if not display.strip():  # said here: the name is the one field of this form the model checks
                st.error(t("error.missing", field=t("field.display_name")))
            elif run_write(save, done):
                st.rerun()
    with c:
        if row["active"]:
            # asked once more: a disabled user is logged out at once, everywhere
            with st.popover(t("admin.disable"), icon=":material/block:", disabled=who == actor().username):
                st.write(t("admin.disable_confirm", name=fmt.literal(row["display_name"]), username=fmt.literal(who)))
                if st.button(t("admin.disable_yes"), key="adm_disable", type="primary"):
                    if run_write(lambda: accounts.set_active(store(), actor(), who, False) or True,
                                 t("admin.disabled", username=fmt.literal(who))):
                        st.rerun()
        elif st.button(t("admin.enable"), key="adm_enable", icon=":material/check_circle:"):
            if run_write(lambda: accounts.set_active(store(), actor(), who, True) or True,
                         t("admin.enabled", username=fmt.literal(who))):
                st.rerun()


def _teams(teams_df: pl.DataFrame) -> None:
    st.subheader(t("admin.teams_title"))
    if teams_df.is_empty():  # an empty table said "empty", in English
        empty(t("admin.no_teams"))
    else:
        st.dataframe(fmt.blanks(teams_df.drop("manager_id")), hide_index=True, width="stretch", column_config={
            "id": t("field.id"), "name": t("admin.team_name"), "manager_name": t("admin.team_manager"),
            "members": t("admin.members")})
    with st.form("adm_team", clear_on_submit=True):
        name = st.text_input(t("admin.team_name"), key="adm_team_name")
        if st.form_submit_button(t("admin.new_team"), icon=":material/group_add:"):
            if not name.strip():  # the click did nothing, with no word
                st.markdown(f":red[:material/error: {t('error.missing', field=t('admin.team_name'))}]")
            elif run_write(lambda: accounts.create_team(store(), actor(), name.strip()),
                           t("admin.team_created", name=fmt.literal(name.strip()))):
                st.rerun()


def render() -> None:
    users = cached(accounts.list_users)
    teams_df = cached(admin_views.teams)
    teams = dict(zip(teams_df["id"].to_list(), teams_df["name"].to_list()))
    if teams_df.is_empty():  # a first day: reps and managers need a team, so the team comes first
        _teams(teams_df)
    st.subheader(t("admin.users_title"))
    view = fmt.yes_no(fmt.local_times(fmt.labelled(users, {"role": "role"}), "last_login_at", "locked_until"),
                      "active", "can_login", "must_change_password")
    st.dataframe(fmt.blanks(view.drop("id", "team_id")), hide_index=True, width="stretch", column_config={
        "username": t("field.username"), "display_name": t("field.display_name"), "role": t("field.role"),
        "team": t("field.team_id"), "active": t("field.active"), "can_login": t("admin.can_login"),
        "must_change_password": st.column_config.TextColumn(t("admin.must_change"), help=t("admin.must_change_help")),
        # a date and minute in full ("2026-11-29 00…" at 1366 px)
        "locked_until": st.column_config.TextColumn(t("admin.locked_until"), width=130),
        "last_login_at": st.column_config.TextColumn(t("admin.last_login"), width=130),
        "customers": t("admin.customers_owned")})
    with st.expander(t("admin.new_user"), icon=":material/person_add:"):
        _create(teams)
    st.subheader(t("admin.manage_title"))
    _manage(users, teams)
    if not teams_df.is_empty():
        _teams(teams_df)
