"""The same BitTorrent actions, entities and events with qBittorrent and Transmission.

LCARS drives the real Debian daemons started on loopback by the fixtures of
tests/torrent/conftest.py, through Home Assistant's own HTTP session.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)

from custom_components.lcars.const import CONF_SCAN_INTERVAL, DOMAIN
from custom_components.lcars.runtime.torrent import TorrentManager
from custom_components.lcars.torrent import QBittorrentBackend, TransmissionBackend
from custom_components.lcars.torrent.options import CONF_TORRENT
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.util import dt as dt_util

from .torrent.conftest import (
    Daemon,
    Seeder,
    free_port,
    lt,
    make_torrent,
    qbittorrent_daemon,  # noqa: F401  # fixture
    sha256_of,
    start_seeder,
    transmission_daemon,  # noqa: F401  # fixture
)
from .torrent_ha import (
    ENTRY_ID,
    call,
    kinds,
    torrents,
    wait_for,
)

pytestmark = pytest.mark.skipif(
    lt is None, reason="libtorrent is not installed (it makes the test torrents)"
)

BACKEND_CLASSES = {
    "qbittorrent": QBittorrentBackend,
    "transmission": TransmissionBackend,
}

type Setup = Callable[..., Awaitable[TorrentManager]]


@pytest.fixture(params=["qbittorrent", "transmission"])
def daemon(request: pytest.FixtureRequest, socket_enabled: None) -> Daemon:
    """Each external client in turn."""
    found: Daemon = request.getfixturevalue(f"{request.param}_daemon")
    return found


@pytest.fixture
async def start(hass: HomeAssistant, media: Path) -> AsyncGenerator[Setup]:
    """Return a function loading LCARS on a client; it is emptied at teardown."""
    entries: list[MockConfigEntry] = []

    async def setup(daemon: Daemon, **changes: Any) -> TorrentManager:
        torrent = {
            "enabled": True,
            "backend": daemon.kind,
            "url": daemon.url,
            "username": daemon.username,
            "password": daemon.password,
            "client_download_dir": str(media / "client"),
            "seeding_ratio": 0.0,
            "seeding_hours": 0.0,
            "limit_action": "pause",
            "all_torrent_entities": False,
        } | changes
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="LCARS",
            data={},
            options={CONF_SCAN_INTERVAL: 60, CONF_TORRENT: torrent},
            entry_id=ENTRY_ID,
        )
        entry.add_to_hass(hass)
        entries.append(entry)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        manager: TorrentManager = entry.runtime_data.torrent
        return manager

    yield setup
    for entry in entries:
        manager = entry.runtime_data.torrent
        if manager.running:
            # The daemon outlives the test: leave it empty for the next one.
            for status in manager.torrents():
                await manager.remove(status.info_hash, delete_files=True)
        await hass.config_entries.async_unload(entry.entry_id)


def entity_id(hass: HomeAssistant, platform: str, key: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{ENTRY_ID}_{key}")


def attribute_is(hass: HomeAssistant, entity: str, name: str, value: Any) -> bool:
    state = hass.states.get(entity)
    return state is not None and state.attributes.get(name) == value


def state_is(hass: HomeAssistant, entity: str, value: str) -> bool:
    state = hass.states.get(entity)
    return state is not None and state.state == value


def torrent_file(media: Path, daemon: Daemon, name: str) -> tuple[Path, Path]:
    """Write a payload where the client saves, and its torrent; return both."""
    client_dir = media / "client"
    torrent_bytes, _digest = make_torrent(client_dir, name, 256 * 1024)
    path = media / f"{name}.torrent"
    path.write_bytes(torrent_bytes)
    return path, client_dir / name


async def test_actions_entities_and_events(
    hass: HomeAssistant,
    daemon: Daemon,
    start: Setup,
    media: Path,
    recorded: list[dict[str, Any]],
) -> None:
    """add, pause, resume, get and remove work on the client as on the engine."""
    manager = await start(daemon)
    assert manager.running
    assert isinstance(manager.backend, BACKEND_CLASSES[daemon.kind])
    assert manager.download_dir == media / "client"
    assert manager.bind_interface is None
    assert await torrents(hass) == []
    # The BitTorrent device names the client doing the work.
    device = dr.async_get(hass).async_get_device({(DOMAIN, f"{ENTRY_ID}_torrent")})
    assert device is not None
    assert (
        device.model
        == {"qbittorrent": "qBittorrent", "transmission": "Transmission"}[daemon.kind]
    )

    path, data_file = torrent_file(media, daemon, f"{daemon.kind}-actions.bin")
    answer = await call(
        hass, "add_torrent", {"path": str(path), "category": "movie"}, response=True
    )
    info_hash = answer["info_hash"]
    assert answer["name"] == data_file.name
    # The files are there: the client checks them and seeds.
    await wait_for(lambda: "finished" in kinds(recorded, info_hash))
    assert kinds(recorded, info_hash)[:2] == ["added", "finished"]
    added = next(e for e in recorded if e["event"] == "added")
    assert added == {
        "config_entry_id": ENTRY_ID,
        "event": "added",
        "info_hash": info_hash,
        "name": data_file.name,
        "message": None,
    }
    await wait_for(
        lambda: (s := manager.statuses.get(info_hash)) and s.state == "seeding"
    )
    listed = await torrents(hass)
    assert [t["info_hash"] for t in listed] == [info_hash]
    assert listed[0]["category"] == "movie"
    assert listed[0]["progress"] == 100.0
    assert listed[0]["size"] == 256 * 1024
    assert listed[0]["save_path"] == str(media / "client")
    assert listed[0]["state"] == "seeding"

    # Entities: one for the torrent (it has a category), the session figures.
    progress = await wait_for(
        lambda: entity_id(hass, "sensor", f"torrent_item_{info_hash}_progress")
    )
    await wait_for(lambda: state_is(hass, progress, "100.0"))
    assert attribute_is(hass, progress, "category", "movie")
    seeding = entity_id(hass, "sensor", "torrent_seeding")
    assert seeding is not None
    await wait_for(lambda: state_is(hass, seeding, "1"))
    events_entity = entity_id(hass, "event", "torrent_events")
    assert events_entity is not None
    await wait_for(lambda: attribute_is(hass, events_entity, "event_type", "finished"))
    assert attribute_is(hass, events_entity, "info_hash", info_hash)
    # No interface to watch with an external client.
    interface = entity_id(hass, "binary_sensor", "torrent_bind_interface")
    if interface is not None:
        assert not state_is(hass, interface, "off")

    await call(hass, "pause_torrent", {"info_hash": info_hash.upper()})
    await wait_for(lambda: manager.statuses[info_hash].state == "paused")
    assert [t["state"] for t in await torrents(hass)] == ["paused"]
    await wait_for(lambda: attribute_is(hass, progress, "state", "paused"))
    paused = entity_id(hass, "sensor", "torrent_paused")
    assert paused is not None
    await wait_for(lambda: state_is(hass, paused, "1"))

    await call(hass, "resume_torrent", {"info_hash": info_hash})
    await wait_for(lambda: manager.statuses[info_hash].state == "seeding")
    await wait_for(lambda: attribute_is(hass, progress, "state", "seeding"))

    # Removed without its files: the entity goes, the files stay.
    await call(hass, "remove_torrent", {"info_hash": info_hash})
    await hass.async_block_till_done()
    assert kinds(recorded, info_hash) == ["added", "finished", "removed"]
    assert await torrents(hass) == []
    assert entity_id(hass, "sensor", f"torrent_item_{info_hash}_progress") is None
    assert hass.states.get(progress) is None
    assert attribute_is(hass, events_entity, "event_type", "removed")
    # A later poll does not bring it back.
    await asyncio.sleep(2.5)
    assert await torrents(hass) == []
    assert data_file.exists()


async def test_seeding_time_limit_pauses(
    hass: HomeAssistant,
    daemon: Daemon,
    start: Setup,
    media: Path,
    recorded: list[dict[str, Any]],
    hass_admin_user: MockUser,
) -> None:
    """The seeding limit of the options stops a torrent on the client too."""
    manager = await start(daemon, seeding_hours=1 / 3600, limit_action="pause")
    path, data_file = torrent_file(media, daemon, f"{daemon.kind}-limit.bin")
    answer = await call(hass, "add_torrent", {"path": str(path)}, response=True)
    info_hash = answer["info_hash"]
    await wait_for(lambda: "seeding_limit_reached" in kinds(recorded, info_hash))
    assert kinds(recorded, info_hash) == [
        "added",
        "finished",
        "seeding_limit_reached",
    ]
    reached = next(e for e in recorded if e["event"] == "seeding_limit_reached")
    assert reached["message"] == "pause"
    await wait_for(lambda: manager.statuses[info_hash].state == "paused")
    listed = await torrents(hass)
    assert listed[0]["state"] == "paused"
    assert listed[0]["seeding_seconds"] >= 1
    # Removed with its files, by an administrator.
    await call(
        hass,
        "remove_torrent",
        {"info_hash": info_hash, "delete_files": True},
        context=Context(user_id=hass_admin_user.id),
    )
    assert await torrents(hass) == []
    await wait_for(lambda: not data_file.exists())


@pytest.fixture
def seeder(media: Path, socket_enabled: None) -> Iterator[Seeder]:
    """A libtorrent seeder on loopback of 4 MB of random data."""
    seeder = start_seeder(media / "seed", "transfer.bin", 4 * 1024 * 1024, 0)
    yield seeder
    seeder.session.apply_settings({"stop_tracker_timeout": 0})


async def test_qbittorrent_transfer(
    hass: HomeAssistant,
    qbittorrent_daemon: Daemon,  # noqa: F811
    start: Setup,
    media: Path,
    seeder: Seeder,
    recorded: list[dict[str, Any]],
) -> None:
    """A magnet given to lcars.add_torrent downloads through qBittorrent, intact.

    Only qBittorrent: Transmission refuses peers on 127.0.0.1, where the
    seeder is.
    """
    manager = await start(qbittorrent_daemon)
    answer = await call(
        hass,
        "add_torrent",
        {"magnet": seeder.magnet(), "category": "series"},
        response=True,
    )
    assert answer == {"info_hash": seeder.info_hash, "name": seeder.name}
    # Both ways, so that the peers meet whichever connects first.
    seeder.handle.connect_peer(("127.0.0.1", qbittorrent_daemon.peer_port))
    await wait_for(lambda: "finished" in kinds(recorded, seeder.info_hash))
    assert kinds(recorded, seeder.info_hash) == ["added", "finished"]
    assert sha256_of(media / "client" / seeder.name) == seeder.sha256
    status = manager.statuses[seeder.info_hash]
    assert status.size == seeder.size
    assert status.progress == 100.0
    # qBittorrent's byte counters may trail its progress by a refresh.
    await wait_for(
        lambda: manager.statuses[seeder.info_hash].total_downloaded >= seeder.size
    )
    listed = await torrents(hass)
    assert listed[0]["category"] == "series"
    assert listed[0]["downloaded"] >= seeder.size
    downloaded = entity_id(hass, "sensor", "torrent_downloaded")
    assert downloaded is not None
    await wait_for(
        lambda: (
            (s := hass.states.get(downloaded)) is not None
            and s.state not in ("unknown", "unavailable")
            and float(s.state) > 0
        )
    )


async def test_unreachable_client_is_tried_again(
    hass: HomeAssistant,
    transmission_daemon: Daemon,  # noqa: F811
    start: Setup,
    caplog: pytest.LogCaptureFixture,
    socket_enabled: None,
) -> None:
    """A client that does not answer leaves LCARS loaded and is tried every minute.

    Choosing a client also clears a repair about a missing libtorrent.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        "libtorrent_missing",
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="libtorrent_missing",
    )
    closed = free_port()
    daemon = replace(transmission_daemon, url=f"http://127.0.0.1:{closed}")
    manager = await start(daemon)
    assert ir.async_get(hass).async_get_issue(DOMAIN, "libtorrent_missing") is None
    assert not manager.running
    assert caplog.text.count("Cannot start BitTorrent") == 1
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done()
    assert caplog.text.count("Cannot start BitTorrent") == 2
    assert not manager.running
    assert transmission_daemon.password not in caplog.text


async def test_a_refused_login_is_a_repair_issue_until_it_works(
    hass: HomeAssistant,
    daemon: Daemon,
    start: Setup,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A wrong password keeps LCARS loaded, says so in Repairs and is tried again.

    The notice goes once the right password is in the options.
    """
    issue_id = f"torrent_client_auth_failed_{ENTRY_ID}"
    manager = await start(daemon, password="not-the-password")
    assert not manager.running
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "torrent_client_auth_failed"
    assert issue.translation_placeholders == {
        "client": {"qbittorrent": "qBittorrent", "transmission": "Transmission"}[
            daemon.kind
        ]
    }
    assert "not-the-password" not in caplog.text

    # Tried again a minute later, still refused: still one notice.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done()
    assert caplog.text.count("Cannot start BitTorrent") == 2
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    # Removing the entry takes its notice along.
    entry = manager.entry
    assert await hass.config_entries.async_remove(entry.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    hass.config_entries.async_update_entry(
        entry,
        options={
            **entry.options,
            CONF_TORRENT: {**entry.options[CONF_TORRENT], "password": daemon.password},
        },
    )
    await hass.async_block_till_done()
    assert entry.runtime_data.torrent.running
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_no_watch_folder_where_home_assistant_may_not_write(
    hass: HomeAssistant,
    daemon: Daemon,
    start: Setup,
    tmp_path: Path,
) -> None:
    """An external client's folder is on its disk: not watched unless allowed here."""
    client_dir = tmp_path / "client disk"
    manager = await start(daemon, client_download_dir=str(client_dir))
    assert manager.running
    handoff = manager.entry.runtime_data.handoff
    assert handoff.watcher is None
    assert not _exists(client_dir / "watch")


def _exists(path: Path) -> bool:
    return path.exists()
