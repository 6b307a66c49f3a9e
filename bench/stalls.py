"""Event-loop stalls of LCARS inside Home Assistant, on a large library.

Run from the repository root:

    .venv/bin/python bench/stalls.py [--movies 20000 --series 2000
        --artists 1000 --free-percent 3]

The simulator runs in its own process with the library of the other bench
scripts and /movies nearly full (so that most movies are on leaving soon).
Home Assistant runs in this process (the test harness's core, with real
storage in a temporary configuration directory) with LCARS and every
platform. A stall probe (a 1 ms sleep loop, see `StallProbe`) records the
longest time the event loop could not run a ready timer during each phase:
setup, a refresh of every service, two cleanup runs, `preview_cleanup`,
`calendar.get_events` over 30 days on every calendar, and `get_library`
with a limit of 1000. The baseline, measured in the same run, is the probe
on the idle Home Assistant with LCARS loaded: each phase is printed as a
ratio to it.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
import gc
import json
import os
from pathlib import Path
import signal
import sys
import tempfile
import time
from typing import Any
from unittest.mock import patch

from aiohttp.resolver import ThreadedResolver

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, SimulatorProcess, StallProbe

TARGET_STALL = 0.050
IDLE_SECONDS = 3.0


# --------------------------------------------------------------------- simulator


async def _serve(args: argparse.Namespace) -> None:
    """Serve the library with /movies nearly full; print the services' line."""
    from simulator.__main__ import build, parse_args  # noqa: PLC0415

    sim = build(
        parse_args(
            [
                f"--movies={args.movies}",
                f"--series={args.series}",
                f"--artists={args.artists}",
            ]
        )
    )
    radarr = sim.state.services["radarr"]
    total = radarr.total_space_of("/movies")  # type: ignore[attr-defined]
    sim.set_free_space("radarr", "/movies", int(total * args.free_percent / 100))
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await sim.start()
    try:
        jellyfin = sim.state.services["jellyfin"]
        line = {
            "services": {
                name: {"kind": h.kind, "url": h.url, "api_key": h.api_key}
                for name, h in sim.services.items()
            },
            "jellyfin_users": [u.id for u in jellyfin.users],  # type: ignore[attr-defined]
            "jellyfin_server_id": jellyfin.server_id,  # type: ignore[attr-defined]
        }
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await sim.stop()


def _start_simulator(args: argparse.Namespace) -> tuple[SimulatorProcess, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        f"--movies={args.movies}",
        f"--series={args.series}",
        f"--artists={args.artists}",
        f"--free-percent={args.free_percent}",
    ]
    sim = SimulatorProcess.start(
        movies=args.movies, series=args.series, artists=args.artists, command=command
    )
    return sim, sim.extra


# --------------------------------------------------------------------- Home Assistant


def _entry(info: dict[str, Any]) -> Any:
    from pytest_homeassistant_custom_component.common import (  # noqa: PLC0415
        MockConfigEntry,
    )

    from custom_components.lcars.connection import url_unique_id  # noqa: PLC0415
    from custom_components.lcars.const import (  # noqa: PLC0415
        CONF_SCAN_INTERVAL,
        CONF_USERS,
        DOMAIN,
        SERVICE_JELLYFIN,
        SERVICE_NAMES,
    )
    from homeassistant.config_entries import (  # noqa: PLC0415
        ConfigSubentryDataWithId,
    )
    from homeassistant.const import (  # noqa: PLC0415
        CONF_API_KEY,
        CONF_URL,
        CONF_VERIFY_SSL,
    )

    subentries = []
    for name, service in info["services"].items():
        data: dict[str, Any] = {
            CONF_URL: service["url"],
            CONF_API_KEY: service["api_key"],
            CONF_VERIFY_SSL: True,
        }
        if service["kind"] == SERVICE_JELLYFIN:
            data[CONF_USERS] = info["jellyfin_users"]
        subentries.append(
            ConfigSubentryDataWithId(
                data=data,
                subentry_type=service["kind"],
                title=SERVICE_NAMES[service["kind"]],
                unique_id=(
                    info["jellyfin_server_id"]
                    if service["kind"] == SERVICE_JELLYFIN
                    else url_unique_id(service["url"])
                ),
                subentry_id=f"sub_{name}",
            )
        )
    # Polls far apart: the phases below refresh when they mean to.
    return MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 3600},
        entry_id="lcars_bench",
        subentries_data=subentries,
    )


class Phase:
    """The figures of one measured phase."""

    def __init__(self, name: str, probe: StallProbe, wall: float) -> None:
        """Keep what the probe saw."""
        self.name = name
        self.wall = wall
        self.stall = probe.longest
        self.busy = probe.longest_busy
        self.without_gc = probe.longest_without_gc
        self.longest_gc = probe.longest_gc
        self.full = probe.full_collections


async def _measure(
    name: str, work: Callable[[], Awaitable[Any]], phases: list[Phase]
) -> Any:
    print(f"  {name} ...", file=sys.stderr)
    async with StallProbe() as probe:
        started = time.perf_counter()
        result = await work()
        wall = time.perf_counter() - started
    phases.append(Phase(name, probe, wall))
    return result


def _entity_costs(coordinators: dict[str, Any]) -> list[tuple[str, float, int]]:
    """Time each coordinator's entity updates, by entity class (ms, count).

    Each coordinator is given a copy of its snapshot first, as a refresh
    gives a new one: what entities keep per snapshot is worked out again.
    """
    costs: dict[str, list[float]] = {}
    for coordinator in coordinators.values():
        if coordinator.data is None:
            continue
        name = type(coordinator).__name__
        # Bench only: the coordinator's listeners are its entities' callbacks.
        listeners = list(coordinator._listeners.values())  # noqa: SLF001
        coordinator.data = replace(coordinator.data)
        started = time.perf_counter()
        coordinator.async_update_listeners()
        costs.setdefault(f"{name}: all entities", []).append(
            time.perf_counter() - started
        )
        coordinator.data = replace(coordinator.data)
        for update, _context in listeners:
            owner = getattr(update, "__self__", None)
            label = f"{name}: {type(owner).__name__}"
            started = time.perf_counter()
            update()
            costs.setdefault(label, []).append(time.perf_counter() - started)
    return sorted(
        ((label, sum(times), len(times)) for label, times in costs.items()),
        key=lambda row: -row[1],
    )


async def run_home_assistant(info: dict[str, Any]) -> dict[str, Any]:
    """Start Home Assistant with LCARS; measure each phase."""
    from pytest_homeassistant_custom_component.common import (  # noqa: PLC0415
        async_test_home_assistant,
    )

    from custom_components.lcars.const import DOMAIN  # noqa: PLC0415
    from homeassistant import loader  # noqa: PLC0415
    from homeassistant.helpers import entity_registry as er  # noqa: PLC0415
    from homeassistant.helpers.storage import Store  # noqa: PLC0415
    from homeassistant.util import dt as dt_util  # noqa: PLC0415

    phases: list[Phase] = []
    figures: dict[str, Any] = {}
    # Writes of each Store, by key (the signature differs between releases).
    writes: dict[str, int] = {}
    write_data = Store._async_write_data  # noqa: SLF001

    async def counted_write(store: Store[Any], *args: Any) -> None:
        writes[store.key] = writes.get(store.key, 0) + 1
        await write_data(store, *args)

    # As the test harness does: no zeroconf here, the system resolver.
    with (
        patch.object(Store, "_async_write_data", counted_write),
        tempfile.TemporaryDirectory() as config_dir,
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            lambda hass: ThreadedResolver(),
        ),
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            # As `enable_custom_integrations` does: load LCARS from custom_components.
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            entry = _entry(info)
            store_key = f"{DOMAIN}.{entry.entry_id}.cleanup"
            entry.add_to_hass(hass)

            async def setup() -> None:
                assert await hass.config_entries.async_setup(entry.entry_id)
                await hass.async_block_till_done()

            await _measure("setup", setup, phases)
            figures["tracked"] = len(gc.get_objects())
            figures["frozen"] = gc.get_freeze_count()
            async with StallProbe() as idle:
                await asyncio.sleep(IDLE_SECONDS)
            figures["idle"] = Phase("idle", idle, IDLE_SECONDS)
            data = entry.runtime_data
            coordinators = data.coordinators

            async def refresh() -> None:
                await asyncio.gather(
                    *(c.async_refresh() for c in coordinators.values())
                )
                await hass.async_block_till_done()

            await _measure("refresh of every service", refresh, phases)
            figures["entities"] = _entity_costs(coordinators)

            async def cleanup_run() -> Any:
                summary = await data.cleanup.async_run(trigger="action")
                await hass.async_block_till_done()
                return summary

            summary = await _measure("cleanup run (first)", cleanup_run, phases)
            figures["leaving_soon"] = summary.leaving_soon_count
            await _measure("cleanup run (second)", cleanup_run, phases)
            figures["store_writes"] = writes.get(store_key, 0)
            figures["store_size"] = await hass.async_add_executor_job(
                os.path.getsize, os.path.join(config_dir, ".storage", store_key)
            )

            async def call(action: str, domain: str = DOMAIN, **fields: Any) -> Any:
                return await hass.services.async_call(
                    domain,
                    action,
                    fields,
                    blocking=True,
                    return_response=True,
                )

            await _measure(
                "preview_cleanup",
                lambda: call("preview_cleanup", config_entry_id=entry.entry_id),
                phases,
            )
            registry = er.async_get(hass)
            calendars = [
                e.entity_id
                for e in er.async_entries_for_config_entry(registry, entry.entry_id)
                if e.domain == "calendar"
            ]
            now = dt_util.now()

            def get_events() -> Any:
                return call(
                    "get_events",
                    "calendar",
                    entity_id=calendars,
                    start_date_time=now.isoformat(),
                    end_date_time=(now + timedelta(days=30)).isoformat(),
                )

            answer = await _measure(
                "calendar.get_events, 30 days, every calendar", get_events, phases
            )
            # Again, with the events made: what is left is Home Assistant's
            # own work on each event returned (a dictionary of each).
            await _measure("  the same again", get_events, phases)
            figures["events"] = sum(len(v["events"]) for v in answer.values())
            for service in ("radarr", "sonarr", "lidarr"):
                await _measure(
                    f"get_library {service}, limit 1000",
                    lambda service=service: call(
                        "get_library",
                        config_entry_id=entry.entry_id,
                        service=service,
                        limit=1000,
                    ),
                    phases,
                )
            assert await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
            await hass.async_stop(force=True)
    figures["phases"] = phases
    return figures


# --------------------------------------------------------------------- report


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def report(args: argparse.Namespace, figures: dict[str, Any]) -> bool:
    """Print the table; return whether every phase met the target."""
    idle: Phase = figures["idle"]
    base = max(idle.stall, 0.001)
    print()
    print(
        f"Library: {args.movies} movies, {args.series} series, {args.artists}"
        f" artists; /movies {args.free_percent} % free:"
        f" {figures['leaving_soon']} items on leaving soon; cleanup store"
        f" {figures['store_size'] / 1e6:.1f} MB, written"
        f" {figures['store_writes']} times by the two runs;"
        f" {figures['events']} calendar"
        " events in 30 days."
    )
    print(
        f"Objects the garbage collector walks after setup: {figures['tracked']:,}"
        f" ({figures['frozen']:,} of them frozen, left out of collections)."
    )
    print(
        f"Load average {', '.join(f'{x:.2f}' for x in os.getloadavg())} on"
        f" {os.cpu_count()} cores. Baseline: the idle Home Assistant with LCARS"
        f" loaded, {IDLE_SECONDS:.0f} s: longest stall {_ms(idle.stall)}"
        f" ({_ms(idle.busy)} CPU)."
    )
    print(
        "Stall: longest lateness of a 1 ms sleep loop (CPU: this process's CPU"
        " time meanwhile; without GC: the garbage collections inside taken out)."
    )
    print()
    heads = ("phase", "wall", "stall", "CPU", "without GC", "longest GC", "x idle", "")
    rows = [heads]
    ok = True
    for phase in figures["phases"]:
        met = phase.stall <= TARGET_STALL
        ok &= met
        rows.append(
            (
                phase.name,
                _ms(phase.wall),
                _ms(phase.stall),
                _ms(phase.busy),
                _ms(phase.without_gc),
                f"{_ms(phase.longest_gc)} ({phase.full} full)",
                f"{phase.stall / base:.1f}x",
                "ok" if met else "MISSED",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(heads))]
    for number, row in enumerate(rows):
        print(
            "  ".join(
                c.ljust(w) if i in (0, 7) else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if number == 0:
            print("-" * (sum(widths) + 2 * (len(widths) - 1)))
    print()
    print("Entity updates after the refresh, per coordinator and entity class:")
    for label, total, count in figures["entities"][:8]:
        print(f"  {label}: {total * 1000:.1f} ms ({count} updates)")
    print()
    print("Every phase at most 50 ms." if ok else "Target missed: a stall over 50 ms.")
    return ok


def main() -> int:
    """Start the simulator and Home Assistant, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=20000)
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--artists", type=int, default=1000)
    parser.add_argument("--free-percent", type=float, default=3.0)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args))
        return 0
    print("Starting the simulator ...", file=sys.stderr)
    sim, info = _start_simulator(args)
    with sim:
        os.chdir(ROOT)
        figures = asyncio.run(run_home_assistant(info))
    return 0 if report(args, figures) else 1


if __name__ == "__main__":
    sys.exit(main())
