"""LCARS as a download client of Radarr and Sonarr.

The watch folder and the hand-over of finished downloads, with real
transfers from a libtorrent seeder on loopback and real HTTP against the
simulated Radarr and Sonarr.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import os
from pathlib import Path
import re
import shutil
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lcars.const import CONF_SCAN_INTERVAL, DOMAIN
from custom_components.lcars.runtime.handoff import (
    STORAGE_VERSION,
    TorrentHandoff,
    TorrentLink,
)
from custom_components.lcars.torrent.blackhole import (
    BlackholeFile,
    BlackholeOutcome,
    BlackholeWatcher,
    FileKind,
)
from custom_components.lcars.torrent.options import CONF_TORRENT
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from simulator import Simulator
from simulator.state import ArrState, RadarrState, SonarrState

from .conftest import subentry_data
from .test_torrent_ha import (
    ENTRY_ID,
    call,
    manager_of,
    progress_entity,
    torrent_options,
    torrents,
    wait_for,
)
from .torrent.conftest import Seeder, lt, make_torrent, sha256_of, start_seeder

pytestmark = pytest.mark.skipif(lt is None, reason="libtorrent is not installed")

SIZE = 1024 * 1024


@pytest.fixture(autouse=True)
def handoff_wiring() -> Iterator[None]:
    """The watch folder is scanned every 0.2 s instead of every few seconds."""
    with patch("custom_components.lcars.runtime.handoff.WATCH_INTERVAL", 0.2):
        yield


@pytest.fixture
def seeders(tmp_path: Path, socket_enabled: None) -> Iterator[Callable[[str], Seeder]]:
    """Start seeders of 1 MB of random data; they stop at teardown."""
    started: list[Seeder] = []

    def factory(name: str) -> Seeder:
        seeder = start_seeder(tmp_path / f"seed{len(started)}", name, SIZE, 0)
        started.append(seeder)
        return seeder

    yield factory
    for seeder in started:
        seeder.session.apply_settings({"stop_tracker_timeout": 0})


async def setup_entry(
    hass: HomeAssistant, options: dict[str, Any], simulator: Simulator | None = None
) -> MockConfigEntry:
    """Set up LCARS with BitTorrent, and Radarr and Sonarr when simulated."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 60, CONF_TORRENT: options},
        entry_id=ENTRY_ID,
        subentries_data=[]
        if simulator is None
        else [subentry_data(simulator, name) for name in ("radarr", "sonarr")],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert manager_of(entry).running
    return entry


def handoff(hass: HomeAssistant) -> TorrentHandoff:
    entry = hass.config_entries.async_get_entry(ENTRY_ID)
    assert entry is not None
    found: TorrentHandoff = entry.runtime_data.handoff
    return found


def radarr_of(simulator: Simulator) -> RadarrState:
    state = simulator.state.services["radarr"]
    assert isinstance(state, RadarrState)
    return state


def sonarr_of(simulator: Simulator) -> SonarrState:
    state = simulator.state.services["sonarr"]
    assert isinstance(state, SonarrState)
    return state


def commands(simulator: Simulator, name: str) -> list[tuple[str, dict[str, Any]]]:
    """Every command the simulated service received: name and body."""
    state = simulator.state.services[name]
    assert isinstance(state, ArrState)
    return [(record.name, record.params) for record in state.commands]


def finished(entry: MockConfigEntry, info_hash: str) -> bool:
    status = manager_of(entry).statuses.get(info_hash)
    return status is not None and status.progress == 100.0


# --------------------------------------------------------------------------- stored links


@pytest.mark.parametrize(
    "stored", [[1, 2], "links", {"links": [1]}, {"links": "x"}, {"other": {}}]
)
async def test_stored_links_of_another_shape_do_not_stop_bittorrent(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    media: Path,
    caplog: pytest.LogCaptureFixture,
    stored: object,
    socket_enabled: None,
) -> None:
    """Valid JSON of the wrong shape loses the links, not BitTorrent or the entry."""
    hass_storage[f"lcars.torrent_links.{ENTRY_ID}"] = {
        "version": STORAGE_VERSION,
        "minor_version": 1,
        "key": f"lcars.torrent_links.{ENTRY_ID}",
        "data": stored,
    }
    entry = await setup_entry(hass, torrent_options(media / "downloads"))

    assert handoff(hass).links == {}
    assert "Ignoring the stored torrent links" in caplog.text
    manager = manager_of(entry)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert not manager.running


def state_of(hass: HomeAssistant) -> Path:
    """Where the engine keeps the resume data of the test's entry."""
    return Path(hass.config.path(".storage", "lcars_torrents", ENTRY_ID))


def _there(path: Path) -> bool:
    return os.path.lexists(path)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def test_removing_the_entry_forgets_what_bittorrent_stored(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    media: Path,
    tmp_path: Path,
    socket_enabled: None,
) -> None:
    """The links, categories and resume data go with the entry; downloads stay."""
    download_dir = media / "downloads"
    entry = await setup_entry(hass, torrent_options(download_dir))
    await handoff(hass).async_link(
        "ab" * 20, TorrentLink(service="radarr", subentry_id="sub", item_id=1)
    )
    key = f"lcars.torrent_links.{ENTRY_ID}"
    assert key in hass_storage
    # Stored at the latest when the entry unloads, which removing it does first.
    manager_of(entry).set_category("ab" * 20, "movie")
    categories_key = f"lcars.torrent_categories.{ENTRY_ID}"
    state = state_of(hass)
    _write(state / "resume.fastresume", b"d4:infoe")
    downloaded = download_dir / "Movie (2020).mkv"
    downloaded.write_bytes(b"movie")

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert key not in hass_storage
    assert categories_key not in hass_storage
    assert not _there(state)
    assert downloaded.read_bytes() == b"movie"


async def test_removing_the_entry_never_follows_a_link_in_place_of_its_state(
    hass: HomeAssistant, media: Path, tmp_path: Path, socket_enabled: None
) -> None:
    """A symbolic link where the resume data lives is not followed."""
    entry = await setup_entry(hass, torrent_options(media / "downloads"))
    assert await hass.config_entries.async_unload(entry.entry_id)
    state = state_of(hass)
    shutil.rmtree(state, ignore_errors=True)
    elsewhere = tmp_path / "elsewhere"
    _write(elsewhere / "keep.txt", b"keep")
    os.symlink(elsewhere, state, target_is_directory=True)

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert (elsewhere / "keep.txt").read_bytes() == b"keep"


# --------------------------------------------------------------------------- watch folder


async def test_watch_folder(
    hass: HomeAssistant, media: Path, seeders: Callable[[str], Seeder]
) -> None:
    """Torrent and magnet files dropped into the watch folder are downloaded once."""
    download_dir = media / "downloads"
    options = torrent_options(download_dir)
    entry = await setup_entry(hass, options)
    watch = download_dir / "watch"
    # The folder is made when BitTorrent starts.
    await wait_for(watch.is_dir, 10)

    # Garbage first: it is set aside with the reason, nothing is added.
    junk = watch / "junk.torrent"
    junk.write_bytes(b"<html>not a torrent</html>")
    await wait_for((watch / "junk.torrent.invalid").exists, 10)
    assert not junk.exists()
    reason = (watch / "junk.torrent.invalid.txt").read_text()
    assert reason.startswith("junk.torrent was not added: invalid torrent file")
    assert await torrents(hass) == []

    # A torrent file in the movies subfolder: added to the download dir, as a movie.
    movie = seeders("Some.Movie.2010.1080p.mkv")
    (watch / "movies").mkdir()
    dropped = watch / "movies" / "Some.Movie.2010.torrent"
    dropped.write_bytes(movie.torrent_bytes)
    added = watch / "movies" / "Some.Movie.2010.torrent.added"
    await wait_for(added.exists, 10)
    assert not dropped.exists()
    assert added.read_bytes() == movie.torrent_bytes
    listed = await torrents(hass)
    assert [(t["info_hash"], t["category"]) for t in listed] == [
        (movie.info_hash, "movie")
    ]
    assert listed[0]["save_path"] == str(download_dir)
    # A torrent file names no peer: the seeder calls the engine.
    movie.handle.connect_peer(("127.0.0.1", options["listen_port_min"]))
    await wait_for(lambda: finished(entry, movie.info_hash))
    assert sha256_of(download_dir / movie.name) == movie.sha256

    # A magnet file, as Radarr and Sonarr save them, at the top of the folder.
    episode = seeders("Some.Show.S01E01.mkv")
    (watch / "Some.Show.S01E01.magnet").write_text(episode.magnet() + "\n")
    await wait_for((watch / "Some.Show.S01E01.magnet.added").exists, 10)
    await wait_for(lambda: finished(entry, episode.info_hash))
    assert sha256_of(download_dir / episode.name) == episode.sha256
    listed = await torrents(hass)
    assert {t["info_hash"]: t["category"] for t in listed} == {
        movie.info_hash: "movie",
        episode.info_hash: None,
    }

    # The same torrent dropped again is not added twice.
    (watch / "again.torrent").write_bytes(movie.torrent_bytes)
    await wait_for((watch / "again.torrent.added").exists, 10)
    assert len(await torrents(hass)) == 2
    assert sorted(p.name for p in watch.rglob("*") if p.is_file()) == [
        "Some.Movie.2010.torrent.added",
        "Some.Show.S01E01.magnet.added",
        "again.torrent.added",
        "junk.torrent.invalid",
        "junk.torrent.invalid.txt",
    ]


async def test_linked_watch_folder_is_not_followed(
    hass: HomeAssistant,
    media: Path,
    tmp_path: Path,
    seeders: Callable[[str], Seeder],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A link planted as the watch folder: nothing behind it is added, renamed or written."""
    outside = tmp_path / "precious"
    (outside / "movies").mkdir(parents=True)
    movie = seeders("Linked.Movie.mkv")
    (outside / "movies" / "Linked.Movie.torrent").write_bytes(movie.torrent_bytes)
    (outside / "junk.torrent").write_bytes(b"junk")
    before = sorted(p.name for p in outside.rglob("*"))
    download_dir = media / "downloads"
    download_dir.mkdir()
    (download_dir / "watch").symlink_to(outside, target_is_directory=True)

    await setup_entry(hass, torrent_options(download_dir))

    assert handoff(hass).watcher is None
    assert "symbolic link" in caplog.text
    assert await torrents(hass) == []
    assert sorted(p.name for p in outside.rglob("*")) == before
    assert (download_dir / "watch").is_symlink()


async def test_watch_dir_outside_allowed_directories(
    hass: HomeAssistant, media: Path, tmp_path: Path
) -> None:
    """A watch folder set outside the allowed directories is not watched."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "junk.torrent").write_bytes(b"junk")
    options = torrent_options(media / "downloads") | {"watch_dir": str(elsewhere)}
    await setup_entry(hass, options)
    assert await handoff(hass).async_watch_dir() is None
    assert handoff(hass).watcher is None
    assert sorted(p.name for p in elsewhere.iterdir()) == ["junk.torrent"]


# --------------------------------------------------------------------------- hand-over


async def test_linked_movie_is_imported_once(
    hass: HomeAssistant,
    media: Path,
    simulator: Simulator,
    seeders: Callable[[str], Seeder],
) -> None:
    """A torrent linked to a movie asks Radarr to import it when it finishes."""
    download_dir = media / "downloads"
    entry = await setup_entry(hass, torrent_options(download_dir), simulator)
    radarr = radarr_of(simulator)
    movie = next(m for m in radarr.movies.values() if m.file is None)
    movie_id = movie.id
    # Named as a release of the movie is.
    release = re.sub(r"[^A-Za-z0-9]+", ".", f"{movie.title} {movie.year}")
    seeder = seeders(f"{release}.1080p.WEB-DL.mkv")

    answer = await call(
        hass,
        "add_torrent",
        {"magnet": seeder.magnet(), "link": {"service": "Radarr", "id": movie_id}},
        response=True,
    )
    assert answer == {"info_hash": seeder.info_hash, "name": seeder.name}
    # A linked torrent is a movie, followed by its sensor.
    assert manager_of(entry).categories[seeder.info_hash] == "movie"
    assert handoff(hass).is_linked(seeder.info_hash)

    await wait_for(lambda: commands(simulator, "radarr"))
    assert sha256_of(download_dir / seeder.name) == seeder.sha256
    assert commands(simulator, "radarr") == [
        (
            "DownloadedMoviesScan",
            {
                "path": str(download_dir / seeder.name),
                "downloadClientId": seeder.info_hash.upper(),
                "importMode": "Copy",
            },
        )
    ]
    assert commands(simulator, "sonarr") == []
    # Radarr imported it: the movie has its file now.
    assert movie.file is not None
    assert (movie.file.scene_name, movie.file.size) == (seeder.name, SIZE)
    await wait_for(
        lambda: handoff(hass).links[seeder.info_hash].handed_off is not None, 10
    )

    # After a reload the link is still known and not handed over again.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    link = handoff(hass).links[seeder.info_hash]
    assert (link.service, link.item_id) == ("radarr", movie_id)
    await wait_for(lambda: finished(entry, seeder.info_hash))
    await hass.async_block_till_done()
    # Still a movie with its sensor, though seeding.
    assert manager_of(entry).categories[seeder.info_hash] == "movie"
    entity_id = await wait_for(lambda: progress_entity(hass, seeder.info_hash), 10)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["category"] == "movie"
    assert [
        path
        for method, path in simulator.requests("radarr")
        if (method, path) == ("POST", "/api/v3/command")
    ] == ["/api/v3/command"]

    # Removing the torrent forgets the link.
    await call(hass, "remove_torrent", {"info_hash": seeder.info_hash})
    await wait_for(lambda: not handoff(hass).is_linked(seeder.info_hash), 10)


async def test_linked_series_survives_reload(
    hass: HomeAssistant,
    media: Path,
    simulator: Simulator,
    seeders: Callable[[str], Seeder],
) -> None:
    """A link made before a reload still hands the finished download to Sonarr."""
    download_dir = media / "downloads"
    options = torrent_options(download_dir)
    entry = await setup_entry(hass, options, simulator)
    series_id = max(sonarr_of(simulator).series)
    seeder = seeders("Linked.Show.S02")
    # A torrent file names no peer: nothing moves before the seeder calls.
    torrent_file = media / "Linked.Show.S02.torrent"
    torrent_file.write_bytes(seeder.torrent_bytes)

    answer = await call(
        hass,
        "add_torrent",
        {
            "path": str(torrent_file),
            "paused": True,
            "category": "series",
            "link": {"service": "sonarr", "id": str(series_id), "instance": "Sonarr"},
        },
        response=True,
    )
    info_hash = answer["info_hash"]
    assert info_hash == seeder.info_hash
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert handoff(hass).is_linked(info_hash)
    assert commands(simulator, "sonarr") == []

    await call(hass, "resume_torrent", {"info_hash": info_hash})
    seeder.handle.connect_peer(("127.0.0.1", options["listen_port_min"]))
    await wait_for(lambda: commands(simulator, "sonarr"))
    assert commands(simulator, "sonarr") == [
        (
            "DownloadedEpisodesScan",
            {
                "path": str(download_dir / seeder.name),
                "downloadClientId": info_hash.upper(),
                "importMode": "Copy",
            },
        )
    ]
    assert sha256_of(download_dir / seeder.name) == seeder.sha256
    assert commands(simulator, "radarr") == []


async def test_bad_link_adds_nothing(
    hass: HomeAssistant,
    media: Path,
    simulator: Simulator,
    seeders: Callable[[str], Seeder],
) -> None:
    """A link to an unknown service, server or item is refused before any add."""
    await setup_entry(hass, torrent_options(media / "downloads"), simulator)
    seeder = seeders("Refused.mkv")
    movie_id = min(radarr_of(simulator).movies)
    unknown_id = max(radarr_of(simulator).movies) + 1000
    cases: list[tuple[dict[str, Any], str]] = [
        ({"service": "lidarr", "id": 1}, "invalid_service"),
        ({"service": "plex", "id": 1}, "invalid_service"),
        ({"service": "radarr", "id": unknown_id}, "item_not_found"),
        ({"service": "radarr", "id": "twelve"}, "invalid_item_id"),
        ({"service": "radarr", "id": -1}, "invalid_item_id"),
        (
            {"service": "radarr", "id": movie_id, "instance": "Nope"},
            "instance_not_found",
        ),
    ]
    for link, key in cases:
        with pytest.raises(ServiceValidationError) as err:
            await call(
                hass,
                "add_torrent",
                {"magnet": seeder.magnet(), "link": link},
                response=True,
            )
        assert err.value.translation_domain == DOMAIN
        assert err.value.translation_key == key, link
    assert await torrents(hass) == []
    assert handoff(hass).links == {}
    assert commands(simulator, "radarr") == []


# --------------------------------------------------------------------------- watcher alone


async def test_watcher_waits_for_complete_files(tmp_path: Path) -> None:
    """A file still growing is left alone; a complete one is added at the next scan."""
    folder = tmp_path / "watch"
    got: list[BlackholeFile] = []

    async def add(file: BlackholeFile) -> str:
        got.append(file)
        return file.info_hash

    # Scanned by hand here; started, it scans on its own.
    watcher = BlackholeWatcher(folder, add, interval=3600)
    assert await watcher.scan() == []
    folder.mkdir()
    torrent_bytes, _digest = make_torrent(tmp_path / "data", "Show.S01E02.mkv", SIZE)
    (folder / "series").mkdir()
    growing = folder / "series" / "Show.S01E02.torrent"
    growing.write_bytes(torrent_bytes[: len(torrent_bytes) // 2])
    assert await watcher.scan() == []
    # Written on between two scans: not complete yet.
    growing.write_bytes(torrent_bytes)
    assert await watcher.scan() == []
    assert got == []
    results = await watcher.scan()
    assert [(r.outcome, r.category) for r in results] == [
        (BlackholeOutcome.ADDED, "series")
    ]
    assert [(f.kind, f.category, f.torrent_data) for f in got] == [
        (FileKind.TORRENT, "series", torrent_bytes)
    ]
    assert results[0].info_hash == got[0].info_hash
    assert results[0].moved_to == folder / "series" / "Show.S01E02.torrent.added"
    # Nothing more to do, and other files are left alone.
    (folder / "notes.txt").write_text("not for LCARS")
    assert await watcher.scan() == []
    assert await watcher.scan() == []
    assert len(got) == 1

    # An add failing for another reason than the file is tried again.
    failures = [RuntimeError("engine busy")]

    async def flaky(file: BlackholeFile) -> str:
        if failures:
            raise failures.pop()
        return await add(file)

    retrying = BlackholeWatcher(folder, flaky, interval=3600)
    magnet = folder / "Other.magnet"
    magnet.write_text("magnet:?xt=urn:btih:" + "ab" * 20 + "&dn=Other\n")
    assert await retrying.scan() == []
    assert await retrying.scan() == []
    assert magnet.exists()
    assert await retrying.scan() == []
    results = await retrying.scan()
    assert [(r.outcome, r.info_hash) for r in results] == [
        (BlackholeOutcome.ADDED, "ab" * 20)
    ]
    assert got[-1].magnet == "magnet:?xt=urn:btih:" + "ab" * 20 + "&dn=Other"
    assert (folder / "Other.magnet.added").exists()

    # Started, it makes the folder and scans on its own until stopped.
    new = tmp_path / "new" / "watch"
    started = BlackholeWatcher(new, add, interval=0.05)
    await started.start()
    assert started.running
    assert new.is_dir()
    (new / "again.torrent").write_bytes(torrent_bytes)
    await wait_for((new / "again.torrent.added").exists, 10)
    await started.stop()
    assert [f.info_hash for f in got] == [got[0].info_hash, "ab" * 20, got[0].info_hash]
    assert not started.running
