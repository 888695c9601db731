"""python -m social_market.admin moderator <handle> [--revoke]

Grants (or with --revoke, takes away) the moderator role. Moderators see "Moderation"
in their account menu and work the queue of reports at /moderation. The change is
written to the moderation audit log.
"""

from __future__ import annotations

import argparse
import sys

from social_market.db import get_engine, session_scope
from social_market.migrations import check_schema
from social_market.services import moderation
from social_market.services.errors import NotFound


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m social_market.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    mod = commands.add_parser("moderator", help="grant or revoke the moderator role")
    mod.add_argument("handle", help="the person's handle (with or without @)")
    mod.add_argument("--revoke", action="store_true", help="take the role away instead")
    args = parser.parse_args(argv)
    check_schema(get_engine())
    try:
        with session_scope() as session:
            user = moderation.set_moderator(session=session, handle=args.handle, on=not args.revoke)
            handle = user.handle
    except NotFound:
        print(f"No account with the handle {args.handle!r}.", file=sys.stderr)
        return 1
    if args.revoke:
        print(f"@{handle} is no longer a moderator.")
    else:
        print(f"@{handle} is now a moderator (the queue is at /moderation).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
