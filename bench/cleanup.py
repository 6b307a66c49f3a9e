"""Bench of the cleanup planner on a large synthetic library.

20,000 movies, 2,000 series as 10,000 seasons, 1,000 artists with 5,000
albums, plus 20 rolling shows with 50 episodes each, with watch data, built
from a fixed seed. The ledger is the one two earlier plans (20 and 10 days
before) leave behind, so items are at every stage of leaving soon.

Prints the median and the longest of several plan() runs against the target,
the peak memory of one run (tracemalloc), and, measured in the same run, the
floor: the time to merely go through the candidates and work out their ages.

Run from the repository root:
    .venv/bin/python bench/cleanup.py [--runs 15] [--seed 1]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import gc
import json
import os
from pathlib import Path
import random
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.lcars.cleanup import (
    Candidate,
    CleanupPolicy,
    DiskFigure,
    Ledger,
    MediaIds,
    Plan,
    SourceHealth,
    SourceStatus,
    plan_cleanup,
)

TARGET_MS = 200.0
TARGET_MB = 100.0
NOW = datetime(2026, 11, 15, 3, 0, tzinfo=UTC)
GB = 1_000_000_000
TB = 1000 * GB

RADARR, RADARR_4K, SONARR, LIDARR = (
    "radarr/main",
    "radarr/4k",
    "sonarr/main",
    "lidarr/main",
)
# (instance, root folder, free percent, total bytes): a mix of tight and roomy disks.
FOLDERS = [
    (RADARR, "/media/movies", 8.1, 40 * TB),
    (RADARR, "/media/movies-archive", 4.0, 20 * TB),
    (RADARR_4K, "/media/movies-4k", 25.0, 30 * TB),
    (SONARR, "/media/tv", 12.0, 40 * TB),
    (SONARR, "/media/tv-kids", 30.0, 10 * TB),
    (LIDARR, "/media/music", 7.0, 8 * TB),
]
POLICY = CleanupPolicy(
    tag_schedules={"delete_after_30d": 30}, exclusion_tags=frozenset({"kids"})
)


class Library:
    """Builds candidates with watch data from one seeded random generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def days_ago(self, low: float, high: float) -> datetime:
        return NOW - timedelta(days=self.rng.uniform(low, high))

    def watch(self) -> dict[str, object]:
        """Watch data as merged from Jellyfin: most items matched, some played."""
        rng = self.rng
        matched = rng.random() < 0.95
        played = matched and rng.random() < 0.6
        return {
            "jellyfin_matched": matched,
            "played": played,
            "last_played": self.days_ago(0, 700) if played else None,
            "favorite": matched and rng.random() < 0.03,
            "playing": rng.random() < 0.001,
        }

    def tags(self) -> frozenset[str]:
        roll = self.rng.random()
        if roll < 0.02:
            return frozenset({"lcars_keep"})
        if roll < 0.04:
            return frozenset({"delete_after_30d"})
        if roll < 0.10:
            return frozenset({"hd", "requested"})
        return frozenset()

    def movies(self, count: int) -> Iterator[Candidate]:
        rng = self.rng
        folders = [f for f in FOLDERS if f[0] in (RADARR, RADARR_4K)]
        for n in range(count):
            instance, root, _, _ = folders[n % len(folders)]
            yield Candidate(
                key=f"{instance}/movie/{n}",
                instance_id=instance,
                kind="movie",
                title=f"Movie {n}",
                year=rng.randint(1950, 2026),
                ids=MediaIds(tmdb=n + 1, imdb=f"tt{n + 1:07d}"),
                root_folder=root,
                path=f"{root}/Movie {n}",
                size=rng.randint(1, 60) * GB,
                added=self.days_ago(0, 1500),
                tags=self.tags(),
                **self.watch(),  # type: ignore[arg-type]
            )

    def seasons(
        self, series_count: int, per_series: int, rolling: int
    ) -> Iterator[Candidate]:
        """Seasons of every series; the first `rolling` series are rolling shows."""
        for s in range(series_count):
            root = "/media/tv" if s % 4 else "/media/tv-kids"
            series_tags = self.tags() | (
                {"lcars_rolling"} if s < rolling else frozenset()
            )
            if root == "/media/tv-kids":
                series_tags |= {"kids"}
            for number in range(1, per_series + 1):
                yield Candidate(
                    key=f"{SONARR}/season/{s}/{number}",
                    instance_id=SONARR,
                    kind="season",
                    title=f"Series {s} - Season {number}",
                    ids=MediaIds(tvdb=s + 1),
                    root_folder=root,
                    size=self.rng.randint(2, 80) * GB,
                    added=self.days_ago(0, 1500),
                    series_key=f"{SONARR}/series/{s}",
                    series_title=f"Series {s}",
                    series_tags=frozenset(series_tags),
                    season_number=number,
                    **self.watch(),  # type: ignore[arg-type]
                )

    def episodes(self, series_count: int, per_series: int) -> Iterator[Candidate]:
        """Episodes of the rolling shows (one a day)."""
        for s in range(series_count):
            for number in range(1, per_series + 1):
                aired = NOW - timedelta(days=per_series - number)
                yield Candidate(
                    key=f"{SONARR}/episode/{s}/1/{number}",
                    instance_id=SONARR,
                    kind="episode",
                    title=f"Show {s} S01E{number:02d}",
                    root_folder="/media/tv",
                    size=GB // 2,
                    added=aired,
                    series_key=f"{SONARR}/series/{s}",
                    series_title=f"Show {s}",
                    series_tags=frozenset({"lcars_rolling"}),
                    season_number=1,
                    episode_number=number,
                    air_date=aired,
                    **self.watch(),  # type: ignore[arg-type]
                )

    def albums(self, artists: int, per_artist: int) -> Iterator[Candidate]:
        for a in range(artists):
            for number in range(per_artist):
                yield Candidate(
                    key=f"{LIDARR}/album/{a * per_artist + number}",
                    instance_id=LIDARR,
                    kind="album",
                    title=f"Artist {a} - Album {number}",
                    ids=MediaIds(musicbrainz=f"mb-{a}-{number}"),
                    root_folder="/media/music",
                    size=self.rng.randint(50, 1500) * 1_000_000,
                    added=self.days_ago(0, 2000),
                    tags=self.tags(),
                    **self.watch(),  # type: ignore[arg-type]
                )


def disks(scale: float = 1.0) -> list[DiskFigure]:
    return [
        DiskFigure(
            instance_id=instance,
            root_folder=root,
            free_bytes=int(total * percent * scale / 100),
            total_bytes=total,
        )
        for instance, root, percent, total in FOLDERS
    ]


def health(now: datetime) -> SourceHealth:
    kinds = {
        RADARR: "radarr",
        RADARR_4K: "radarr",
        SONARR: "sonarr",
        LIDARR: "lidarr",
        "jellyfin/main": "jellyfin",
        "jellyseerr/main": "jellyseerr",
    }
    return SourceHealth(
        sources=tuple(
            SourceStatus(
                source_id=source,
                kind=kind,  # type: ignore[arg-type]
                fetched_at=now - timedelta(minutes=1),
                last_refresh_ok=True,
            )
            for source, kind in kinds.items()
        ),
        jellyfin_configured=True,
    )


def plan(
    items: Sequence[Candidate], ledger: Ledger, now: datetime, figures: list[DiskFigure]
) -> Plan:
    return plan_cleanup(
        items, disks=figures, health=health(now), policy=POLICY, ledger=ledger, now=now
    )


def settled_ledger(items: Sequence[Candidate], figures: list[DiskFigure]) -> Ledger:
    """The ledger after plans 20 and 10 days ago, with their deletions done."""
    ledger = Ledger()
    for days in (20, 10):
        earlier = plan(items, ledger, NOW - timedelta(days=days), figures)
        ledger = earlier.ledger.record_deleted(d.item.key for d in earlier.delete_now)
    return ledger


def floor(items: Sequence[Candidate]) -> int:
    """The least any planner must do: go through the items and work out ages."""
    now = NOW
    stale = 0
    cutoff = timedelta(days=30)
    for item in items:
        added, last = item.added, item.last_played
        since = added if last is None or (added is not None and added > last) else last
        if since is not None and now - since > cutoff:
            stale += 1
    return stale


@dataclass
class Timing:
    """Milliseconds per run: wall clock and this process's CPU time."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    # Runs during which Python collected its oldest generation, a pause that
    # scans every object of the process, whoever allocated what.
    full_collections: list[bool] = field(default_factory=list)


def timed(runs: int, work: Callable[[], object]) -> Timing:
    """Time several runs, with garbage collected before each.

    The CPU time is shown too: on a machine shared with other work, the wall
    clock also counts the time spent waiting for a core.
    """
    timing = Timing()
    full = [False]

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full[0] = True

    gc.callbacks.append(watch)
    try:
        for _ in range(runs):
            gc.collect()
            full[0] = False
            start, start_cpu = time.perf_counter(), time.process_time()
            work()
            timing.cpu.append((time.process_time() - start_cpu) * 1000)
            timing.wall.append((time.perf_counter() - start) * 1000)
            timing.full_collections.append(full[0])
    finally:
        gc.callbacks.remove(watch)
    return timing


def peak_mb(work: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1_000_000
    finally:
        tracemalloc.stop()


def verdict(ok: bool) -> str:
    return "OK" if ok else "OVER TARGET"


def bench_scenario(
    name: str, items: Sequence[Candidate], figures: list[DiskFigure], runs: int
) -> bool:
    ledger = settled_ledger(items, figures)
    result = plan(items, ledger, NOW, figures)
    timing = timed(runs, lambda: plan(items, ledger, NOW, figures))
    floor_ms = timed(runs, lambda: floor(items)).wall
    memory = peak_mb(lambda: plan(items, ledger, NOW, figures))
    as_dict_ms = timed(3, lambda: json.dumps(result.as_dict())).wall
    ledger_ms = timed(3, lambda: json.dumps(result.ledger.to_dict())).wall
    median, longest = statistics.median(timing.wall), max(timing.wall)
    floor_median = statistics.median(floor_ms)
    totals = result.totals
    print(f"\n{name}")
    print(
        f"  plan():  median {median:6.1f} ms, max {longest:6.1f} ms over {runs} runs"
        f"  (target <= {TARGET_MS:.0f} ms)  {verdict(longest <= TARGET_MS)}"
    )
    print(
        f"           CPU time: median {statistics.median(timing.cpu):6.1f} ms,"
        f" max {max(timing.cpu):6.1f} ms"
    )
    quiet = [
        w for w, f in zip(timing.wall, timing.full_collections, strict=True) if not f
    ]
    print(
        f"           {sum(timing.full_collections)} of {runs} runs included a full"
        f" garbage collection of the process ({len(gc.get_objects()):,} objects);"
        + (f" max of the others {max(quiet):.1f} ms" if quiet else "")
    )
    print(
        f"  floor:   median {floor_median:6.1f} ms (iterate the candidates, compute"
        f" ages)  -> plan() is {median / floor_median:.1f}x the floor"
    )
    print(
        f"  memory:  peak {memory:6.1f} MB during one plan() (tracemalloc)"
        f"  (target <= {TARGET_MB:.0f} MB)  {verdict(memory <= TARGET_MB)}"
    )
    print(
        f"  outside plan(), not counted above: as_dict()+json {min(as_dict_ms):.1f} ms,"
        f" ledger to_dict()+json {min(ledger_ms):.1f} ms"
    )
    print(
        f"  outcome: {totals.delete_count} to delete now, {totals.leaving_soon_count}"
        f" on leaving soon, {totals.protected_count} protected,"
        f" {totals.held_count} held, {totals.ignored} ignored;"
        f" ledger {len(ledger)} -> {len(result.ledger)} entries"
    )
    return longest <= TARGET_MS and memory <= TARGET_MB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    library = Library(args.seed)
    start = time.perf_counter()
    items = [
        *library.movies(20_000),
        *library.seasons(2_000, 5, rolling=20),
        *library.albums(1_000, 5),
        *library.episodes(20, 50),
    ]
    build_ms = (time.perf_counter() - start) * 1000
    print(
        f"cleanup planner bench, seed {args.seed}: 20,000 movies, 10,000 seasons"
        f" (2,000 series, 20 rolling), 5,000 albums (1,000 artists),"
        f" 1,000 rolling episodes = {len(items):,} candidates;"
        f" Python {sys.version.split()[0]}, load average"
        f" {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    print(
        f"  building the candidates (random data and frozen dataclasses, the"
        f" Home Assistant layer's share) took {build_ms:.0f} ms"
    )
    ok = bench_scenario(
        "Mixed disks (4% to 30% free), ledger from two earlier plans",
        items,
        disks(),
        args.runs,
    )
    ok &= bench_scenario(
        "Stress: every disk at a quarter of its free space (nearly all expired)",
        items,
        disks(0.25),
        args.runs,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
