"""``python -m ldapber serve``: an LDAP server for the bundled sample directory
(or your LDIF), on TCP with StartTLS, LDAPS and CLDAP.

With no arguments it serves ``dc=example,dc=com`` (six users whose password
is ``password``) on 127.0.0.1, port 389, anonymous reads only (``--host
0.0.0.0`` to listen on every address: it warns when simple binds would cross
the network without TLS).  Give ``--root-dn`` and ``--root-password-file``
(or ``LDAPBER_ROOT_PASSWORD``, or ``--root-password``) for an administrator
who may write, ``--data-file`` to keep changes across restarts,
``--tls-cert``/``--tls-key`` for StartTLS and ``--ldaps-port``.
"""

from __future__ import annotations

import argparse
import asyncio
import configparser
import errno
import gc
import ipaddress
import logging
import os
import signal
import ssl
import sys
from importlib import resources
from pathlib import Path

from .._gcpause import gc_paused
from ..aio import LDAPServer, ServerLimits
from ..directory.dit import Directory
from ..directory.errors import DirectoryError
from ..directory.index import DEFAULT_INDEXED
from ..directory.saslbind import SASL_MECHANISMS
from ..directory.service import DirectoryService
from ..directory.throttle import BindThrottle
from ..ldif import LDIFError, iter_ldif
from ..model.dn import DNSyntaxError

__all__ = ["add_arguments", "apply_config", "run", "build"]


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--config", metavar="FILE",
                    help="an INI file whose [serve] section sets any of these options by their long name "
                         "(size-limit = 0); the command line wins over it")
    ap.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 for all)")
    ap.add_argument("--port", type=int, default=389, help="LDAP port, also CLDAP over UDP (default: 389)")
    ap.add_argument("--ldaps-port", type=int, help="also listen for LDAPS (TLS from the first byte)")
    ap.add_argument("--ldapi", metavar="PATH", help="also listen on this Unix socket (ldapi://)")
    ap.add_argument("--tls-cert", help="PEM certificate for StartTLS and LDAPS")
    ap.add_argument("--tls-key", help="PEM private key for --tls-cert")
    ap.add_argument("--tls-ca", metavar="FILE", help="PEM CA certificates: ask TLS clients for a certificate "
                    "signed by one of them (optional for the client; SASL EXTERNAL binds as its subject DN)")
    ap.add_argument("--sasl-mechanisms", default=",".join(SASL_MECHANISMS), metavar="NAMES",
                    help=f"SASL mechanisms offered, comma-separated (default: {','.join(SASL_MECHANISMS)}; '' for none)")
    ap.add_argument("--map-external", action="append", default=[], metavar="IDENTITY=>DN",
                    help="bind an EXTERNAL identity (a certificate subject, or an ldapi:// peer as "
                         "'gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth') as DN; repeatable")
    ap.add_argument("--ldif", help="LDIF file to serve (default: the bundled sample directory)")
    ap.add_argument("--data-file", help="LDIF file that holds the data and receives every change "
                    "(created from --ldif or the sample when missing)")
    ap.add_argument("--root-dn", default="", help="administrator DN, allowed everything")
    ap.add_argument("--root-password", default="",
                    help="the administrator's password (visible to others in ps: prefer --root-password-file "
                         "or the LDAPBER_ROOT_PASSWORD environment variable)")
    ap.add_argument("--root-password-file", metavar="FILE", help="read the administrator's password from FILE "
                    "(its first line)")
    ap.add_argument("--require-tls", action="store_true",
                    help="refuse simple binds before TLS (confidentialityRequired)")
    ap.add_argument("--index", default=",".join(DEFAULT_INDEXED), metavar="TYPES",
                    help="comma-separated attribute types to keep equality and presence indexes on "
                         f"(default: {','.join(DEFAULT_INDEXED)}; '' for none: every search scans)")
    ap.add_argument("--size-limit", type=int, default=10_000, metavar="N",
                    help="most entries a search returns to anyone but --root-dn (0: no limit; default 10000)")
    ap.add_argument("--time-limit", type=float, default=0, metavar="SECONDS",
                    help="longest a search runs for anyone but --root-dn (0: no limit, the default)")
    ap.add_argument("--bind-delay-max", type=float, default=2.0, metavar="SECONDS",
                    help="failed simple binds slow the next ones for the same DN and from the same address, "
                         "doubling from 0.05 s up to this (default 2; 0: no throttling)")
    ap.add_argument("--no-cldap", action="store_true", help="do not answer rootDSE queries over UDP")
    ap.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio",
                    help="the event loop: asyncio's own (the default) or uvloop (pip install 'ldapber[uvloop]'), "
                         "whose connection set-up costs less")
    ap.add_argument("--max-connections", type=int, default=1000,
                    help="connections at once (default 1000); beyond it, --reserve more are kept for the root DN "
                         "(their first request must bind as it) and ldapi://")
    ap.add_argument("--reserve", type=int, default=8, metavar="N", help="connections kept for the operator "
                    "when the server is full (default 8)")
    ap.add_argument("--max-per-address", type=int, default=256, metavar="N",
                    help="TCP connections at once from one client address (default 256; 0: no cap)")
    ap.add_argument("--idle-timeout", type=float, default=300.0, metavar="SECONDS",
                    help="close a connection with nothing outstanding after this long without a request "
                         "(default 300)")
    ap.add_argument("--verbose", "-v", action="count", default=0,
                    help="-v: a line per connection and per operation on stderr, as slapd's stats log "
                         "(conn=, op=, DN, result, etime); -vv: debugging output too")


def apply_config(ap: argparse.ArgumentParser, argv: list[str] | None) -> None:
    """Make the options a ``--config`` file sets the parser's defaults (so
    that the command line still wins).  Raises SystemExit with the reason
    for a file that cannot be read, an unknown key or a bad value."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    known, _ = pre.parse_known_args(argv)
    if not known.config:
        return
    config = configparser.ConfigParser(interpolation=None)
    try:
        with open(known.config, encoding="utf-8") as f:
            config.read_file(f)
    except (OSError, configparser.Error) as err:
        raise SystemExit(f"cannot read the configuration {known.config}: {err}") from None
    if not config.has_section("serve"):
        raise SystemExit(f"{known.config}: no [serve] section")
    actions = {a.option_strings[0][2:]: a for a in ap._actions if a.option_strings and a.option_strings[0][:2] == "--"}
    defaults: dict[str, object] = {}
    for key, text in config.items("serve"):
        action = actions.get(key)
        if action is None or key in ("config", "help"):
            raise SystemExit(f"{known.config}: unknown option {key!r} (known: {', '.join(sorted(actions))})")
        try:
            if isinstance(action, argparse._StoreTrueAction):
                defaults[action.dest] = config.getboolean("serve", key)
            elif isinstance(action, argparse._CountAction):  # verbose = 2, or true for 1
                defaults[action.dest] = int(text) if text.strip().isdigit() else int(config.getboolean("serve", key))
            else:
                defaults[action.dest] = action.type(text) if callable(action.type) else text
        except ValueError as err:
            raise SystemExit(f"{known.config}: {key} = {text!r}: {err}") from None
    ap.set_defaults(**defaults)


def root_password(args: argparse.Namespace) -> bytes:
    """The administrator's password: --root-password-file, else LDAPBER_ROOT_PASSWORD, else --root-password."""
    if args.root_password_file:
        try:
            with open(args.root_password_file, encoding="utf-8") as f:
                return f.readline().rstrip("\r\n").encode("utf-8")
        except OSError as err:
            raise SystemExit(f"cannot read --root-password-file: {err}") from None
    return (os.environ.get("LDAPBER_ROOT_PASSWORD") or args.root_password).encode("utf-8")


def cleartext_warning(args: argparse.Namespace) -> str | None:
    """The warning for simple binds accepted without TLS where others can listen, or None."""
    try:
        local = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        local = args.host == "localhost"
    if local or args.require_tls:
        return None
    return (f"warning: simple binds are accepted without TLS on {args.host}: passwords cross the network in "
            "clear text; --require-tls (with --tls-cert and --tls-key) refuses them until StartTLS or LDAPS")


def _sample_ldif() -> str:
    return resources.files("ldapber").joinpath("samples/directory.ldif").read_text(encoding="utf-8")


def build(args: argparse.Namespace) -> tuple[DirectoryService, ssl.SSLContext | None]:
    """The directory and the TLS context the arguments describe."""
    directory = Directory(data_file=args.data_file, indexed=[t.strip() for t in args.index.split(",") if t.strip()])
    if args.data_file and Path(args.data_file).exists():
        directory.load_file(args.data_file)
    else:
        directory.load(iter_ldif(Path(args.ldif).read_bytes(), path=args.ldif) if args.ldif
                       else iter_ldif(_sample_ldif(), path="sample directory"))
        directory.save()
    context = None
    if args.tls_cert or args.tls_key:
        if not (args.tls_cert and args.tls_key):
            raise SystemExit("--tls-cert and --tls-key go together")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_ca:
            context.load_verify_locations(args.tls_ca)
            context.verify_mode = ssl.CERT_OPTIONAL
    elif args.tls_ca:
        raise SystemExit("--tls-ca needs --tls-cert and --tls-key")
    mapped = {}
    for item in args.map_external:
        identity, arrow, dn = item.partition("=>")
        if not arrow or not identity.strip() or not dn.strip():
            raise SystemExit(f"--map-external {item!r}: expected IDENTITY=>DN")
        mapped[identity.strip()] = dn.strip()
    try:
        service = DirectoryService(directory, root_dn=args.root_dn, root_password=root_password(args),
                                   starttls_available=context is not None, require_tls=args.require_tls,
                                   max_size_limit=args.size_limit, max_time_limit=args.time_limit,
                                   bind_throttle=BindThrottle(max_delay=args.bind_delay_max),
                                   sasl_mechanisms=tuple(m.strip().upper() for m in args.sasl_mechanisms.split(",")
                                                         if m.strip()),
                                   external_identities=mapped)
    except (ValueError, DNSyntaxError) as err:
        raise SystemExit(f"--sasl-mechanisms / --map-external: {err}") from None
    return service, context


async def _serve(args: argparse.Namespace) -> int:
    # This process is the server (not a library inside someone's program): the
    # loaded directory, millions of long-lived objects, leaves the collector's
    # view, so that a collection while serving does not walk all of it.  It is
    # frozen before the collector runs again: the load makes no garbage cycles
    # worth a full pass over all of it (that pass alone took 0.4 s at 100k).
    with gc_paused():
        service, context = build(args)
        gc.freeze()
    if args.ldaps_port and context is None:
        print("--ldaps-port needs --tls-cert and --tls-key", file=sys.stderr)
        return 2
    server = LDAPServer(service, starttls_context=context, cldap_handler=None if args.no_cldap else service.cldap,
                        limits=ServerLimits(max_connections=args.max_connections, idle_timeout=args.idle_timeout,
                                            reserve=args.reserve, max_per_address=args.max_per_address))
    try:
        port = await server.listen_tcp(args.host, args.port)
        if not args.no_cldap:
            await server.listen_udp(args.host, port)
        if args.ldaps_port:
            await server.listen_tcp(args.host, args.ldaps_port, ssl_context=context)
        if args.ldapi:
            await server.listen_unix(args.ldapi)
    except OSError as err:
        await server.close()
        hint = ""
        if err.errno in (errno.EACCES, errno.EPERM):
            hint = " (ports below 1024 need privileges: try --port 3389)"
        elif err.errno == errno.EADDRINUSE:
            hint = " (another server is using it: try another --port, such as 3389)"
        print(f"cannot listen on {args.host}:{args.port}: {err.strerror}{hint}", file=sys.stderr)
        return 1
    warning = cleartext_warning(args)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    contexts = ", ".join(str(dn) for dn in service.directory.naming_contexts())
    print(f"ldapber serving {contexts} ({len(service.directory)} entries) on {args.host}:{port}"
          + (f", LDAPS on {args.ldaps_port}" if args.ldaps_port else "")
          + (f", ldapi on {args.ldapi}" if args.ldapi else "")
          + (", StartTLS" if context else "") + ("" if args.no_cldap else ", CLDAP"), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.close()
    return 0


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.DEBUG if args.verbose > 1 else logging.WARNING,
                        format="%(asctime)s %(message)s" if args.verbose else "%(levelname)s:%(name)s:%(message)s")
    if args.verbose:
        logging.getLogger("ldapber.server.stats").setLevel(logging.INFO)
    if args.loop == "uvloop":
        try:
            import uvloop
        except ImportError:
            print("--loop uvloop needs uvloop: pip install 'ldapber[uvloop]'", file=sys.stderr)
            return 2
        # This process is the server: its event loop is its own to choose.
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        return asyncio.run(_serve(args))
    except (LDIFError, DirectoryError, DNSyntaxError) as err:
        print(f"cannot load the directory: {err}", file=sys.stderr)
        return 1
