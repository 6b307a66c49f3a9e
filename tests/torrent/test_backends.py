"""One behaviour for every backend: the engine, qBittorrent and Transmission.

The external clients are the real Debian daemons, started on loopback by the
fixtures in conftest.py; data comes from a libtorrent seeder on loopback.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
import logging
from pathlib import Path
import shutil
from typing import Any
from unittest.mock import patch

import aiohttp
import pytest

from custom_components.lcars.torrent import (
    BackendAuthError,
    BackendConnectionError,
    ClientSettings,
    EngineError,
    EventKind,
    InvalidTorrentError,
    QBittorrentBackend,
    SeedingLimitAction,
    SeedingLimits,
    TorrentBackend,
    TorrentEngine,
    TorrentEvent,
    TorrentState,
    TorrentStatus,
    TransmissionBackend,
    UnknownTorrentError,
    parse_magnet,
    parse_torrent,
)
from custom_components.lcars.torrent.backend import PollingBackend

from .conftest import (
    Daemon,
    Seeder,
    free_port,
    lt,
    make_torrent,
    sha256_of,
    wait_for,
)

KINDS = ["libtorrent", "qbittorrent", "transmission"]
NO_LOOPBACK_PEERS = (
    "Transmission 3.00 refuses peers on 127.0.0.1, so it cannot download "
    "from the loopback seeder"
)
# Generous: the machine running the tests may be busy.
WITHIN = 60.0
NO_LIMITS = SeedingLimits(ratio=None, time=None)


@dataclass
class Harness:
    """A started backend, the events it emitted and where its files go."""

    kind: str
    backend: TorrentBackend
    download_dir: Path
    events: list[TorrentEvent] = field(default_factory=list)
    # Where the backend takes incoming peers.
    peer_port: int | None = None

    def kinds(self, info_hash: str) -> list[EventKind]:
        return [event.kind for event in self.events if event.info_hash == info_hash]

    async def state(self, info_hash: str, *states: TorrentState) -> TorrentStatus:
        """Wait until the torrent is in one of the states; return its status."""
        status: TorrentStatus = await wait_for(
            lambda: (
                (s := self.backend.status(info_hash)) is not None
                and s.state in states
                and s
            ),
            within=WITHIN,
        )
        return status


type MakeBackend = Callable[..., Awaitable[Harness]]


@pytest.fixture(params=KINDS)
async def make_backend(
    request: pytest.FixtureRequest,
    make_engine: Callable[..., TorrentEngine],
    tmp_path: Path,
    socket_enabled: None,
) -> AsyncGenerator[MakeBackend]:
    """Return a function starting one backend of each kind in turn."""
    kind: str = request.param
    download_dir = tmp_path / "downloads"
    daemon: Daemon | None = None
    if kind != "libtorrent":
        daemon = request.getfixturevalue(f"{kind}_daemon")
    http = aiohttp.ClientSession()
    started: list[Harness] = []

    async def make(
        seeding_limits: SeedingLimits = NO_LIMITS,
        limit_action: SeedingLimitAction = SeedingLimitAction.PAUSE,
    ) -> Harness:
        events: list[TorrentEvent] = []
        backend: TorrentBackend
        if daemon is None:
            engine = make_engine(
                events, seeding_limits=seeding_limits, limit_action=limit_action
            )
            backend = engine
        else:
            settings = ClientSettings(
                download_dir=download_dir,
                seeding_limits=seeding_limits,
                limit_action=limit_action,
            )
            backend_class = (
                QBittorrentBackend if kind == "qbittorrent" else TransmissionBackend
            )
            backend = backend_class(
                http,
                daemon.url,
                daemon.username,
                daemon.password,
                settings=settings,
                on_event=events.append,
                poll_interval=0.2,
            )
        await backend.start()
        harness = Harness(kind, backend, download_dir, events)
        if daemon is None:
            harness.peer_port = await wait_for(lambda: engine.listen_port)
        else:
            harness.peer_port = daemon.peer_port
        started.append(harness)
        return harness

    yield make
    for harness in started:
        if harness.kind != "libtorrent":
            # The daemon outlives the test: leave it empty for the next one.
            for status in harness.backend.torrents():
                await harness.backend.remove(status.info_hash, delete_files=True)
        await harness.backend.stop()
    await http.close()


def transfer_only(kind: str) -> None:
    if kind == "transmission":
        pytest.skip(NO_LOOPBACK_PEERS)


def place_data(seeder: Seeder, directory: Path, tmp_path: Path) -> Path:
    """Copy the seeder's file where a backend will find it complete."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / seeder.name
    shutil.copy(tmp_path / "seed0" / seeder.name, target)
    return target


def announced_early(harness: Harness, info_hash: str) -> None:
    """Assert that "added" is the first event of a torrent, on every backend.

    A torrent whose files are complete can finish while its seeding limits
    are written: "added" must still come first.
    """
    kinds = harness.kinds(info_hash)
    assert kinds[:1] == [EventKind.ADDED], kinds


async def test_every_backend_is_a_torrent_backend(make_backend: MakeBackend) -> None:
    harness = await make_backend()
    assert isinstance(harness.backend, TorrentBackend)
    assert harness.backend.running
    assert harness.backend.torrents() == []
    await harness.backend.stop()
    assert not harness.backend.running


async def test_torrent_data_with_files_present_seeds(
    make_backend: MakeBackend, seeder: Seeder, tmp_path: Path
) -> None:
    harness = await make_backend()
    backend = harness.backend
    data_file = place_data(seeder, harness.download_dir, tmp_path)
    info_hash = await backend.add_torrent_data(seeder.torrent_bytes)
    assert info_hash == seeder.info_hash
    assert harness.kinds(info_hash) == [EventKind.ADDED]
    assert backend.status(info_hash) is not None
    # The files are checked and found complete: seeding without a download.
    status = await harness.state(info_hash, TorrentState.SEEDING)
    assert status.info_hash == info_hash
    assert status.name == seeder.name
    assert status.size == seeder.size
    assert status.progress == 100.0
    assert status.save_path == str(harness.download_dir)
    assert status.session_downloaded == 0
    assert status.download_rate == 0
    assert status.eta_seconds is None
    assert status.ratio == 0.0
    assert status.added is not None
    assert status.error is None
    assert status.has_metadata
    await wait_for(lambda: EventKind.FINISHED in harness.kinds(info_hash), WITHIN)
    assert [s.info_hash for s in backend.torrents()] == [info_hash]

    # The same torrent again, as a file or as a magnet, is refused.
    with pytest.raises(EngineError):
        await backend.add_torrent_data(seeder.torrent_bytes)
    with pytest.raises(EngineError):
        await backend.add_magnet(seeder.magnet())
    assert [s.info_hash for s in backend.torrents()] == [info_hash]
    assert harness.kinds(info_hash) == [EventKind.ADDED, EventKind.FINISHED]

    await backend.pause(info_hash)
    await harness.state(info_hash, TorrentState.PAUSED)
    await backend.resume(info_hash)
    await harness.state(info_hash, TorrentState.SEEDING)

    await backend.remove(info_hash, delete_files=True)
    assert backend.status(info_hash) is None
    assert backend.torrents() == []
    await wait_for(lambda: not data_file.exists(), WITHIN)
    assert harness.kinds(info_hash) == [
        EventKind.ADDED,
        EventKind.FINISHED,
        EventKind.REMOVED,
    ]
    with pytest.raises(UnknownTorrentError):
        await backend.pause(info_hash)
    with pytest.raises(UnknownTorrentError):
        await backend.remove(info_hash)


async def test_torrent_file_removed_keeps_files(
    make_backend: MakeBackend, seeder: Seeder, tmp_path: Path
) -> None:
    harness = await make_backend()
    backend = harness.backend
    movies = tmp_path / "movies"
    data_file = place_data(seeder, movies, tmp_path)
    torrent_file = tmp_path / "payload.torrent"
    torrent_file.write_bytes(seeder.torrent_bytes)
    info_hash = await backend.add_torrent_file(torrent_file, save_path=movies)
    status = await harness.state(info_hash, TorrentState.SEEDING)
    assert status.save_path == str(movies)
    await backend.remove(info_hash)
    assert backend.torrents() == []
    assert harness.kinds(info_hash)[-1] is EventKind.REMOVED
    # A later poll does not bring the removed torrent back.
    await backend.stop()
    await backend.start()
    assert backend.torrents() == []
    assert sha256_of(data_file) == seeder.sha256


async def test_magnet_without_peers_waits_for_metadata(
    make_backend: MakeBackend,
) -> None:
    harness = await make_backend()
    backend = harness.backend
    info_hash = "0123456789abcdef0123456789abcdef" + free_port().to_bytes(4).hex()
    info_hash = await backend.add_magnet(
        f"magnet:?xt=urn:btih:{info_hash.upper()}&dn=Some+Movie"
    )
    assert info_hash == info_hash.lower()
    assert harness.kinds(info_hash) == [EventKind.ADDED]
    status = await harness.state(info_hash, TorrentState.DOWNLOADING_METADATA)
    assert not status.has_metadata
    assert status.size == 0
    assert status.progress == 0.0
    assert status.eta_seconds is None
    assert status.save_path == str(harness.download_dir)
    await backend.pause(info_hash)
    await harness.state(info_hash, TorrentState.PAUSED)
    await backend.resume(info_hash)
    await harness.state(info_hash, TorrentState.DOWNLOADING_METADATA)
    await backend.remove(info_hash, delete_files=True)
    assert backend.torrents() == []
    assert harness.kinds(info_hash) == [EventKind.ADDED, EventKind.REMOVED]


async def test_invalid_input_is_refused(
    make_backend: MakeBackend, tmp_path: Path
) -> None:
    harness = await make_backend()
    backend = harness.backend
    for bad in (
        "magnet:?xt=urn:btih:nothex",
        "magnet:?dn=no-hash-at-all",
        "https://example.invalid/x.torrent",
    ):
        with pytest.raises(EngineError):
            await backend.add_magnet(bad)
    with pytest.raises(EngineError):
        await backend.add_torrent_data(b"this is not bencoded")
    with pytest.raises(EngineError):
        await backend.add_torrent_file(tmp_path / "missing.torrent")
    with pytest.raises(UnknownTorrentError):
        await backend.pause("ab" * 20)
    with pytest.raises(UnknownTorrentError):
        await backend.set_seeding_limits("ab" * 20, NO_LIMITS)
    assert backend.torrents() == []
    assert harness.events == []


def failing_once(real: Callable[..., Awaitable[None]]) -> Callable[..., Any]:
    """A pause that refuses its first call, as a busy client may, then pauses."""
    calls: list[str] = []

    async def pause(self: TorrentBackend, info_hash: str) -> None:
        calls.append(info_hash)
        if len(calls) == 1:
            raise EngineError("the client refused the pause")
        await real(self, info_hash)

    pause.calls = calls  # type: ignore[attr-defined]
    return pause


async def test_a_failed_stop_at_the_seeding_limit_is_tried_again(
    make_backend: MakeBackend,
    seeder: Seeder,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every backend pauses again at its next check; the limit is told once.

    A client or engine that refuses a pause cannot be made to here: the
    first pause is refused by replacing it, the next ones are real.
    """
    engine_pause = failing_once(TorrentEngine.pause)
    polling_pause = failing_once(PollingBackend.pause)
    with (
        patch.object(TorrentEngine, "pause", engine_pause),
        patch.object(PollingBackend, "pause", polling_pause),
    ):
        harness = await make_backend(
            seeding_limits=SeedingLimits(ratio=None, time=timedelta(seconds=2))
        )
        backend = harness.backend
        place_data(seeder, harness.download_dir, tmp_path)
        info_hash = await backend.add_torrent_data(seeder.torrent_bytes)
        await harness.state(info_hash, TorrentState.PAUSED)
    calls = engine_pause.calls + polling_pause.calls
    assert calls[:2] == [info_hash, info_hash]
    assert harness.kinds(info_hash) == [
        EventKind.ADDED,
        EventKind.FINISHED,
        EventKind.SEEDING_LIMIT_REACHED,
    ]
    warnings = [r for r in caplog.records if "will try again" in r.getMessage()]
    assert len(warnings) == 1


async def test_seeding_ratio_limit_removes_present_files(
    make_backend: MakeBackend, seeder: Seeder, tmp_path: Path
) -> None:
    harness = await make_backend(limit_action=SeedingLimitAction.REMOVE)
    backend = harness.backend
    data_file = place_data(seeder, harness.download_dir, tmp_path)
    info_hash = await backend.add_torrent_data(
        seeder.torrent_bytes, limits=SeedingLimits(ratio=0.0, time=None)
    )
    assert backend.seeding_limits(info_hash) == SeedingLimits(ratio=0.0, time=None)
    await wait_for(lambda: EventKind.REMOVED in harness.kinds(info_hash), WITHIN)
    announced_early(harness, info_hash)
    assert harness.kinds(info_hash) == [
        EventKind.ADDED,
        EventKind.FINISHED,
        EventKind.SEEDING_LIMIT_REACHED,
        EventKind.REMOVED,
    ]
    assert backend.torrents() == []
    # Removed at the limit, but the files stay.
    assert sha256_of(data_file) == seeder.sha256


async def test_seeding_time_limit_pauses_present_files(
    make_backend: MakeBackend, seeder: Seeder, tmp_path: Path
) -> None:
    # A few seconds with no peer at all: qBittorrent's own seeding_time then
    # stands still, and the limit must still be reached.
    harness = await make_backend(
        seeding_limits=SeedingLimits(ratio=None, time=timedelta(seconds=4))
    )
    backend = harness.backend
    place_data(seeder, harness.download_dir, tmp_path)
    info_hash = await backend.add_torrent_data(seeder.torrent_bytes)
    await wait_for(
        lambda: EventKind.SEEDING_LIMIT_REACHED in harness.kinds(info_hash), WITHIN
    )
    status = await harness.state(info_hash, TorrentState.PAUSED)
    assert status.seeding_seconds >= 4
    assert harness.kinds(info_hash) == [
        EventKind.ADDED,
        EventKind.FINISHED,
        EventKind.SEEDING_LIMIT_REACHED,
    ]
    # Resumed, it stops again: the limit still holds.
    await backend.resume(info_hash)
    await wait_for(
        lambda: harness.kinds(info_hash).count(EventKind.SEEDING_LIMIT_REACHED) == 2,
        WITHIN,
    )
    await harness.state(info_hash, TorrentState.PAUSED)
    # Raised, it no longer applies.
    await backend.set_seeding_limits(info_hash, NO_LIMITS)
    await backend.resume(info_hash)
    await harness.state(info_hash, TorrentState.SEEDING)
    assert harness.kinds(info_hash).count(EventKind.SEEDING_LIMIT_REACHED) == 2


async def test_changes_made_in_the_client_are_seen(
    make_backend: MakeBackend, seeder: Seeder, tmp_path: Path
) -> None:
    first = await make_backend()
    if first.kind == "libtorrent":
        pytest.skip("the engine's session has no other user")
    place_data(seeder, first.download_dir, tmp_path)
    info_hash = await first.backend.add_torrent_data(seeder.torrent_bytes)
    await first.state(info_hash, TorrentState.SEEDING)
    # A second user of the same client finds the torrent there already: no
    # news for it.
    second = await make_backend()
    status = second.backend.status(info_hash)
    assert status is not None
    assert status.name == seeder.name
    await second.state(info_hash, TorrentState.SEEDING)
    # Removed by the other user, it is gone for the first one too.
    await second.backend.remove(info_hash)
    await wait_for(lambda: EventKind.REMOVED in first.kinds(info_hash), WITHIN)
    assert first.backend.status(info_hash) is None
    assert first.kinds(info_hash) == [
        EventKind.ADDED,
        EventKind.FINISHED,
        EventKind.REMOVED,
    ]
    assert second.kinds(info_hash) == [EventKind.REMOVED]
    # Added by the other user, it is news for the first one.
    await second.backend.add_torrent_data(seeder.torrent_bytes)
    await wait_for(lambda: first.kinds(info_hash).count(EventKind.ADDED) == 2, WITHIN)
    await wait_for(
        lambda: first.kinds(info_hash).count(EventKind.FINISHED) == 2, WITHIN
    )


async def test_download_from_magnet(
    make_backend: MakeBackend, seeder_factory: Callable[..., Seeder]
) -> None:
    harness = await make_backend()
    # Slow enough for a poll to see the download half done.
    seeder = seeder_factory(upload_rate=1024 * 1024)
    transfer_only(harness.kind)
    backend = harness.backend
    info_hash = await backend.add_magnet(seeder.magnet())
    assert info_hash == seeder.info_hash
    assert harness.kinds(info_hash) == [EventKind.ADDED]
    # Both ways, so that the peers meet whichever connects first.
    assert harness.peer_port is not None
    seeder.handle.connect_peer(("127.0.0.1", harness.peer_port))
    seen_progress: set[float] = set()

    def finished() -> bool:
        status = backend.status(info_hash)
        assert status is not None
        seen_progress.add(status.progress)
        return EventKind.FINISHED in harness.kinds(info_hash)

    await wait_for(finished, WITHIN)
    status = await harness.state(info_hash, TorrentState.SEEDING)
    assert status.name == seeder.name
    assert status.size == seeder.size
    assert status.progress == 100.0
    assert status.session_downloaded >= seeder.size
    assert status.eta_seconds is None
    assert status.error is None
    assert any(0 < progress < 100 for progress in seen_progress)
    assert sha256_of(harness.download_dir / seeder.name) == seeder.sha256
    await wait_for(
        lambda: (s := backend.status(info_hash)) and s.total_downloaded >= seeder.size,
        WITHIN,
    )
    assert harness.kinds(info_hash) == [EventKind.ADDED, EventKind.FINISHED]
    await backend.remove(info_hash)
    assert (harness.download_dir / seeder.name).exists()


async def test_download_then_seeding_time_limit_pauses(
    make_backend: MakeBackend, seeder: Seeder
) -> None:
    harness = await make_backend(
        seeding_limits=SeedingLimits(ratio=None, time=timedelta(seconds=1))
    )
    transfer_only(harness.kind)
    backend = harness.backend
    info_hash = await backend.add_torrent_data(seeder.torrent_bytes)
    assert harness.peer_port is not None
    seeder.handle.connect_peer(("127.0.0.1", harness.peer_port))
    await wait_for(
        lambda: EventKind.SEEDING_LIMIT_REACHED in harness.kinds(info_hash), WITHIN
    )
    status = await harness.state(info_hash, TorrentState.PAUSED)
    assert status.seeding_seconds >= 1
    assert status.progress == 100.0
    assert sha256_of(harness.download_dir / seeder.name) == seeder.sha256
    assert harness.kinds(info_hash) == [
        EventKind.ADDED,
        EventKind.FINISHED,
        EventKind.SEEDING_LIMIT_REACHED,
    ]


async def test_download_then_ratio_limit_removes(
    make_backend: MakeBackend, seeder: Seeder
) -> None:
    harness = await make_backend(limit_action=SeedingLimitAction.REMOVE)
    transfer_only(harness.kind)
    backend = harness.backend
    info_hash = await backend.add_magnet(
        seeder.magnet(), limits=SeedingLimits(ratio=0.0, time=None)
    )
    assert harness.peer_port is not None
    seeder.handle.connect_peer(("127.0.0.1", harness.peer_port))
    await wait_for(lambda: EventKind.REMOVED in harness.kinds(info_hash), WITHIN)
    assert harness.kinds(info_hash) == [
        EventKind.ADDED,
        EventKind.FINISHED,
        EventKind.SEEDING_LIMIT_REACHED,
        EventKind.REMOVED,
    ]
    assert backend.torrents() == []
    assert sha256_of(harness.download_dir / seeder.name) == seeder.sha256


# Failures of the external clients


@pytest.mark.parametrize("kind", ["qbittorrent", "transmission"])
async def test_wrong_password_is_an_auth_error(
    kind: str,
    request: pytest.FixtureRequest,
    socket_enabled: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    daemon: Daemon = request.getfixturevalue(f"{kind}_daemon")
    backend_class: Any = (
        QBittorrentBackend if kind == "qbittorrent" else TransmissionBackend
    )
    wrong = "not-the-Pa55word-at-all"
    async with aiohttp.ClientSession() as http:
        backend = backend_class(
            http,
            daemon.url,
            daemon.username,
            wrong,
            settings=ClientSettings(),
            on_event=lambda event: None,
        )
        with pytest.raises(BackendAuthError) as caught:
            await backend.start()
        assert not backend.running
        assert wrong not in str(caught.value)
        assert wrong not in repr(backend)
        assert wrong not in caplog.text
        with pytest.raises(EngineError):
            await backend.add_magnet("magnet:?xt=urn:btih:" + "ab" * 20)


@pytest.mark.parametrize("backend_class", [QBittorrentBackend, TransmissionBackend])
async def test_nothing_listening_is_a_connection_error(
    backend_class: Any, socket_enabled: None
) -> None:
    async with aiohttp.ClientSession() as http:
        backend = backend_class(
            http,
            f"http://127.0.0.1:{free_port()}/",
            "user",
            "password-never-shown",
            settings=ClientSettings(),
            on_event=lambda event: None,
        )
        with pytest.raises(BackendConnectionError) as caught:
            await backend.start()
        assert "password-never-shown" not in str(caught.value)
        assert "127.0.0.1" in str(caught.value)


@pytest.mark.parametrize("backend_class", [QBittorrentBackend, TransmissionBackend])
def test_url_with_credentials_is_refused(backend_class: Any) -> None:
    with pytest.raises(EngineError) as caught:
        backend_class(
            None,
            "http://user:hunter2@127.0.0.1:8080",
            "",
            "",
            settings=ClientSettings(),
            on_event=lambda event: None,
        )
    assert "hunter2" not in str(caught.value)


# Reading magnets and torrent files without libtorrent


def test_magnet_parsing() -> None:
    hex_hash = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
    parsed = parse_magnet(f"magnet:?xt=urn:btih:{hex_hash.upper()}&dn=A+Movie")
    assert parsed.info_hash == hex_hash
    assert parsed.name == "A Movie"
    base32 = base64.b32encode(bytes.fromhex(hex_hash)).decode()
    assert parse_magnet(f" magnet:?dn=x&xt=urn:btih:{base32} ").info_hash == hex_hash
    assert parse_magnet(f"magnet:?xt=urn:btih:{hex_hash}").name == hex_hash
    for bad in (
        "magnet:?xt=urn:btih:nothex",
        "magnet:?xt=urn:btih:" + "g" * 40,
        "magnet:?xt=urn:btmh:1220" + "ab" * 32,
        "http://example.invalid/?xt=urn:btih:" + hex_hash,
        "",
    ):
        with pytest.raises(InvalidTorrentError):
            parse_magnet(bad)


def test_torrent_parsing_matches_libtorrent(tmp_path: Path) -> None:
    data, _digest = make_torrent(tmp_path, "film.mkv", 300_000)
    parsed = parse_torrent(data)
    info = lt.torrent_info(lt.bdecode(data))
    assert parsed.info_hash == str(info.info_hashes().v1)
    assert parsed.name == "film.mkv"
    for bad in (
        b"",
        b"this is not bencoded",
        data[:-1],
        data + b"e",
        b"d4:infoi1ee",
        b"li1ee",
        b"d4:info" + b"l" * 5000,
        b"d4:infod4:name1:xee",
    ):
        with pytest.raises(InvalidTorrentError):
            parse_torrent(bad)
