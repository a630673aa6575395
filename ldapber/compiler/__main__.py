"""``python -m ldapber.compiler --write | --check``."""

from __future__ import annotations

import argparse
import sys

from .build import PACKAGE, stale_files, write_all
from .errors import CompileError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ldapber.compiler", description=__doc__)
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="regenerate ldapber/_generated/")
    group.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale")
    args = ap.parse_args(argv)
    try:
        if args.write:
            for path in write_all():
                print(f"wrote {path.relative_to(PACKAGE.parent)}")
            return 0
        stale = stale_files()
    except CompileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in stale:
        print(f"stale: {path.relative_to(PACKAGE.parent)}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
