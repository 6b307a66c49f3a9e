"""Command line: run the simulator until SIGINT or SIGTERM.

Prints one JSON line `{"services": {name: {"kind", "url", "api_key"}}}` on
stdout once every instance listens; logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import signal
import sys
import time

from .library import KINDS
from .server import DEFAULT_INSTANCES, DEFAULT_PORTS, Simulator

_LOGGER = logging.getLogger("simulator")


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise SystemExit(f"{option} expects NAME=VALUE, got {value!r}")
        out[name] = rest
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Simulated Radarr, Sonarr, Lidarr, Jellyfin and Jellyseerr.",
    )
    parser.add_argument("--movies", type=int, default=50, help="movies in the library")
    parser.add_argument("--series", type=int, default=10, help="series in the library")
    parser.add_argument("--artists", type=int, default=5, help="artists in the library")
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the generated library"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--default-ports",
        action="store_true",
        help="listen on the real default ports (radarr 7878, sonarr 8989, lidarr 8686, "
        "jellyfin 8096, jellyseerr 5055) instead of ephemeral ones",
    )
    parser.add_argument(
        "--instance",
        action="append",
        default=[],
        metavar="NAME=KIND",
        help="an instance (repeatable; default: one of each kind)",
    )
    parser.add_argument("--port", action="append", default=[], metavar="NAME=PORT")
    parser.add_argument("--url-base", action="append", default=[], metavar="NAME=/BASE")
    parser.add_argument("--api-key", action="append", default=[], metavar="NAME=KEY")
    parser.add_argument(
        "--server-version",
        action="append",
        default=[],
        metavar="NAME=VERSION",
        help="another server version and its shapes (sonarr=3.0.4.1126: Sonarr v3)",
    )
    parser.add_argument(
        "--platform",
        action="append",
        default=[],
        metavar="NAME=PLATFORM",
        help="put a further *arr instance of a kind on linux or windows",
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="log every request"
    )
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> Simulator:
    """Return a simulator configured from the command line."""
    instances = _pairs(args.instance, "--instance") or dict(DEFAULT_INSTANCES)
    for name, kind in instances.items():
        if kind not in KINDS:
            raise SystemExit(
                f"unknown kind {kind!r} for {name!r}; one of {', '.join(KINDS)}"
            )
    ports: dict[str, int] = {}
    if args.default_ports:
        seen: dict[str, int] = {}
        for name, kind in instances.items():
            ports[name] = DEFAULT_PORTS[kind] + seen.get(kind, 0)
            seen[kind] = seen.get(kind, 0) + 1
    for name, port in _pairs(args.port, "--port").items():
        ports[name] = int(port)
    return Simulator(
        movies=args.movies,
        series=args.series,
        artists=args.artists,
        seed=args.seed,
        host=args.host,
        instances=instances,
        ports=ports,
        url_bases=_pairs(args.url_base, "--url-base"),
        api_keys=_pairs(args.api_key, "--api-key"),
        versions=_pairs(args.server_version, "--server-version"),
        platforms=_pairs(args.platform, "--platform"),
    )


async def run(args: argparse.Namespace) -> None:
    """Start, announce, wait for a signal, stop."""
    began = time.monotonic()
    sim = build(args)
    # The library lives as long as the process: keep the collector off it.
    gc.freeze()
    _LOGGER.info(
        "generated %d movies, %d series, %d artists in %.2f s",
        args.movies,
        args.series,
        args.artists,
        time.monotonic() - began,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await sim.start()
    try:
        line = {
            "services": {
                name: {"kind": h.kind, "url": h.url, "api_key": h.api_key}
                for name, h in sim.services.items()
            }
        }
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        await stop.wait()
        _LOGGER.info("stopping")
    finally:
        await sim.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point of `python -m simulator`."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
