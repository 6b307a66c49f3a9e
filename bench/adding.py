"""Requests and wall time of looking titles up and adding them, small vs large library.

Each call goes through the steps `lookup_media` and `add_media` take, with
the integration's clients and domain code (term, lookup, choice, whether the
title is in the library, body, add) against the simulator in its own
process, on a small and a large library. Requests are read from the
simulator's log and must not grow with the library. Wall times are medians
of repeated calls, given as ratios to the baseline measured in the same run
(a lookup by title on the small library), so that they compare across
machines; the baseline itself is given in milliseconds. The in-library check
(a pass over the snapshot's id columns, on the event loop) is timed apart.

Run from the repository root:
    .venv/bin/python bench/adding.py [--large-movies 20000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
import json
from pathlib import Path
import sys
import time
from types import SimpleNamespace
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import SimulatorProcess, median
from custom_components.lcars.actions.adding import in_library
from custom_components.lcars.clients import RadarrClient
from custom_components.lcars.clients.models import RadarrSnapshot
from custom_components.lcars.library.additions import AddSettings, add_body
from custom_components.lcars.library.choosing import choose
from custom_components.lcars.library.kinds import MediaKind, ServiceKind
from custom_components.lcars.library.terms import parse_term, to_arr_term

CONTROL = "/__simulator__/requests"
SETTINGS = AddSettings(
    ServiceKind.RADARR, root_folder="/movies", quality_profile=1, search=False
)
# Titles of the simulator's catalogue that no generated library holds.
NEW_TITLES = ("tmdb:603", "tmdb:1417", "tmdb:438631", "tmdb:841", "tmdb:693134")


class Bench:
    """The Radarr of one simulator, its request log and one snapshot."""

    def __init__(self, session: aiohttp.ClientSession, service: dict[str, Any]) -> None:
        self.session = session
        self.url = service["url"]
        self.client = RadarrClient(session, self.url, service["api_key"], timeout=120)
        self.snapshot: RadarrSnapshot | None = None

    async def reset(self) -> None:
        async with self.session.delete(self.url + CONTROL):
            pass

    async def requests(self) -> int:
        async with self.session.get(self.url + CONTROL) as response:
            data = await response.json()
        return len(data["requests"] if isinstance(data, dict) else data)

    def held(self, candidates: list[Any]) -> list[list[dict[str, Any]]]:
        coordinator = SimpleNamespace(
            kind=ServiceKind.RADARR,
            data=self.snapshot,
            subentry=SimpleNamespace(title="Radarr"),
            subentry_id="radarr",
        )
        return in_library([coordinator], MediaKind.MOVIE, candidates)  # type: ignore[list-item]

    async def call(self, text: str, *, add: bool) -> str:
        """One lookup_media (add=False) or add_media; return its result."""
        term = parse_term(MediaKind.MOVIE, text)
        candidates = await self.client.async_lookup(
            to_arr_term(term, ServiceKind.RADARR)
        )
        choice = choose(candidates, term)
        if not add or choice.best is None:
            self.held(candidates)
            return str(choice.outcome)
        chosen = candidates[choice.best]
        if chosen.library_id is not None or self.held([chosen])[0]:
            return "already_added"
        await self.client.async_add_movie(add_body(chosen, SETTINGS))
        return "added"


async def _timed(call: Callable[[], Awaitable[str]], repeat: int) -> tuple[str, float]:
    times: list[float] = []
    result = ""
    for _ in range(repeat):
        started = time.perf_counter()
        result = await call()
        times.append(time.perf_counter() - started)
    return result, median(times)


async def measure(movies: int, repeat: int) -> dict[str, Any]:
    """Count requests and time each kind of call on a library of `movies`."""
    with SimulatorProcess.start(movies=movies, series=5, artists=3) as sim:
        async with aiohttp.ClientSession() as session:
            bench = Bench(session, sim.services["radarr"])
            bench.snapshot = await bench.client.async_fetch_snapshot(datetime.now(UTC))
            owned = bench.snapshot.movies[0]
            scenarios: dict[str, tuple[str, bool]] = {
                "lookup by title": ("The Matrix 1999", False),
                "lookup by id": ("tmdb:438631", False),
                "lookup ambiguous": ("Dune", False),
                "add ambiguous": ("Dune", True),
                "add already added (id)": (f"tmdb:{owned.tmdb_id}", True),
                "add already added (title)": (f"{owned.title} {owned.year}", True),
            }
            rows: dict[str, Any] = {}
            for name, (text, add) in scenarios.items():
                await bench.reset()
                result = await bench.call(text, add=add)
                requests = await bench.requests()
                _, wall = await _timed(
                    lambda t=text, a=add: bench.call(t, add=a), repeat
                )
                rows[name] = {"result": result, "requests": requests, "wall": wall}
            adds: list[float] = []
            requests_per_add: set[int] = set()
            for text in NEW_TITLES:
                await bench.reset()
                started = time.perf_counter()
                result = await bench.call(text, add=True)
                adds.append(time.perf_counter() - started)
                assert result == "added", (text, result)
                requests_per_add.add(await bench.requests())
            rows["add by id"] = {
                "result": "added",
                "requests": sorted(requests_per_add),
                "wall": median(adds),
            }
            candidates = await bench.client.async_lookup("Dune")
            held_times = []
            for _ in range(repeat):
                started = time.perf_counter()
                bench.held(candidates)
                held_times.append(time.perf_counter() - started)
    return {"movies": movies, "rows": rows, "in_library_check": median(held_times)}


def main() -> None:
    """Measure both libraries and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small-movies", type=int, default=50)
    parser.add_argument("--large-movies", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    small = asyncio.run(measure(args.small_movies, args.repeat))
    large = asyncio.run(measure(args.large_movies, args.repeat))
    baseline = small["rows"]["lookup by title"]["wall"]
    report: dict[str, Any] = {
        "baseline_ms": round(baseline * 1000, 2),
        "requests_equal": all(
            small["rows"][name]["requests"] == large["rows"][name]["requests"]
            for name in small["rows"]
        ),
        "calls": {
            name: {
                "result": small["rows"][name]["result"],
                "requests": small["rows"][name]["requests"],
                f"wall_ratio_{small['movies']}": round(
                    small["rows"][name]["wall"] / baseline, 2
                ),
                f"wall_ratio_{large['movies']}": round(
                    large["rows"][name]["wall"] / baseline, 2
                ),
            }
            for name in small["rows"]
        },
        "in_library_check_ms": {
            str(small["movies"]): round(small["in_library_check"] * 1000, 3),
            str(large["movies"]): round(large["in_library_check"] * 1000, 3),
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
