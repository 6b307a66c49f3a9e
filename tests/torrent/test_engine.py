"""The BitTorrent engine against a real libtorrent seeder on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
import logging
import os
from pathlib import Path
import shutil
import time
from urllib.parse import quote

from aiohttp import web
import psutil  # type: ignore[import-untyped]
import pytest

from custom_components.lcars.torrent import (
    EngineError,
    EventKind,
    SeedingLimitAction,
    SeedingLimits,
    TorrentEngine,
    TorrentEvent,
    TorrentState,
    UnknownTorrentError,
)

from .conftest import (
    QUIET,
    Seeder,
    engine_settings,
    lt,
    make_torrent,
    sha256_of,
    wait_for,
)


def kinds(events: list[TorrentEvent], info_hash: str) -> list[EventKind]:
    return [event.kind for event in events if event.info_hash == info_hash]


async def test_download_from_magnet(
    make_engine: Callable[..., TorrentEngine], seeder: Seeder, tmp_path: Path
) -> None:
    events: list[TorrentEvent] = []
    engine = make_engine(events)
    await engine.start()
    assert await wait_for(lambda: engine.listen_port)

    # The longest pause of the event loop while the engine works.
    stalls: list[float] = []

    async def heartbeat() -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            stalls.append(loop.time() - before - 0.01)

    beat = asyncio.create_task(heartbeat())

    info_hash = await engine.add_magnet(seeder.magnet())
    assert info_hash == seeder.info_hash
    assert kinds(events, info_hash) == [EventKind.ADDED]

    seen_progress: set[float] = set()

    def finished() -> bool:
        status = engine.status(info_hash)
        assert status is not None
        seen_progress.add(status.progress)
        return EventKind.FINISHED in kinds(events, info_hash)

    await wait_for(finished)
    await wait_for(
        lambda: (s := engine.status(info_hash)) and s.state is TorrentState.SEEDING
    )
    status = engine.status(info_hash)
    assert status is not None
    assert status.name == seeder.name
    assert status.size == seeder.size
    assert status.progress == 100.0
    assert status.session_downloaded >= seeder.size
    assert status.eta_seconds is None
    assert status.added is not None
    assert status.error is None
    # Progress was seen between the start and the end.
    assert any(0 < progress < 100 for progress in seen_progress)
    assert sha256_of(tmp_path / "downloads" / seeder.name) == seeder.sha256
    assert [s.info_hash for s in engine.torrents()] == [info_hash]
    # The lifetime counter follows once a second.
    await wait_for(
        lambda: (s := engine.status(info_hash)) and s.total_downloaded >= seeder.size
    )
    # The resume data was written as soon as the torrent was complete.
    await wait_for((tmp_path / "state" / f"{info_hash}.resume").exists)

    await engine.pause(info_hash)
    await wait_for(
        lambda: (s := engine.status(info_hash)) and s.state is TorrentState.PAUSED
    )
    await engine.resume(info_hash)
    await wait_for(
        lambda: (s := engine.status(info_hash)) and s.state is TorrentState.SEEDING
    )

    await engine.remove(info_hash)
    assert engine.torrents() == []
    assert kinds(events, info_hash)[-1] is EventKind.REMOVED
    assert not (tmp_path / "state" / f"{info_hash}.resume").exists()
    # Removing without files keeps the download.
    assert (tmp_path / "downloads" / seeder.name).exists()

    alert_sockets = engine._alert_sockets
    assert alert_sockets is not None
    reader_fd = alert_sockets[0].fileno()
    await engine.stop()
    beat.cancel()
    assert not engine.running
    assert not engine.listening
    # The loop no longer watches the alert socket, and both ends are closed.
    assert not asyncio.get_running_loop().remove_reader(reader_fd)
    assert all(sock.fileno() == -1 for sock in alert_sockets)
    # Generous for a shared machine; a blocking libtorrent call on the loop
    # (adding, checking, saving) would take far longer.
    assert max(stalls) < 0.25


class FinishedFiles(list[TorrentEvent]):
    """Events, and whether a torrent's file was whole when it was said finished."""

    def __init__(self, downloads: Path, digests: dict[str, str]) -> None:
        super().__init__()
        self.downloads = downloads
        self.digests = digests
        self.whole: dict[str, bool] = {}

    def append(self, event: TorrentEvent) -> None:
        super().append(event)
        if event.kind is EventKind.FINISHED:
            # Read at once, as Radarr would on being told.
            digest = sha256_of(self.downloads / event.name)
            self.whole[event.name] = digest == self.digests[event.name]


async def test_finished_only_once_the_data_is_on_disk(
    make_engine: Callable[..., TorrentEngine], tmp_path: Path, socket_enabled: None
) -> None:
    """A torrent is said finished once its file is whole on disk, not before.

    libtorrent finishes a torrent once its pieces passed their hash check,
    with the last blocks perhaps still waiting to be written. A race: seen
    about once in eight single downloads, this test catches it only sometimes.
    """
    session = lt.session(QUIET)
    handles = []
    digests: dict[str, str] = {}
    torrents: list[bytes] = []
    for number in range(10):
        name = f"Movie.{number}.mkv"
        torrent_bytes, digests[name] = make_torrent(
            tmp_path / "seed", name, 1024 * 1024
        )
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(lt.bdecode(torrent_bytes))
        params.save_path = str(tmp_path / "seed")
        params.flags = (params.flags | lt.torrent_flags.seed_mode) & ~(
            lt.torrent_flags.paused | lt.torrent_flags.auto_managed
        )
        handles.append(session.add_torrent(params))
        torrents.append(torrent_bytes)
    events = FinishedFiles(tmp_path / "downloads", digests)
    engine = make_engine(events)
    await engine.start()
    port = await wait_for(lambda: engine.listen_port)
    for torrent_bytes, handle in zip(torrents, handles, strict=True):
        await engine.add_torrent_data(torrent_bytes)
        handle.connect_peer(("127.0.0.1", port))

    await wait_for(lambda: len(events.whole) == len(digests), 60)
    assert events.whole == dict.fromkeys(digests, True)
    session.apply_settings({"stop_tracker_timeout": 0})


async def test_add_torrent_file_and_remove_with_files(
    make_engine: Callable[..., TorrentEngine], seeder: Seeder, tmp_path: Path
) -> None:
    events: list[TorrentEvent] = []
    engine = make_engine(events)
    await engine.start()
    torrent_file = tmp_path / "payload.torrent"
    torrent_file.write_bytes(seeder.torrent_bytes)
    # The data is already there: the engine checks it and seeds.
    movies = tmp_path / "movies"
    movies.mkdir()
    shutil.copy(tmp_path / "seed0" / seeder.name, movies / seeder.name)
    info_hash = await engine.add_torrent_file(torrent_file, save_path=movies)
    assert info_hash == seeder.info_hash
    seeding = await wait_for(
        lambda: (
            (s := engine.status(info_hash)) and s.state is TorrentState.SEEDING and s
        )
    )
    assert seeding.size == seeder.size
    assert seeding.save_path == str(movies)
    assert seeding.session_downloaded == 0
    try:
        await engine.add_torrent_data(seeder.torrent_bytes)
    except EngineError:
        pass
    else:
        raise AssertionError("a duplicate torrent was accepted")
    await engine.remove(info_hash, delete_files=True)
    await wait_for(lambda: not (movies / seeder.name).exists())
    assert kinds(events, info_hash) == [
        EventKind.ADDED,
        EventKind.FINISHED,
        EventKind.REMOVED,
    ]
    try:
        await engine.pause(info_hash)
    except UnknownTorrentError:
        pass
    else:
        raise AssertionError("pausing a removed torrent did not fail")


async def test_restart_resumes_from_resume_data(
    make_engine: Callable[..., TorrentEngine],
    seeder_factory: Callable[..., Seeder],
    tmp_path: Path,
) -> None:
    seeder = seeder_factory(upload_rate=1024 * 1024)
    events: list[TorrentEvent] = []
    engine = make_engine(events)
    await engine.start()
    info_hash = await engine.add_magnet(seeder.magnet())
    await wait_for(lambda: (s := engine.status(info_hash)) and s.progress >= 40)
    resume_file = tmp_path / "state" / f"{info_hash}.resume"

    def pieces_on_disk() -> int:
        params = lt.read_resume_data(resume_file.read_bytes())
        return sum(1 for have in params.have_pieces if have)

    # Saved while downloading, without waiting for a stop.
    assert await wait_for(pieces_on_disk, within=5)
    await engine.stop()
    assert EventKind.FINISHED not in kinds(events, info_hash)
    assert (tmp_path / "state" / f"{info_hash}.resume").exists()

    seeder.set_upload_rate(0)
    events_after: list[TorrentEvent] = []
    engine = make_engine(events_after)
    await engine.start()
    assert engine.status(info_hash) is not None
    # libtorrent checks the pieces the resume data claims, then keeps them.
    restored = await wait_for(
        lambda: (
            (s := engine.status(info_hash))
            and s.state is TorrentState.DOWNLOADING
            and s
        )
    )
    assert restored.progress >= 40
    # The seeder finds the engine again, as peers do after a restart.
    port = await wait_for(lambda: engine.listen_port)
    seeder.handle.connect_peer(("127.0.0.1", port))
    await wait_for(lambda: EventKind.FINISHED in kinds(events_after, info_hash))
    status = await wait_for(
        lambda: (s := engine.status(info_hash)) and s.progress == 100 and s
    )
    assert sha256_of(tmp_path / "downloads" / seeder.name) == seeder.sha256
    # Only what was missing came again.
    assert 0 < status.session_downloaded < 0.7 * seeder.size
    # The lifetime counter came back from the resume data too.
    assert restored.total_downloaded > 0
    await wait_for(
        lambda: (
            (s := engine.status(info_hash))
            and s.total_downloaded >= restored.total_downloaded + s.session_downloaded
        )
    )
    # Restoring is not adding.
    assert EventKind.ADDED not in kinds(events_after, info_hash)


async def test_complete_torrent_restored_does_not_finish_again(
    make_engine: Callable[..., TorrentEngine], seeder: Seeder, tmp_path: Path
) -> None:
    events: list[TorrentEvent] = []
    engine = make_engine(events)
    await engine.start()
    info_hash = await engine.add_magnet(seeder.magnet())
    await wait_for(lambda: EventKind.FINISHED in kinds(events, info_hash))
    await engine.stop()

    events_after: list[TorrentEvent] = []
    engine = make_engine(events_after)
    await engine.start()
    status = await wait_for(
        lambda: (
            (s := engine.status(info_hash)) and s.state is TorrentState.SEEDING and s
        )
    )
    assert status.session_downloaded == 0
    await asyncio.sleep(0.3)
    assert kinds(events_after, info_hash) == []

    # A seeding limit set for one torrent outlives a restart.
    limits = SeedingLimits(ratio=5.0, time=timedelta(days=3))
    await engine.set_seeding_limits(info_hash, limits)
    await engine.stop()
    engine = make_engine([])
    await engine.start()
    assert engine.seeding_limits(info_hash) == limits
    await engine.set_seeding_limits(info_hash, None)
    assert engine.seeding_limits(info_hash) == engine.settings.seeding_limits


async def test_seeding_time_limit_pauses(
    make_engine: Callable[..., TorrentEngine], seeder: Seeder
) -> None:
    events: list[TorrentEvent] = []
    engine = make_engine(
        events, seeding_limits=SeedingLimits(ratio=None, time=timedelta(seconds=1))
    )
    await engine.start()
    info_hash = await engine.add_magnet(seeder.magnet())
    await wait_for(lambda: EventKind.SEEDING_LIMIT_REACHED in kinds(events, info_hash))
    status = await wait_for(
        lambda: (s := engine.status(info_hash)) and s.state is TorrentState.PAUSED and s
    )
    assert status.seeding_seconds >= 1
    assert kinds(events, info_hash) == [
        EventKind.ADDED,
        EventKind.FINISHED,
        EventKind.SEEDING_LIMIT_REACHED,
    ]


async def test_ratio_limit_removes(
    make_engine: Callable[..., TorrentEngine],
    seeder: Seeder,
    tmp_path: Path,
) -> None:
    events: list[TorrentEvent] = []
    engine = make_engine(events, limit_action=SeedingLimitAction.REMOVE)
    await engine.start()
    info_hash = await engine.add_magnet(
        seeder.magnet(), limits=SeedingLimits(ratio=0.0, time=None)
    )
    assert engine.seeding_limits(info_hash) == SeedingLimits(ratio=0.0, time=None)
    await wait_for(lambda: EventKind.REMOVED in kinds(events, info_hash))
    assert kinds(events, info_hash) == [
        EventKind.ADDED,
        EventKind.FINISHED,
        EventKind.SEEDING_LIMIT_REACHED,
        EventKind.REMOVED,
    ]
    assert engine.torrents() == []
    assert not (tmp_path / "state" / f"{info_hash}.resume").exists()
    assert sha256_of(tmp_path / "downloads" / seeder.name) == seeder.sha256


async def test_missing_bind_interface_keeps_everything_paused(
    make_engine: Callable[..., TorrentEngine], seeder: Seeder
) -> None:
    process = psutil.Process()
    sockets_before = {c.laddr for c in process.net_connections(kind="inet")}
    events: list[TorrentEvent] = []
    engine = make_engine(events, bind_interface="lcars-nonexistent0")
    await engine.start()
    assert not engine.interface_up
    info_hash = await engine.add_magnet(seeder.magnet())
    await wait_for(
        lambda: (s := engine.status(info_hash)) and s.state is TorrentState.PAUSED
    )
    # Long enough for several interface checks and status updates.
    await asyncio.sleep(1.2)
    session = engine.session_handle()
    assert session.is_paused()
    assert not session.is_listening()
    assert not engine.listening
    assert engine.listen_port is None
    assert session.listen_port() == 0
    assert seeder.handle.status().num_peers == 0
    # The session opened no network socket at all: none listening, none
    # connecting, on any address.
    sockets_after = {c.laddr for c in process.net_connections(kind="inet")}
    assert sockets_after <= sockets_before
    status = engine.status(info_hash)
    assert status is not None
    assert status.state is TorrentState.PAUSED
    assert status.total_downloaded == 0


async def test_bind_interface_up_listens_only_there(
    make_engine: Callable[..., TorrentEngine],
) -> None:
    engine = make_engine([], bind_interface="lo")
    await engine.start()
    assert engine.interface_up
    await wait_for(lambda: engine.listening)
    session = engine.session_handle()
    assert not session.is_paused()
    assert session.get_settings()["listen_interfaces"].startswith("lo:")
    assert session.get_settings()["outgoing_interfaces"] == "lo"


async def test_not_started_engine_refuses_work(tmp_path: Path) -> None:
    engine = TorrentEngine(
        engine_settings(tmp_path),
        tmp_path / "state",
        lambda event: None,
    )
    try:
        await engine.add_magnet("magnet:?xt=urn:btih:" + "ab" * 20)
    except EngineError:
        pass
    else:
        raise AssertionError("a stopped engine accepted a torrent")
    await engine.stop()


async def test_invalid_input_is_refused(
    make_engine: Callable[..., TorrentEngine], tmp_path: Path
) -> None:
    events: list[TorrentEvent] = []
    engine = make_engine(events)
    await engine.start()
    for bad in ("magnet:?xt=urn:btih:nothex", "https://example.invalid/x.torrent"):
        try:
            await engine.add_magnet(bad)
        except EngineError:
            pass
        else:
            raise AssertionError(f"{bad} was accepted")
    try:
        await engine.add_torrent_data(b"this is not bencoded")
    except EngineError:
        pass
    else:
        raise AssertionError("garbage was accepted as a torrent")
    try:
        await engine.add_torrent_file(tmp_path / "missing.torrent")
    except EngineError:
        pass
    else:
        raise AssertionError("a missing file was accepted")
    assert engine.torrents() == []
    assert events == []


# --------------------------------------------------------------------------- state files

PRECIOUS = b"homeassistant:\n  name: Home\n"


def outside_folder(tmp_path: Path) -> Path:
    """A folder the engine must never write to, with a precious file."""
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "configuration.yaml").write_bytes(PRECIOUS)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below a folder with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


async def test_state_files_are_never_written_through_links(
    make_engine: Callable[..., TorrentEngine], seeder: Seeder, tmp_path: Path
) -> None:
    """Links planted as resume data, temporary file and limits file stay links."""
    outside = outside_folder(tmp_path)
    before = snapshot(outside)
    state = tmp_path / "state"
    state.mkdir()
    resume = state / f"{seeder.info_hash}.resume"
    resume.symlink_to(outside / "configuration.yaml")
    # Where an earlier engine put its resume data while writing it.
    temporary = state / f".{seeder.info_hash}.resume.tmp"
    temporary.symlink_to(outside / "configuration.yaml")
    limits = state / "seeding_limits.json"
    limits.symlink_to(outside / "limits.json")
    events: list[TorrentEvent] = []
    engine = make_engine(events)
    await engine.start()

    info_hash = await engine.add_magnet(
        seeder.magnet(), limits=SeedingLimits(ratio=3.0, time=None)
    )
    await wait_for(lambda: EventKind.FINISHED in kinds(events, info_hash))
    await engine.pause(info_hash)
    with pytest.raises(EngineError, match="symbolic link"):
        await engine.set_seeding_limits(info_hash, SeedingLimits(ratio=2.0, time=None))
    await engine.stop()

    assert snapshot(outside) == before
    assert resume.is_symlink()
    assert temporary.is_symlink()
    assert limits.is_symlink()
    # Nothing half written was left either.
    assert sorted(p.name for p in state.iterdir()) == sorted(
        [resume.name, temporary.name, limits.name]
    )
    # A linked resume file is not read back either.
    resume.unlink()
    resume.symlink_to(outside / "configuration.yaml")
    engine = make_engine([])
    await engine.start()
    assert engine.torrents() == []


async def test_linked_state_folder_is_not_followed(
    make_engine: Callable[..., TorrentEngine], seeder: Seeder, tmp_path: Path
) -> None:
    """A link as the state folder, or as a folder above it, stops the engine from starting."""
    outside = outside_folder(tmp_path)
    before = snapshot(outside)
    storage = tmp_path / "storage"
    storage.mkdir()
    (storage / "lcars_torrents").symlink_to(outside, target_is_directory=True)
    state = storage / "lcars_torrents" / "entry"
    engine = make_engine([], state_dir=state, state_root=storage)
    with pytest.raises(OSError, match="symbolic link"):
        await engine.start()
    assert not engine.running
    assert snapshot(outside) == before

    (storage / "lcars_torrents").unlink()
    (storage / "lcars_torrents").mkdir()
    state.symlink_to(outside, target_is_directory=True)
    engine = make_engine([], state_dir=state, state_root=storage)
    with pytest.raises(OSError, match="symbolic link"):
        await engine.start()
    assert snapshot(outside) == before

    # Real folders: the resume data is written there, with only its owner
    # allowed to read it (tracker URLs carry passkeys).
    state.unlink()
    events: list[TorrentEvent] = []
    engine = make_engine(events, state_dir=state, state_root=storage)
    await engine.start()
    info_hash = await engine.add_magnet(seeder.magnet())
    await wait_for(lambda: EventKind.FINISHED in kinds(events, info_hash))
    await engine.stop()
    resume = state / f"{info_hash}.resume"
    assert lt.read_resume_data(resume.read_bytes()).info_hashes.v1
    assert resume.stat().st_mode & 0o777 == 0o600
    assert state.stat().st_mode & 0o777 == 0o700


# --------------------------------------------------------------------------- secrets

PASSKEY = "c0ffee0123456789abcdef0123456789"


async def test_tracker_errors_show_the_host_only(
    make_engine: Callable[..., TorrentEngine],
    socket_enabled: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A private tracker's passkey, in its URL and echoed in its answer, is never shown."""
    caplog.set_level(logging.DEBUG, logger="custom_components.lcars")
    announces: list[str] = []

    async def announce(request: web.Request) -> web.Response:
        announces.append(request.path_qs)
        reason = f"unknown passkey, see {request.url}"
        return web.Response(body=lt.bencode({b"failure reason": reason.encode()}))

    app = web.Application()
    app.router.add_get("/announce/{key}", announce)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    # libtorrent announces to loopback trackers only on paths from /announce.
    tracker = f"http://127.0.0.1:{port}/announce/{PASSKEY}?passkey={PASSKEY}"
    info_hash = "cd" * 20
    events: list[TorrentEvent] = []
    engine = make_engine(events)
    try:
        await engine.start()
        added = await engine.add_magnet(
            f"magnet:?xt=urn:btih:{info_hash}&dn=Private&tr={quote(tracker, safe='')}"
        )
        await wait_for(lambda: announces and "Tracker" in caplog.text)
        status = engine.status(added)
    finally:
        await engine.stop()
        await runner.cleanup()
    assert any(PASSKEY in announced for announced in announces)
    # What LCARS logged (the test's own tracker logs the whole request).
    logged = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.lcars")
    )
    assert PASSKEY not in logged
    assert f"Tracker 127.0.0.1 of {info_hash}: unknown passkey" in logged
    assert all(PASSKEY not in str(event) for event in events)
    assert status is not None
    assert PASSKEY not in str(status)


# --------------------------------------------------------------------------- payload links


def folder_seeder(directory: Path) -> Seeder:
    """A seeder of a torrent with a folder of two files, as releases of series are."""
    folder = directory / "Show.S01"
    folder.mkdir(parents=True)
    (folder / "Show.S01E01.mkv").write_bytes(os.urandom(300 * 1024))
    (folder / "Show.S01E02.mkv").write_bytes(os.urandom(200 * 1024))
    creator = lt.create_torrent(
        lt.list_files(str(folder)), 64 * 1024, lt.create_torrent.v1_only
    )
    lt.set_piece_hashes(creator, str(directory))
    torrent_bytes = lt.bencode(creator.generate())
    session = lt.session(QUIET)
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(lt.bdecode(torrent_bytes))
    params.save_path = str(directory)
    params.flags = (params.flags | lt.torrent_flags.seed_mode) & ~(
        lt.torrent_flags.paused | lt.torrent_flags.auto_managed
    )
    handle = session.add_torrent(params)
    deadline = time.monotonic() + 30
    while session.listen_port() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    return Seeder(
        session=session,
        handle=handle,
        port=session.listen_port(),
        info_hash=str(params.ti.info_hashes().v1),
        name=folder.name,
        torrent_bytes=torrent_bytes,
        sha256="",
        size=500 * 1024,
    )


async def test_torrent_into_a_linked_file_is_refused(
    make_engine: Callable[..., TorrentEngine], seeder: Seeder, tmp_path: Path
) -> None:
    """A link where a torrent's file goes: the torrent is not added, nothing written."""
    outside = outside_folder(tmp_path)
    before = snapshot(outside)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / seeder.name).symlink_to(outside / "configuration.yaml")
    events: list[TorrentEvent] = []
    engine = make_engine(events)
    await engine.start()
    with pytest.raises(EngineError, match="symbolic link"):
        await engine.add_torrent_data(seeder.torrent_bytes)
    assert engine.torrents() == []
    assert events == []
    assert snapshot(outside) == before


async def test_magnet_into_a_linked_folder_is_stopped(
    make_engine: Callable[..., TorrentEngine],
    tmp_path: Path,
    socket_enabled: None,
) -> None:
    """A link as the folder of a magnet's files: nothing is downloaded until it is gone."""
    outside = outside_folder(tmp_path)
    before = snapshot(outside)
    seeder = folder_seeder(tmp_path / "seed")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / seeder.name).symlink_to(outside, target_is_directory=True)
    events: list[TorrentEvent] = []
    engine = make_engine(events)
    await engine.start()

    info_hash = await engine.add_magnet(seeder.magnet())
    error = await wait_for(
        lambda: next((e for e in events if e.kind is EventKind.ERROR), None), 60
    )
    assert error.message is not None
    assert "symbolic link" in error.message
    status = engine.status(info_hash)
    assert status is not None
    assert status.state is TorrentState.ERROR
    assert status.error == error.message
    await asyncio.sleep(0.5)
    assert snapshot(outside) == before
    assert EventKind.FINISHED not in kinds(events, info_hash)
    with pytest.raises(EngineError, match="symbolic link"):
        await engine.resume(info_hash)
    # Deleting its files would delete through the link: refused, nothing removed.
    with pytest.raises(EngineError, match="symbolic link"):
        await engine.remove(info_hash, delete_files=True)
    assert engine.status(info_hash) is not None

    # Once the link is gone, the torrent downloads.
    (downloads / seeder.name).unlink()
    await engine.resume(info_hash)
    # The engine waits before it calls a peer again: the seeder calls it.
    port = await wait_for(lambda: engine.listen_port)
    seeder.handle.connect_peer(("127.0.0.1", port))
    await wait_for(lambda: EventKind.FINISHED in kinds(events, info_hash), 60)
    for name in ("Show.S01E01.mkv", "Show.S01E02.mkv"):
        assert (downloads / seeder.name / name).read_bytes() == (
            tmp_path / "seed" / seeder.name / name
        ).read_bytes()
    assert snapshot(outside) == before


async def test_link_planted_while_paused_is_not_resumed_through(
    make_engine: Callable[..., TorrentEngine],
    tmp_path: Path,
    socket_enabled: None,
) -> None:
    """A link planted as a folder of a paused torrent: resuming it is refused.

    Resumed, it would seed what the link points to and write there.
    """
    outside = outside_folder(tmp_path)
    seeder = folder_seeder(tmp_path / "seed")
    downloads = tmp_path / "downloads"
    events: list[TorrentEvent] = []
    engine = make_engine(events)
    await engine.start()
    info_hash = await engine.add_magnet(seeder.magnet())
    await wait_for(lambda: EventKind.FINISHED in kinds(events, info_hash), 60)
    await engine.pause(info_hash)
    # The folder of the series moves out; a link to it takes its place.
    shutil.move(downloads / seeder.name, outside / seeder.name)
    (downloads / seeder.name).symlink_to(
        outside / seeder.name, target_is_directory=True
    )
    before = snapshot(outside)

    with pytest.raises(EngineError, match="symbolic link"):
        await engine.resume(info_hash)
    status = engine.status(info_hash)
    assert status is not None
    assert status.state is TorrentState.ERROR
    error = next(e for e in events if e.kind is EventKind.ERROR)
    assert error.message is not None
    assert "symbolic link" in error.message
    uploaded = status.session_uploaded
    await asyncio.sleep(0.5)
    status = engine.status(info_hash)
    assert status is not None
    assert status.session_uploaded == uploaded
    assert snapshot(outside) == before
    assert (downloads / seeder.name).is_symlink()


async def test_paths_that_cannot_be_checked_are_refused(
    make_engine: Callable[..., TorrentEngine],
    tmp_path: Path,
    socket_enabled: None,
) -> None:
    """A file where a torrent's folder goes: a clear engine error, nothing touched."""
    seeder = folder_seeder(tmp_path / "seed")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    blocking = downloads / seeder.name
    blocking.write_bytes(PRECIOUS)
    engine = make_engine([])
    await engine.start()

    with pytest.raises(EngineError, match="cannot check where the files go"):
        await engine.add_torrent_data(seeder.torrent_bytes)
    assert engine.torrents() == []

    # Added while the folder was free, deleted once the file is there.
    blocking.unlink()
    info_hash = await engine.add_torrent_data(seeder.torrent_bytes)
    blocking.write_bytes(PRECIOUS)
    with pytest.raises(EngineError, match="cannot check where the files go"):
        await engine.remove(info_hash, delete_files=True)
    assert engine.status(info_hash) is not None
    assert blocking.read_bytes() == PRECIOUS


async def test_link_planted_while_stopped_keeps_the_torrent_stopped(
    make_engine: Callable[..., TorrentEngine], seeder: Seeder, tmp_path: Path
) -> None:
    """A link planted where a saved torrent's file was: it neither seeds nor writes it."""
    outside = outside_folder(tmp_path)
    before = snapshot(outside)
    events: list[TorrentEvent] = []
    engine = make_engine(events)
    await engine.start()
    info_hash = await engine.add_magnet(seeder.magnet())
    await wait_for(lambda: EventKind.FINISHED in kinds(events, info_hash))
    await engine.stop()
    downloaded = tmp_path / "downloads" / seeder.name
    downloaded.unlink()
    downloaded.symlink_to(outside / "configuration.yaml")

    engine = make_engine([])
    await engine.start()
    status = engine.status(info_hash)
    assert status is not None
    assert status.state is TorrentState.ERROR
    assert status.error is not None
    assert "symbolic link" in status.error
    await asyncio.sleep(0.5)
    status = engine.status(info_hash)
    assert status is not None
    assert status.session_uploaded == 0
    assert snapshot(outside) == before
    assert downloaded.is_symlink()
