"""Fixtures for the BitTorrent engine tests: a plain libtorrent seeder on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterator
from dataclasses import dataclass, field
import hashlib
import os
from pathlib import Path
import time
from typing import Any

import pytest

from custom_components.lcars.torrent import (
    EngineSettings,
    SeedingLimits,
    TorrentEngine,
    TorrentEvent,
)

lt: Any
try:
    import libtorrent as lt
except ImportError:  # no build for this Python: only the pure tests run
    lt = None
    collect_ignore = ["test_engine.py"]

PIECE_SIZE = 64 * 1024
DATA_SIZE = 4 * 1024 * 1024

# Loopback only, no discovery, no uTP: the peers find each other through the
# magnet link alone.
QUIET = {
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False,
    "enable_lsd": False,
    "enable_upnp": False,
    "enable_natpmp": False,
    "enable_incoming_utp": False,
    "enable_outgoing_utp": False,
    "dht_bootstrap_nodes": "",
    "webtorrent_stun_server": "",
    # Rate limits are how the tests slow a transfer down, even on loopback.
    "ignore_limits_on_local_network": False,
    # Every engine of a test is a new peer on the same address.
    "allow_multiple_connections_per_ip": True,
}


@dataclass
class Seeder:
    """A libtorrent session seeding one generated file."""

    session: Any
    handle: Any
    port: int
    info_hash: str
    name: str
    torrent_bytes: bytes
    sha256: str
    size: int

    def magnet(self) -> str:
        """Return a magnet link naming the seeder as a peer."""
        return (
            f"magnet:?xt=urn:btih:{self.info_hash}&dn={self.name}"
            f"&x.pe=127.0.0.1:{self.port}"
        )

    def set_upload_rate(self, rate: int) -> None:
        """Limit what the seeder sends, in bytes per second (0: unlimited)."""
        self.session.apply_settings({"upload_rate_limit": rate})


def make_torrent(directory: Path, name: str, size: int) -> tuple[bytes, str]:
    """Write a file of random bytes and return its torrent and sha256."""
    data = os.urandom(size)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)
    files = lt.list_files(str(directory / name))
    creator = lt.create_torrent(files, PIECE_SIZE, lt.create_torrent.v1_only)
    lt.set_piece_hashes(creator, str(directory))
    return lt.bencode(creator.generate()), hashlib.sha256(data).hexdigest()


def start_seeder(directory: Path, name: str, size: int, upload_rate: int) -> Seeder:
    """Create the data, its torrent and a session seeding it."""
    torrent_bytes, digest = make_torrent(directory, name, size)
    session = lt.session({**QUIET, "upload_rate_limit": upload_rate})
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(lt.bdecode(torrent_bytes))
    params.save_path = str(directory)
    params.flags = (params.flags | lt.torrent_flags.seed_mode) & ~(
        lt.torrent_flags.paused | lt.torrent_flags.auto_managed
    )
    handle = session.add_torrent(params)
    deadline = time.monotonic() + 5
    while session.listen_port() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    return Seeder(
        session=session,
        handle=handle,
        port=session.listen_port(),
        info_hash=str(params.ti.info_hashes().v1),
        name=name,
        torrent_bytes=torrent_bytes,
        sha256=digest,
        size=size,
    )


@pytest.fixture
def seeder_factory(
    tmp_path: Path, socket_enabled: None
) -> Iterator[Callable[..., Seeder]]:
    """Return a function starting seeders; they stop at teardown."""
    seeders: list[Seeder] = []

    def factory(
        name: str = "payload.bin", size: int = DATA_SIZE, upload_rate: int = 0
    ) -> Seeder:
        seeder = start_seeder(tmp_path / f"seed{len(seeders)}", name, size, upload_rate)
        seeders.append(seeder)
        return seeder

    yield factory
    for seeder in seeders:
        seeder.session.apply_settings({"stop_tracker_timeout": 0})
    seeders.clear()


@pytest.fixture
def seeder(seeder_factory: Callable[..., Seeder]) -> Seeder:
    """A seeder of 4 MB of random data, rate limited to 4 MB/s."""
    return seeder_factory(upload_rate=4 * 1024 * 1024)


def engine_settings(download_dir: Path, **changes: Any) -> EngineSettings:
    """Engine settings for loopback tests."""
    values: dict[str, Any] = {
        "download_dir": download_dir,
        "listen_port_min": 0,
        "listen_port_max": 0,
        "listen_addresses": ("127.0.0.1",),
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_utp": False,
        "seeding_limits": SeedingLimits(ratio=None, time=None),
    }
    values.update(changes)
    return EngineSettings(**values)


@dataclass
class EngineHarness:
    """An engine with the events it emitted."""

    engine: TorrentEngine
    events: list[TorrentEvent] = field(default_factory=list)


@pytest.fixture
async def make_engine(
    tmp_path: Path, socket_enabled: None
) -> AsyncGenerator[Callable[..., TorrentEngine]]:
    """Return a function creating engines; they are stopped at teardown."""
    engines: list[TorrentEngine] = []

    def factory(
        events: list[TorrentEvent], state_dir: Path | None = None, **changes: Any
    ) -> TorrentEngine:
        engine = TorrentEngine(
            engine_settings(tmp_path / "downloads", **changes),
            state_dir or tmp_path / "state",
            events.append,
            update_interval=0.1,
            resume_save_interval=1.0,
            interface_check_interval=0.5,
        )
        engines.append(engine)
        return engine

    yield factory
    for engine in engines:
        await engine.stop()


async def wait_for(predicate: Callable[[], Any], within: float = 15.0) -> Any:
    """Poll until predicate returns something true; return it."""
    async with asyncio.timeout(within):
        # The engine has no event for every condition the tests wait for.
        while not (result := predicate()):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return result


def sha256_of(path: Path) -> str:
    """Return the sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
