"""Sonarr client against the simulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.lcars.clients import (
    LcarsClientError,
    NotFoundError,
    SonarrClient,
    WrongServiceError,
)
from custom_components.lcars.clients.convert import clean_path
from custom_components.lcars.clients.models import Season, Series, Tag
from simulator import Simulator

from .conftest import (
    FAULT_IDS,
    FAULTS,
    check_error,
    check_fault,
    check_rotated_key,
    freeze,
    make_client,
    served,
    service_of,
    to_second,
)
from .test_radarr import expected_queue, expected_root_folders

SNAPSHOT_REQUESTS = [
    ("GET", "/api/v3/calendar"),
    ("GET", "/api/v3/diskspace"),
    ("GET", "/api/v3/queue/details"),
    ("GET", "/api/v3/rootfolder"),
    ("GET", "/api/v3/series"),
    ("GET", "/api/v3/system/status"),
    ("GET", "/api/v3/tag"),
    ("GET", "/api/v3/wanted/missing"),
]


def expected_series(sim: Simulator, name: str = "sonarr") -> dict[int, Series]:
    """Series with Sonarr's statistics, computed from the episodes and files."""
    state = sim.state.services[name]
    now = sim.clock.now()
    out = {}
    for series in state.series.values():
        seasons: dict[int, dict[str, int]] = {
            number: {"files": 0, "count": 0, "total": 0, "size": 0}
            for number in series.seasons
        }
        seen_files: set[int] = set()
        for episode in state.series_episodes(series.id):
            figures = seasons.setdefault(
                episode.season_number, {"files": 0, "count": 0, "total": 0, "size": 0}
            )
            figures["total"] += 1
            aired = episode.air_date_utc is not None and episode.air_date_utc <= now
            file = state.episode_files.get(episode.episode_file_id)
            if file is not None:
                figures["files"] += 1
                if file.id not in seen_files:
                    seen_files.add(file.id)
                    figures["size"] += file.size
            if file is not None or (episode.monitored and aired):
                figures["count"] += 1
        season_models = tuple(
            Season(
                season_number=number,
                monitored=series.seasons.get(number, False),
                episode_file_count=figures["files"],
                episode_count=figures["count"],
                total_episode_count=figures["total"],
                size_on_disk=figures["size"],
            )
            for number, figures in sorted(seasons.items())
        )
        out[series.id] = Series(
            id=series.id,
            title=series.title,
            year=series.year or None,
            tvdb_id=series.tvdb_id or None,
            tmdb_id=series.tmdb_id or None,
            imdb_id=series.imdb_id or None,
            path=series.path,
            root_folder=clean_path(series.root_folder_path),
            monitored=series.monitored,
            series_type=series.series_type,
            size_on_disk=sum(s.size_on_disk for s in season_models),
            episode_file_count=sum(s.episode_file_count for s in season_models),
            episode_count=sum(s.episode_count for s in season_models),
            total_episode_count=sum(s.total_episode_count for s in season_models),
            added=served(series.added),
            seasons=season_models,
            tags=tuple(series.tags),
            quality_profile_id=series.quality_profile_id,
            overview=series.overview or None,
            genres=tuple(series.genres),
            runtime=series.runtime or None,
            rating=float(series.rating) or None,
            poster=f"/MediaCover/{series.id}/poster.jpg",
            fanart=f"/MediaCover/{series.id}/fanart.jpg",
            cover_stamp=638412345678901234,
        )
    return out


def expected_missing(sim: Simulator, name: str = "sonarr") -> int:
    """Aired, monitored episodes of monitored series without a file."""
    state = sim.state.services[name]
    now = sim.clock.now()
    return sum(
        1
        for episode in state.episodes.values()
        if episode.episode_file_id == 0
        and episode.air_date_utc is not None
        and episode.air_date_utc <= now
        and episode.monitored
        and state.series[episode.series_id].monitored
    )


async def test_snapshot_matches_the_simulator(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    now = freeze(simulator)
    client: SonarrClient = make_client(session, simulator, "sonarr")
    snapshot = await client.async_fetch_snapshot(now)
    state = simulator.state.services["sonarr"]

    assert snapshot.status.app_name == "Sonarr"
    assert snapshot.status.version.startswith("4.")
    assert {s.id: s for s in snapshot.series} == expected_series(simulator)
    assert len(snapshot.series) == 10
    assert any(s.episode_file_count for s in snapshot.series)
    series = expected_series(simulator).values()
    assert snapshot.episode_files == sum(s.episode_file_count for s in series) > 0
    assert snapshot.size_on_disk == sum(s.size_on_disk for s in series) > 0
    assert snapshot.episodes_missing == expected_missing(simulator)
    assert snapshot.episodes_missing > 0
    assert list(snapshot.root_folders) == expected_root_folders(simulator, "sonarr")
    assert sorted(snapshot.queue, key=lambda q: q.id) == sorted(
        expected_queue(simulator, "sonarr"), key=lambda q: q.id
    )
    assert list(snapshot.tags) == [
        Tag(id=t.id, label=t.label) for t in sorted(state.tags, key=lambda t: t.id)
    ]

    end = now + timedelta(days=30)
    upcoming = {
        e.id: e
        for e in state.episodes.values()
        if e.monitored
        and e.air_date_utc is not None
        and now <= to_second(e.air_date_utc) <= end
    }
    assert {entry.uid for entry in snapshot.calendar} == {
        f"sonarr-episode-{i}" for i in upcoming
    }
    assert snapshot.calendar
    for entry in snapshot.calendar:
        episode = upcoming[int(entry.uid.rsplit("-", 1)[1])]
        series = state.series[episode.series_id]
        assert entry.media_id == series.id
        assert entry.title == (
            f"{series.title} S{episode.season_number:02d}E{episode.episode_number:02d}"
        )
        assert entry.description == episode.title
        assert entry.start == to_second(episode.air_date_utc)
    # On its own the calendar takes the series titles from the answer.
    assert await client.async_get_calendar(now, end) == list(snapshot.calendar)


async def test_requests_do_not_grow_with_the_library(
    simulator: Simulator,
    simulator_factory: Any,
    session: aiohttp.ClientSession,
) -> None:
    sizes = []
    for sim in (simulator, await simulator_factory(movies=100, series=40, artists=5)):
        client = make_client(session, sim, "sonarr")
        sim.reset_requests()
        snapshot = await client.async_fetch_snapshot(freeze(sim))
        assert sorted(sim.requests("sonarr")) == SNAPSHOT_REQUESTS
        sizes.append(len(snapshot.series))
    assert sizes == [10, 40]


@pytest.mark.parametrize(("fault", "error"), FAULTS, ids=FAULT_IDS)
async def test_faults(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    fault: dict[str, Any],
    error: type[LcarsClientError],
) -> None:
    client = make_client(session, simulator, "sonarr", timeout=0.3)
    now = freeze(simulator)
    await check_fault(
        simulator, "sonarr", lambda: client.async_fetch_snapshot(now), fault, error
    )


async def test_rotated_key(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client = make_client(session, simulator, "sonarr")
    now = freeze(simulator)
    await check_rotated_key(
        simulator, "sonarr", lambda: client.async_fetch_snapshot(now)
    )


async def test_radarr_offered_as_sonarr(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    client = SonarrClient(session, handle.url, handle.api_key)
    with pytest.raises(WrongServiceError) as caught:
        await client.async_get_system_status()
    assert caught.value.found == "Radarr"
    check_error(caught.value, simulator, "radarr")


async def test_get_one_series(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    freeze(simulator)
    client: SonarrClient = make_client(session, simulator, "sonarr")
    expected = expected_series(simulator)
    series_id = max(expected)
    assert await client.async_get_series_by_id(series_id) == expected[series_id]
    with pytest.raises(NotFoundError):
        await client.async_get_series_by_id(999_999)


async def test_delete_series(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: SonarrClient = make_client(session, simulator, "sonarr")
    state = simulator.state.services["sonarr"]
    series = next(s for s in state.series.values() if state.series_files(s.id))
    size = sum(f.size for f in state.series_files(series.id))
    free_before = state.free_space_of(series.path)
    simulator.reset_requests()
    await client.async_delete_series(series.id, delete_files=True, add_exclusion=True)
    assert series.id not in state.series
    assert simulator.requests("sonarr") == [("DELETE", f"/api/v3/series/{series.id}")]
    assert state.free_space_of(series.path) - free_before == size
    assert any(e.foreign_id == str(series.tvdb_id) for e in state.exclusions)


async def test_tags_and_commands(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: SonarrClient = make_client(session, simulator, "sonarr")
    state = simulator.state.services["sonarr"]
    tag = await client.async_add_tag("lcars-keep")
    ids = sorted(state.series)[:2]
    await client.async_update_tags(ids, [tag.id], mode="add")
    assert all(tag.id in state.series[i].tags for i in ids)
    await client.async_update_tags(ids, [], mode="replace")
    assert all(state.series[i].tags == [] for i in ids)
    command_id = await client.async_run_command("RefreshSeries", {"seriesId": ids[0]})
    assert any(c.id == command_id and c.name == "RefreshSeries" for c in state.commands)


async def test_episodes_of_one_series_with_their_files(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    state = simulator.state.services["sonarr"]
    client: SonarrClient = make_client(session, simulator, "sonarr")
    series_id = next(iter(state.series))
    simulator.reset_requests()

    episodes = await client.async_get_episodes(series_id)

    assert [p for _, p in simulator.requests("sonarr")] == ["/api/v3/episode"]
    expected = state.series_episodes(series_id)
    assert [e.id for e in episodes] == [e.id for e in expected]
    for got, want in zip(episodes, expected, strict=True):
        file = state.episode_files.get(want.episode_file_id)
        assert got.series_id == series_id
        assert (got.season_number, got.episode_number) == (
            want.season_number,
            want.episode_number,
        )
        assert got.has_file == (file is not None)
        assert got.size == (file.size if file else 0)
        assert got.file_added == (served(file.date_added) if file else None)
        assert got.air_date == to_second(want.air_date_utc)
    assert any(e.has_file for e in episodes)


async def test_a_season_pack_is_one_download(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Sonarr lists a season pack once per episode; it is one download.

    Counted once, its bytes left taken once, named after the series and
    the season rather than the release.
    """
    now = freeze(simulator)
    state = simulator.state.services["sonarr"]
    service = service_of(simulator, "sonarr")
    records: dict[str, list[Any]] = {}
    for record in service.visible_queue():
        records.setdefault(record.download_id, []).append(record)
    (pack,) = [group for group in records.values() if len(group) > 1]
    assert len(pack) >= 3
    snapshot = await make_client(session, simulator, "sonarr").async_fetch_snapshot(now)

    (item,) = [i for i in snapshot.queue if i.download_id == pack[0].download_id]
    assert item.record_ids == tuple(sorted(r.id for r in pack))
    assert item.id == min(r.id for r in pack)
    series = state.series[pack[0].media_id]
    assert item.title == f"{series.title} S{pack[0].season_number:02d}"
    assert item.release_title == pack[0].title
    left = service.progress(pack[0], now)[0]
    assert (item.size, item.size_left) == (pack[0].size, left)
    assert 0 < item.progress < 100

    # Each download once, and the imported one not at all.
    imported = {
        r.download_id
        for r in service.visible_queue()
        if service.progress(r, now)[2] == "imported"
    }
    assert imported
    assert len(snapshot.queue) == len(records) - len(imported)
    assert sum(i.size_left for i in snapshot.queue) == sum(
        service.progress(group[0], now)[0]
        for download_id, group in records.items()
        if download_id not in imported
    )


async def test_downloads_are_named_after_the_episodes(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A single episode is "Series S01E02"; on its own the queue names alike."""
    now = freeze(simulator)
    state = simulator.state.services["sonarr"]
    client: SonarrClient = make_client(session, simulator, "sonarr")
    snapshot = await client.async_fetch_snapshot(now)
    singles = [i for i in snapshot.queue if len(i.record_ids) == 1]
    assert singles
    for item in singles:
        (record,) = [r for r in state.queue if r.id == item.id]
        episode = state.episodes[record.sub_id]
        series = state.series[record.media_id]
        code = f"S{episode.season_number:02d}E{episode.episode_number:02d}"
        assert item.title == f"{series.title} {code}"
        assert item.release_title == record.title
        assert item.title != item.release_title
    # Read on its own, the queue takes the names from the records.
    assert await client.async_get_queue() == list(snapshot.queue)


async def test_sonarr_v3(
    simulator_factory: Any, session: aiohttp.ClientSession
) -> None:
    """A v3 server: one language, decimal sizes, no season on queue records,
    no root folder on series, root folders without `accessible`."""
    sim = await simulator_factory(
        movies=5,
        series=12,
        artists=1,
        instances={"sonarr": "sonarr"},
        versions={"sonarr": "3.0.4.1126"},
    )
    now = freeze(sim)
    client: SonarrClient = make_client(session, sim, "sonarr")
    snapshot = await client.async_fetch_snapshot(now)
    assert snapshot.status.version == "3.0.4.1126"
    assert {s.id: s for s in snapshot.series} == expected_series(sim)
    assert all(s.root_folder == "/tv" for s in snapshot.series)
    assert list(snapshot.root_folders) == expected_root_folders(sim, "sonarr")
    assert all(f.accessible for f in snapshot.root_folders)
    assert sorted(snapshot.queue, key=lambda q: q.id) == sorted(
        expected_queue(sim, "sonarr"), key=lambda q: q.id
    )
    assert any(len(i.record_ids) > 1 for i in snapshot.queue)
    assert await client.async_get_queue() == list(snapshot.queue)
