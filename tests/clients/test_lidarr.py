"""Lidarr client against the simulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.lcars.clients import (
    LcarsClientError,
    LidarrClient,
    NotFoundError,
    WrongServiceError,
)
from custom_components.lcars.clients.models import Album, Artist, Tag
from simulator import Simulator

from .conftest import (
    FAULT_IDS,
    FAULTS,
    check_fault,
    check_rotated_key,
    freeze,
    make_client,
    served,
    to_second,
)
from .test_radarr import expected_queue, expected_root_folders

# Lidarr sends the disk total with each root folder: no /diskspace.
SNAPSHOT_REQUESTS = [
    ("GET", "/api/v1/album"),
    ("GET", "/api/v1/artist"),
    ("GET", "/api/v1/calendar"),
    ("GET", "/api/v1/queue/details"),
    ("GET", "/api/v1/rootfolder"),
    ("GET", "/api/v1/system/status"),
    ("GET", "/api/v1/tag"),
]


# The `lastWrite` the simulator gives every cover.
COVER_STAMP = 638412345678901234


def expected_artists(sim: Simulator, name: str = "lidarr") -> dict[int, Artist]:
    state = sim.state.services[name]
    out = {}
    for artist in state.artists.values():
        albums = state.artist_albums(artist.id)
        files = [f for album in albums for f in state.album_files(album.id)]
        out[artist.id] = Artist(
            id=artist.id,
            name=artist.name,
            musicbrainz_id=artist.mbid,
            path=artist.path,
            root_folder=artist.root_folder_path,
            monitored=artist.monitored,
            size_on_disk=sum(f.size for f in files),
            album_count=len(albums),
            track_file_count=len(files),
            total_track_count=sum(a.track_count for a in albums),
            added=served(artist.added),
            tags=tuple(artist.tags),
            quality_profile_id=artist.quality_profile_id,
            overview=artist.overview or None,
            genres=tuple(artist.genres),
            rating=float(artist.rating) or None,
            poster=f"/MediaCover/{artist.id}/poster.jpg",
            fanart=f"/MediaCover/{artist.id}/fanart.jpg",
            cover_stamp=COVER_STAMP,
        )
    return out


def expected_albums(sim: Simulator, name: str = "lidarr") -> dict[int, Album]:
    state = sim.state.services[name]
    out = {}
    for album in state.albums.values():
        files = state.album_files(album.id)
        out[album.id] = Album(
            id=album.id,
            artist_id=album.artist_id,
            title=album.title,
            musicbrainz_id=album.release_group_mbid,
            monitored=album.monitored,
            release_date=to_second(album.release_date),
            track_file_count=len(files),
            total_track_count=album.track_count,
            size_on_disk=sum(f.size for f in files),
            cover=f"/MediaCover/Albums/{album.id}/cover.jpg",
            cover_stamp=COVER_STAMP,
        )
    return out


async def test_snapshot_matches_the_simulator(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    now = freeze(simulator)
    client: LidarrClient = make_client(session, simulator, "lidarr")
    snapshot = await client.async_fetch_snapshot(now)
    state = simulator.state.services["lidarr"]

    assert snapshot.status.app_name == "Lidarr"
    assert snapshot.status.version
    assert {a.id: a for a in snapshot.artists} == expected_artists(simulator)
    assert len(snapshot.artists) == 5
    artists = expected_artists(simulator).values()
    assert snapshot.size_on_disk == sum(a.size_on_disk for a in artists) > 0
    assert {a.id: a for a in snapshot.albums} == expected_albums(simulator)
    assert len(snapshot.albums) == len(state.albums) > 5
    assert list(snapshot.root_folders) == expected_root_folders(simulator, "lidarr")
    assert all(f.total_space for f in snapshot.root_folders)
    assert sorted(snapshot.queue, key=lambda q: q.id) == sorted(
        expected_queue(simulator, "lidarr"), key=lambda q: q.id
    )
    assert list(snapshot.tags) == [
        Tag(id=t.id, label=t.label) for t in sorted(state.tags, key=lambda t: t.id)
    ]
    end = now + timedelta(days=30)
    upcoming = {
        a.id: a
        for a in state.albums.values()
        if a.monitored
        and a.release_date is not None
        and now <= to_second(a.release_date) <= end
    }
    assert {e.uid for e in snapshot.calendar} == {f"lidarr-album-{i}" for i in upcoming}
    for entry in snapshot.calendar:
        album = upcoming[int(entry.uid.rsplit("-", 1)[1])]
        artist = state.artists[album.artist_id]
        assert entry.title == f"{artist.name} - {album.title}"
        assert entry.media_id == artist.id
        assert entry.start == to_second(album.release_date)


async def test_requests_do_not_grow_with_the_library(
    simulator: Simulator,
    simulator_factory: Any,
    session: aiohttp.ClientSession,
) -> None:
    sizes = []
    for sim in (simulator, await simulator_factory(movies=20, series=5, artists=40)):
        client = make_client(session, sim, "lidarr")
        sim.reset_requests()
        snapshot = await client.async_fetch_snapshot(freeze(sim))
        assert sorted(sim.requests("lidarr")) == SNAPSHOT_REQUESTS
        sizes.append(len(snapshot.artists))
    assert sizes == [5, 40]


@pytest.mark.parametrize(("fault", "error"), FAULTS, ids=FAULT_IDS)
async def test_faults(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    fault: dict[str, Any],
    error: type[LcarsClientError],
) -> None:
    client = make_client(session, simulator, "lidarr", timeout=0.3)
    now = freeze(simulator)
    await check_fault(
        simulator, "lidarr", lambda: client.async_fetch_snapshot(now), fault, error
    )


async def test_rotated_key(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client = make_client(session, simulator, "lidarr")
    now = freeze(simulator)
    await check_rotated_key(
        simulator, "lidarr", lambda: client.async_fetch_snapshot(now)
    )


async def test_radarr_offered_as_lidarr(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    with pytest.raises(WrongServiceError):
        await LidarrClient(
            session, handle.url, handle.api_key
        ).async_get_system_status()


async def test_get_and_delete_artist(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: LidarrClient = make_client(session, simulator, "lidarr")
    state = simulator.state.services["lidarr"]
    expected = expected_artists(simulator)
    artist_id = min(expected)
    assert await client.async_get_artist(artist_id) == expected[artist_id]
    artist = state.artists[artist_id]
    simulator.reset_requests()
    await client.async_delete_artist(artist_id, delete_files=False, add_exclusion=True)
    assert artist_id not in state.artists
    assert simulator.requests("lidarr") == [("DELETE", f"/api/v1/artist/{artist_id}")]
    assert any(e.foreign_id == artist.mbid for e in state.exclusions)
    with pytest.raises(NotFoundError):
        await client.async_get_artist(artist_id)


async def test_tags_and_commands(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: LidarrClient = make_client(session, simulator, "lidarr")
    state = simulator.state.services["lidarr"]
    tag = await client.async_add_tag("leaving-soon")
    ids = sorted(state.artists)[:2]
    await client.async_update_tags(ids, [tag.id])
    assert all(tag.id in state.artists[i].tags for i in ids)
    command_id = await client.async_run_command("RefreshArtist", {"artistId": ids[0]})
    assert any(c.id == command_id and c.name == "RefreshArtist" for c in state.commands)


async def test_downloads_are_named_after_the_albums(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Each download is "Artist - Album", whether read alone or in a refresh."""
    now = freeze(simulator)
    state = simulator.state.services["lidarr"]
    client: LidarrClient = make_client(session, simulator, "lidarr")
    snapshot = await client.async_fetch_snapshot(now)
    assert snapshot.queue
    for item in snapshot.queue:
        (record,) = [r for r in state.queue if r.id == item.id]
        artist = state.artists[record.media_id]
        album = state.albums[record.sub_id]
        assert item.title == f"{artist.name} - {album.title}"
    assert await client.async_get_queue() == list(snapshot.queue)
