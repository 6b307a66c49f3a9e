"""Requests a full cleanup run sends, for a small and a large library.

Runs the steps of a cleanup run against the simulator, with the clients the
integration uses: one refresh of every service, the Jellyfin episode watch
data, the plan, the deletions of a real run and the Leaving Soon collection.
Requests are counted per step; the deletions themselves are counted apart,
per deleted item. The reads must not grow with the library.

Run from the repository root:
    .venv/bin/python bench/cleanup_requests.py [--large-movies 20000]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
import sys
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.lcars.cleanup import CleanupPolicy, Ledger, plan_cleanup
from custom_components.lcars.cleanup.candidates import (
    SourceFact,
    build_candidates,
    disk_figures,
    source_health,
)
from custom_components.lcars.cleanup.execute import (
    execute_plan,
    sync_leaving_soon_collection,
)
from custom_components.lcars.clients import (
    JellyfinClient,
    JellyseerrClient,
    LidarrClient,
    RadarrClient,
    SonarrClient,
)
from simulator import Simulator

FREE_PERCENT = 3


def _counts(sim: Simulator) -> Counter[str]:
    counts: Counter[str] = Counter()
    for name in sim.services:
        for method, _path in sim.requests(name):
            counts[f"{name} {method}"] += 1
    sim.reset_requests()
    return counts


async def measure(movies: int, series: int, artists: int) -> dict[str, Any]:
    """Run the steps once on a library of the given size; count requests."""
    async with Simulator(movies=movies, series=series, artists=artists, seed=3) as sim:
        radarr_state = sim.state.services["radarr"]
        total = radarr_state.total_space_of("/movies")
        sim.set_free_space("radarr", "/movies", total * FREE_PERCENT // 100)
        # Let the run delete every due movie: the count of reads is the point.
        policy = CleanupPolicy(free_until_target=False, max_items_per_run=20)
        h = sim.services
        async with aiohttp.ClientSession() as session:
            radarr = RadarrClient(session, h["radarr"].url, h["radarr"].api_key)
            sonarr = SonarrClient(session, h["sonarr"].url, h["sonarr"].api_key)
            lidarr = LidarrClient(session, h["lidarr"].url, h["lidarr"].api_key)
            jellyfin = JellyfinClient(session, h["jellyfin"].url, h["jellyfin"].api_key)
            seerr = JellyseerrClient(
                session, h["jellyseerr"].url, h["jellyseerr"].api_key
            )
            ledger = Ledger()
            steps: dict[str, Counter[str]] = {}
            deleted = 0
            # Two runs: the first puts items on leaving soon, the second (past
            # the grace period) deletes.
            for day in (0, policy.grace_days + 1):
                now = datetime.now(UTC) + timedelta(days=day)
                sim.reset_requests()
                snapshots = await asyncio.gather(
                    radarr.async_fetch_snapshot(now),
                    sonarr.async_fetch_snapshot(now),
                    lidarr.async_fetch_snapshot(now),
                    jellyfin.async_fetch_snapshot(now),
                    seerr.async_fetch_snapshot(now),
                )
                episode_watch = await jellyfin.async_get_episode_watch()
                steps["refresh and watch data"] = _counts(sim)
                facts = [
                    SourceFact(kind=kind, instance="main", ok=True, fetched_at=now)
                    for kind in ("radarr", "sonarr", "lidarr", "jellyfin")
                ]
                plan = plan_cleanup(
                    build_candidates(
                        policy=policy,
                        radarr={"main": snapshots[0]},
                        sonarr={"main": snapshots[1]},
                        lidarr={"main": snapshots[2]},
                        jellyfin=snapshots[3],
                        episode_watch=episode_watch,
                    ),
                    disks=disk_figures(
                        radarr={"main": snapshots[0]},
                        sonarr={"main": snapshots[1]},
                        lidarr={"main": snapshots[2]},
                    ),
                    health=source_health(facts, jellyfin_configured=True),
                    policy=policy,
                    ledger=ledger,
                    now=now,
                )
                ledger = plan.ledger
                clients = {"radarr/main": radarr, "sonarr/main": sonarr}
                clients["lidarr/main"] = lidarr
                report = await execute_plan(
                    plan.delete_now,
                    clients,
                    dry_run=False,
                    jellyseerr=seerr,
                    jellyfin=jellyfin,
                )
                ledger = report.apply_to(ledger, now)
                deleted = len(report.deleted_keys)
                steps["deletions"] = _counts(sim)
                leaving = [i.item.jellyfin_id for i in plan.leaving_soon]
                await sync_leaving_soon_collection(jellyfin, [i for i in leaving if i])
                steps["leaving soon collection"] = _counts(sim)
        return {
            "library": f"{movies} movies, {series} series, {artists} artists",
            "deleted": deleted,
            "steps": {name: dict(c) for name, c in steps.items()},
            "reads": sum(steps["refresh and watch data"].values()),
            "deletion_requests": sum(steps["deletions"].values()),
            "collection": sum(steps["leaving soon collection"].values()),
        }


def main() -> int:
    """Measure a small and a large library and compare."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large-movies", type=int, default=20000)
    args = parser.parse_args()
    small = asyncio.run(measure(50, 10, 5))
    large_movies = args.large_movies
    large = asyncio.run(measure(large_movies, large_movies // 10, large_movies // 20))
    for result in (small, large):
        print(f"{result['library']}:")
        print(f"  refresh and watch data: {result['reads']} requests")
        deleted = max(result["deleted"], 1)
        print(
            f"  deletions: {result['deletion_requests']} requests for"
            f" {result['deleted']} items"
            f" ({result['deletion_requests'] / deleted:.1f} per item,"
            " including one Jellyseerr media list and one Jellyfin scan per run)"
        )
        print(f"  leaving soon collection: {result['collection']} requests")
    constant = small["reads"] == large["reads"]
    print(
        "reads constant in library size:"
        f" {'yes' if constant else 'NO'} ({small['reads']} vs {large['reads']})"
    )
    return 0 if constant else 1


if __name__ == "__main__":
    sys.exit(main())
