"""Killing Home Assistant in the middle of a download loses little of it.

A real Home Assistant process runs LCARS with its BitTorrent engine on the
loopback interface, set up through the same HTTP flows as the web interface.
It downloads from a rate-limited libtorrent seeder. Once the resume data on
disk records between 20 % and 70 % of the pieces, Home Assistant is killed
with SIGKILL, then started again on the same configuration directory.

What the resume data left by the kill records is on disk, byte for byte (LCARS
never claims data it does not have). The torrent comes back from that resume
data, completes with the right bytes, and the seeder sends none of the blocks
it records a second time.

What was kept is counted block by block, from the seeder's own record of the
blocks it sent after the restart, not from its byte counter around the kill:
that counter also counts blocks sent to the killed process after it was read
and blocks sent twice (a request timing out on a busy machine is asked
again), which a restart that lost nothing would be blamed for.

The engine saves resume data every 15 s (and when a torrent is added,
paused, finished or stopped), so the transfer is slow enough for a save to
fall in the middle of the download; after the kill the seeder speeds up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
import importlib.util
import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import time
from types import ModuleType
from typing import Any

import aiohttp
import pytest

from .torrent.conftest import PIECE_SIZE, free_port, lt, sha256_of, start_seeder

pytestmark = [
    pytest.mark.skipif(lt is None, reason="libtorrent is not installed"),
    # Two starts of Home Assistant on a busy machine, and a 64 MiB transfer.
    pytest.mark.timeout(900),
]

ROOT = Path(__file__).resolve().parent.parent
KIB = 1024
MIB = 1024 * KIB
SIZE = 64 * MIB
# 64 MiB at 512 KiB/s: two minutes, across the engine's minute between saves.
RATE = 512 * 1024
RATE_AFTER_KILL = 8 * MIB
# The kill comes once the saved resume data records KILL_AT percent of the
# pieces; later than KILL_BEFORE, the restart would tell little.
KILL_AT = 20.0
KILL_BEFORE = 70.0
STARTUP = 240.0
DOWNLOAD = 300.0
BLOCK_SIZE = 16 * 1024
BLOCKS_PER_PIECE = PIECE_SIZE // BLOCK_SIZE
# Every block the seeder sends is one alert; none may be dropped.
ALERT_QUEUE_SIZE = 100_000


def _bootstrap_module() -> ModuleType:
    """The HTTP client of ./scripts/develop, which sets LCARS up like a person."""
    path = ROOT / "scripts" / "develop_bootstrap.py"
    spec = importlib.util.spec_from_file_location("lcars_develop_bootstrap", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


boot = _bootstrap_module()


def usable_hass() -> Path:
    """Return this environment's `hass` command, or skip when it cannot run."""
    command = Path(sys.executable).parent / "hass"
    if not command.exists():
        pytest.skip(f"no hass command next to {sys.executable}")
    result = subprocess.run(
        [str(command), "--version"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or not re.fullmatch(r"\d{4}\.\d+\.\d+\S*", output):
        last = output.splitlines()[-1] if output else f"exit {result.returncode}"
        pytest.skip(f"the hass command of this environment does not run: {last}")
    return command


def write_config(config: Path, port: int, media: Path) -> None:
    """A configuration with only what the test needs, on 127.0.0.1."""
    (config / "custom_components").mkdir(parents=True)
    (config / "custom_components" / "lcars").symlink_to(
        ROOT / "custom_components" / "lcars"
    )
    (config / "configuration.yaml").write_text(
        "homeassistant:\n"
        "  name: LCARS kill test\n"
        "  allowlist_external_dirs:\n"
        f"    - {media}\n"
        "http:\n"
        "  server_host: 127.0.0.1\n"
        f"  server_port: {port}\n"
        "logger:\n"
        "  default: warning\n"
        "  logs:\n"
        "    custom_components.lcars: debug\n"
        "api:\n"
        "auth:\n"
        "config:\n"
        "onboarding:\n"
        "websocket_api:\n",
        encoding="utf-8",
    )


class HassProcess:
    """Home Assistant running in a process group of its own."""

    def __init__(self, command: Path, config: Path, log: Path) -> None:
        """Remember how to start Home Assistant; start() starts it."""
        self.command = command
        self.config = config
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start Home Assistant; its output goes to the log, appended."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(self.command), "-c", str(self.config), "--skip-pip"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """Kill the process group at once, as a power cut would."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)

    def tail(self) -> str:
        """The end of Home Assistant's output, to explain a failure."""
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-40:])


@pytest.fixture
def hass_process(tmp_path: Path) -> Iterator[HassProcess]:
    """Home Assistant of this environment; killed at teardown whatever happens."""
    command = usable_hass()
    hass = HassProcess(command, tmp_path / "config", tmp_path / "hass.log")
    yield hass
    hass.kill()


def saved_percent(resume_file: Path) -> float:
    """The share of pieces the resume data on disk records as downloaded."""
    try:
        params = lt.read_resume_data(resume_file.read_bytes())
    except (OSError, RuntimeError):  # not written yet
        return 0.0
    have = list(params.have_pieces)
    return 100 * sum(have) / (SIZE // PIECE_SIZE)


type Block = tuple[int, int]


@dataclass(frozen=True)
class Recorded:
    """What a resume file records as downloaded: whole pieces and loose blocks."""

    pieces: frozenset[int]
    blocks: frozenset[Block]

    @property
    def size(self) -> int:
        """Bytes recorded (the test file has no short last piece)."""
        return len(self.blocks) * BLOCK_SIZE


def recorded_in(resume_file: Path) -> Recorded:
    """Read what the resume data records: verified pieces and written blocks."""
    params = lt.read_resume_data(resume_file.read_bytes())
    pieces = frozenset(i for i, have in enumerate(params.have_pieces) if have)
    blocks = {(p, b) for p in pieces for b in range(BLOCKS_PER_PIECE)}
    for piece, bits in params.unfinished_pieces.items():
        blocks.update((piece, b) for b, done in enumerate(bits) if done)
    return Recorded(pieces, frozenset(blocks))


def blocks_not_on_disk(
    recorded: Recorded, download: Path, original: Path
) -> list[Block]:
    """The recorded blocks whose bytes in the download differ from the original."""
    wrong: list[Block] = []
    with download.open("rb") as got, original.open("rb") as want:
        for piece, block in sorted(recorded.blocks):
            offset = piece * PIECE_SIZE + block * BLOCK_SIZE
            got.seek(offset)
            want.seek(offset)
            if got.read(BLOCK_SIZE) != want.read(BLOCK_SIZE):
                wrong.append((piece, block))
    return wrong


def uploaded_blocks(seeder: Any) -> list[Block]:
    """The blocks the seeder sent since the last call, in order, repeats included."""
    return [
        (alert.piece_index, alert.block_index)
        for alert in seeder.session.pop_alerts()
        if isinstance(alert, lt.block_uploaded_alert)
    ]


async def torrent_of(api: Any, entry_id: str, info_hash: str) -> dict[str, Any]:
    """The torrent as lcars.get_torrents lists it ({} when not listed)."""
    for torrent in await boot.get_torrents(api, entry_id):
        if torrent["info_hash"] == info_hash:
            found: dict[str, Any] = torrent
            return found
    return {}


async def test_kill_mid_download_resumes_from_resume_data(
    tmp_path: Path, socket_enabled: None, hass_process: HassProcess
) -> None:
    """SIGKILL mid-download, restart: the download completes, not from scratch."""
    seeder = start_seeder(tmp_path / "seed", "payload.bin", SIZE, RATE)
    # The seeder tells every block it sends.
    seeder.session.apply_settings(
        {
            "alert_mask": lt.alert_category.upload,
            "alert_queue_size": ALERT_QUEUE_SIZE,
        }
    )
    media = tmp_path / "media"
    downloads = media / "downloads"
    downloads.mkdir(parents=True)
    http_port = free_port()
    peer_port = free_port()
    write_config(hass_process.config, http_port, media)
    url = f"http://127.0.0.1:{http_port}"
    timeout = aiohttp.ClientTimeout(total=60)

    def sent() -> int:
        return int(seeder.handle.status().total_payload_upload)

    # First run: set up LCARS and BitTorrent like a person would, then add.
    hass_process.start()
    async with aiohttp.ClientSession(timeout=timeout) as session:
        api = boot.HomeAssistant(session, url)
        try:
            await api.wait_until_up(STARTUP)
        except boot.BootstrapError as err:
            pytest.fail(f"{err}\n{hass_process.tail()}")
        await api.onboard({"user": False})
        result = await boot.run_flow(
            api, "/api/config/config_entries/flow", boot.DOMAIN, {}, "LCARS"
        )
        entry_id = result["result"]["entry_id"]
        await boot.enable_torrent(
            api, entry_id, downloads, ports=(peer_port, peer_port)
        )
        added = await boot.call_action(
            api,
            boot.DOMAIN,
            "add_torrent",
            {"config_entry_id": entry_id, "magnet": seeder.magnet()},
            response=True,
        )
        assert added["info_hash"] == seeder.info_hash

        resume_file = (
            hass_process.config
            / ".storage"
            / "lcars_torrents"
            / entry_id
            / f"{seeder.info_hash}.resume"
        )
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + DOWNLOAD
        while True:
            saved = await loop.run_in_executor(None, saved_percent, resume_file)
            torrent = await torrent_of(api, entry_id, seeder.info_hash)
            if saved >= KILL_AT:
                break
            assert torrent.get("progress", 0) <= KILL_BEFORE, (
                f"past {KILL_BEFORE} % without resume data on disk "
                f"({saved:.1f} % saved): {torrent}"
            )
            assert time.monotonic() < deadline, f"no progress: {torrent}"
            await asyncio.sleep(0.5)
        sent_at_kill = sent()
        hass_process.kill()
    progress_at_kill = torrent["progress"]
    assert saved <= KILL_BEFORE, f"the download was too fast: {torrent}"

    # The seeder sends on to the killed process until it sees the connection
    # close: only then does what it sends go to the restarted one.
    deadline = time.monotonic() + 60
    while seeder.handle.status().num_peers:
        assert time.monotonic() < deadline, "the seeder still sees the killed peer"
        await asyncio.sleep(0.1)
    sent_to_killed = sent()
    uploaded_blocks(seeder)
    seeder.set_upload_rate(RATE_AFTER_KILL)

    # What the kill left: the resume data records only bytes that are on disk.
    loop = asyncio.get_running_loop()
    recorded = await loop.run_in_executor(None, recorded_in, resume_file)
    assert 100 * len(recorded.pieces) / (SIZE // PIECE_SIZE) >= saved
    wrong = await loop.run_in_executor(
        None,
        blocks_not_on_disk,
        recorded,
        downloads / "payload.bin",
        tmp_path / "seed" / "payload.bin",
    )
    assert wrong == [], f"recorded in the resume data but not on disk: {wrong}"

    # Second run: the same configuration, nothing added again.
    hass_process.start()
    async with aiohttp.ClientSession(timeout=timeout) as session:
        api = boot.HomeAssistant(session, url)
        await api.wait_until_up(STARTUP)
        await api.login()
        deadline = time.monotonic() + DOWNLOAD
        while True:
            try:
                torrent = await torrent_of(api, entry_id, seeder.info_hash)
            except boot.BootstrapError:  # the engine is starting
                torrent = {}
            if torrent.get("progress") == 100:
                break
            assert time.monotonic() < deadline, (
                f"not complete after the restart: {torrent}\n{hass_process.tail()}"
            )
            await asyncio.sleep(0.5)
    sent_after_restart = sent() - sent_to_killed
    resent = uploaded_blocks(seeder)
    kept = SIZE - len(set(resent)) * BLOCK_SIZE

    assert torrent["size"] == SIZE
    digest = await loop.run_in_executor(None, sha256_of, downloads / "payload.bin")
    assert digest == seeder.sha256
    print(
        f"\nkilled at {progress_at_kill} % ({saved:.1f} % in the resume data read "
        f"then, {recorded.size / MIB:.2f} MiB in the one the kill left) with "
        f"{sent_at_kill / MIB:.2f} MiB sent, {(sent_to_killed - sent_at_kill) / KIB:.0f}"
        f" KiB more until the seeder saw the connection close; after the restart "
        f"the seeder sent {sent_after_restart / MIB:.2f} MiB of {SIZE / MIB:.0f} MiB "
        f"in {len(resent)} blocks, {len(resent) - len(set(resent))} of them twice, "
        f"so {kept / MIB:.2f} MiB were kept (the byte counter from the kill on "
        f"would say {(SIZE - sent() + sent_at_kill) / MIB:.2f} MiB); "
        f"lcars.get_torrents: downloaded {torrent['downloaded'] / MIB:.1f} MiB"
    )
    # Without the resume data the whole file would be sent again.
    assert sent_after_restart < 0.8 * SIZE
    # What the resume data records survived the kill: none of it came again.
    again = sorted(set(resent) & recorded.blocks)
    assert again == [], f"recorded in the resume data, sent again: {again}"
    assert kept >= recorded.size
    seeder.session.apply_settings({"stop_tracker_timeout": 0})
