"""Killing Home Assistant in the middle of a download loses little of it.

A real Home Assistant process runs LCARS with its BitTorrent engine on the
loopback interface, set up through the same HTTP flows as the web interface.
It downloads from a rate-limited libtorrent seeder. Once the resume data on
disk records between 20 % and 70 % of the pieces, Home Assistant is killed
with SIGKILL, then started again on the same configuration directory. The
torrent comes back from its resume data, completes with the right bytes, and
the seeder sends far less than the whole file a second time.

The engine saves resume data every minute (and when a torrent is added,
paused, finished or stopped), so the transfer is slow enough for a save to
fall in the middle of the download; after the kill the seeder speeds up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
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
MIB = 1024 * 1024
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
    seeder.set_upload_rate(RATE_AFTER_KILL)

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
    sent_after_restart = sent() - sent_at_kill
    kept = SIZE - sent_after_restart

    assert torrent["size"] == SIZE
    digest = await asyncio.get_running_loop().run_in_executor(
        None, sha256_of, downloads / "payload.bin"
    )
    assert digest == seeder.sha256
    print(
        f"\nkilled at {progress_at_kill} % ({saved:.1f} % in the saved resume "
        f"data) with {sent_at_kill / MIB:.1f} MiB sent; after the restart the "
        f"seeder sent {sent_after_restart / MIB:.1f} MiB of {SIZE / MIB:.0f} MiB "
        f"({sent_after_restart / SIZE:.0%}), so {kept / MIB:.1f} MiB were kept; "
        f"lcars.get_torrents: downloaded {torrent['downloaded'] / MIB:.1f} MiB"
    )
    # Without the resume data the whole file would be sent again.
    assert sent_after_restart < 0.8 * SIZE
    # What the saved resume data records survived the kill.
    assert kept >= saved / 100 * SIZE - 2 * PIECE_SIZE
    seeder.session.apply_settings({"stop_tracker_timeout": 0})
