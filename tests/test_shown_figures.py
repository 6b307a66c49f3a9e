"""What the screen says is true: names, percentages, sizes, titles, states.

LCARS set up with every simulated service, every platform and the BitTorrent
engine, then read as a user reads it: entity names, sensor states and
attributes, action answers, calendar events and event entities.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.lcars.cleanup.reasons import (
    percent_text,
    shown_percent,
    size_text,
)
from custom_components.lcars.const import (
    CONF_SCAN_INTERVAL,
    DOMAIN,
    EVENT_MEDIA_DELETED,
)
from custom_components.lcars.logbook import describe_cleanup_finished
from custom_components.lcars.torrent.options import CONF_TORRENT
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util

from .conftest import call_action, subentry_data
from .torrent.conftest import free_port, lt
from .torrent_ha import wait_for

ALL_PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CALENDAR,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.SWITCH,
]
# Radarr's /movies at 2.96% free: under the 5% step of the default policy.
# Shown as 2.9 everywhere; rounding to the nearest would say 3.0 somewhere.
FREE_PERCENT = 2.96
GRACE_DAYS = 14
BINARY_UNITS = {"B", "KiB", "MiB", "GiB", "TiB"}
# A size written in text, in any unit system.
SIZE_IN_TEXT = re.compile(r"\d(?:\.\d+)? ?([kKMGTP]i?B)\b")


def _engine_options(download_dir: Path) -> dict[str, Any]:
    """A BitTorrent engine on the loopback interface only."""
    port = free_port()
    return {
        "enabled": True,
        "download_dir": str(download_dir),
        "listen_port_min": port,
        "listen_port_max": port,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_utp": False,
        "bind_interface": "lo",
    }


async def _setup(
    hass: HomeAssistant, simulator: Any, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """LCARS with every simulated service and every platform."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 60} | (options or {}),
        entry_id="lcars_entry",
        subentries_data=[subentry_data(simulator, name) for name in simulator.services],
    )
    entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", ALL_PLATFORMS):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry


def _state(hass: HomeAssistant, entity_id: str) -> Any:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state


def _entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    return entity_id


async def _set_movies_free(
    hass: HomeAssistant, simulator: Any, entry: MockConfigEntry, percent: float
) -> None:
    total = simulator.state.services["radarr"].total_space_of("/movies")
    simulator.set_free_space("radarr", "/movies", int(total * percent / 100))
    for coordinator in entry.runtime_data.coordinators.values():
        await coordinator.async_refresh()
        assert coordinator.last_update_success
    await hass.async_block_till_done()


async def _press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done()


async def _switch_off(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done()


def _percents_of(text: str, folder: str) -> list[str]:
    """The free space percentages a text gives for one root folder."""
    return re.findall(rf"{re.escape(folder)} is (\d+(?:\.\d+)?)% free", text)


# --------------------------------------------------------------------------- names


@pytest.mark.skipif(lt is None, reason="libtorrent is not installed")
async def test_every_device_names_its_entities_apart(
    hass: HomeAssistant, simulator: Any, media: Path
) -> None:
    """No two entities of one device share a name (the Cleanup device had two)."""
    entry = await _setup(
        hass, simulator, {CONF_TORRENT: _engine_options(media / "downloads")}
    )
    manager = entry.runtime_data.torrent
    await wait_for(lambda: manager.running)
    devices = dr.async_get(hass)
    by_device: dict[str, list[str]] = {}
    for registry_entry in er.async_entries_for_config_entry(
        er.async_get(hass), entry.entry_id
    ):
        assert registry_entry.device_id is not None, registry_entry.entity_id
        # Disabled entities have no state: their registry entry has the name.
        name = registry_entry.name or registry_entry.original_name
        assert name, registry_entry.entity_id
        by_device.setdefault(registry_entry.device_id, []).append(name)
    names = {
        device.name: by_device.get(device.id, [])
        for device in dr.async_entries_for_config_entry(devices, entry.entry_id)
    }
    assert {"Cleanup", "BitTorrent", "Radarr", "Sonarr", "Jellyfin"} <= set(names)
    for device, entity_names in names.items():
        repeated = {n for n in entity_names if entity_names.count(n) > 1}
        assert not repeated, (device, repeated)


# --------------------------------------------------------------------------- percentages


async def test_one_percentage_everywhere(
    hass: HomeAssistant, simulator: Any, freezer: FrozenDateTimeFactory
) -> None:
    """A free space figure reads the same in sensors, reasons, answers and events."""
    entry = await _setup(hass, simulator)
    deleted_events = async_capture_events(hass, EVENT_MEDIA_DELETED)
    await _switch_off(hass, "switch.cleanup_automatic_cleanup")
    await _set_movies_free(hass, simulator, entry, FREE_PERCENT)
    folder = next(
        f
        for f in entry.runtime_data.coordinators["sub_radarr"].data.root_folders
        if f.path == "/movies"
    )
    assert folder.free_percent is not None
    exact = folder.free_percent
    shown = shown_percent(exact)
    assert shown == 2.9
    assert f"{exact:.1f}" == "3.0"

    # Sensors and attributes.
    percent_sensor = _entity_id(
        hass, "sensor", f"sub_radarr_root_folder_{folder.id}_free_percent"
    )
    assert float(_state(hass, percent_sensor).state) == shown
    expiration = _entity_id(
        hass, "sensor", f"sub_radarr_expiration_root_folder_{folder.id}"
    )
    assert _state(hass, expiration).attributes["free_percent"] == shown
    # Every root folder of every *arr: the same rounding.
    for kind in ("radarr", "sonarr", "lidarr"):
        coordinator = entry.runtime_data.coordinators[f"sub_{kind}"]
        for other in coordinator.data.root_folders:
            assert other.free_percent is not None
            state = _state(
                hass,
                _entity_id(
                    hass, "sensor", f"sub_{kind}_root_folder_{other.id}_free_percent"
                ),
            )
            assert float(state.state) == shown_percent(other.free_percent)

    # The disk space action.
    disks = await call_action(hass, "get_disk_space", entry, service="radarr")
    (movies,) = [f for f in disks["root_folders"] if f["path"] == "/movies"]
    assert movies["free_percent"] == shown

    # The preview: figures and reasons.
    preview = await call_action(hass, "preview_cleanup", entry)
    (outlook,) = [f for f in preview["root_folders"] if f["root_folder"] == "/movies"]
    assert outlook["free_percent"] == shown
    leaving = preview["leaving_soon"]
    assert leaving
    for item in leaving:
        assert item["free_percent"] == shown
        assert _percents_of(item["reason"], "/movies") == ["2.9"]

    # A run: the sensor's list, the calendar, then the deletion event.
    await _switch_off(hass, "switch.cleanup_dry_run")
    await _press(hass, "button.cleanup_run_now")
    listed = _state(hass, "sensor.cleanup_leaving_soon").attributes["items"]
    assert listed
    for item in listed:
        assert _percents_of(item["reason"], "/movies") == ["2.9"]
    freezer.tick(timedelta(days=GRACE_DAYS, hours=1))
    for coordinator in entry.runtime_data.coordinators.values():
        await coordinator.async_refresh()
    await hass.async_block_till_done()
    await _press(hass, "button.cleanup_run_now")
    assert deleted_events
    for event in deleted_events:
        assert _percents_of(event.data["reason"], "/movies") == ["2.9"]
    state = _state(hass, "event.cleanup_media_deleted")
    assert _percents_of(state.attributes["reason"], "/movies") == ["2.9"]


@pytest.mark.parametrize(
    ("percent", "shown", "text"),
    [
        (2.96, 2.9, "2.9%"),
        (9.99, 9.9, "9.9%"),
        (10.0, 10.0, "10.0%"),
        (2.3, 2.3, "2.3%"),
        # 3% of a disk in whole bytes, a hair under 3%.
        (131941395333 * 100 / 4398046511104, 2.9, "2.9%"),
        (99.96, 99.9, "99.9%"),
        (100.0, 100.0, "100.0%"),
        (0.04, 0.0, "0.0%"),
    ],
)
def test_percentages_round_down_to_one_decimal(
    percent: float, shown: float, text: str
) -> None:
    """Down, so that 9.99% free is not "10.0%" and 99.96% done is not "100.0%"."""
    assert shown_percent(percent) == shown
    assert percent_text(percent) == text


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (500, "500 B"),
        (1023, "1.0 KiB"),
        (1024, "1.0 KiB"),
        (350 << 20, "350.0 MiB"),
        ((1 << 30) - 1, "1.0 GiB"),
        (12_400_000_000, "11.5 GiB"),
        (3 << 40, "3.0 TiB"),
    ],
)
def test_sizes_are_written_in_binary_units(size: int, text: str) -> None:
    """One unit system: 1 GiB = 1024 MiB, as the *arr and the torrent clients say."""
    assert size_text(size) == text


@pytest.mark.skipif(lt is None, reason="libtorrent is not installed")
async def test_every_size_in_one_unit_system(
    hass: HomeAssistant, simulator: Any, media: Path
) -> None:
    """Data size sensors show binary units; texts and answers write them too."""
    entry = await _setup(
        hass, simulator, {CONF_TORRENT: _engine_options(media / "downloads")}
    )
    await wait_for(lambda: entry.runtime_data.torrent.running)
    await _switch_off(hass, "switch.cleanup_automatic_cleanup")
    await _set_movies_free(hass, simulator, entry, FREE_PERCENT)
    await _press(hass, "button.cleanup_run_now")

    sizes = [
        state
        for state in hass.states.async_all("sensor")
        if state.attributes.get("device_class") == SensorDeviceClass.DATA_SIZE
    ]
    assert {s.entity_id for s in sizes} >= {
        "sensor.cleanup_leaving_soon_size",
        "sensor.cleanup_freed_by_last_run",
        "sensor.radarr_size_on_disk",
        "sensor.bittorrent_downloaded",
    }
    for state in sizes:
        assert state.attributes["unit_of_measurement"] in BINARY_UNITS, state

    preview = await call_action(hass, "preview_cleanup", entry)
    texts = [preview["summary"], *(i["reason"] for i in preview["leaving_soon"])]
    texts.append(describe_cleanup_finished({"result": "ok", "bytes_freed": 5 << 30}))
    assert SIZE_IN_TEXT.search(preview["summary"])
    for text in texts:
        for unit in SIZE_IN_TEXT.findall(text):
            assert unit in BINARY_UNITS, text
    strings = (
        Path(__file__).parent.parent / "custom_components" / DOMAIN / "strings.json"
    ).read_text(encoding="utf-8")
    for unit in SIZE_IN_TEXT.findall(strings):
        assert unit in BINARY_UNITS, unit
    assert not re.search(r"\b(?:GB|MB|TB|kB)\b", strings)


# --------------------------------------------------------------------------- BitTorrent


@pytest.mark.skipif(lt is None, reason="libtorrent is not installed")
async def test_bittorrent_entities_before_any_torrent(
    hass: HomeAssistant, simulator: Any, media: Path
) -> None:
    """The event entity is unknown, not unavailable, until its first event.

    The torrent counts carry no unit: "1 torrents" is not English, and the
    names ("Active torrents") say what is counted.
    """
    entry = await _setup(
        hass, simulator, {CONF_TORRENT: _engine_options(media / "downloads")}
    )
    await wait_for(lambda: entry.runtime_data.torrent.running)
    await hass.async_block_till_done()
    event_id = _entity_id(hass, "event", f"{entry.entry_id}_torrent_events")
    await wait_for(lambda: _state(hass, event_id).state == STATE_UNKNOWN, 10)
    for key in ("active", "downloading", "seeding", "paused"):
        state = _state(
            hass, _entity_id(hass, "sensor", f"{entry.entry_id}_torrent_{key}")
        )
        assert state.state == "0"
        assert "unit_of_measurement" not in state.attributes, key

    # Stopped, it is unavailable; started again, unknown again.
    manager = entry.runtime_data.torrent
    await manager.async_stop()
    await hass.async_block_till_done()
    assert _state(hass, event_id).state == "unavailable"
    await manager.async_start()
    await wait_for(lambda: _state(hass, event_id).state == STATE_UNKNOWN, 30)


# --------------------------------------------------------------------------- calendars


async def test_release_calendar_names_each_release(
    hass: HomeAssistant, simulator: Any
) -> None:
    """A movie in cinemas, digital and physical in one month: three titled events."""
    entry = await _setup(hass, simulator)
    radarr = simulator.state.services["radarr"]
    movie = min(radarr.movies.values(), key=lambda m: m.id)
    today = dt_util.start_of_local_day(dt_util.utcnow()).astimezone(dt_util.UTC)
    movie.monitored = True
    movie.in_cinemas = today + timedelta(days=3, hours=12)
    movie.digital_release = today + timedelta(days=10, hours=12)
    movie.physical_release = today + timedelta(days=17, hours=12)
    radarr.touch()
    await entry.runtime_data.coordinators["sub_radarr"].async_refresh()
    await hass.async_block_till_done()

    answer = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            ATTR_ENTITY_ID: "calendar.radarr_upcoming_movies",
            "start_date_time": today.isoformat(),
            "end_date_time": (today + timedelta(days=30)).isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    assert answer is not None
    events: list[dict[str, Any]] = answer["calendar.radarr_upcoming_movies"]["events"]  # type: ignore[index]
    mine = [e["summary"] for e in events if e["summary"].startswith(movie.title)]
    assert sorted(mine) == sorted(
        f"{movie.title} ({release})"
        for release in ("In cinemas", "Digital", "Physical")
    )
    # Every event of the calendar says which release it is.
    for event in events:
        assert re.search(r"\((In cinemas|Digital|Physical)\)$", event["summary"])


# --------------------------------------------------------------------------- preview


async def test_preview_answers_what_matters_first(
    hass: HomeAssistant, simulator: Any
) -> None:
    """The summary, the counts and what is due come first; the policy last."""
    entry = await _setup(hass, simulator)
    await _switch_off(hass, "switch.cleanup_automatic_cleanup")
    await _set_movies_free(hass, simulator, entry, FREE_PERCENT)
    preview = await call_action(hass, "preview_cleanup", entry)
    keys = list(preview)
    assert keys[:3] == ["summary", "totals", "delete_now"]
    assert keys[-1] == "policy"
    assert preview["totals"]["leaving_soon_count"] == len(preview["leaving_soon"])
