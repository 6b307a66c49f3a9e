"""BitTorrent in Home Assistant: the manager, the actions, the entities, the options.

Transfers are real: a libtorrent seeder on loopback (tests/torrent/conftest.py)
feeds the engine LCARS runs, bound to the loopback interface.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator
import logging
from pathlib import Path
import shutil
from typing import Any
from unittest.mock import patch
from urllib.parse import quote

from aiohttp import web
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.lcars.const import CONF_SCAN_INTERVAL, DOMAIN
from custom_components.lcars.diagnostics import async_get_config_entry_diagnostics
from custom_components.lcars.runtime.torrent import TorrentManager
from custom_components.lcars.torrent.errors import (
    LibtorrentMissingError,
)
from custom_components.lcars.torrent.options import CONF_TORRENT
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)

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

needs_libtorrent = pytest.mark.skipif(lt is None, reason="libtorrent is not installed")

DATA_SIZE = 4 * 1024 * 1024
# Long enough for the checks made while the torrent seeds.
SEEDING_SECONDS = 20
SEEDING_WAIT = 30.0


def torrent_options(download_dir: Path, **changes: Any) -> dict[str, Any]:
    """Options of an engine that talks over the loopback interface only."""
    port = free_port()
    return {
        "enabled": True,
        "download_dir": str(download_dir),
        "listen_port_min": port,
        "listen_port_max": port,
        "connections_limit": 50,
        "download_rate_limit": 0,
        "upload_rate_limit": 0,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_utp": False,
        "bind_interface": "lo",
        "seeding_ratio": 0.0,
        "seeding_hours": 0.0,
        "limit_action": "pause",
        "all_torrent_entities": False,
    } | changes


def make_entry(hass: HomeAssistant, torrent: dict[str, Any]) -> MockConfigEntry:
    """The LCARS entry without services, with the given torrent options."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 60, CONF_TORRENT: torrent},
        entry_id=ENTRY_ID,
    )
    entry.add_to_hass(hass)
    return entry


async def setup(hass: HomeAssistant, torrent: dict[str, Any]) -> MockConfigEntry:
    entry = make_entry(hass, torrent)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


def manager_of(entry: MockConfigEntry) -> TorrentManager:
    manager: TorrentManager = entry.runtime_data.torrent
    return manager


async def refused(hass: HomeAssistant, action: str, data: dict[str, Any]) -> str:
    """Call an action that must fail; return the translation key of its error."""
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, action, data, response=action in ("add_torrent", "get_torrents")
        )
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key is not None
    return err.value.translation_key


def progress_entity(hass: HomeAssistant, info_hash: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{ENTRY_ID}_torrent_item_{info_hash}_progress"
    )


@pytest.fixture
def seeder(tmp_path: Path, socket_enabled: None) -> Iterator[Seeder]:
    """A libtorrent seeder of 4 MB, slow enough that progress can be watched."""
    if lt is None:
        pytest.skip("libtorrent is not installed")
    seeder = start_seeder(tmp_path / "seed", "payload.bin", DATA_SIZE, 1024 * 1024)
    yield seeder
    seeder.session.apply_settings({"stop_tracker_timeout": 0})


@pytest.fixture
async def torrent_server(
    tmp_path: Path, socket_enabled: None
) -> AsyncGenerator[tuple[str, bytes]]:
    """An HTTP server on loopback with a good and a broken torrent file."""
    if lt is None:
        pytest.skip("libtorrent is not installed")
    torrent_bytes, _digest = make_torrent(tmp_path / "served", "served.bin", 256 * 1024)
    app = web.Application()

    async def good(_request: web.Request) -> web.Response:
        return web.Response(body=torrent_bytes)

    async def broken(_request: web.Request) -> web.Response:
        return web.Response(text="<html>not a torrent</html>")

    async def huge(_request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(_request)
        chunk = b"0" * 65536
        for _ in range(11 * 16):
            await response.write(chunk)
        return response

    app.router.add_get("/good.torrent", good)
    app.router.add_get("/broken.torrent", broken)
    app.router.add_get("/huge.torrent", huge)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", torrent_bytes
    await runner.cleanup()


# --------------------------------------------------------------------------- transfer


@needs_libtorrent
async def test_magnet_transfer_through_home_assistant(
    hass: HomeAssistant,
    media: Path,
    seeder: Seeder,
    recorded: list[dict[str, Any]],
) -> None:
    """A magnet naming the loopback seeder downloads the file, seen by the entities.

    Then the seeding limit (20 seconds of seeding) pauses it.
    """
    download_dir = media / "downloads"
    entry = await setup(
        hass,
        torrent_options(
            download_dir, seeding_hours=SEEDING_SECONDS / 3600, limit_action="pause"
        ),
    )
    manager = manager_of(entry)
    assert manager.running

    progress_seen: list[float] = []

    @callback
    def on_state(event: Event[dict[str, Any]]) -> None:
        entity_id = progress_entity(hass, seeder.info_hash)
        state = event.data.get("new_state")
        if entity_id is None or event.data["entity_id"] != entity_id or state is None:
            return
        if state.state not in ("unknown", "unavailable"):
            progress_seen.append(float(state.state))

    hass.bus.async_listen("state_changed", on_state)

    answer = await call(
        hass,
        "add_torrent",
        {"magnet": seeder.magnet(), "category": "movie"},
        response=True,
    )
    assert answer == {"info_hash": seeder.info_hash, "name": seeder.name}
    await wait_for(lambda: "finished" in kinds(recorded, seeder.info_hash))
    await hass.async_block_till_done()
    assert kinds(recorded, seeder.info_hash)[:2] == ["added", "finished"]
    finished = next(e for e in recorded if e["event"] == "finished")
    assert finished["config_entry_id"] == ENTRY_ID
    assert finished["name"] == seeder.name

    assert sha256_of(download_dir / seeder.name) == seeder.sha256

    # The sensor followed the download: some steps between, then 100.
    await wait_for(lambda: progress_seen and progress_seen[-1] == 100.0, 10)
    assert any(0 < value < 100 for value in progress_seen), progress_seen
    assert progress_seen == sorted(progress_seen)
    entity_id = progress_entity(hass, seeder.info_hash)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["state"] in ("seeding", "finished")
    assert state.attributes["category"] == "movie"
    assert state.attributes["ratio"] == 0.0
    assert state.attributes["eta"] is None
    assert "peers" in state.attributes

    listed = await torrents(hass)
    assert [t["info_hash"] for t in listed] == [seeder.info_hash]
    assert listed[0]["progress"] == 100.0
    assert listed[0]["size"] == DATA_SIZE
    assert listed[0]["category"] == "movie"
    assert listed[0]["save_path"] == str(download_dir)

    # The event entity passed the events on.
    registry = er.async_get(hass)
    event_id = registry.async_get_entity_id(
        "event", DOMAIN, f"{ENTRY_ID}_torrent_events"
    )
    assert event_id is not None
    event_state = hass.states.get(event_id)
    assert event_state is not None
    assert event_state.attributes["event_type"] == "finished"
    assert event_state.attributes["info_hash"] == seeder.info_hash
    device = dr.async_get(hass).async_get_device({(DOMAIN, f"{ENTRY_ID}_torrent")})
    assert device is not None
    assert device.model == "libtorrent"

    # Session figures.
    await wait_for(lambda: manager.free_space is not None, 10)
    downloaded_id = registry.async_get_entity_id(
        "sensor", DOMAIN, f"{ENTRY_ID}_torrent_downloaded"
    )
    assert downloaded_id is not None
    await wait_for(
        lambda: (
            (s := hass.states.get(downloaded_id)) is not None
            and s.state not in ("unknown", "unavailable")
            and float(s.state) > 0
        ),
        10,
    )
    seeding_id = registry.async_get_entity_id(
        "sensor", DOMAIN, f"{ENTRY_ID}_torrent_seeding"
    )
    assert seeding_id is not None
    await wait_for(lambda: (s := hass.states.get(seeding_id)) and s.state == "1", 10)
    free_id = registry.async_get_entity_id(
        "sensor", DOMAIN, f"{ENTRY_ID}_torrent_free_space"
    )
    assert free_id is not None
    await wait_for(
        lambda: (
            (s := hass.states.get(free_id)) is not None
            and s.state not in ("unknown", "unavailable")
        ),
        10,
    )
    interface_id = registry.async_get_entity_id(
        "binary_sensor", DOMAIN, f"{ENTRY_ID}_torrent_bind_interface"
    )
    assert interface_id is not None
    interface_state = hass.states.get(interface_id)
    assert interface_state is not None
    assert interface_state.state == "on"

    # The seeding limit pauses it, with an event that says so.
    await wait_for(lambda: "seeding_limit_reached" in kinds(recorded, seeder.info_hash))
    await wait_for(
        lambda: [t["state"] for t in manager.as_dicts()] == ["paused"], SEEDING_WAIT
    )
    reached = next(
        e
        for e in recorded
        if e["event"] == "seeding_limit_reached" and e["info_hash"] == seeder.info_hash
    )
    assert reached["name"] == seeder.name

    # Unloading stops the engine; the torrent is kept for the next start.
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert not manager.running
    assert list(
        (Path(hass.config.config_dir) / ".storage" / "lcars_torrents" / ENTRY_ID).glob(
            "*.resume"
        )
    )


@needs_libtorrent
async def test_pause_resume_remove(
    hass: HomeAssistant,
    media: Path,
    seeder: Seeder,
    recorded: list[dict[str, Any]],
    hass_admin_user: MockUser,
    hass_read_only_user: MockUser,
) -> None:
    """Pause and resume a download; remove torrents with and without their files."""
    download_dir = media / "downloads"
    options = torrent_options(download_dir)
    manager = manager_of(await setup(hass, options))
    # Slow enough that the download is still under way when paused.
    seeder.set_upload_rate(64 * 1024)
    answer = await call(hass, "add_torrent", {"magnet": seeder.magnet()}, response=True)
    info_hash = answer["info_hash"]
    await wait_for(lambda: progress_entity(hass, info_hash))

    await call(hass, "pause_torrent", {"info_hash": info_hash.upper()})
    await wait_for(lambda: manager.statuses[info_hash].state == "paused", 10)
    listed = await torrents(hass)
    assert listed[0]["state"] == "paused"
    entity_id = progress_entity(hass, info_hash)
    assert entity_id is not None
    await wait_for(
        lambda: (s := hass.states.get(entity_id)) and s.attributes["state"] == "paused",
        10,
    )

    await call(hass, "resume_torrent", {"info_hash": info_hash})
    seeder.set_upload_rate(0)
    # The engine waits a minute before it calls a peer again: the seeder
    # calls the engine instead, on its listen port.
    seeder.handle.connect_peer(("127.0.0.1", options["listen_port_min"]))
    await wait_for(lambda: "finished" in kinds(recorded, info_hash))
    assert sha256_of(download_dir / seeder.name) == seeder.sha256

    # Removing without files keeps them; the entity and its registry entry go.
    await call(hass, "remove_torrent", {"info_hash": info_hash})
    await hass.async_block_till_done()
    assert kinds(recorded, info_hash)[-1] == "removed"
    assert await torrents(hass) == []
    assert progress_entity(hass, info_hash) is None
    assert hass.states.get(entity_id) is None
    assert (download_dir / seeder.name).exists()

    # Again from the torrent file, in an allowed directory: the files are there.
    torrent_file = media / "payload.torrent"
    torrent_file.write_bytes(seeder.torrent_bytes)
    answer = await call(
        hass,
        "add_torrent",
        {"path": str(torrent_file), "save_path": str(download_dir), "paused": True},
        response=True,
    )
    assert answer == {"info_hash": info_hash, "name": seeder.name}
    await wait_for(lambda: manager.statuses[info_hash].state == "paused", 10)
    listed = await torrents(hass)
    assert [t["state"] for t in listed] == ["paused"]

    # Deleting files is for administrators.
    with pytest.raises(Unauthorized):
        await call(
            hass,
            "remove_torrent",
            {"info_hash": info_hash, "delete_files": True},
            context=Context(user_id=hass_read_only_user.id),
        )
    assert [t["info_hash"] for t in await torrents(hass)] == [info_hash]
    assert (download_dir / seeder.name).exists()
    await call(
        hass,
        "remove_torrent",
        {"info_hash": info_hash, "delete_files": True},
        context=Context(user_id=hass_admin_user.id),
    )
    assert await torrents(hass) == []
    await wait_for(lambda: not (download_dir / seeder.name).exists(), 10)


@needs_libtorrent
async def test_a_categorised_torrent_keeps_its_category_and_sensor_on_restart(
    hass: HomeAssistant,
    media: Path,
    hass_storage: dict[str, Any],
    socket_enabled: None,
) -> None:
    """A seeding torrent has its sensor by its category, before and after a restart.

    Removing the torrent drops its category from the store.
    """
    download_dir = media / "downloads"
    torrent_bytes, _digest = make_torrent(download_dir, "movie.mkv", 256 * 1024)
    torrent_file = media / "movie.torrent"
    torrent_file.write_bytes(torrent_bytes)
    entry = await setup(hass, torrent_options(download_dir))
    answer = await call(
        hass,
        "add_torrent",
        {"path": str(torrent_file), "category": "movie"},
        response=True,
    )
    info_hash = answer["info_hash"]

    def seeding() -> bool:
        status = manager_of(entry).statuses.get(info_hash)
        return status is not None and status.state in ("seeding", "finished")

    # Its files are there: it seeds at once, a state followed only by category.
    await wait_for(seeding)
    entity_id = await wait_for(lambda: progress_entity(hass, info_hash), 10)

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await wait_for(seeding)
    await hass.async_block_till_done()

    assert dict(manager_of(entry).categories) == {info_hash: "movie"}
    assert progress_entity(hass, info_hash) == entity_id
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["category"] == "movie"
    assert (await torrents(hass))[0]["category"] == "movie"

    await call(hass, "remove_torrent", {"info_hash": info_hash})
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[f"lcars.torrent_categories.{ENTRY_ID}"]
    assert stored["data"] == {"categories": {}}


# --------------------------------------------------------------------------- bad input


@needs_libtorrent
async def test_free_space_that_cannot_be_read_is_unknown_and_said_once(
    hass: HomeAssistant, media: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A download directory that goes away: no figure, one warning, one line back."""
    download_dir = media / "downloads"
    with patch("custom_components.lcars.runtime.torrent.FREE_SPACE_INTERVAL", 0.05):
        entry = await setup(hass, torrent_options(download_dir))
        manager = manager_of(entry)
        await wait_for(lambda: manager.free_space is not None, 10)
        reads = 0

        @callback
        def count() -> None:
            nonlocal reads
            reads += 1

        remove = manager.async_add_listener(count)
        shutil.rmtree(download_dir)
        await wait_for(lambda: manager.free_space is None, 30)
        # Read and failed again a few times: still said once.
        failed_at = reads
        await wait_for(lambda: reads > failed_at + 2, 30)
        warnings = [
            r for r in caplog.records if "Cannot read the free space" in r.message
        ]
        assert len(warnings) == 1
        assert warnings[0].levelname == "WARNING"

        download_dir.mkdir()
        await wait_for(lambda: manager.free_space is not None, 30)
        remove()
    assert "can be read again" in caplog.text


@needs_libtorrent
async def test_an_unreadable_torrent_file_is_told_as_such(
    hass: HomeAssistant, media: Path, torrent_server: tuple[str, bytes]
) -> None:
    """A torrent file Home Assistant may not read is not called "no torrent".

    The tests run as root, which reads a file whatever its permissions, so
    the refusal of the operating system is played by replacing the read of
    that one file.
    """
    _base, torrent_bytes = torrent_server
    await setup(hass, torrent_options(media / "downloads"))
    locked = media / "locked.torrent"
    locked.write_bytes(torrent_bytes)
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    with (
        patch.object(Path, "read_bytes", refuse),
        pytest.raises(ServiceValidationError) as err,
    ):
        await call(hass, "add_torrent", {"path": str(locked)}, response=True)
    assert err.value.translation_key == "torrent_file_unreadable"
    assert str(err.value).startswith(
        "Home Assistant cannot read the torrent file locked.torrent: Permission denied"
    )
    assert await torrents(hass) == []

    # Readable again, the same file is added.
    answer = await call(hass, "add_torrent", {"path": str(locked)}, response=True)
    assert [t["info_hash"] for t in await torrents(hass)] == [answer["info_hash"]]


@needs_libtorrent
async def test_bad_input_adds_nothing(
    hass: HomeAssistant,
    media: Path,
    torrent_server: tuple[str, bytes],
    recorded: list[dict[str, Any]],
    tmp_path: Path,
) -> None:
    """Every action refuses bad input with a translated error; nothing is added."""
    base, torrent_bytes = torrent_server
    await setup(hass, torrent_options(media / "downloads"))
    outside = tmp_path / "outside.torrent"
    outside.write_bytes(torrent_bytes)
    broken = media / "broken.torrent"
    broken.write_bytes(b"not bencoded")
    closed = free_port()

    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "torrent_source_required"),
        (
            {
                "magnet": "magnet:?xt=urn:btih:" + "a" * 40,
                "url": f"{base}/good.torrent",
            },
            "torrent_source_required",
        ),
        ({"magnet": "magnet:?xt=urn:btih:nothex"}, "invalid_magnet"),
        ({"magnet": "magnet:?dn=no-hash"}, "invalid_magnet"),
        ({"magnet": "https://example.invalid/x.torrent"}, "invalid_magnet"),
        ({"url": "ftp://127.0.0.1/x.torrent"}, "torrent_url_unreachable"),
        ({"url": f"http://127.0.0.1:{closed}/x.torrent"}, "torrent_url_unreachable"),
        ({"url": f"{base}/missing.torrent"}, "torrent_url_unreachable"),
        ({"url": f"{base}/broken.torrent"}, "torrent_url_unreachable"),
        ({"url": f"{base}/huge.torrent"}, "torrent_url_unreachable"),
        ({"path": str(outside)}, "torrent_path_not_allowed"),
        ({"path": "relative/file.torrent"}, "torrent_path_not_allowed"),
        ({"path": str(broken)}, "invalid_torrent_file"),
        ({"path": str(media / "missing.torrent")}, "invalid_torrent_file"),
        (
            {"url": f"{base}/good.torrent", "save_path": str(tmp_path)},
            "save_path_not_allowed",
        ),
        (
            {"url": f"{base}/good.torrent", "category": "book"},
            "invalid_torrent_category",
        ),
    ]
    for data, key in cases:
        assert await refused(hass, "add_torrent", data) == key, data
    assert await torrents(hass) == []
    assert recorded == []

    answer = await call(
        hass, "add_torrent", {"url": f"{base}/good.torrent"}, response=True
    )
    assert answer["name"] == "served.bin"
    good = media / "good.torrent"
    good.write_bytes(torrent_bytes)
    assert (
        await refused(hass, "add_torrent", {"path": str(good)}) == "torrent_duplicate"
    )
    assert [t["info_hash"] for t in await torrents(hass)] == [answer["info_hash"]]

    unknown = "ab" * 20
    for action in ("pause_torrent", "resume_torrent", "remove_torrent"):
        assert (
            await refused(hass, action, {"info_hash": unknown}) == "torrent_not_found"
        )
    assert [t["info_hash"] for t in await torrents(hass)] == [answer["info_hash"]]
    assert kinds(recorded, answer["info_hash"]) == ["added"]


async def test_engine_off(hass: HomeAssistant, media: Path) -> None:
    """BitTorrent switched off: the actions say so and no BitTorrent entity exists."""
    entry = await setup(hass, {"enabled": False})
    assert not manager_of(entry).running
    for action, data in (
        ("add_torrent", {"magnet": "magnet:?xt=urn:btih:" + "a" * 40}),
        ("pause_torrent", {"info_hash": "a" * 40}),
        ("resume_torrent", {"info_hash": "a" * 40}),
        ("remove_torrent", {"info_hash": "a" * 40}),
        ("get_torrents", {}),
    ):
        assert await refused(hass, action, data) == "torrent_engine_off"
    registry = er.async_get(hass)
    assert not [
        e
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if "_torrent_" in e.unique_id
    ]


async def test_libtorrent_missing_is_a_repair(hass: HomeAssistant, media: Path) -> None:
    """Without libtorrent the entry loads, BitTorrent stays off, a repair says why.

    libtorrent is installed where these tests run, so its import cannot fail
    here: only the loader function is replaced, by one failing the way the
    real one does when the import fails.
    """

    def load_fails() -> Any:
        missing = ImportError("No module named 'libtorrent'")
        raise LibtorrentMissingError("libtorrent is not installed") from missing

    with patch("custom_components.lcars.torrent.engine.load_libtorrent", load_fails):
        entry = await setup(hass, torrent_options(media / "downloads"))
    assert not manager_of(entry).running
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "libtorrent_missing")
    assert issue is not None
    assert issue.translation_key == "libtorrent_missing"
    assert issue.severity is ir.IssueSeverity.ERROR
    key = await refused(
        hass, "add_torrent", {"magnet": "magnet:?xt=urn:btih:" + "a" * 40}
    )
    assert key == "torrent_engine_off"
    registry = er.async_get(hass)
    rate_id = registry.async_get_entity_id(
        "sensor", DOMAIN, f"{ENTRY_ID}_torrent_download_rate"
    )
    assert rate_id is not None
    state = hass.states.get(rate_id)
    assert state is not None
    assert state.state == "unavailable"


@needs_libtorrent
async def test_bind_interface_down_is_a_repair(
    hass: HomeAssistant, media: Path, socket_enabled: None
) -> None:
    """A bind interface that does not exist pauses everything and raises a repair."""
    entry = await setup(
        hass, torrent_options(media / "downloads", bind_interface="lcarsnone0")
    )
    assert manager_of(entry).running
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"bind_interface_down_{ENTRY_ID}"
    )
    assert issue is not None
    assert issue.translation_key == "bind_interface_down"
    assert issue.translation_placeholders == {"interface": "lcarsnone0"}
    interface_id = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{ENTRY_ID}_torrent_bind_interface"
    )
    assert interface_id is not None
    state = hass.states.get(interface_id)
    assert state is not None
    assert state.state == "off"
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"bind_interface_down_{ENTRY_ID}")
        is None
    )


# --------------------------------------------------------------------------- options


def shown_values(result: Any) -> dict[str, Any]:
    """The values a form shows: its suggested values."""
    return {
        str(marker): (marker.description or {}).get("suggested_value")
        for marker in result["data_schema"].schema
    }


async def open_torrent_step(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert "torrent" in result["menu_options"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "torrent"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "torrent"
    return result


def options_entry(
    hass: HomeAssistant, torrent: dict[str, Any] | None
) -> MockConfigEntry:
    options: dict[str, Any] = {CONF_SCAN_INTERVAL: 90}
    if torrent is not None:
        options[CONF_TORRENT] = torrent
    entry = MockConfigEntry(
        domain=DOMAIN, title="LCARS", data={}, options=options, entry_id=ENTRY_ID
    )
    entry.add_to_hass(hass)
    return entry


async def test_options_torrent_step(hass: HomeAssistant, media: Path) -> None:
    """The built-in engine's options: defaults shown, wrong paths and ports refused."""
    entry = options_entry(hass, None)
    result = await open_torrent_step(hass, entry)
    assert shown_values(result) == {"enabled": False, "backend": "libtorrent"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"enabled": True, "backend": "libtorrent"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "torrent_engine"
    shown = shown_values(result)
    assert "enabled" not in shown
    assert "password" not in shown
    assert shown["download_dir"] == hass.config.path("downloads")
    assert shown["seeding_ratio"] == 1.0
    assert shown["seeding_hours"] == 48.0
    assert shown["bind_interface"] == ""

    good: dict[str, Any] = {
        "download_dir": str(media / "downloads"),
        "listen_port_min": 6881.0,
        "listen_port_max": 6889.0,
        "connections_limit": 100.0,
        "download_rate_limit": 2048.0,
        "upload_rate_limit": 0.0,
        "enable_dht": True,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": True,
        "bind_interface": " wg0 ",
        "seeding_ratio": 2.0,
        "seeding_hours": 24.0,
        "limit_action": "remove",
        "all_torrent_entities": True,
    }
    for changes, field, error in (
        ({"download_dir": "/not/allowed"}, "download_dir", "download_dir_not_allowed"),
        ({"download_dir": "relative/dir"}, "download_dir", "download_dir_not_allowed"),
        ({"listen_port_min": 7000.0}, "listen_port_min", "invalid_port_range"),
        (
            {"listen_port_min": 80.0, "listen_port_max": 90.0},
            "listen_port_min",
            "invalid_port_range",
        ),
    ):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], good | changes
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {field: error}
    assert entry.options == {CONF_SCAN_INTERVAL: 90}

    result = await hass.config_entries.options.async_configure(result["flow_id"], good)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_SCAN_INTERVAL] == 90
    stored = entry.options[CONF_TORRENT]
    assert stored["enabled"] is True
    assert stored["backend"] == "libtorrent"
    assert stored["listen_port_min"] == 6881
    assert isinstance(stored["listen_port_min"], int)
    assert stored["download_rate_limit"] == 2048
    assert stored["bind_interface"] == "wg0"
    assert stored["limit_action"] == "remove"

    # Opened again, the forms show what is stored.
    result = await open_torrent_step(hass, entry)
    assert shown_values(result) == {"enabled": True, "backend": "libtorrent"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"enabled": True, "backend": "libtorrent"}
    )
    shown = shown_values(result)
    assert shown["download_dir"] == str(media / "downloads")
    assert shown["bind_interface"] == "wg0"
    assert shown["all_torrent_entities"] is True

    # Switched off: nothing more is asked, the settings stay for later.
    result = await open_torrent_step(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"enabled": False, "backend": "libtorrent"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_TORRENT] == stored | {"enabled": False}


async def client_step(hass: HomeAssistant, entry: MockConfigEntry, backend: str) -> Any:
    result = await open_torrent_step(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"enabled": True, "backend": backend}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "torrent_client"
    return result


@pytest.mark.parametrize("backend", ["qbittorrent", "transmission"])
async def test_options_external_client(
    hass: HomeAssistant,
    media: Path,
    backend: str,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    socket_enabled: None,
) -> None:
    """An external client is checked by logging in once; its password stays hidden."""
    daemon: Daemon = request.getfixturevalue(f"{backend}_daemon")
    entry = options_entry(hass, None)
    result = await client_step(hass, entry, backend)
    names = {"qbittorrent": "qBittorrent", "transmission": "Transmission"}
    assert result["description_placeholders"] == {"client": names[backend]}
    shown = shown_values(result)
    assert shown["url"] == ""
    assert shown["password"] is None
    assert shown["seeding_ratio"] == 1.0
    assert shown["limit_action"] == "pause"

    good: dict[str, Any] = {
        "url": f" {daemon.url}/ ",
        "username": daemon.username,
        "password": daemon.password,
        "client_download_dir": f" {media / 'client'} ",
        "seeding_ratio": 0.0,
        "seeding_hours": 2.0,
        "limit_action": "remove",
        "all_torrent_entities": True,
    }
    closed = free_port()
    for changes, errors in (
        ({"password": "wrong-password"}, {"password": "invalid_auth"}),
        ({"url": f"http://127.0.0.1:{closed}"}, {"url": "cannot_connect"}),
        ({"url": f"http://user:pw@127.0.0.1:{closed}"}, {"url": "invalid_url"}),
        ({"url": "not a url"}, {"url": "invalid_url"}),
    ):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], good | changes
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == errors, changes
        # What was typed is shown again, except the password.
        assert shown_values(result)["password"] is None
        assert shown_values(result)["url"] == (good | changes)["url"].strip()
    assert entry.options == {CONF_SCAN_INTERVAL: 90}

    result = await hass.config_entries.options.async_configure(result["flow_id"], good)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    stored = entry.options[CONF_TORRENT]
    assert stored == {
        "enabled": True,
        "backend": backend,
        "url": f"{daemon.url}/",
        "username": daemon.username,
        "password": daemon.password,
        "client_download_dir": str(media / "client"),
        "seeding_ratio": 0.0,
        "seeding_hours": 2.0,
        "limit_action": "remove",
        "all_torrent_entities": True,
    }

    # Opened again: the password is not sent back; left empty, it is kept.
    result = await client_step(hass, entry, backend)
    shown = shown_values(result)
    assert shown["url"] == f"{daemon.url}/"
    assert shown["username"] == daemon.username
    assert shown["password"] is None
    assert daemon.password not in str(result)
    kept = good | {"seeding_ratio": 1.5}
    del kept["password"]
    result = await hass.config_entries.options.async_configure(result["flow_id"], kept)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_TORRENT] == stored | {"seeding_ratio": 1.5}

    # A wrong password typed later is refused; the stored one is not touched.
    result = await client_step(hass, entry, backend)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], kept | {"password": "wrong-password"}
    )
    assert result["errors"] == {"password": "invalid_auth"}
    assert entry.options[CONF_TORRENT]["password"] == daemon.password

    # Without a username no password is kept: the client refuses.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], kept | {"username": ""}
    )
    assert result["errors"] == {"username": "invalid_auth"}
    assert daemon.password not in caplog.text


async def test_diagnostics_hide_the_client_password(
    hass: HomeAssistant, media: Path
) -> None:
    """The password of an external client never reaches the diagnostics."""
    entry = await setup(
        hass,
        {
            "enabled": False,
            "backend": "qbittorrent",
            "url": "http://127.0.0.1:8080",
            "username": "admin",
            "password": "do-not-show-me",
        },
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    torrent = diagnostics["entry"]["options"][CONF_TORRENT]
    assert torrent["password"] == "**REDACTED**"
    assert torrent["url"] == "http://127.0.0.1:8080"
    assert "do-not-show-me" not in str(diagnostics)


async def test_diagnostics_redact_keys_in_client_urls(
    hass: HomeAssistant, media: Path
) -> None:
    """A key or user inside the external client's URL never reaches the diagnostics."""
    entry = await setup(
        hass,
        {
            "enabled": False,
            "backend": "transmission",
            "url": f"http://127.0.0.1:9091/transmission/rpc?token={PASSKEY}",
            "username": "admin",
            "password": "do-not-show-me",
        },
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    torrent = diagnostics["entry"]["options"][CONF_TORRENT]
    assert torrent["url"] == "http://127.0.0.1:9091/transmission/rpc?**REDACTED**"
    assert PASSKEY not in str(diagnostics)


# --------------------------------------------------------------------------- secrets

PASSKEY = "c0ffee0123456789abcdef0123456789"


@pytest.fixture
async def private_tracker(
    socket_enabled: None,
) -> AsyncGenerator[tuple[str, list[str]]]:
    """A tracker on loopback that refuses every announce, echoing its URL."""
    announces: list[str] = []

    async def announce(request: web.Request) -> web.Response:
        announces.append(request.path_qs)
        reason = f"unregistered passkey: {request.url}"
        return web.Response(body=lt.bencode({b"failure reason": reason.encode()}))

    app = web.Application()
    app.router.add_get("/announce/{key}", announce)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/announce/{PASSKEY}?passkey={PASSKEY}", announces
    await runner.cleanup()


@needs_libtorrent
async def test_tracker_passkeys_stay_hidden(
    hass: HomeAssistant,
    media: Path,
    seeder: Seeder,
    private_tracker: tuple[str, list[str]],
    recorded: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A magnet of a private tracker: its passkey is in no log, event, answer or state."""
    caplog.set_level(logging.DEBUG, logger="custom_components.lcars")
    tracker, announces = private_tracker
    entry = await setup(hass, torrent_options(media / "downloads"))
    magnet = f"{seeder.magnet()}&tr={quote(tracker, safe='')}"

    added = await call(hass, "add_torrent", {"magnet": magnet}, response=True)
    await wait_for(lambda: "finished" in kinds(recorded, seeder.info_hash))
    await wait_for(lambda: announces and "Tracker" in caplog.text)
    # The engine did announce with the passkey: it is only hidden from people.
    assert any(PASSKEY in announced for announced in announces)

    shown: list[Any] = [
        added,
        await torrents(hass),
        recorded,
        [state.as_dict() for state in hass.states.async_all()],
        await async_get_config_entry_diagnostics(hass, entry),
    ]
    assert PASSKEY not in str(shown)
    logged = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.lcars")
    )
    assert PASSKEY not in logged
    assert f"Tracker 127.0.0.1 of {seeder.info_hash}: unregistered passkey" in logged


# --------------------------------------------------------------------------- kill switch


async def ip_command(*args: str) -> tuple[int, str]:
    """Run the ip tool; return its exit code and what it wrote on stderr."""
    process = await asyncio.create_subprocess_exec(
        "ip",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stderr.decode(errors="replace").strip()


@needs_libtorrent
async def test_torrents_resume_when_the_bind_interface_comes_back(
    hass: HomeAssistant,
    media: Path,
    recorded: list[dict[str, Any]],
    socket_enabled: None,
) -> None:
    """Kill switch: paused while the interface is down, seeding again once it is up.

    Needs a dummy network interface, which only a system allowing it (kernel
    module, privileges) can create; elsewhere the test says why it is skipped.
    """
    if shutil.which("ip") is None:
        pytest.skip("the ip tool (iproute2) is not installed")
    interface = "lcarsks0"
    command = f"ip link add {interface} type dummy"
    code, stderr = await ip_command("link", "add", interface, "type", "dummy")
    if code != 0:
        pytest.skip(f"`{command}` failed: {stderr}")
    try:
        # Created down: the kill switch holds everything back.
        download_dir = media / "downloads"
        torrent_bytes, _digest = make_torrent(download_dir, "kill.bin", 256 * 1024)
        torrent_file = media / "kill.torrent"
        torrent_file.write_bytes(torrent_bytes)
        entry = await setup(
            hass, torrent_options(download_dir, bind_interface=interface)
        )
        manager = manager_of(entry)
        assert manager.running
        assert manager.interface_up is False
        issue_id = f"bind_interface_down_{ENTRY_ID}"
        assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
        answer = await call(
            hass, "add_torrent", {"path": str(torrent_file)}, response=True
        )
        info_hash = answer["info_hash"]
        await wait_for(
            lambda: (s := manager.statuses.get(info_hash)) and s.state == "paused"
        )

        code, stderr = await ip_command("link", "set", interface, "up")
        assert code == 0, stderr
        await wait_for(lambda: manager.interface_up)
        await wait_for(
            lambda: (
                (s := manager.statuses.get(info_hash))
                and s.state in ("seeding", "finished")
            )
        )
        assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
        interface_id = er.async_get(hass).async_get_entity_id(
            "binary_sensor", DOMAIN, f"{ENTRY_ID}_torrent_bind_interface"
        )
        assert interface_id is not None
        await wait_for(
            lambda: (s := hass.states.get(interface_id)) and s.state == "on", 10
        )
        assert kinds(recorded, info_hash)[0] == "added"
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await ip_command("link", "del", interface)
