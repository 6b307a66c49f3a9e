"""Fixtures for the BitTorrent engine tests: a plain libtorrent seeder on loopback."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator, Callable, Iterator
from dataclasses import dataclass, field
import hashlib
import json
import os
from pathlib import Path
import random
import shutil
import signal
import subprocess
import time
from typing import Any

import psutil  # type: ignore[import-untyped]
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
    # The backend tests need the libtorrent seeder too.
    collect_ignore = ["test_engine.py", "test_backends.py"]

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
        events: list[TorrentEvent],
        state_dir: Path | None = None,
        state_root: Path | None = None,
        **changes: Any,
    ) -> TorrentEngine:
        engine = TorrentEngine(
            engine_settings(tmp_path / "downloads", **changes),
            state_dir or tmp_path / "state",
            events.append,
            update_interval=0.1,
            resume_save_interval=1.0,
            interface_check_interval=0.5,
            state_root=state_root,
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


# External clients: real qBittorrent and Transmission daemons on loopback.

QBITTORRENT = "qbittorrent-nox"
TRANSMISSION = "transmission-daemon"
DAEMON_USERNAME = "lcars"
# Only ever the daemons' own test password.
DAEMON_PASSWORD = "s3cret-Pa55word"


@dataclass
class Daemon:
    """An external BitTorrent client running for the tests."""

    kind: str
    url: str
    username: str
    password: str
    peer_port: int
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    """Return a TCP port nothing listens on right now (found without sockets)."""
    used = {conn.laddr.port for conn in psutil.net_connections(kind="inet")}
    while True:
        port = random.randint(20000, 60000)
        if port not in used and port + 1 not in used:
            return port


def _listening(process: subprocess.Popen[bytes], port: int) -> bool:
    try:
        connections = psutil.Process(process.pid).net_connections(kind="tcp")
    except psutil.NoSuchProcess:
        return False
    return any(
        conn.status == psutil.CONN_LISTEN and conn.laddr.port == port
        for conn in connections
    )


def _start_daemon(
    kind: str, args: list[str], port: int, log: Path, **daemon: Any
) -> Daemon:
    """Start a daemon and wait until its web interface listens."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while not _listening(process, port):
        if process.poll() is not None or time.monotonic() > deadline:
            _stop_daemon(process)
            pytest.fail(f"{kind} did not start: {log.read_text(errors='replace')}")
        time.sleep(0.05)
    return Daemon(kind=kind, process=process, log=log, **daemon)


def _stop_daemon(process: subprocess.Popen[bytes]) -> None:
    """Stop a daemon by its process id."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def qbittorrent_password_hash(password: str) -> str:
    """Return qBittorrent's PBKDF2 form of a Web UI password."""
    salt = os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 100_000, 64)
    return (
        f"@ByteArray({base64.b64encode(salt).decode()}:"
        f"{base64.b64encode(key).decode()})"
    )


@pytest.fixture(scope="module")
def qbittorrent_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """A qBittorrent daemon with its Web UI on loopback, password protected."""
    if shutil.which(QBITTORRENT) is None:
        pytest.skip(f"{QBITTORRENT} is not installed (./scripts/setup installs it)")
    profile = tmp_path_factory.mktemp("qbittorrent")
    config = profile / "qBittorrent" / "config"
    config.mkdir(parents=True)
    web_port = free_port()
    peer_port = free_port()
    downloads = profile / "dl"
    # Loopback only, no discovery, no port mapping; the legal notice is
    # accepted here because qbittorrent-nox 4.x has no flag for it.
    (config / "qBittorrent.conf").write_text(
        "[LegalNotice]\n"
        "Accepted=true\n\n"
        "[BitTorrent]\n"
        "Session\\DHTEnabled=false\n"
        "Session\\LSDEnabled=false\n"
        "Session\\PeXEnabled=false\n"
        f"Session\\Port={peer_port}\n"
        "Session\\Interface=lo\n"
        "Session\\InterfaceName=lo\n"
        "Session\\InterfaceAddress=127.0.0.1\n"
        f"Session\\DefaultSavePath={downloads}\n"
        "Session\\QueueingSystemEnabled=false\n"
        "Session\\AddTorrentPaused=false\n\n"
        "[Network]\n"
        "PortForwardingEnabled=false\n\n"
        "[Preferences]\n"
        "Connection\\UPnP=false\n"
        "General\\Locale=en\n"
        "WebUI\\Address=127.0.0.1\n"
        f"WebUI\\Port={web_port}\n"
        f"WebUI\\Username={DAEMON_USERNAME}\n"
        f'WebUI\\Password_PBKDF2="{qbittorrent_password_hash(DAEMON_PASSWORD)}"\n'
        "WebUI\\LocalHostAuth=true\n"
        "WebUI\\UseUPnP=false\n"
    )
    args = [QBITTORRENT, f"--profile={profile}", f"--webui-port={web_port}"]
    version = subprocess.run(
        [QBITTORRENT, "--help"], capture_output=True, text=True, check=False
    )
    if "--confirm-legal-notice" in version.stdout:
        args.append("--confirm-legal-notice")
    daemon = _start_daemon(
        "qbittorrent",
        args,
        web_port,
        profile / "daemon.log",
        url=f"http://127.0.0.1:{web_port}",
        username=DAEMON_USERNAME,
        password=DAEMON_PASSWORD,
        peer_port=peer_port,
    )
    yield daemon
    _stop_daemon(daemon.process)


@pytest.fixture(scope="module")
def transmission_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """A Transmission daemon with its RPC on loopback, password protected."""
    if shutil.which(TRANSMISSION) is None:
        pytest.skip(f"{TRANSMISSION} is not installed (./scripts/setup installs it)")
    config = tmp_path_factory.mktemp("transmission")
    rpc_port = free_port()
    peer_port = free_port()
    (config / "settings.json").write_text(
        json.dumps(
            {
                "rpc-whitelist": "127.0.0.1",
                "rpc-whitelist-enabled": True,
                "rpc-host-whitelist-enabled": False,
                "bind-address-ipv4": "127.0.0.1",
                "bind-address-ipv6": "::1",
                "pex-enabled": False,
                "utp-enabled": False,
                "ratio-limit-enabled": False,
                "idle-seeding-limit-enabled": False,
                "message-level": 1,
            }
        )
    )
    daemon = _start_daemon(
        "transmission",
        [
            TRANSMISSION,
            "--foreground",
            "--config-dir",
            str(config),
            "--rpc-bind-address",
            "127.0.0.1",
            "--port",
            str(rpc_port),
            "--peerport",
            str(peer_port),
            "--auth",
            "--username",
            DAEMON_USERNAME,
            "--password",
            DAEMON_PASSWORD,
            "--allowed",
            "127.0.0.1",
            "--download-dir",
            str(config / "dl"),
            "--no-dht",
            "--no-lpd",
            "--no-portmap",
            "--no-utp",
        ],
        rpc_port,
        config / "daemon.log",
        url=f"http://127.0.0.1:{rpc_port}",
        username=DAEMON_USERNAME,
        password=DAEMON_PASSWORD,
        peer_port=peer_port,
    )
    yield daemon
    _stop_daemon(daemon.process)
