"""Radarr client against the simulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.lcars.clients import (
    LcarsClientError,
    NotFoundError,
    RadarrClient,
)
from custom_components.lcars.clients.convert import clean_path
from custom_components.lcars.clients.models import (
    Movie,
    QueueItem,
    RootFolder,
    SystemStatus,
    Tag,
)
from simulator import Simulator
from simulator.state import RadarrState, SonarrState

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

SNAPSHOT_REQUESTS = [
    ("GET", "/api/v3/calendar"),
    ("GET", "/api/v3/diskspace"),
    ("GET", "/api/v3/movie"),
    ("GET", "/api/v3/queue/details"),
    ("GET", "/api/v3/rootfolder"),
    ("GET", "/api/v3/system/status"),
    ("GET", "/api/v3/tag"),
]


def expected_movies(sim: Simulator, name: str = "radarr") -> dict[int, Movie]:
    state = sim.state.services[name]
    service = service_of(sim, name)
    now = sim.clock.now()
    movies = {}
    for movie in state.movies.values():
        file = movie.file
        movies[movie.id] = Movie(
            id=movie.id,
            title=movie.title,
            year=movie.year or None,
            tmdb_id=movie.tmdb_id or None,
            imdb_id=movie.imdb_id or None,
            path=movie.path,
            root_folder=movie.root_folder_path,
            monitored=movie.monitored,
            has_file=file is not None,
            is_available=service.movie_status(movie, now)[1],
            size_on_disk=file.size if file else 0,
            added=served(movie.added),
            tags=tuple(movie.tags),
            quality_profile_id=movie.quality_profile_id,
            file_added=served(file.date_added) if file else None,
            overview=movie.overview or None,
            genres=tuple(movie.genres),
            runtime=movie.runtime or None,
            rating=float(movie.rating_imdb or movie.rating_tmdb) or None,
            poster=f"/MediaCover/{movie.id}/poster.jpg",
            fanart=f"/MediaCover/{movie.id}/fanart.jpg",
            cover_stamp=COVER_STAMP,
        )
    return movies


# The `lastWrite` the simulator gives every cover.
COVER_STAMP = 638412345678901234


def expected_root_folders(sim: Simulator, name: str) -> list[RootFolder]:
    """Root folders as `/rootfolder` names them: no trailing separator."""
    state = sim.state.services[name]
    return [
        RootFolder(
            id=folder.id,
            path=clean_path(folder.path),
            accessible=folder.accessible,
            free_space=state.free_space_of(folder.path),
            total_space=state.total_space_of(folder.path),
        )
        for folder in sorted(state.root_folders, key=lambda f: f.id)
    ]


def download_title(sim: Simulator, name: str, records: list[Any]) -> str:
    """What a download holds, in the library's words, from the simulator state."""
    state = sim.state.services[name]
    if isinstance(state, RadarrState):
        return ", ".join(dict.fromkeys(state.movies[r.media_id].title for r in records))
    if isinstance(state, SonarrState):
        series = state.series[records[0].media_id].title
        seasons = sorted({r.season_number for r in records})
        if len(records) == 1:
            episode = state.episodes[records[0].sub_id]
            return f"{series} S{episode.season_number:02d}E{episode.episode_number:02d}"
        if len(seasons) == 1:
            return f"{series} S{seasons[0]:02d}"
        return f"{series} S{seasons[0]:02d}-S{seasons[-1]:02d}"
    artist = state.artists[records[0].media_id].name
    albums = ", ".join(dict.fromkeys(state.albums[r.sub_id].title for r in records))
    return f"{artist} - {albums}"


def expected_queue(sim: Simulator, name: str) -> list[QueueItem]:
    """One item per download: records sharing a download id are one.

    Downloads already imported are left out; sizes are those of the
    download, which each of its records repeats.
    """
    service = service_of(sim, name)
    now = sim.clock.now()
    downloads: dict[tuple[str, str], list[Any]] = {}
    for record in service.visible_queue():
        downloads.setdefault((record.download_client, record.download_id), []).append(
            record
        )
    items = []
    for records in downloads.values():
        records.sort(key=lambda r: r.id)
        first = records[0]
        left, status, tracked_state, _seconds, finish, _visible = service.progress(
            first, now
        )
        if tracked_state == "imported":
            continue
        items.append(
            QueueItem(
                id=first.id,
                title=download_title(sim, name, records),
                size=first.size,
                size_left=left,
                status=status,
                tracked_download_state=tracked_state,
                estimated_completion=served(finish),
                download_client=first.download_client,
                protocol=first.protocol,
                media_id=first.media_id,
                error_message=first.error_message,
                release_title=first.title,
                download_id=first.download_id,
                record_ids=tuple(r.id for r in records),
            )
        )
    return items


async def test_snapshot_matches_the_simulator(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    now = freeze(simulator)
    client: RadarrClient = make_client(session, simulator, "radarr")
    snapshot = await client.async_fetch_snapshot(now)
    state = simulator.state.services["radarr"]

    assert snapshot.status == SystemStatus(
        app_name="Radarr",
        version=snapshot.status.version,
        instance_name="Radarr",
        url_base=None,
    )
    assert snapshot.status.version
    assert {movie.id: movie for movie in snapshot.movies} == expected_movies(simulator)
    assert len(snapshot.movies) == 50
    movies = expected_movies(simulator).values()
    assert snapshot.size_on_disk == sum(m.size_on_disk for m in movies) > 0
    assert snapshot.movies_missing == sum(
        1 for m in movies if m.monitored and not m.has_file and m.is_available
    )
    assert list(snapshot.root_folders) == expected_root_folders(simulator, "radarr")
    assert all(
        f.total_space and f.free_space is not None for f in snapshot.root_folders
    )
    assert sorted(snapshot.queue, key=lambda q: q.id) == sorted(
        expected_queue(simulator, "radarr"), key=lambda q: q.id
    )
    assert snapshot.queue
    assert list(snapshot.tags) == [
        Tag(id=t.id, label=t.label) for t in sorted(state.tags, key=lambda t: t.id)
    ]

    end = now + timedelta(days=30)
    expected_calendar = set()
    for movie in state.movies.values():
        if not movie.monitored:
            continue
        for slug, when in (
            ("cinemas", movie.in_cinemas),
            ("digital", movie.digital_release),
            ("physical", movie.physical_release),
        ):
            if when is not None and now <= to_second(when) <= end:
                expected_calendar.add((f"radarr-movie-{movie.id}-{slug}", movie.id))
    assert {(e.uid, e.media_id) for e in snapshot.calendar} == expected_calendar
    assert snapshot.calendar
    assert [e.start for e in snapshot.calendar] == sorted(
        e.start for e in snapshot.calendar
    )
    for entry in snapshot.calendar:
        assert entry.title == state.movies[entry.media_id].title
        assert now <= entry.start <= end


async def test_requests_do_not_grow_with_the_library(
    simulator: Simulator,
    simulator_factory: Any,
    session: aiohttp.ClientSession,
) -> None:
    counts = []
    for sim in (simulator, await simulator_factory(movies=400, series=40, artists=20)):
        client = make_client(session, sim, "radarr")
        sim.reset_requests()
        snapshot = await client.async_fetch_snapshot(freeze(sim))
        assert sorted(sim.requests("radarr")) == SNAPSHOT_REQUESTS
        counts.append(len(snapshot.movies))
    assert counts == [50, 400]


async def test_base_path_and_trailing_slash(
    simulator_factory: Any, session: aiohttp.ClientSession
) -> None:
    sim = await simulator_factory(url_bases={"radarr": "/radarr"})
    handle = sim.services["radarr"]
    client = RadarrClient(session, f" {handle.url}/ ", f" {handle.api_key}\n")
    assert client.url == handle.url
    assert client.url.endswith("/radarr")
    snapshot = await client.async_fetch_snapshot(freeze(sim))
    assert len(snapshot.movies) == 50


@pytest.mark.parametrize(("fault", "error"), FAULTS, ids=FAULT_IDS)
async def test_faults(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    fault: dict[str, Any],
    error: type[LcarsClientError],
) -> None:
    client = make_client(session, simulator, "radarr", timeout=0.3)
    now = freeze(simulator)
    await check_fault(
        simulator, "radarr", lambda: client.async_fetch_snapshot(now), fault, error
    )


async def test_truncated_movie_list_only(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client = make_client(session, simulator, "radarr")
    simulator.faults("radarr").set(truncate=True, paths=["/api/v3/movie"])
    with pytest.raises(LcarsClientError) as caught:
        await client.async_get_movies()
    check_error(caught.value, simulator, "radarr")
    assert "/api/v3/movie" in str(caught.value)


async def test_rotated_key(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client = make_client(session, simulator, "radarr")
    now = freeze(simulator)
    await client.async_fetch_snapshot(now)
    await check_rotated_key(
        simulator, "radarr", lambda: client.async_fetch_snapshot(now)
    )


async def test_sonarr_offered_as_radarr(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    handle = simulator.services["sonarr"]
    client = RadarrClient(session, handle.url, handle.api_key)
    with pytest.raises(LcarsClientError) as caught:
        await client.async_get_system_status()
    assert type(caught.value).__name__ == "WrongServiceError"
    assert caught.value.found == "Sonarr"  # type: ignore[attr-defined]


async def test_get_one_movie(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    freeze(simulator)
    client: RadarrClient = make_client(session, simulator, "radarr")
    expected = expected_movies(simulator)
    movie_id = min(expected)
    assert await client.async_get_movie(movie_id) == expected[movie_id]
    with pytest.raises(NotFoundError) as caught:
        await client.async_get_movie(999_999)
    check_error(caught.value, simulator, "radarr")


@pytest.mark.parametrize(
    ("delete_files", "add_exclusion"), [(False, False), (True, True)]
)
async def test_delete_movie(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    delete_files: bool,
    add_exclusion: bool,
) -> None:
    client: RadarrClient = make_client(session, simulator, "radarr")
    state = simulator.state.services["radarr"]
    movie = next(m for m in state.movies.values() if m.file is not None)
    free_before = state.free_space_of(movie.path)
    simulator.reset_requests()
    await client.async_delete_movie(
        movie.id, delete_files=delete_files, add_exclusion=add_exclusion
    )
    assert movie.id not in state.movies
    assert simulator.requests("radarr") == [("DELETE", f"/api/v3/movie/{movie.id}")]
    freed = state.free_space_of(movie.path) - free_before
    assert freed == (movie.file.size if delete_files else 0)
    assert any(e.foreign_id == str(movie.tmdb_id) for e in state.exclusions) is (
        add_exclusion
    )
    with pytest.raises(NotFoundError):
        await client.async_delete_movie(movie.id)


async def test_tags(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    client: RadarrClient = make_client(session, simulator, "radarr")
    state = simulator.state.services["radarr"]
    tag = await client.async_add_tag("leaving-soon")
    assert tag.label == "leaving-soon"
    assert Tag(id=tag.id, label="leaving-soon") in await client.async_get_tags()
    # Adding a known label gives the same tag back.
    assert await client.async_add_tag("leaving-soon") == tag
    ids = sorted(state.movies)[:3]
    await client.async_update_tags(ids, [tag.id], mode="add")
    assert all(tag.id in state.movies[i].tags for i in ids)
    for movie_id in ids:
        assert tag.id in (await client.async_get_movie(movie_id)).tags
    await client.async_update_tags(ids[:1], [tag.id], mode="remove")
    assert tag.id not in state.movies[ids[0]].tags
    assert tag.id in state.movies[ids[1]].tags


async def test_run_command(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: RadarrClient = make_client(session, simulator, "radarr")
    state = simulator.state.services["radarr"]
    command_id = await client.async_run_command("RefreshMovie", {"movieIds": [1, 2]})
    command = next(c for c in state.commands if c.id == command_id)
    assert command.name == "RefreshMovie"
    assert command.params.get("movieIds") == [1, 2]


async def test_free_space_follows_the_disk(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: RadarrClient = make_client(session, simulator, "radarr")
    folder = (await client.async_get_root_folders())[0]
    simulator.set_free_space("radarr", folder.path, 123_456_789)
    changed = next(
        f for f in await client.async_get_root_folders() if f.id == folder.id
    )
    assert changed.free_space == 123_456_789
    assert changed.total_space == folder.total_space


async def test_downloads_are_named_after_the_movies(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Each download is named after its movie; usenet sizes come as decimals."""
    now = freeze(simulator)
    state = simulator.state.services["radarr"]
    client: RadarrClient = make_client(session, simulator, "radarr")
    snapshot = await client.async_fetch_snapshot(now)
    assert snapshot.queue
    for item in snapshot.queue:
        assert item.media_id is not None
        assert item.title == state.movies[item.media_id].title
        assert item.release_title != item.title
        assert 0 <= item.size_left <= item.size
    usenet = [i for i in snapshot.queue if i.protocol == "usenet"]
    assert usenet
    assert all(isinstance(i.size, int) and i.size > 0 for i in usenet)
    # A download just imported is no longer in the queue.
    assert all(i.tracked_download_state != "imported" for i in snapshot.queue)
    imported = [r for r in state.queue if r.tracked_state == "imported"]
    assert imported
    assert not {r.id for r in imported} & {
        rid for i in snapshot.queue for rid in i.record_ids
    }
    assert await client.async_get_queue() == list(snapshot.queue)


async def test_windows_paths(
    simulator_factory: Any, session: aiohttp.ClientSession
) -> None:
    """On Windows the items name their root folder as `/rootfolder` does."""
    sim = await simulator_factory(
        movies=16,
        series=2,
        artists=1,
        instances={"radarr": "radarr", "radarr2": "radarr"},
        platforms={"radarr2": "windows"},
    )
    state = sim.state.services["radarr2"]
    snapshot = await make_client(session, sim, "radarr2").async_fetch_snapshot(
        freeze(sim)
    )
    (folder,) = snapshot.root_folders
    assert folder.path.startswith("D:\\")
    assert not folder.path.endswith("\\")
    (disk,) = [d for d in state.disks if d.path == "D:\\"]
    assert (folder.free_space, folder.total_space) == (
        disk.free_space,
        disk.total_space,
    )
    assert snapshot.movies
    assert {m.root_folder for m in snapshot.movies} == {folder.path}
    assert all(
        m.path is not None and m.path.startswith(folder.path + "\\")
        for m in snapshot.movies
    )
