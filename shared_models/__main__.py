"""Operator commands: `python -m shared_models migrate | create-admin`."""

from __future__ import annotations

import argparse
import getpass
import sys

from shared_models.bootstrap import prepare_database
from shared_models.db import begin_write, make_engine, make_sessionmaker
from shared_models.errors import ApiError
from shared_models.seed import create_admin
from shared_models.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared_models")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply migrations and seed data")
    admin = commands.add_parser("create-admin", help="create an admin account")
    admin.add_argument("--username", required=True)
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", help="read from the terminal when omitted")
    args = parser.parse_args(argv)

    settings = get_settings()
    engine = make_engine(settings)
    prepare_database(engine, settings)
    if args.command == "create-admin":
        password = args.password or getpass.getpass("Password: ")
        with make_sessionmaker(engine)() as session:
            begin_write(session)
            try:
                user = create_admin(session, username=args.username, email=args.email, password=password)
            except ApiError as error:
                print(f"error: {error.body.get('message') or error.body['error']}", file=sys.stderr)
                return 2
            session.commit()
            print(f"created admin {user.username} ({user.id})")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
