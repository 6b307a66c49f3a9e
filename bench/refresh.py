"""Bench a full refresh of the five services against the simulator.

Run from the repository root:

    .venv/bin/python bench/refresh.py [--movies 20000 --series 2000
        --artists 1000 --runs 3]

The simulator runs in its own process. Each contender runs in a fresh worker
process of its own (several runs each), so that its memory figures start
from a clean baseline:

- lcars: the five clients' `async_fetch_snapshot`, all services concurrently,
  as the coordinators call them; snapshots are kept alive between runs and
  replaced by the next run, as the coordinators keep them.
- floor: the same URLs with plain aiohttp, `await resp.read()` and
  `orjson.loads` (and `json.loads` for reference), concurrently.
- aiopyarr: Home Assistant core's Radarr library fetching the same movies.

An untimed refresh comes first (the simulator builds and caches its large
bodies on first use). Requests are counted twice, on a small library and on
the large one: sent, with an aiohttp trace config, and served, from the
simulator's request log (`/__simulator__/requests`). Stalls are split into
the interpreter's garbage collections and the rest (see `StallProbe`).
"""

from __future__ import annotations

import argparse
import asyncio
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
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, SimulatorProcess, StallProbe, median, rss_bytes

MB = 1024 * 1024

TARGET_RATIO = 1.5
TARGET_STALL = 0.050
TARGET_RSS = 150 * MB
TARGET_TRACKED = 10_000


# --------------------------------------------------------------------------- workers


def _peak_rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _write_json(path: str, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out)


def _read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as source:
        return json.load(source)


def _counting_trace(log: list[tuple[str, str, dict[str, str]]]) -> Any:
    trace = aiohttp.TraceConfig()

    async def on_request_start(
        session: Any, context: Any, params: aiohttp.TraceRequestStartParams
    ) -> None:
        log.append((params.method, str(params.url), dict(params.headers)))

    trace.on_request_start.append(on_request_start)
    return trace


async def _server_requests(
    control: aiohttp.ClientSession,
    services: dict[str, dict[str, Any]],
    *,
    reset: bool = False,
) -> dict[str, int]:
    """Count the simulator's own request log (its control endpoint) per service."""
    counts = {}
    for name, info in services.items():
        url = f"{info['url']}/__simulator__/requests"
        method = control.delete if reset else control.get
        async with method(url) as response:
            response.raise_for_status()
            counts[name] = len((await response.json())["requests"])
    return counts


def _make_clients(session: Any, services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    # Imported in the worker only: each worker loads just what it measures.
    from custom_components.lcars.clients import (  # noqa: PLC0415
        JellyfinClient,
        JellyseerrClient,
        LidarrClient,
        RadarrClient,
        SonarrClient,
    )

    kinds = {
        "radarr": RadarrClient,
        "sonarr": SonarrClient,
        "lidarr": LidarrClient,
        "jellyfin": JellyfinClient,
        "jellyseerr": JellyseerrClient,
    }
    return {
        name: kinds[info["kind"]](session, info["url"], info["api_key"])
        for name, info in services.items()
    }


async def worker_lcars(config: dict[str, Any]) -> dict[str, Any]:
    """Full refreshes with the LCARS clients."""
    from custom_components.lcars.clients import JellyfinClient  # noqa: PLC0415

    log: list[tuple[str, str, dict[str, str]]] = []
    async with (
        aiohttp.ClientSession(trace_configs=[_counting_trace(log)]) as session,
        aiohttp.ClientSession() as control,
    ):
        clients = _make_clients(session, config["services"])
        # As configured in the integration: the Jellyfin users that count.
        for name, client in list(clients.items()):
            if isinstance(client, JellyfinClient):
                users = await client.async_get_users()
                info = config["services"][name]
                clients[name] = JellyfinClient(
                    session,
                    info["url"],
                    info["api_key"],
                    user_ids=[user.id for user in users if not user.is_disabled],
                )
        log.clear()
        # As the coordinators keep them: the latest snapshot of each service,
        # which replaces (and so frees) the one before when it arrives.
        kept: dict[str, Any] = {}

        async def refresh(name: str, client: Any, now: datetime) -> None:
            kept[name] = await client.async_fetch_snapshot(now)

        gc.collect()
        baseline = rss_bytes()
        runs = []
        for _ in range(config["runs"]):
            await _server_requests(control, config["services"], reset=True)
            log.clear()
            now = datetime.now(UTC)
            async with StallProbe() as probe:
                started = time.perf_counter()
                await asyncio.gather(
                    *(refresh(name, client, now) for name, client in clients.items())
                )
                wall = time.perf_counter() - started
            by_service: dict[str, int] = {}
            for _method, url, _headers in log:
                for name, client in clients.items():
                    if url.startswith(client.url + "/"):
                        by_service[name] = by_service.get(name, 0) + 1
            served = await _server_requests(control, config["services"])
            runs.append(
                {
                    "wall": wall,
                    "requests": len(log),
                    "served": sum(served.values()),
                    "by_service": by_service,
                    "stall": probe.longest,
                    "stall_busy": probe.longest_busy,
                    "stall_without_gc": probe.longest_without_gc,
                    "stall_busy_without_gc": probe.longest_busy_without_gc,
                    "gc_longest": probe.longest_gc,
                    "gc_full": probe.full_collections,
                    "rss_growth": rss_bytes() - baseline,
                }
            )
            if config.get("requests_file") and len(runs) == 1:
                _write_json(
                    config["requests_file"],
                    [[method, url, headers] for method, url, headers in log],
                )
        sizes = {
            key: sum(len(getattr(s, field, ())) for s in kept.values())
            for key, field in (
                ("movies", "movies"),
                ("series", "series"),
                ("artists", "artists"),
                ("albums", "albums"),
                ("jellyfin_items", "items"),
            )
        }
        peak = _peak_rss_bytes() - baseline
        # The objects the garbage collector tracks because of the snapshots:
        # what a full collection costs per refresh kept, and what makes the
        # interpreter start one. Counted after a full collection, with and
        # without the snapshots.
        gc.collect()
        tracked_with = len(gc.get_objects())
        kept.clear()
        gc.collect()
        tracked_without = len(gc.get_objects())
        # The movie list alone, to compare with aiopyarr.
        movies_runs = []
        radarr = next(c for c in clients.values() if type(c).__name__ == "RadarrClient")
        for _ in range(config["runs"]):
            async with StallProbe() as probe:
                started = time.perf_counter()
                movies = await radarr.async_get_movies()
                movies_runs.append(
                    {
                        "wall": time.perf_counter() - started,
                        "stall": probe.longest,
                        "stall_busy": probe.longest_busy,
                        "stall_without_gc": probe.longest_without_gc,
                        "stall_busy_without_gc": probe.longest_busy_without_gc,
                        "gc_longest": probe.longest_gc,
                        "gc_full": probe.full_collections,
                    }
                )
            del movies
    return {
        "runs": runs,
        "sizes": sizes,
        "peak_growth": peak,
        "movies": movies_runs,
        "snapshot_tracked": tracked_with - tracked_without,
        "process_tracked": tracked_with,
    }


async def _floor_runs(
    requests: list[list[Any]], runs: int, loads: Any
) -> list[dict[str, Any]]:
    async def fetch(
        session: aiohttp.ClientSession, url: str, headers: dict[str, str]
    ) -> Any:
        async with session.get(url, headers=headers) as response:
            return loads(await response.read())

    results = []
    async with aiohttp.ClientSession() as session:
        kept: list[Any] = []
        gc.collect()
        baseline = rss_bytes()
        for _ in range(runs):
            async with StallProbe() as probe:
                started = time.perf_counter()
                bodies = await asyncio.gather(
                    *(fetch(session, url, headers) for _m, url, headers in requests)
                )
                wall = time.perf_counter() - started
            kept = bodies
            results.append(
                {
                    "wall": wall,
                    "requests": len(requests),
                    "stall": probe.longest,
                    "stall_busy": probe.longest_busy,
                    "stall_without_gc": probe.longest_without_gc,
                    "stall_busy_without_gc": probe.longest_busy_without_gc,
                    "gc_longest": probe.longest_gc,
                    "gc_full": probe.full_collections,
                    "rss_growth": rss_bytes() - baseline,
                }
            )
        del kept
    return results


async def worker_floor(config: dict[str, Any]) -> dict[str, Any]:
    """Plain aiohttp + read + orjson.loads (or json.loads) of the same URLs."""
    requests = [r for r in _read_json(config["requests_file"]) if r[0] == "GET"]
    loads = orjson.loads if config["loads"] == "orjson" else json.loads
    movies = [r for r in requests if r[1].split("?")[0].endswith("/api/v3/movie")]
    result: dict[str, Any] = {
        "runs": await _floor_runs(requests, config["runs"], loads)
    }
    result["movies"] = await _floor_runs(movies, config["runs"], loads)
    return result


async def worker_aiopyarr(config: dict[str, Any]) -> dict[str, Any]:
    """Home Assistant core's Radarr library fetching every movie."""
    from aiopyarr.models.host_configuration import (  # noqa: PLC0415
        PyArrHostConfiguration,
    )
    from aiopyarr.radarr_client import RadarrClient  # noqa: PLC0415

    radarr = next(i for i in config["services"].values() if i["kind"] == "radarr")
    results = []
    async with aiohttp.ClientSession() as session:
        client = RadarrClient(
            host_configuration=PyArrHostConfiguration(
                api_token=radarr["api_key"], url=radarr["url"]
            ),
            session=session,
        )
        kept: Any = None
        count = 0
        gc.collect()
        baseline = rss_bytes()
        for _ in range(config["runs"]):
            async with StallProbe() as probe:
                started = time.perf_counter()
                movies = await client.async_get_movies()
                wall = time.perf_counter() - started
            kept = movies
            count = len(movies) if isinstance(movies, list) else 1
            results.append(
                {
                    "wall": wall,
                    "stall": probe.longest,
                    "stall_busy": probe.longest_busy,
                    "stall_without_gc": probe.longest_without_gc,
                    "stall_busy_without_gc": probe.longest_busy_without_gc,
                    "gc_longest": probe.longest_gc,
                    "gc_full": probe.full_collections,
                    "rss_growth": rss_bytes() - baseline,
                }
            )
        del kept
    return {"runs": results, "movies": count}


WORKERS = {"lcars": worker_lcars, "floor": worker_floor, "aiopyarr": worker_aiopyarr}


def run_worker(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    """Run one contender in a fresh Python process and return its figures."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", delete=False, encoding="utf-8"
    ) as handle:
        json.dump(config, handle)
        path = handle.name
    try:
        os.chmod(path, 0o600)
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", kind, path],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
    finally:
        os.unlink(path)
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise RuntimeError(f"the {kind} worker failed ({done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- report


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _mb(size: float) -> str:
    return f"{size / MB:.1f} MB"


def _walls(runs: list[dict[str, Any]]) -> float:
    return median([r["wall"] for r in runs])


def _stall(runs: list[dict[str, Any]]) -> str:
    wall = max(r["stall"] for r in runs)
    busy = max(r["stall_busy"] for r in runs)
    return f"{_ms(wall)} ({_ms(busy)} CPU)"


def _stall_without_gc(runs: list[dict[str, Any]]) -> float:
    return max(r["stall_without_gc"] for r in runs)


def _stall_without_gc_text(runs: list[dict[str, Any]]) -> str:
    busy = max(r["stall_busy_without_gc"] for r in runs)
    return f"{_ms(_stall_without_gc(runs))} ({_ms(busy)} CPU)"


def _gc_pause(runs: list[dict[str, Any]]) -> str:
    longest = max(r["gc_longest"] for r in runs)
    full = sum(r["gc_full"] for r in runs)
    return f"{_ms(longest)}, {full} full"


class _Table:
    """Rows of label, value, ratio to the floor, target and verdict."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(
        self,
        label: str,
        value: str,
        ratio: float | None = None,
        target: str = "",
        ok: bool | None = None,
    ) -> None:
        self.rows.append(
            (
                label,
                value,
                f"{ratio:.2f}x" if ratio is not None else "",
                target,
                "" if ok is None else _mark(ok),
            )
        )

    def gap(self, title: str = "") -> None:
        self.rows.append((title, "", "", "", ""))

    def print(self) -> None:
        heads = ("", "value", "x floor", "target", "")
        widths = [max(len(r[i]) for r in [heads, *self.rows]) for i in range(5)]
        line = "  ".join(
            (h.ljust(w) if i in (0, 3, 4) else h.rjust(w))
            for i, (h, w) in enumerate(zip(heads, widths, strict=True))
        )
        print(line)
        print("-" * len(line))
        for row in self.rows:
            if not any(row[1:]):
                print(row[0])
                continue
            print(
                "  ".join(
                    (c.ljust(w) if i in (0, 3, 4) else c.rjust(w))
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
            )


def report(
    args: argparse.Namespace,
    small: dict[str, Any],
    lcars: dict[str, Any],
    floor: dict[str, Any],
    floor_json: dict[str, Any],
    aiopyarr: dict[str, Any],
    simulator_start: float,
) -> None:
    """Print the table."""
    lw, fw, jw = (
        _walls(lcars["runs"]),
        _walls(floor["runs"]),
        _walls(floor_json["runs"]),
    )
    lmw, fmw = _walls(lcars["movies"]), _walls(floor["movies"])
    aw = _walls(aiopyarr["runs"])
    stall = max(r["stall"] for r in lcars["runs"])
    stall_busy = max(r["stall_busy"] for r in lcars["runs"])
    rss = max(r["rss_growth"] for r in lcars["runs"])
    small_run = small["runs"][0]
    small_count = (small_run["requests"], small_run["served"])
    large_counts = sorted({(r["requests"], r["served"]) for r in lcars["runs"]})
    same_requests = (
        large_counts == [small_count]
        and small_count[0] == small_count[1]
        and small_run["by_service"] == lcars["runs"][0]["by_service"]
    )
    checks = {
        "refresh time": lw <= TARGET_RATIO * fw,
        "constant requests": same_requests,
        "stall": stall <= TARGET_STALL,
        "RSS growth": rss <= TARGET_RSS,
        "tracked objects": lcars["snapshot_tracked"] < TARGET_TRACKED,
    }

    print()
    print(
        f"Library: {args.movies} movies, {args.series} series, {args.artists} artists"
        f" (simulator ready in {simulator_start:.1f} s, own process)."
    )
    print(
        "Read per refresh: "
        + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in lcars["sizes"].items())
        + "."
    )
    print(
        f"{args.runs} warm runs per contender, each contender in a fresh process;"
        " times are medians, stalls and RSS the worst run."
    )
    print(
        "Stall: longest lateness of a 1 ms sleep loop; in brackets the CPU time"
        " this process used meanwhile (the rest is the operating system running"
        " other processes on the 2 shared cores); 'without GC' takes the"
        " interpreter's garbage collections out."
    )
    print()
    table = _Table()
    table.gap("Full refresh of the five services, concurrently")
    table.add(
        "LCARS async_fetch_snapshot x5",
        _ms(lw),
        lw / fw,
        "<= 1.5x floor",
        checks["refresh time"],
    )
    table.add("floor: aiohttp read + orjson.loads", _ms(fw), 1.0)
    table.add("reference: aiohttp read + json.loads", _ms(jw), jw / fw)
    table.add(
        "requests, sent / served, large library",
        "{} / {}".format(*large_counts[0]),
        target="same as small",
        ok=same_requests,
    )
    table.add(
        f"requests, sent / served, small ({args.small_movies} movies)",
        "{} / {}".format(*small_count),
    )
    table.add(
        "longest stall, LCARS",
        _stall(lcars["runs"]),
        target="<= 50 ms",
        ok=checks["stall"],
    )
    table.add(
        "  the same without garbage collections",
        _stall_without_gc_text(lcars["runs"]),
        target="<= 50 ms",
        ok=_stall_without_gc(lcars["runs"]) <= TARGET_STALL,
    )
    table.add("  longest garbage collection, full ones", _gc_pause(lcars["runs"]))
    table.add(
        "GC-tracked objects kept by the snapshots",
        f"{lcars['snapshot_tracked']:,}",
        target=f"< {TARGET_TRACKED:,}",
        ok=checks["tracked objects"],
    )
    table.add(
        "  GC-tracked objects of the process, snapshots kept",
        f"{lcars['process_tracked']:,}",
    )
    table.add("longest stall, floor (orjson)", _stall(floor["runs"]))
    table.add(
        "  the same without garbage collections",
        _stall_without_gc_text(floor["runs"]),
    )
    table.add("longest stall, reference (json)", _stall(floor_json["runs"]))
    table.add(
        "RSS growth, LCARS (snapshots kept)",
        _mb(rss),
        target="<= 150 MB",
        ok=checks["RSS growth"],
    )
    table.add("peak RSS growth, LCARS", _mb(lcars["peak_growth"]))
    table.add(
        "RSS growth, floor (parsed bodies kept)",
        _mb(max(r["rss_growth"] for r in floor["runs"])),
    )
    table.gap()
    table.gap(f"Radarr movie list alone ({aiopyarr['movies']} movies)")
    table.add("LCARS RadarrClient.async_get_movies", _ms(lmw), lmw / fmw)
    table.add("floor: aiohttp read + orjson.loads", _ms(fmw), 1.0)
    table.add("aiopyarr RadarrClient.async_get_movies", _ms(aw), aw / fmw)
    for label, runs in (
        ("LCARS", lcars["movies"]),
        ("floor", floor["movies"]),
        ("aiopyarr", aiopyarr["runs"]),
    ):
        table.add(
            f"longest stall, {label}; without GC",
            f"{_stall(runs)}; {_stall_without_gc_text(runs)}",
        )
    table.add(
        "RSS growth, aiopyarr (movies kept)",
        _mb(max(r["rss_growth"] for r in aiopyarr["runs"])),
    )
    table.print()
    print()
    print(
        "Per run, LCARS refresh: wall, requests sent, stall (CPU; without GC,"
        " wall and CPU), longest GC, RSS growth"
    )
    for number, run in enumerate(lcars["runs"], 1):
        print(
            f"  run {number}: {_ms(run['wall'])}, {run['requests']} requests,"
            f" {_ms(run['stall'])} ({_ms(run['stall_busy'])};"
            f" {_ms(run['stall_without_gc'])},"
            f" {_ms(run['stall_busy_without_gc'])} CPU),"
            f" {_ms(run['gc_longest'])} ({run['gc_full']} full),"
            f" {_mb(run['rss_growth'])}"
        )
    for label, runs in (
        ("floor (orjson)", floor["runs"]),
        ("reference (json)", floor_json["runs"]),
        ("aiopyarr movies", aiopyarr["runs"]),
    ):
        print(f"Per run, {label}: " + ", ".join(_ms(r["wall"]) for r in runs))
    small_by = small_run["by_service"]
    print(
        "Requests by service (large / small): "
        + ", ".join(
            f"{name} {count}/{small_by.get(name, 0)}"
            for name, count in sorted(lcars["runs"][0]["by_service"].items())
        )
    )
    print()
    missed = [name for name, ok in checks.items() if not ok]
    if not missed:
        print("All targets met.")
    else:
        print(f"Targets missed: {', '.join(missed)}.")
        if not checks["stall"]:
            without_gc = _stall_without_gc_text(lcars["runs"])
            longest_gc = max(r["gc_longest"] for r in lcars["runs"])
            print(
                f"  Stall: the longest is {_ms(stall)} of wall time, {_ms(stall_busy)}"
                f" of this process's CPU; without garbage collections it is"
                f" {without_gc}. The longest collection took"
                f" {_ms(longest_gc)}: a full collection walks every object of"
                " the process, and the snapshots' new objects are what makes"
                " the interpreter start one."
            )


def main() -> None:
    """Start the simulator, run the workers, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=20000)
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--artists", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--small-movies", type=int, default=50)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("config", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        with open(args.config, encoding="utf-8") as source:
            config = json.load(source)
        result = asyncio.run(WORKERS[args.worker](config))
        print(json.dumps(result))
        return

    print("Small library: counting requests ...", file=sys.stderr)
    with SimulatorProcess.start(
        movies=args.small_movies, series=max(1, args.small_movies // 5), artists=5
    ) as sim:
        small = run_worker("lcars", {"services": sim.services, "runs": 1})

    print("Large library: starting the simulator ...", file=sys.stderr)
    with SimulatorProcess.start(
        movies=args.movies, series=args.series, artists=args.artists
    ) as sim:
        fd, requests_file = tempfile.mkstemp(suffix=".json")
        os.close(fd)
        try:
            common = {"services": sim.services, "runs": args.runs}
            # One untimed refresh first: the simulator builds and caches its
            # large bodies on first use, and the URLs are recorded for the floor.
            print("Warming up ...", file=sys.stderr)
            run_worker("lcars", {**common, "runs": 1, "requests_file": requests_file})
            print("LCARS refreshes ...", file=sys.stderr)
            lcars = run_worker("lcars", common)
            print("Floor ...", file=sys.stderr)
            floor = run_worker(
                "floor", {**common, "requests_file": requests_file, "loads": "orjson"}
            )
            floor_json = run_worker(
                "floor", {**common, "requests_file": requests_file, "loads": "json"}
            )
            print("aiopyarr ...", file=sys.stderr)
            aiopyarr = run_worker("aiopyarr", common)
        finally:
            os.unlink(requests_file)
        started = sim.started_in
    report(args, small, lcars, floor, floor_json, aiopyarr, started)


if __name__ == "__main__":
    main()
