"""``python -m ldapber``: decode LDAP PDUs and print them.

With no arguments it decodes the sample PDUs bundled with the package,
prints each as objects, re-encodes it and says whether the bytes came back
identical.  ``python -m ldapber decode ...`` decodes PDUs from hex, base64,
raw files or packet captures and prints them as trees (``--help``);
``python -m ldapber serve`` serves the bundled sample directory over LDAP.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from importlib import resources

from . import BACKEND, DecodeError, __version__, decode, encode
from .tools import decode as decode_tool
from .tools import serve as serve_tool

__all__ = ["main", "bundled_samples"]


def bundled_samples() -> list[tuple[str, bytes]]:
    """The sample PDUs shipped in ``ldapber/samples/messages.hex``."""
    text = resources.files("ldapber").joinpath("samples/messages.hex").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, hexdata = line.rpartition(": ")
            out.append((name, bytes.fromhex(hexdata)))
    return out


def show(name: str, data: bytes, strict: bool) -> bool:
    print(f"== {name} ({len(data)} bytes)")
    try:
        msg = decode(data, strict=strict)
    except DecodeError as err:
        print(f"   error: {err}")
        return False
    print(f"   {msg!r}")
    again = encode(msg)
    same = "identical" if again == data else f"canonical form {again.hex()}"
    print(f"   re-encoded: {same}")
    return True


def plain(doc: str | None) -> str:
    """A module docstring as help text: without reStructuredText's markup
    (``code``, :role:`target`)."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", doc or "")
    return text.replace("``", "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ldapber", description=plain(__doc__),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="version", version=f"ldapber {__version__} ({BACKEND} backend)")
    sub = ap.add_subparsers(dest="command")
    dec = sub.add_parser("decode", help="decode PDUs from hex, base64, raw files or captures",
                         description=plain(decode_tool.__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    decode_tool.add_arguments(dec)
    srv = sub.add_parser("serve", help="serve an LDAP directory (the bundled sample by default)",
                         description=plain(serve_tool.__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    serve_tool.add_arguments(srv)
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["serve"]:
        serve_tool.apply_config(srv, argv[1:])
    args = ap.parse_args(argv)
    if args.command == "serve":
        return serve_tool.run(args)
    if args.command == "decode" and (args.hex or args.hex_file or args.base64 or args.raw or args.pcap):
        return decode_tool.run(args)
    strict = not getattr(args, "lenient", False)
    items = bundled_samples()
    print(f"ldapber {BACKEND} backend: decoding {len(items)} bundled sample PDUs")
    ok = [show(name, data, strict) for name, data in items]
    print(f"{sum(ok)} of {len(ok)} decoded")
    return 0 if all(ok) else 1


def _run() -> int:
    """The command line: a reader that goes away (``| head``) ends it quietly, as Unix tools do."""
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would print a traceback flushing stdout at exit: point it at /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


if __name__ == "__main__":
    sys.exit(_run())
