"""Accounts: password policy, lockout and its expiry (persisted), session revocation and expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import bcrypt
import pytest

from pipelines import accounts
from pipelines.access import NotPermitted
from pipelines.models import UserIn
from pipelines.store import Store
from pipelines.validators import password_ok

PASSWORD = "Lange-Passwort-2026"


@pytest.fixture
def user(store, org):
    """rep1 with a password; hashed with few bcrypt rounds to keep the tests fast."""
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    store.cursor().execute("UPDATE users SET password_hash = $h WHERE username = 'rep1'", {"h": hashed})
    return org["rep1"]


def test_a_taken_username_or_team_name_is_refused_in_words(store, org):
    admin = org["admin"]
    assert accounts.username_taken(store, admin, "rep1") and not accounts.username_taken(store, admin, "rep99")
    with pytest.raises(accounts.NameTaken) as taken:
        accounts.create_user(store, admin, UserIn(username="rep1", display_name="重名", role="rep"), PASSWORD)
    assert taken.value.zh == "用户名「rep1」已被使用,请换一个。"
    # the same name in capitals is the same name to people
    assert accounts.username_taken(store, admin, "REP1")
    with pytest.raises(accounts.NameTaken):
        accounts.create_user(store, admin, UserIn(username="Rep1", display_name="重名", role="rep"), PASSWORD)
    team = store.scalar("SELECT name FROM teams ORDER BY id LIMIT 1")
    with pytest.raises(accounts.NameTaken):
        accounts.create_team(store, admin, f" {team} ")
    assert store.scalar("SELECT count(*) FROM teams WHERE name = $n", {"n": team}) == 1
    with pytest.raises(NotPermitted):
        accounts.username_taken(store, org["manager1"], "rep1")


def test_password_policy(store, org):
    assert not password_ok("short12", "rep1")
    assert not password_ok("Manager123", "manager123")  # the username, whatever the case
    assert password_ok("haiyang@2026", "rep1") and password_ok("correct horse battery", "rep1")
    # spaces do not count; a repeated character, a run and a common word with digits are refused
    for weak in (" " * 12, "a b c d e f g h i", "aaaaaaaaaaaa", "0123456789", "abcdefghij", "password123",
                 "Qwerty2026!", "admin@2026!!"):
        assert not password_ok(weak, "rep1"), weak
    with pytest.raises(accounts.PasswordPolicyError):
        accounts.set_password(store, org["admin"], "rep1", "rep1")
    with pytest.raises(accounts.PasswordPolicyError):
        accounts.create_user(store, org["admin"], UserIn(username="newrep01", display_name="新", role="rep"),
                             "newrep01")
    hashed = store.scalar("SELECT password_hash FROM users WHERE username = 'rep1'")
    assert hashed is None  # nothing was set by the refused attempt
    accounts.set_password(store, org["admin"], "rep1", PASSWORD)
    hashed = store.scalar("SELECT password_hash FROM users WHERE username = 'rep1'")
    assert hashed.startswith("$2b$") and PASSWORD not in hashed


def test_lockout_after_five_failures_holds_across_reopen_and_expires(store, user, tmp_path):
    t0 = datetime.now(UTC)
    for _ in range(4):
        assert accounts.authenticate(store, "rep1", "wrong password", now=t0).reason == "wrong_password"
    locked = accounts.authenticate(store, "rep1", "wrong password", now=t0)
    assert locked.reason == "locked" and locked.locked_until == t0 + timedelta(minutes=15)
    # the right password does not help while locked, in another process or after a restart either
    location = store.location
    store.close()
    again = Store(location)
    assert accounts.authenticate(again, "rep1", PASSWORD, now=t0 + timedelta(minutes=14)).reason == "locked"
    result = accounts.authenticate(again, "rep1", PASSWORD, now=t0 + timedelta(minutes=15, seconds=1))
    assert result.ok and result.actor.username == "rep1"
    assert again.scalar("SELECT failed_logins FROM users WHERE username = 'rep1'") == 0
    actions = again.query("SELECT action, detail FROM audit_log WHERE row_id = $id AND table_name = 'users'"
                          " ORDER BY id", {"id": user.id})
    assert actions["action"].to_list().count("login_failed") == 6 and actions["action"][-1] == "login"
    again.close()


def test_failures_reset_on_success(store, user):
    for _ in range(4):
        accounts.authenticate(store, "rep1", "nope nope nope")
    assert accounts.authenticate(store, "rep1", PASSWORD).ok
    for _ in range(4):
        accounts.authenticate(store, "rep1", "nope nope nope")
    assert accounts.authenticate(store, "rep1", PASSWORD).ok  # 4 + 4 failures never locked


def test_disabled_and_unknown_accounts(store, org, user):
    accounts.set_active(store, org["admin"], "rep1", False)
    assert accounts.authenticate(store, "rep1", PASSWORD).reason == "disabled"
    assert accounts.authenticate(store, "nobody", PASSWORD).reason == "unknown"
    # without its password a disabled account is refused as a wrong password: the page shows the
    # same words as for an unknown name, so it does not tell which accounts exist
    assert accounts.authenticate(store, "rep1", "not the password").reason == "wrong_password"
    failed = store.query("SELECT detail FROM audit_log WHERE action = 'login_failed' ORDER BY id")["detail"]
    assert failed.to_list()[-3:] == ["disabled", "unknown user", "disabled"]  # the log still says why
    accounts.set_active(store, org["admin"], "rep1", True)
    assert accounts.authenticate(store, "rep1", PASSWORD).ok


def test_every_name_locks_alike_so_the_login_page_does_not_tell_which_exist(store, org, user):
    """A real account said 已锁定 after five wrong passwords and an unknown name never did (and
    an imported rep's account said it had no password): a stranger could tell real accounts from
    made-up ones, then lock them. Now every name reads the same: four refusals, then locked."""
    accounts.set_active(store, org["admin"], "rep2", False)
    store.write(lambda c: c.execute("INSERT INTO users (username, display_name, role) VALUES ('imported', '导入', 'rep')"))
    for name in ("rep1", "zhangsan", "rep2", "imported"):
        said = [accounts.authenticate(store, name, "wrong password 1").reason for _ in range(6)]
        assert said[:4] == [said[0]] * 4 and said[0] in ("wrong_password", "unknown"), (name, said)
        assert said[4:] == ["locked", "locked"], (name, said)
        locked = accounts.authenticate(store, name, "wrong password 1")
        assert locked.locked_until is not None and locked.locked_until > datetime.now(UTC) + timedelta(minutes=14)
    # the lock holds against the right password too, and lifts after its 15 minutes
    assert accounts.authenticate(store, "rep1", PASSWORD).reason == "locked"
    later = datetime.now(UTC) + timedelta(minutes=16)
    assert accounts.authenticate(store, "zhangsan", "x", now=later).reason == "unknown"
    details = store.query("SELECT detail FROM audit_log WHERE action = 'login_failed' AND username = 'zhangsan'"
                          " ORDER BY id")["detail"].to_list()
    assert details[4] == "unknown user; lock" and details[5] == "unknown user; while locked", details
    accounts.set_active(store, org["admin"], "rep2", True)


@pytest.mark.parametrize("how", ["logout", "disable", "password"])
def test_logout_disable_and_password_reset_end_earlier_sessions(store, org, user, how):
    issued = datetime.now(UTC)  # a session (its cookie) begun now
    assert accounts.session_actor(store, "rep1", issued) is not None
    if how == "logout":
        accounts.record_logout(store, user)
    elif how == "disable":
        accounts.set_active(store, org["admin"], "rep1", False)
    else:
        accounts.set_password(store, org["admin"], "rep1", "Ein-neues-Passwort-1")
    assert accounts.session_actor(store, "rep1", issued) is None  # a copied cookie is refused too
    if how != "disable":
        assert accounts.session_actor(store, "rep1", datetime.now(UTC) + timedelta(seconds=1)) is not None


def test_only_admins_change_permissions(store, org):
    from pipelines.access import NotPermitted

    for who in ("manager1", "leader", "rep1"):
        with pytest.raises(NotPermitted):
            accounts.set_active(store, org[who], "rep2", False)
        with pytest.raises(NotPermitted):
            accounts.set_role(store, org[who], "rep2", "admin", None)
        with pytest.raises(NotPermitted):
            accounts.unlock(store, org[who], "rep2")
    with pytest.raises(NotPermitted):
        accounts.set_password(store, org["rep1"], "rep2", "Ein-neues-Passwort-1")
    accounts.set_password(store, org["rep1"], "rep1", "Ein-neues-Passwort-1")  # one's own: allowed
    # one's own through the sidebar form: only with the current password
    with pytest.raises(accounts.WrongPassword):
        accounts.change_own_password(store, org["rep1"], "not-the-password", "Noch-ein-Passwort-2")
    accounts.change_own_password(store, org["rep1"], "Ein-neues-Passwort-1", "Noch-ein-Passwort-2")
    assert accounts.authenticate(store, "rep1", "Noch-ein-Passwort-2").ok


def test_a_teams_manager_follows_the_manager_accounts(store, org):
    """A new team had no way to get a manager: 团队经理 stayed — whatever accounts it held."""
    admin = org["admin"]
    team = accounts.create_team(store, admin, "华东销售三组")

    def manager() -> str | None:
        return store.scalar("SELECT u.username FROM teams t LEFT JOIN users u ON u.id = t.manager_id"
                            " WHERE t.id = $t", {"t": team})

    assert manager() is None
    accounts.create_user(store, admin, UserIn(username="rep9", display_name="九号", role="rep", team_id=team), None)
    assert manager() is None  # a rep does not manage
    accounts.create_user(store, admin, UserIn(username="manager3", display_name="赵经理", role="manager",
                                              team_id=team), None)
    assert manager() == "manager3"
    accounts.create_user(store, admin, UserIn(username="manager4", display_name="钱经理", role="manager",
                                              team_id=team), None)
    assert manager() == "manager3"  # a second manager does not displace the first
    accounts.set_active(store, admin, "manager3", False)
    assert manager() == "manager4"
    accounts.set_role(store, admin, "manager4", "rep", team)
    assert manager() is None
    accounts.set_role(store, admin, "rep9", "manager", team)
    assert manager() == "rep9"
    # the other teams keep theirs
    assert store.scalar("SELECT count(*) FROM teams WHERE id <> $t AND manager_id IS NULL", {"t": team}) == \
        store.scalar("SELECT count(*) FROM teams t WHERE id <> $t AND NOT EXISTS (SELECT 1 FROM users u"
                     " WHERE u.team_id = t.id AND u.role = 'manager' AND u.active)", {"t": team})


def test_leadership_and_admins_belong_to_no_team(store, org):
    """The new-account form keeps the team of the account before: a leader made after a manager
    silently joined 华东一组 and was counted as its staff."""
    admin = org["admin"]
    team = accounts.create_team(store, admin, "华东销售三组")
    accounts.create_user(store, admin, UserIn(username="boss", display_name="赵总", role="leader", team_id=team), None)
    accounts.create_user(store, admin, UserIn(username="rep9", display_name="九号", role="rep", team_id=team), None)

    def team_of(username: str) -> int | None:
        return store.scalar("SELECT team_id FROM users WHERE username = $u", {"u": username})

    assert team_of("boss") is None and team_of("rep9") == team
    accounts.set_role(store, admin, "rep9", "admin", team)
    assert team_of("rep9") is None


def test_an_admin_renames_an_account(store, org):
    """An imported rep came in as the file wrote them (a CRM's id): an admin gives them their name."""
    accounts.set_display_name(store, org["admin"], "rep1", "  王磊 ")
    assert store.scalar("SELECT display_name FROM users WHERE username = 'rep1'") == "王磊"
    assert store.scalar("SELECT count(*) FROM audit_log WHERE table_name = 'users' AND action = 'update'") >= 1
    with pytest.raises(NotPermitted):
        accounts.set_display_name(store, org["manager1"], "rep1", "别人")
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        accounts.set_display_name(store, org["admin"], "rep1", "   ")


def test_a_password_someone_else_set_must_be_changed_by_its_owner(store, org, user):
    """An admin's reset or new account left the admin knowing the password for good: the owner
    was never asked to change it."""
    from pipelines.access import SYSTEM

    def must(username: str) -> bool:
        found = accounts.authenticate(store, username, PASSWORD if username == "rep1" else "Ein-neues-Passwort-1")
        return found.ok and found.actor.must_change_password

    assert not must("rep1")  # a password of one's own
    accounts.set_password(store, org["admin"], "rep1", "Ein-neues-Passwort-1")
    assert accounts.authenticate(store, "rep1", "Ein-neues-Passwort-1").actor.must_change_password
    with pytest.raises(accounts.SamePassword):  # "changed" to the one the admin knows
        accounts.change_own_password(store, org["rep1"], "Ein-neues-Passwort-1", "Ein-neues-Passwort-1")
    assert accounts.authenticate(store, "rep1", "Ein-neues-Passwort-1").actor.must_change_password
    assert accounts.session_actor(store, "rep1", datetime.now(UTC) + timedelta(seconds=1)).must_change_password
    accounts.change_own_password(store, org["rep1"], "Ein-neues-Passwort-1", PASSWORD)
    assert not must("rep1")
    accounts.set_password(store, SYSTEM, "rep1", "Ein-neues-Passwort-1")  # `followup users passwd`
    assert accounts.authenticate(store, "rep1", "Ein-neues-Passwort-1").actor.must_change_password
    accounts.set_password(store, org["rep1"], "rep1", PASSWORD)  # one's own, set directly
    assert not must("rep1")
    made = UserIn(username="rep9", display_name="九号", role="rep")
    accounts.create_user(store, org["admin"], made, "Ein-neues-Passwort-1")
    assert must("rep9")
    accounts.create_user(store, org["admin"], made.model_copy(update={"username": "rep10"}), None)
    assert store.scalar("SELECT must_change_password FROM users WHERE username = 'rep10'") is False
