"""`followup users add|list|passwd|disable|enable`: manage accounts from a shell."""

from __future__ import annotations

import getpass
import os

from pydantic import ValidationError

from pipelines import accounts
from pipelines.access import SYSTEM
from pipelines.cli import CommandError, common, emit
from pipelines.models import UserIn
from pipelines.store import open_store


def register(sub) -> None:
    p = sub.add_parser("users", help="管理账号 / manage accounts")
    s = p.add_subparsers(dest="action", required=True)
    add = s.add_parser("add", help="新建账号 / add an account")
    common(add)
    add.add_argument("username")
    add.add_argument("--name", required=True, help="显示名称 / display name")
    add.add_argument("--role", required=True, choices=["rep", "manager", "leader", "admin"],
                     help="角色:销售代表、销售经理、管理层、管理员 / role")
    add.add_argument("--team", help="团队名称(没有则新建;管理层和管理员不属于团队)/ team name (created if missing; leaders and admins have none)")
    add.add_argument("--password-env", help="从这个环境变量读取密码(默认:询问两次)/ read the password from this"
                     " environment variable (default: ask twice)")
    add.add_argument("--no-password", action="store_true",
                     help="不设密码:管理员设置前不能登录 / no password: no login until an admin sets one")
    add.set_defaults(func=run_add)
    ls = s.add_parser("list", help="列出账号 / list accounts")
    common(ls)
    ls.set_defaults(func=run_list)
    pw = s.add_parser("passwd", help="设置密码 / set a password")
    common(pw)
    pw.add_argument("username")
    pw.add_argument("--password-env", help="从这个环境变量读取密码 / read the password from this variable")
    pw.set_defaults(func=run_passwd)
    for name, active in (("disable", False), ("enable", True)):
        d = s.add_parser(name, help=("停用账号 / disable an account" if name == "disable" else "启用账号 / enable an account"))
        common(d)
        d.add_argument("username")
        d.set_defaults(func=lambda args, active=active: run_active(args, active))


def _password(args, username: str) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise CommandError(f"环境变量 {args.password_env} 为空 / {args.password_env} is empty")
        return value
    try:
        first = getpass.getpass("密码 / password: ")
        again = getpass.getpass("再输一次 / again: ")
    except EOFError:  # a password piped in: the prompt asks twice, and the input ran out
        raise CommandError("没有读到两次密码;在脚本中请用 --password-env 变量名 传入密码 / the password was not typed"
                           " twice; in a script, pass it with --password-env VARIABLE") from None
    if again != first:
        raise CommandError("两次输入不一致 / the two entries differ")
    return first


def _team_id(store, name: str | None) -> int | None:
    if not name:
        return None
    found = store.scalar("SELECT id FROM teams WHERE name = $n", {"n": name})
    return found if found is not None else accounts.create_team(store, SYSTEM, name)


def run_add(args) -> int:
    store = open_store(args.db)
    try:
        user = UserIn(username=args.username, display_name=args.name, role=args.role,
                      team_id=_team_id(store, args.team))
    except ValidationError as exc:
        raise CommandError(str(exc)) from None
    password = None if args.no_password else _password(args, args.username)
    try:
        uid = accounts.create_user(store, SYSTEM, user, password)
    except accounts.PasswordPolicyError as exc:
        raise CommandError(f"{exc.zh} / {exc.en}") from None
    emit(args, {"id": uid, "username": args.username}, f"已添加 / added {args.username} (id {uid})")
    return 0


def run_list(args) -> int:
    df = accounts.list_users(open_store(args.db))
    emit(args, {"users": df.to_dicts()}, str(df))
    return 0


def run_passwd(args) -> int:
    store = open_store(args.db)
    try:
        accounts.set_password(store, SYSTEM, args.username, _password(args, args.username))
    except LookupError:
        raise CommandError(f"没有这个账号 / no such account: {args.username}") from None
    except accounts.PasswordPolicyError as exc:
        raise CommandError(f"{exc.zh} / {exc.en}") from None
    emit(args, {"username": args.username},
         "密码已更新,本人下次登录时需改成自己的密码 / password set; its owner changes it at the next login")
    return 0


def run_active(args, active: bool) -> int:
    try:
        accounts.set_active(open_store(args.db), SYSTEM, args.username, active)
    except LookupError:
        raise CommandError(f"没有这个账号 / no such account: {args.username}") from None
    emit(args, {"username": args.username, "active": active}, "已更新 / updated")
    return 0
