"""A server that does not answer when Home Assistant starts holds up only itself.

The entry loads; the other servers, the cleanup and the BitTorrent client run;
the silent server's entities are unavailable until it answers, asked again
sooner than the polling interval at first; the cleanup fails closed naming it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.lcars.const import CONF_SCAN_INTERVAL, DOMAIN, SERVICE_NAMES
from custom_components.lcars.diagnostics import async_get_config_entry_diagnostics
from custom_components.lcars.torrent.models import TorrentState
from custom_components.lcars.torrent.options import CONF_TORRENT
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
from simulator import Simulator

from .conftest import SUBENTRY_IDS, fill_movies_disk, subentry_data
from .test_cleanup_run import GRACE
from .test_torrent_ha import torrent_options
from .torrent.conftest import lt, make_torrent

NAMES = list(SUBENTRY_IDS)
# One figure of each kind of service, by the key of its unique id.
FIGURES = {
    "radarr": "movies",
    "sonarr": "series",
    "lidarr": "artists",
    "jellyfin": "movies",
    "jellyseerr": "pending_requests",
}
ARR = ("radarr", "sonarr", "lidarr")
FAULTS: dict[str, dict[str, Any]] = {
    "status_500": {"status": 500},
    "drop": {"drop": True},
}


def _title(name: str) -> str:
    """A name no message would hold by chance: the server's name in LCARS."""
    return f"Cellar {SERVICE_NAMES[name]}"


def _entry(
    simulator: Simulator, names: list[str], options: dict[str, Any] | None = None
) -> MockConfigEntry:
    subentries = []
    for name in names:
        data = subentry_data(simulator, name)
        data["title"] = _title(name)
        subentries.append(data)
    return MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 60} | (options or {}),
        entry_id="lcars_entry",
        subentries_data=subentries,
    )


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


def _entity(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    return entity_id


def _state(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    state = hass.states.get(_entity(hass, platform, unique_id))
    assert state is not None, unique_id
    return state.state


def _figure(hass: HomeAssistant, name: str) -> str:
    return _state(hass, "sensor", f"sub_{name}_{FIGURES[name]}")


def _connectivity(hass: HomeAssistant, name: str) -> str:
    return _state(hass, "binary_sensor", f"sub_{name}_connectivity")


def _root_folder_sensors(hass: HomeAssistant, name: str) -> list[str]:
    prefix = f"sub_{name}_root_folder_"
    return [
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), "lcars_entry")
        if e.unique_id.startswith(prefix)
    ]


async def _later(hass: HomeAssistant, seconds: float) -> None:
    """Let this much time pass for the timers of Home Assistant."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


async def _call(hass: HomeAssistant, action: str, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        action,
        {"config_entry_id": "lcars_entry", **data},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


def _lines_about(caplog: pytest.LogCaptureFixture, title: str) -> list[str]:
    """Messages of LCARS at warning or above, and the recovery, naming a server."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components.lcars")
        and title in r.getMessage()
        and (r.levelno >= logging.WARNING or "recovered" in r.getMessage())
    ]


@pytest.mark.parametrize(
    ("down", "fault"),
    [(name, "status_500") for name in NAMES] + [("radarr", "drop")],
)
async def test_one_server_down_at_start(
    hass: HomeAssistant,
    simulator: Simulator,
    device_registry: dr.DeviceRegistry,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    down: str,
    fault: str,
) -> None:
    """The others run at once; the silent one comes up on its own, logged once each way."""
    caplog.set_level(logging.INFO, logger="custom_components.lcars")
    title = _title(down)
    simulator.faults(down).set(**FAULTS[fault])

    await _setup(hass, _entry(simulator, NAMES))

    for name in NAMES:
        if name == down:
            continue
        assert _figure(hass, name) not in (STATE_UNAVAILABLE, "unknown"), name
        assert _connectivity(hass, name) == STATE_ON
    assert _figure(hass, down) == STATE_UNAVAILABLE
    assert _connectivity(hass, down) == STATE_OFF
    device = device_registry.async_get_device(identifiers={(DOMAIN, f"sub_{down}")})
    assert device is not None
    assert device.name == title
    assert device.sw_version is None
    assert _state(hass, "sensor", "lcars_entry_cleanup_leaving_soon") == "0"
    if down in ARR:
        assert _root_folder_sensors(hass, down) == []
        calendar = _entity(hass, "calendar", f"sub_{down}_calendar")
        assert hass.states.get(calendar).state == STATE_UNAVAILABLE
        client = await hass_client()
        start = dt_util.utcnow()
        response = await client.get(
            f"/api/calendars/{calendar}",
            params={
                "start": start.isoformat(),
                "end": (start + timedelta(days=30)).isoformat(),
            },
        )
        assert response.status == 200
        assert await response.json() == []

    # The cleanup runs, and fails closed on the silent server, by its name.
    run = await _call(hass, "run_cleanup", dry_run=False)
    assert run["result"] == "failed_closed"
    assert title in run["message"]
    assert run["deleted"] == []

    simulator.faults(down).clear()
    await _later(hass, 61)

    assert _figure(hass, down) not in (STATE_UNAVAILABLE, "unknown")
    assert _connectivity(hass, down) == STATE_ON
    coordinator = hass.config_entries.async_get_entry(
        "lcars_entry"
    ).runtime_data.coordinators[f"sub_{down}"]
    assert coordinator.version
    device = device_registry.async_get_device(identifiers={(DOMAIN, f"sub_{down}")})
    assert device is not None
    assert device.sw_version == coordinator.version
    if down in ARR:
        folders = _root_folder_sensors(hass, down)
        assert len(folders) == 2 * len(simulator.state.services[down].root_folders)
        for entity_id in folders:
            assert hass.states.get(entity_id).state not in (
                STATE_UNAVAILABLE,
                "unknown",
            )
    assert (await _call(hass, "run_cleanup"))["result"] != "failed_closed"

    lines = _lines_about(caplog, title)
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"Error fetching {title} data")
    assert simulator.services[down].url in lines[0]
    assert lines[1] == f"Fetching {title} data recovered"
    assert "Traceback" not in caplog.text
    assert simulator.services[down].api_key not in caplog.text


async def test_the_only_server_down_backs_off(
    hass: HomeAssistant, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Asked again after 10 s, then 20, 40, and at the polling interval (60 s)."""
    caplog.set_level(logging.INFO, logger="custom_components.lcars")
    simulator.faults("radarr").set(status=500)
    await _setup(hass, _entry(simulator, ["radarr"]))
    assert _figure(hass, "radarr") == STATE_UNAVAILABLE
    assert _connectivity(hass, "radarr") == STATE_OFF
    assert hass.services.has_service(DOMAIN, "run_cleanup")

    def asked() -> bool:
        found = bool(simulator.requests("radarr"))
        simulator.reset_requests("radarr")
        return found

    asked()
    for wait in (10, 20, 40, 60, 60):
        # Not well before the time is up (slack for a busy machine)...
        await _later(hass, wait * 0.3)
        assert not asked(), wait
        # ...and once it is.
        await _later(hass, wait + 1)
        assert asked(), wait

    simulator.faults("radarr").clear()
    await _later(hass, 61)
    assert asked()
    assert _figure(hass, "radarr") not in (STATE_UNAVAILABLE, "unknown")
    # Back at the polling interval.
    await _later(hass, 20)
    assert not asked()
    await _later(hass, 61)
    assert asked()
    assert len(_lines_about(caplog, _title("radarr"))) == 2


async def test_every_server_down_at_start(
    hass: HomeAssistant,
    simulator: Simulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """LCARS loads with nothing answering; actions say who is missing."""
    for name in NAMES:
        simulator.faults(name).set(status=503)
    await _setup(hass, _entry(simulator, NAMES))
    for name in NAMES:
        assert _figure(hass, name) == STATE_UNAVAILABLE
        assert _connectivity(hass, name) == STATE_OFF
    assert _state(hass, "sensor", "lcars_entry_cleanup_leaving_soon") == "0"

    for action in ("get_library", "get_queue", "get_disk_space"):
        with pytest.raises(HomeAssistantError) as err:
            await _call(hass, action)
        assert err.value.translation_key == "service_unavailable"
        assert "Cellar Radarr" in str(err.value)
    preview = await _call(hass, "preview_cleanup")
    assert preview["failed_closed"] is True
    diagnostics = await async_get_config_entry_diagnostics(
        hass, hass.config_entries.async_get_entry("lcars_entry")
    )
    for service in diagnostics["services"]:
        assert service["last_update_success"] is False
        assert service["version"] is None
        assert service["figures"] == {}

    for name in NAMES:
        simulator.faults(name).clear()
    await _later(hass, 61)
    for name in NAMES:
        assert _figure(hass, name) not in (STATE_UNAVAILABLE, "unknown")
    assert (await _call(hass, "get_library"))["total"] > 0


async def test_actions_leave_out_a_silent_server(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Reads answer from those that answered and name the rest; one by name is refused."""
    simulator.faults("sonarr").set(status=500)
    simulator.faults("jellyfin").set(status=500)
    await _setup(hass, _entry(simulator, NAMES))

    library = await _call(hass, "get_library", limit=1000)
    assert {item["service"] for item in library["items"]} == {"radarr", "lidarr"}
    assert library["total"] == len(simulator.state.services["radarr"].movies) + len(
        simulator.state.services["lidarr"].artists
    )
    assert set(library["unavailable"]) == {"Cellar Sonarr", "Cellar Jellyfin"}
    assert all(item["watch"] is None for item in library["items"])
    queue = await _call(hass, "get_queue")
    assert {item["service"] for item in queue["items"]} <= {"radarr", "lidarr"}
    assert queue["unavailable"] == ["Cellar Sonarr"]
    disk = await _call(hass, "get_disk_space")
    assert {f["service"] for f in disk["root_folders"]} == {"radarr", "lidarr"}
    assert disk["unavailable"] == ["Cellar Sonarr"]
    assert (await _call(hass, "get_disk_space", service="radarr"))["unavailable"] == []

    for action, data in (
        ("get_library", {"service": "sonarr"}),
        ("get_queue", {"instance": "Cellar Sonarr"}),
        ("get_disk_space", {"service": "sonarr"}),
        ("protect", {"service": "sonarr", "id": 1}),
        ("delete_media", {"service": "sonarr", "id": 1}),
    ):
        with pytest.raises(HomeAssistantError) as err:
            await _call(hass, action, **data)
        assert err.value.translation_key == "service_unavailable", action
        assert "Cellar Sonarr" in str(err.value)

    # Favourites and what is playing are Jellyfin's: no deletion without it.
    movie = next(iter(simulator.state.services["radarr"].movies.values()))
    before = simulator.dump()
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "delete_media", service="radarr", id=movie.id, dry_run=False)
    assert err.value.translation_key == "service_unavailable"
    assert "Cellar Jellyfin" in str(err.value)
    assert simulator.dump() == before


async def test_refused_key_at_start(hass: HomeAssistant, simulator: Simulator) -> None:
    """A key refused at start: the entry loads, that server asks for its new key."""
    entry = _entry(simulator, ["radarr", "lidarr"])
    new_key = simulator.rotate_key("lidarr")
    await _setup(hass, entry)
    assert _figure(hass, "radarr") not in (STATE_UNAVAILABLE, "unknown")
    assert _figure(hass, "lidarr") == STATE_UNAVAILABLE
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    form = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert form["description_placeholders"]["name"] == "Cellar Lidarr"

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"api_key": new_key}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert _figure(hass, "lidarr") not in (STATE_UNAVAILABLE, "unknown")


async def test_restart_with_a_server_down_deletes_nothing(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Due items wait while a server is silent after a restart; then they go."""
    entry = _entry(simulator, NAMES)
    await _setup(hass, entry)
    manager = entry.runtime_data.cleanup
    await manager.async_set_automatic(False)
    await manager.async_set_dry_run(False)
    fill_movies_disk(simulator)
    assert (await _call(hass, "run_cleanup"))["result"] == "listed"
    listed = [e.key for e in manager.leaving_soon]
    assert listed
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    # Home Assistant starts again past the grace period, Sonarr silent.
    freezer.tick(GRACE + timedelta(hours=1))
    simulator.faults("sonarr").set(status=500)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    before = simulator.dump()

    run = await _call(hass, "run_cleanup")
    assert run["result"] == "failed_closed"
    assert "Cellar Sonarr" in run["message"]
    assert run["deleted"] == []
    assert simulator.dump() == before
    assert [e.key for e in entry.runtime_data.cleanup.leaving_soon] == listed

    simulator.faults("sonarr").clear()
    run = await _call(hass, "run_cleanup")
    assert run["result"] == "ok", run["message"]
    assert run["deleted"]


@pytest.mark.skipif(lt is None, reason="libtorrent is not installed")
async def test_bittorrent_runs_with_a_server_down(
    hass: HomeAssistant,
    simulator: Simulator,
    media: Path,
    socket_enabled: None,
) -> None:
    """The client runs; with a torrent seeding the cleanup still fails closed.

    The silent server is asked which library item the torrent went to once
    it answers, not skipped for good.
    """
    simulator.faults("sonarr").set(status=500)
    entry = _entry(
        simulator, ["radarr", "sonarr"], {CONF_TORRENT: torrent_options(media)}
    )
    await _setup(hass, entry)
    await entry.runtime_data.cleanup.async_set_automatic(False)
    torrent = entry.runtime_data.torrent
    assert torrent.running
    assert _state(hass, "sensor", "lcars_entry_torrent_active") == "0"
    assert _figure(hass, "sonarr") == STATE_UNAVAILABLE

    torrent_bytes, _digest = make_torrent(media, "episode.mkv", 256 * 1024)
    assert torrent.running
    info_hash = await torrent.add(data=torrent_bytes, save_path=media)
    async with asyncio.timeout(60):
        # The engine reports status once a second; no event says "seeding".
        while (status := torrent.status(info_hash)) is None or (  # noqa: ASYNC110
            status.state not in (TorrentState.SEEDING, TorrentState.FINISHED)
        ):
            await asyncio.sleep(0.05)

    run = await _call(hass, "run_cleanup")
    assert run["result"] == "failed_closed", run["message"]
    assert "Cellar Sonarr" in run["message"]

    def history(name: str) -> int:
        return sum(
            1 for _m, path in simulator.requests(name) if path.endswith("/history")
        )

    assert history("radarr") == 1
    simulator.faults("sonarr").clear()
    simulator.reset_requests()
    run = await _call(hass, "run_cleanup")
    assert run["result"] != "failed_closed", run["message"]
    assert history("sonarr") == 1
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_server_that_hangs_does_not_hold_up_setup(
    hass: HomeAssistant, simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Setup waits for a slow first read only so long; it ends in the background."""
    monkeypatch.setattr("custom_components.lcars.FIRST_READ_WAIT_SECONDS", 0.2)
    # Radarr holds every answer until its faults are cleared.
    simulator.faults("radarr").set(latency=600)
    entry = _entry(simulator, NAMES)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    # Set up while Radarr's first read still waits for its answer.
    assert entry.runtime_data.coordinators["sub_radarr"].data is None
    assert _figure(hass, "radarr") == STATE_UNAVAILABLE
    assert _connectivity(hass, "radarr") == STATE_OFF
    assert _figure(hass, "sonarr") not in (STATE_UNAVAILABLE, "unknown")
    assert _root_folder_sensors(hass, "radarr") == []

    simulator.faults("radarr").clear()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _figure(hass, "radarr") not in (STATE_UNAVAILABLE, "unknown")
    assert _connectivity(hass, "radarr") == STATE_ON
    assert _root_folder_sensors(hass, "radarr")
