"""Bench the clients against hostile servers: memory and event-loop stalls.

Run from the repository root:

    .venv/bin/python bench/hostile.py [--movies 20000]

The simulator runs in its own process; its fault injection plays the hostile
server. Each case is one refresh of Radarr as its coordinator makes it
(`async_fetch_snapshot`), in a fresh worker process of its own (so that its
memory figures start from a clean baseline), while a `StallProbe` watches the
event loop:

- baseline: the real library (20,000 movies, a movie list of ~50 MB);
- the movie list endless, endless and gzip'd, with a 60 MB string in the
  first movie, with lists nested 100,000 deep in the first movie;
- `/system/status` (a small object, not a list) endless, with a 60 MB
  string, nested 100,000 deep.

Per case: the outcome (movies read or the error), the wall time, the longest
stall of the event loop, the peak growth of the resident memory while the
case ran, what was left once the answer or the error was dropped (resident
memory, after asking the C allocator to give back what it can, and Python
objects), and the peak growth when the same case runs a second time.
CPython's allocator keeps arenas that a few long-lived objects (orjson's
cache of keys) pin, so resident memory falls back only partly; the second
run shows that it is used again rather than added to. A case stops after
`--limit` seconds or 2 GiB of growth, whichever comes first, and then says
so. Ratios are to the baseline measured in the same run.

Targets: every hostile case ends with an error before the limit; no stall
over 50 ms (in this process's own CPU time: the machine may be shared); peak
growth at most what a real library as large as the limit on list answers
would need (the baseline scaled to that size); no Python objects left, and
no more growth the second time.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import ctypes
from datetime import UTC, datetime
import gc
import json
import os
from pathlib import Path
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, SimulatorProcess, StallProbe, rss_bytes

MB = 1024 * 1024
TARGET_STALL = 0.050
TARGET_OBJECTS_KEPT = 5_000
GROWTH_LIMIT = 2048 * MB

HUGE = 60_000_000
DEEP = 100_000

# name: (the path that gets the faults, under the API; faults)
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "movies (baseline)": ("movie", {}),
    "endless movie list": ("movie", {"endless": True}),
    "endless movie list, gzip": ("movie", {"endless": True, "gzip": True}),
    "60 MB string in a movie": ("movie", {"huge": HUGE}),
    "100,000 deep in a movie": ("movie", {"deep": DEEP}),
    "endless /system/status": ("system/status", {"endless": True}),
    "60 MB string in /system/status": ("system/status", {"huge": HUGE}),
    "100,000 deep in /system/status": ("system/status", {"deep": DEEP}),
}


def _peak_rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak_rss() -> None:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux).
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")


async def _watch_growth(baseline: int, task: asyncio.Task[Any]) -> None:
    while not task.done():
        if rss_bytes() - baseline > GROWTH_LIMIT:
            task.cancel("growth limit")
            return
        await asyncio.sleep(0.05)


def _trim() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


async def _refresh_once(
    read: Callable[[], Awaitable[Any]], limit: float, baseline: int
) -> dict[str, Any]:
    """Run one refresh under the stall probe; the answer is dropped afterwards."""
    from custom_components.lcars.clients import LcarsClientError  # noqa: PLC0415

    _reset_peak_rss()
    outcome = ""
    async with StallProbe() as probe:
        started = time.perf_counter()
        task = asyncio.create_task(read())
        watch = asyncio.create_task(_watch_growth(baseline, task))
        try:
            async with asyncio.timeout(limit):
                result = await task
                outcome = f"{len(result.movies)} movies"
                del result
        except TimeoutError:
            outcome = f"no answer and no error after {limit:g} s"
        except asyncio.CancelledError:
            outcome = "no answer and no error, stopped at 2 GiB of growth"
        except LcarsClientError as err:
            outcome = f"{type(err).__name__}: {err.detail}"
        except Exception as err:
            outcome = f"{type(err).__name__} (not a client error)"
        wall = time.perf_counter() - started
        watch.cancel()
    return {
        "outcome": outcome,
        "wall": wall,
        "stall": probe.longest,
        "stall_busy": probe.longest_busy,
        "peak": _peak_rss_bytes() - baseline,
    }


async def _settle() -> None:
    """Let what was dropped be freed, and the C allocator give back what it can."""
    gc.collect()
    await asyncio.sleep(0.5)
    gc.collect()
    _trim()


async def worker(config: dict[str, Any]) -> dict[str, Any]:
    """Refresh Radarr twice with the LCARS client; return the figures."""
    from custom_components.lcars.clients import RadarrClient  # noqa: PLC0415

    info = config["service"]
    async with aiohttp.ClientSession() as session:
        client = RadarrClient(session, info["url"], info["api_key"])

        async def read() -> Any:
            return await client.async_fetch_snapshot(datetime.now(UTC))

        await _settle()
        baseline = rss_bytes()
        blocks = sys.getallocatedblocks()
        figures = await _refresh_once(read, config["limit"], baseline)
        await _settle()
        figures["kept"] = rss_bytes() - baseline
        figures["blocks_kept"] = sys.getallocatedblocks() - blocks
        # The same again: memory the allocator kept is used again, not added.
        figures["peak_again"] = (await _refresh_once(read, config["limit"], baseline))[
            "peak"
        ]
    return figures


def run_worker(config: dict[str, Any]) -> dict[str, Any]:
    """Run one case in a fresh Python process and return its figures."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", delete=False, encoding="utf-8"
    ) as handle:
        json.dump(config, handle)
        name = handle.name
    try:
        os.chmod(name, 0o600)
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", name],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
    finally:
        os.unlink(name)
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise RuntimeError(f"the worker failed ({done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result


async def _movie_list_size(service: dict[str, Any]) -> int:
    async with (
        aiohttp.ClientSession() as control,
        control.get(
            f"{service['url']}/api/v3/movie",
            headers={"X-Api-Key": service["api_key"]},
        ) as response,
    ):
        return len(await response.read())


async def _set_faults(url: str, faults: dict[str, Any]) -> None:
    async with aiohttp.ClientSession() as control:
        async with control.delete(f"{url}/__simulator__/fault") as response:
            response.raise_for_status()
        if faults:
            async with control.post(
                f"{url}/__simulator__/fault", json=faults
            ) as response:
                response.raise_for_status()


def main() -> int:
    """Run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--movies", type=int, default=20000)
    parser.add_argument("--limit", type=float, default=20.0, help="seconds per case")
    parser.add_argument(
        "--case", action="append", default=[], help="only cases containing this"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        with open(args.worker, encoding="utf-8") as source:
            config = json.load(source)
        print(json.dumps(asyncio.run(worker(config))))
        return 0

    print(f"Starting the simulator ({args.movies} movies)...", flush=True)
    with SimulatorProcess.start(movies=args.movies, series=10, artists=5) as sim:
        service = sim.services["radarr"]
        rows: dict[str, dict[str, Any]] = {}
        for name, (path, faults) in CASES.items():
            if faults and args.case and not any(c in name for c in args.case):
                continue
            asyncio.run(
                _set_faults(service["url"], {**faults, "paths": [f"/api/v3/{path}"]})
                if faults
                else _set_faults(service["url"], {})
            )
            rows[name] = run_worker({"service": service, "limit": args.limit})
            print(f"  {name}: {rows[name]['outcome']}", flush=True)
        asyncio.run(_set_faults(service["url"], {}))
        library_bytes = asyncio.run(_movie_list_size(service))

    from custom_components.lcars.clients.http import MAX_LIST_SIZE  # noqa: PLC0415

    base = rows["movies (baseline)"]
    # What a real library as large as the limit on list answers would need.
    allowed_peak = base["peak"] * MAX_LIST_SIZE / library_bytes * 1.25
    print()
    print(
        f"Movie list: {library_bytes / MB:.1f} MiB; limit on list answers: "
        f"{MAX_LIST_SIZE / MB:.0f} MiB; peak growth allowed: {allowed_peak / MB:.0f} MiB"
    )
    header = (
        f"{'case':32} {'wall s':>6} {'stall ms':>8} {'busy ms':>7} {'x base':>6} "
        f"{'peak MiB':>8} {'x base':>6} {'kept MiB':>8} {'objects':>8} {'again':>6}"
    )
    print(header)
    print("-" * len(header))
    met = True
    for name, row in rows.items():
        print(
            f"{name:32} {row['wall']:6.2f} {row['stall'] * 1000:8.1f} "
            f"{row['stall_busy'] * 1000:7.1f} "
            f"{row['stall_busy'] / base['stall_busy']:6.2f} {row['peak'] / MB:8.1f} "
            f"{row['peak'] / max(base['peak'], 1):6.2f} {row['kept'] / MB:8.1f} "
            f"{row['blocks_kept']:8d} {row['peak_again'] / MB:6.1f}"
        )
        if name == "movies (baseline)":
            continue
        errored = (
            "Error:" in row["outcome"] and "not a client error" not in (row["outcome"])
        )
        met &= errored
        met &= row["stall_busy"] <= TARGET_STALL
        met &= row["peak"] <= allowed_peak
        # Given back: no objects left, and a second time grows nothing more.
        met &= row["blocks_kept"] <= TARGET_OBJECTS_KEPT
        met &= row["peak_again"] <= row["peak"] * 1.1 + 16 * MB
    print()
    print(
        "stall: the longest the event loop could not run a timer; busy: the CPU "
        "time this process used in it (the rest is other processes of the "
        "machine); kept: resident memory left after the first time; objects: "
        "Python objects left, net; again: peak growth after the same case a "
        "second time (memory the allocator kept is used again, not added)"
    )
    print()
    print("Outcomes:")
    for name, row in rows.items():
        print(f"  {name}: {row['outcome']}")
    print()
    print(
        "Targets (every hostile case an error, stalls <= 50 ms, peak growth "
        "<= a real library at the limit's, memory given back for reuse):",
        "met" if met else "MISSED",
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
