"""`python -m access`: what an installer does without a browser, above all creating the first administrator.

    python -m access upgrade
    python -m access create-admin --username chief --area R --password-stdin < secret.txt
    python -m access create-user --username li --role leader --area R01001 [--area R01002] [--personal-data]
    python -m access set-password --username li
    python -m access list-users
    python -m access purge-audit
    python -m access demo-logins [--street CODE]

The store is the one the server uses (ONESCREEN_APP_DATABASE_URL, read by
config.load_settings), its schema upgraded first. A password is read from
stdin with --password-stdin (for scripts), else asked twice without echo,
and never taken as an argument, where `ps` and the shell history would show
it. Every change is an audit record with no principal and {"via": "cli"}.
Exit codes: 0 done, 2 bad arguments (said on stderr, in English), 1 a database
that cannot be reached.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy.exc import SQLAlchemyError

import config
from access.accounts import Refused, create_local_user, parse_areas, random_password, set_local_password
from access.model import EVERY_AREA, ROLES
from access.service import Access
from data_access.areas import WHOLE_DATABASE, find_area, first_area_at_level, root_area_code
from data_access.database import Database

CLI = {"via": "cli"}
DEMO_ADMIN = "demo-admin"
DEMO_STREET = "demo-street"


class BadArguments(ValueError):
    """Arguments the command cannot use; said on stderr, exit code 2."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = config.load_settings()
        access = Access(settings)
        return args.run(access, args) or 0
    except config.SettingsError as error:
        return _bad(str(error))
    except BadArguments as error:
        return _bad(str(error))
    except Refused as refused:
        return _bad(*refused.texts("en"))
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        print(f"error: a database cannot be read or written: {cause}", file=sys.stderr)
        return 1


def _bad(*texts: str) -> int:
    for text in texts:
        print(f"error: {text}", file=sys.stderr)
    return 2


def upgrade(access: Access, _args) -> None:
    # Access upgraded the schema when it opened the store; this says where.
    print(f"the store at {access.store.engine.url.render_as_string(hide_password=True)} is up to date")


def create_user(access: Access, args) -> None:
    password = _password(args)
    create_local_user(access, None, username=args.username, display_name=args.display_name or args.username,
                      role=args.role, areas=args.area, password=password, personal_data=args.personal_data,
                      via="cli")
    print(f"created {args.username}: {args.role} of {' '.join(parse_areas(args.area)) or 'no area'}")


def set_password(access: Access, args) -> None:
    user = access.store.find_user(args.username)
    if user is None:
        raise BadArguments(f"there is no user {args.username!r}")
    set_local_password(access, None, user, _password(args), via="cli")
    print(f"the password of {args.username} is set; their sessions have ended")


def list_users(access: Access, _args) -> None:
    now = access.store.now()
    for user in access.store.users():
        flags = [flag for flag, on in (("personal_data", user.personal_data), ("inactive", not user.active),
                                       ("locked", bool(user.locked_until and user.locked_until > now))) if on]
        print("\t".join([user.username, user.source, user.role, " ".join(user.areas) or "-",
                         user.last_login_at.isoformat(sep=" ") if user.last_login_at else "never",
                         ",".join(flags)]))


def purge_audit(access: Access, _args) -> None:
    days = access.settings.audit_retention_days
    removed = access.store.purge_audit(days)
    access.audit("admin_change", "ok", None, detail={**CLI, "change": "audit_purged", "removed": removed,
                                                      "retention_days": days})
    print(f"removed {removed} audit records older than {days} days")


def demo_logins(access: Access, args) -> None:
    """The demo's two logins, made anew at every `make demo`: an admin of the whole city, a street's leader."""
    db = Database.from_settings(access.settings)
    try:
        root = root_area_code(db)
        street = find_area(db, args.street) if args.street else first_area_at_level(db, "street")
    finally:
        db.engine.dispose()
    if street is None:
        raise BadArguments(f"there is no area {args.street!r}" if args.street else "the database has no street")
    logins = [(DEMO_ADMIN, "admin", (EVERY_AREA,) if root == WHOLE_DATABASE else (root,)),
              (DEMO_STREET, "leader", (street.code,))]
    policy = access.store.password_policy()
    print("OneScreen demo logins (new passwords at every start):")
    for username, role, areas in logins:
        password = random_password(policy, username)
        found = access.store.find_user(username)
        if found is None:
            create_local_user(access, None, username=username, display_name=username, role=role, areas=areas,
                              password=password, personal_data=False, via="cli")
        elif found.source != "local":
            raise BadArguments(f"{username} is a directory account; remove it from the directory's mapping")
        else:
            access.store.update_user(found.user_id, areas=areas, role=role, personal_data=False, active=True)
            access.store.unlock_user(found.user_id)
            set_local_password(access, None, found, password, via="cli")
            access.audit("admin_change", "ok", None, detail={**CLI, "change": "demo_login_reset",
                                                              "username": username, "role": role,
                                                              "areas": list(areas)})
        print(f"  {username:<12} {password}   {role} of {' '.join(areas)}")


def _password(args) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise BadArguments("the two passwords differ")
    if not password:
        raise BadArguments("no password given")
    return password


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m access", description="OneScreen's users and audit trail.")
    commands = parser.add_subparsers(required=True, metavar="command")
    commands.add_parser("upgrade", help="bring the store's schema to the newest migration").set_defaults(run=upgrade)
    for name, role in (("create-user", None), ("create-admin", "admin")):
        command = commands.add_parser(name, help=f"create a local {role or 'user'}")
        command.add_argument("--username", required=True)
        if role is None:
            command.add_argument("--role", required=True, choices=ROLES)
        command.add_argument("--area", action="append", required=True,
                             help='an area code the user sees (with everything below it); repeat for more; "*": all')
        command.add_argument("--display-name")
        command.add_argument("--personal-data", action="store_true", help="may see unmasked phones and names")
        command.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        command.set_defaults(run=create_user, **({"role": role} if role else {}))
    command = commands.add_parser("set-password", help="set a local user's password (ends their sessions)")
    command.add_argument("--username", required=True)
    command.add_argument("--password-stdin", action="store_true")
    command.set_defaults(run=set_password)
    commands.add_parser("list-users", help="list every user").set_defaults(run=list_users)
    commands.add_parser("purge-audit", help="drop audit records older than ONESCREEN_AUDIT_RETENTION_DAYS"
                        ).set_defaults(run=purge_audit)
    command = commands.add_parser("demo-logins", help="create or reset demo-admin and demo-street, print them")
    command.add_argument("--street", help="the street's area code (default: the first street)")
    command.set_defaults(run=demo_logins)
    return parser


if __name__ == "__main__":
    sys.exit(main())
