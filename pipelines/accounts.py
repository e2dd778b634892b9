"""Accounts and teams: creation, passwords (bcrypt), disabling, and login with lockout.

Failed logins and the lockout are stored in `users`, so they hold across restarts, server
processes and browser sessions: 5 failures lock the account for 15 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import bcrypt
import polars as pl
from pydantic import TypeAdapter

from pipelines import audit, rows
from pipelines.access import SYSTEM, Actor, NotPermitted, require_role
from pipelines.models import Name, UserIn
from pipelines.store import Store, StoreError
from pipelines.validators import password_ok

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode()


def check_password(password: str, hashed: str | None) -> bool:
    if not hashed:
        return False
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:
        return False


# the form's check and the write's; REP1 is rep1 to the people who read names (and type them to log in)
USERNAME_IN_USE = "SELECT count(*) FROM users WHERE lower(username) = lower($u)"


class NameTaken(StoreError):
    """An account's username or a team's name that is already in use."""

    @classmethod
    def username(cls, name: str) -> NameTaken:
        return cls(f"用户名「{name}」已被使用,请换一个。", f"The username {name!r} is taken; choose another.")

    @classmethod
    def team(cls, name: str) -> NameTaken:
        return cls(f"已有名为「{name}」的团队,请换一个名称。", f"There is already a team named {name!r}.")


class PasswordPolicyError(ValueError):
    zh = "密码至少10位,且不能与用户名相同。"
    en = "The password must have at least 10 characters and differ from the username."


def actor_from_row(row: dict) -> Actor:
    return Actor(id=row["id"], username=row["username"], role=row["role"], team_id=row["team_id"],
                 display_name=row["display_name"], lang=row.get("language") or "zh_CN",
                 must_change_password=bool(row.get("must_change_password")))


def get_actor(store: Store, username: str) -> Actor | None:
    rel = store.cursor().execute("SELECT * FROM users WHERE username = $u AND active", {"u": username})
    row = rel.fetchone()
    if row is None:
        return None
    return actor_from_row(dict(zip([d[0] for d in rel.description], row)))


def create_team(store: Store, actor: Actor, name: str, manager_id: int | None = None) -> int:
    require_role(actor, "admin")
    name = name.strip()

    def work(cur):
        if cur.execute("SELECT count(*) FROM teams WHERE name = $n", {"n": name}).fetchone()[0]:
            raise NameTaken.team(name)
        return rows.insert(cur, actor, "teams", {"name": name, "manager_id": manager_id})

    return store.write(work)


def username_taken(store: Store, actor: Actor, username: str) -> bool:
    """Whether an account already has `username` (the admin's form says so beside the field)."""
    require_role(actor, "admin")
    return bool(store.scalar(USERNAME_IN_USE, {"u": username}))


def create_user(store: Store, actor: Actor, user: UserIn, password: str | None) -> int:
    """Add an account; with no password it exists but cannot log in until one is set."""
    require_role(actor, "admin")
    if password is not None and not password_ok(password, user.username):
        raise PasswordPolicyError()
    values = user.model_dump()
    values["password_hash"] = hash_password(password) if password else None
    values["must_change_password"] = password is not None  # the admin who typed it knows it

    def work(cur):
        if cur.execute(USERNAME_IN_USE, {"u": user.username}).fetchone()[0]:
            raise NameTaken.username(user.username)  # the UNIQUE key's error would be a bare fault
        row_id = rows.insert(cur, actor, "users", values, audited=False)
        audit.record(cur, actor, "create", "users", row_id,
                     after={k: v for k, v in values.items() if k != "password_hash"})
        _team_managers(cur, actor)
        return row_id

    return store.write(work)


def set_password(store: Store, actor: Actor, username: str, password: str) -> None:
    """Admins set anyone's password; a user may set their own. One set by someone else is known
    to them: its owner must change it at the next login (must_change_password)."""
    if actor.role != "admin" and actor.username != username:
        raise NotPermitted()
    if not password_ok(password, username):
        raise PasswordPolicyError()
    hashed = hash_password(password)

    def work(cur):
        uid = _user_id(cur, username)
        cur.execute("UPDATE users SET password_hash = $h, failed_logins = 0, locked_until = NULL,"
                    " must_change_password = $m, sessions_valid_after = current_timestamp,"
                    " updated_at = current_timestamp WHERE id = $id",
                    {"h": hashed, "m": actor.username != username, "id": uid})
        audit.record(cur, actor, "permission", "users", uid, detail="password set")

    store.write(work)


def unlock(store: Store, actor: Actor, username: str) -> None:
    """Lift a lockout before its 15 minutes (admins: a rep who mistyped, on the phone to them)."""
    require_role(actor, "admin")

    def work(cur):
        uid = _user_id(cur, username)
        cur.execute("UPDATE users SET locked_until = NULL, failed_logins = 0, updated_at = current_timestamp"
                    " WHERE id = $id", {"id": uid})
        audit.record(cur, actor, "permission", "users", uid, detail="unlocked")

    store.write(work)


class WrongPassword(ValueError):
    """The current password given to change_own_password is not the account's."""


class SamePassword(ValueError):
    """The new password given to change_own_password is the current one: a password an admin set
    would stay known to them (and the change would clear must_change_password)."""


def change_own_password(store: Store, actor: Actor, current: str, new: str) -> None:
    """A user's own new password, given the current one (a session left open on a shared
    computer must not be enough). It ends every session of the account, this one too: the user
    logs in again with it, and a password an admin set and so knows stops working."""
    hashed = store.scalar("SELECT password_hash FROM users WHERE id = $id", {"id": actor.id})
    if not check_password(current, hashed):
        store.write(lambda c: audit.record(c, actor, "permission", "users", actor.id,
                                           detail="password change refused: wrong current password"))
        raise WrongPassword()
    if new == current:
        raise SamePassword()
    set_password(store, actor, actor.username, new)


def set_active(store: Store, actor: Actor, username: str, active: bool) -> None:
    """Enable or disable an account; disabling ends its open sessions at once."""
    require_role(actor, "admin")

    def work(cur):
        uid = _user_id(cur, username)
        rows.update(cur, actor, "users", uid, {"active": active}, action="permission")
        if not active:
            _revoke(cur, uid)
        _team_managers(cur, actor)

    store.write(work)


def set_role(store: Store, actor: Actor, username: str, role: str, team_id: int | None) -> None:
    require_role(actor, "admin")
    # validates the role; a leader's or admin's team is none
    team_id = UserIn(username=username, display_name="x", role=role, team_id=team_id).team_id

    def work(cur):
        rows.update(cur, actor, "users", _user_id(cur, username), {"role": role, "team_id": team_id},
                    action="permission")
        _team_managers(cur, actor)

    store.write(work)


def _team_managers(cur, actor: Actor) -> None:
    """A team's manager (shown in the teams table) follows the accounts: an active manager of the
    team, the earliest made, when it has none or its manager left the role, the team or the
    company. Teams had no other way to get one: a new team showed 团队经理 — for ever."""
    stale = cur.execute("""
        SELECT tm.id, tm.manager_id,
               (SELECT min(u.id) FROM users u WHERE u.team_id = tm.id AND u.role = 'manager' AND u.active) AS pick
        FROM teams tm
        WHERE tm.manager_id IS NULL OR NOT EXISTS (
            SELECT 1 FROM users m WHERE m.id = tm.manager_id AND m.team_id = tm.id AND m.role = 'manager'
                                    AND m.active)""").fetchall()
    for team_id, before, pick in stale:
        if pick != before:
            rows.update(cur, actor, "teams", team_id, {"manager_id": pick})


def set_display_name(store: Store, actor: Actor, username: str, display_name: str) -> None:
    """Change an account's name as people read it (an imported rep came in as the file wrote them)."""
    require_role(actor, "admin")
    name = TypeAdapter(Name).validate_python(display_name)  # the model's rules for a name
    store.write(lambda cur: rows.update(cur, actor, "users", _user_id(cur, username), {"display_name": name}))


def set_language(store: Store, actor: Actor, lang: str) -> None:
    if actor.id is None:
        return
    store.write(lambda cur: cur.execute("UPDATE users SET language = $l WHERE id = $id",
                                        {"l": lang, "id": actor.id}))


def _user_id(cur, username: str) -> int:
    row = cur.execute("SELECT id FROM users WHERE username = $u", {"u": username}).fetchone()
    if row is None:
        raise LookupError(username)
    return row[0]


def list_users(store: Store, actor: Actor = SYSTEM) -> pl.DataFrame:
    """Accounts the actor may see (admins all), without password hashes."""
    from pipelines.access import user_predicate

    pred, params = user_predicate(actor, "u")
    return store.query(
        "SELECT u.id, u.username, u.display_name, u.role, u.team_id, t.name AS team, u.active,"
        # may log in now: a locked account read 可登录 = 是 beside a cut-off 锁定至
        " u.active AND u.password_hash IS NOT NULL AND (u.locked_until IS NULL OR u.locked_until <= current_timestamp)"
        " AS can_login, coalesce(u.must_change_password, false) AS must_change_password, u.locked_until,"
        " u.last_login_at,"
        # the customers that go with a rep who changes team (their manager changes with it)
        " (SELECT count(*) FROM customers c WHERE c.owner_id = u.id AND c.deleted_at IS NULL) AS customers"
        f" FROM users u LEFT JOIN teams t ON t.id = u.team_id WHERE {pred}"
        " ORDER BY u.role, u.username", params)


_LOCK_MARK = "; lock"  # the failure that locked a name (see _refused_by_name)
_WHILE_LOCKED = "; while locked"


def _refused_by_name(store: Store, actor: Actor, row_id: int | None, detail: str, reason: str,
                     now: datetime) -> LoginResult:
    """A refused login that no account's counter follows: an unknown name, a disabled account or
    one with no password. Counted from the audit log's entries for the name and locked at the
    fifth in a row, as an account is, so that the login page reads the same for every name (a
    real account said 已锁定 after five tries and an unknown name never did: it told which
    accounts exist). The entries are the last day's; the one that locked is marked."""
    def work(c) -> datetime | None:
        seen = c.execute(
            "SELECT created_at, detail FROM audit_log WHERE action = 'login_failed' AND username = $u"
            " AND created_at > $since ORDER BY id DESC LIMIT 200",
            {"u": actor.username, "since": now - timedelta(days=1)}).fetchall()
        lock = next((at for at, d in seen if (d or "").endswith(_LOCK_MARK)), None)
        if lock is not None and lock + LOCKOUT > now:
            audit.record(c, actor, "login_failed", "users", row_id, detail=detail + _WHILE_LOCKED)
            return lock + LOCKOUT
        since_lock = [d for at, d in seen if lock is None or at > lock]
        count = 1 + sum(1 for d in since_lock if not (d or "").endswith(_WHILE_LOCKED))
        locks = count >= MAX_FAILED_LOGINS
        audit.record(c, actor, "login_failed", "users", row_id, detail=detail + (_LOCK_MARK if locks else ""))
        return now + LOCKOUT if locks else None

    until = store.write(work)
    return LoginResult(False, "locked", locked_until=until) if until else LoginResult(False, reason)


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    reason: str  # ok | unknown | wrong_password | disabled | locked
    actor: Actor | None = None
    locked_until: datetime | None = None


def authenticate(store: Store, username: str, password: str, now: datetime | None = None) -> LoginResult:
    """Check a login, count failures and lock after 5 of them; every attempt is audited."""
    now = now or datetime.now(UTC)
    cur = store.cursor()
    username = username.strip()
    rel = cur.execute("SELECT * FROM users WHERE username = $u", {"u": username})
    found = rel.fetchone()
    if found is None:
        return _refused_by_name(store, Actor(None, username[:64], "rep"), None, "unknown user", "unknown", now)
    row = dict(zip([d[0] for d in rel.description], found))
    actor = actor_from_row(row)
    locked = row["locked_until"]
    if locked is not None and locked > now:
        store.write(lambda c: audit.record(c, actor, "login_failed", "users", actor.id, detail="locked"))
        return LoginResult(False, "locked", locked_until=locked)
    if not row["active"]:
        # said only to whoever knows the password: to anyone else a disabled account reads as a
        # wrong name or password, so that the login page does not tell which accounts exist
        if bool(row["password_hash"]) and check_password(password, row["password_hash"]):
            store.write(lambda c: audit.record(c, actor, "login_failed", "users", actor.id, detail="disabled"))
            return LoginResult(False, "disabled")
        return _refused_by_name(store, actor, actor.id, "disabled", "wrong_password", now)
    if not row["password_hash"]:  # an imported rep's account: as an unknown name, for the same reason
        return _refused_by_name(store, actor, actor.id, "no password", "wrong_password", now)
    if check_password(password, row["password_hash"]):
        def ok(c):
            c.execute("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $now"
                      " WHERE id = $id", {"now": now, "id": actor.id})
            audit.record(c, actor, "login", "users", actor.id)
        store.write(ok)
        return LoginResult(True, "ok", actor)

    def failed(c):
        count = c.execute("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $id"
                          " RETURNING failed_logins", {"id": actor.id}).fetchone()[0]
        until = None
        if count >= MAX_FAILED_LOGINS:
            until = now + LOCKOUT
            c.execute("UPDATE users SET locked_until = $t, failed_logins = 0 WHERE id = $id",
                      {"t": until, "id": actor.id})
        audit.record(c, actor, "login_failed", "users", actor.id, detail=f"wrong password ({count})")
        return until

    until = store.write(failed)
    return LoginResult(False, "locked" if until else "wrong_password", locked_until=until)


def record_logout(store: Store, actor: Actor) -> None:
    """Audit a logout and refuse every login cookie issued before it (a copied one too)."""
    def work(c):
        if actor.id is not None:
            _revoke(c, actor.id)
        audit.record(c, actor, "logout", "users", actor.id)

    store.write(work)


def _revoke(cur, user_id: int) -> None:
    cur.execute("UPDATE users SET sessions_valid_after = current_timestamp WHERE id = $id", {"id": user_id})


def session_actor(store: Store, username: str, issued_at: datetime) -> Actor | None:
    """The account of a session begun at `issued_at`, or None when it must end now.

    Checked on every page run: the account must still be active and the session must be newer
    than the account's last logout, disabling or password reset (`sessions_valid_after`).
    """
    rel = store.cursor().execute(
        "SELECT * FROM users WHERE username = $u AND active"
        " AND (sessions_valid_after IS NULL OR sessions_valid_after < $at)",
        {"u": username, "at": issued_at})
    row = rel.fetchone()
    return actor_from_row(dict(zip([d[0] for d in rel.description], row))) if row else None
