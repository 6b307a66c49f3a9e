"""Small builders for cleanup planner inputs, so each test states only what matters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from custom_components.lcars.cleanup import (
    Candidate,
    CleanupPolicy,
    DiskFigure,
    Ledger,
    LedgerEntry,
    Plan,
    SourceHealth,
    SourceStatus,
    plan_cleanup,
)

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
GB = 1_000_000_000
TOTAL = 10_000 * GB  # 10 TB disks: 1% is 100 GB

RADARR = "radarr/main"
SONARR = "sonarr/main"
LIDARR = "lidarr/main"


def days_ago(days: float, *, now: datetime = NOW) -> datetime:
    return now - timedelta(days=days)


def movie(number: int, **fields: Any) -> Candidate:
    """A watched-data-matched movie in /movies, added 100 days ago, never played."""
    values: dict[str, Any] = {
        "key": f"{RADARR}/movie/{number}",
        "instance_id": RADARR,
        "kind": "movie",
        "title": f"Movie {number}",
        "root_folder": "/movies",
        "size": 10 * GB,
        "added": days_ago(100),
        "jellyfin_matched": True,
    }
    values.update(fields)
    return Candidate(**values)


def season(series: int, number: int, **fields: Any) -> Candidate:
    values: dict[str, Any] = {
        "key": f"{SONARR}/season/{series}/{number}",
        "instance_id": SONARR,
        "kind": "season",
        "title": f"Series {series} - Season {number}",
        "root_folder": "/tv",
        "size": 20 * GB,
        "added": days_ago(100),
        "series_key": f"{SONARR}/series/{series}",
        "series_title": f"Series {series}",
        "season_number": number,
        "jellyfin_matched": True,
    }
    values.update(fields)
    return Candidate(**values)


def episode(series: int, season_no: int, number: int, **fields: Any) -> Candidate:
    values: dict[str, Any] = {
        "key": f"{SONARR}/episode/{series}/{season_no}/{number}",
        "instance_id": SONARR,
        "kind": "episode",
        "title": f"Show {series} S{season_no:02d}E{number:02d}",
        "root_folder": "/tv",
        "size": 1 * GB,
        "added": days_ago(100),
        "series_key": f"{SONARR}/series/{series}",
        "series_title": f"Show {series}",
        "series_tags": frozenset({"lcars-rolling"}),
        "season_number": season_no,
        "episode_number": number,
        "jellyfin_matched": True,
    }
    values.update(fields)
    return Candidate(**values)


def album(number: int, **fields: Any) -> Candidate:
    values: dict[str, Any] = {
        "key": f"{LIDARR}/album/{number}",
        "instance_id": LIDARR,
        "kind": "album",
        "title": f"Album {number}",
        "root_folder": "/music",
        "size": 1 * GB,
        "added": days_ago(100),
        "jellyfin_matched": True,
    }
    values.update(fields)
    return Candidate(**values)


def disk(
    root: str = "/movies",
    free_percent: float = 50.0,
    *,
    instance: str = RADARR,
    total: int = TOTAL,
) -> DiskFigure:
    """A disk figure with the given free percent (rounded to whole bytes)."""
    return DiskFigure(
        instance_id=instance,
        root_folder=root,
        free_bytes=round(total * free_percent / 100),
        total_bytes=total,
    )


def standard_disks(
    movies: float = 50.0, tv: float = 50.0, music: float = 50.0
) -> list[DiskFigure]:
    return [
        disk("/movies", movies),
        disk("/tv", tv, instance=SONARR),
        disk("/music", music, instance=LIDARR),
    ]


def healthy(
    *, now: datetime = NOW, jellyfin: bool = True, extra: Iterable[SourceStatus] = ()
) -> SourceHealth:
    """Every standard source refreshed a minute ago."""
    kinds = {RADARR: "radarr", SONARR: "sonarr", LIDARR: "lidarr"}
    sources = [
        SourceStatus(
            source_id=source,
            kind=kind,  # type: ignore[arg-type]
            fetched_at=now - timedelta(minutes=1),
            last_refresh_ok=True,
        )
        for source, kind in kinds.items()
    ]
    if jellyfin:
        sources.append(
            SourceStatus(
                source_id="jellyfin/main",
                kind="jellyfin",
                fetched_at=now - timedelta(minutes=1),
                last_refresh_ok=True,
            )
        )
    sources.extend(extra)
    return SourceHealth(sources=tuple(sources), jellyfin_configured=jellyfin)


def entered(days: float, *, grace_days: int = 14, now: datetime = NOW) -> LedgerEntry:
    """A ledger entry made `days` ago with the given grace period."""
    start = now - timedelta(days=days)
    return LedgerEntry(entered=start, delete_on=start + timedelta(days=grace_days))


def ledger_of(**entries: LedgerEntry) -> Ledger:
    return Ledger(entries)


def run(
    candidates: Iterable[Candidate],
    disks: Iterable[DiskFigure] | None = None,
    *,
    policy: CleanupPolicy | None = None,
    ledger: Ledger | None = None,
    now: datetime = NOW,
    health: SourceHealth | None = None,
) -> Plan:
    return plan_cleanup(
        candidates,
        disks=standard_disks() if disks is None else disks,
        health=healthy(now=now) if health is None else health,
        policy=CleanupPolicy() if policy is None else policy,
        ledger=Ledger() if ledger is None else ledger,
        now=now,
    )


def keys(items: Iterable[Any]) -> list[str]:
    return [i.item.key for i in items]
