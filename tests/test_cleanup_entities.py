"""Tests of the cleanup's entities: switches, button, events, sensors, calendar."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.lcars.const import (
    CLEANUP_RESULTS,
    EVENT_CLEANUP_FINISHED,
    EVENT_MEDIA_DELETED,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.dispatcher import DATA_DISPATCHER
from homeassistant.util import dt as dt_util

from .conftest import lcars_entry

# Radarr's /movies at 3% free space: under the 5% step of the default policy,
# so movies older than 15 days expire and go on leaving soon for 14 days.
FREE_PERCENT = 3
LIMIT_DAYS = 15
GRACE_DAYS = 14

DRY_RUN = "switch.cleanup_dry_run"
AUTOMATIC = "switch.cleanup_automatic_cleanup"
RUN_NOW = "button.cleanup_run_now"
RUN_FINISHED = "event.cleanup_run_finished"
MEDIA_DELETED = "event.cleanup_media_deleted"
LEAVING_SOON = "sensor.cleanup_leaving_soon"
LEAVING_SOON_SIZE = "sensor.cleanup_leaving_soon_size"
NEXT_DELETION = "sensor.cleanup_next_deletion"
LAST_RUN = "sensor.cleanup_last_run"
LAST_RESULT = "sensor.cleanup_last_run_result"
LAST_FREED = "sensor.cleanup_freed_by_last_run"
CALENDAR = "calendar.cleanup_upcoming_deletions"
MOVIES_EXPIRATION = "sensor.radarr_expiration_movies"


@pytest.fixture
def platforms() -> list[Platform]:
    """Every platform with cleanup entities."""
    return [
        Platform.BUTTON,
        Platform.CALENDAR,
        Platform.EVENT,
        Platform.SENSOR,
        Platform.SWITCH,
    ]


def _state(hass: HomeAssistant, entity_id: str) -> Any:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state


async def _set_movies_free(
    hass: HomeAssistant, simulator: Any, entry: MockConfigEntry, percent: float
) -> None:
    """Set the free space of Radarr's /movies and let the coordinator see it."""
    total = simulator.state.services["radarr"].total_space_of("/movies")
    simulator.set_free_space("radarr", "/movies", int(total * percent / 100))
    coordinator = entry.runtime_data.coordinators["sub_radarr"]
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    await hass.async_block_till_done()


async def _refresh_all(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Fresh data from every service: the cleanup refuses stale data."""
    for coordinator in entry.runtime_data.coordinators.values():
        await coordinator.async_refresh()
        assert coordinator.last_update_success
    await hass.async_block_till_done()


async def _press(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: RUN_NOW}, blocking=True
    )
    await hass.async_block_till_done()


async def _switch(hass: HomeAssistant, entity_id: str, on: bool) -> None:
    await hass.services.async_call(
        "switch",
        "turn_on" if on else "turn_off",
        {ATTR_ENTITY_ID: entity_id},
        blocking=True,
    )
    await hass.async_block_till_done()


async def _calendar_events(
    hass: HomeAssistant, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            ATTR_ENTITY_ID: CALENDAR,
            "start_date_time": start.isoformat(),
            "end_date_time": end.isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    events: list[dict[str, Any]] = response[CALENDAR]["events"]
    return events


@pytest.mark.parametrize(
    "platforms",
    [[Platform.SWITCH], [Platform.BUTTON], [Platform.EVENT]],
    ids=["switch", "button", "event"],
)
async def test_cleanup_entities_snapshot(
    hass: HomeAssistant,
    frozen_simulator: Any,
    frozen_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """The switches, the button and the event entities of the cleanup device."""
    await snapshot_platform(
        hass, entity_registry, snapshot, frozen_integration.entry_id
    )


async def test_cleanup_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The cleanup entities share one device of the entry, not of a service."""
    device = device_registry.async_get_device(
        identifiers={("lcars", f"{init_integration.entry_id}_cleanup")}
    )
    assert device is not None
    assert device.name == "Cleanup"
    assert device.manufacturer == "LCARS"
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    on_device = {
        entry.entity_id
        for entry in er.async_entries_for_device(entity_registry, device.id)
    }
    assert on_device == {
        DRY_RUN,
        AUTOMATIC,
        RUN_NOW,
        RUN_FINISHED,
        MEDIA_DELETED,
        LEAVING_SOON,
        LEAVING_SOON_SIZE,
        NEXT_DELETION,
        LAST_RUN,
        LAST_RESULT,
        LAST_FREED,
        CALENDAR,
    }
    for entity_id in (DRY_RUN, AUTOMATIC):
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.entity_category is er.EntityCategory.CONFIG
        assert entry.config_subentry_id is None


async def test_nothing_leaving_before_a_run(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Before the first run nothing is leaving and nothing was done."""
    assert _state(hass, DRY_RUN).state == STATE_ON
    assert _state(hass, AUTOMATIC).state == STATE_ON
    assert _state(hass, LEAVING_SOON).state == "0"
    assert _state(hass, LEAVING_SOON).attributes["items"] == []
    assert float(_state(hass, LEAVING_SOON_SIZE).state) == 0
    for entity_id in (NEXT_DELETION, LAST_RUN, LAST_RESULT, LAST_FREED):
        assert _state(hass, entity_id).state == STATE_UNKNOWN, entity_id
    assert _state(hass, RUN_FINISHED).state == STATE_UNKNOWN
    assert _state(hass, MEDIA_DELETED).state == STATE_UNKNOWN
    assert _state(hass, CALENDAR).state == STATE_OFF
    result = _state(hass, LAST_RESULT)
    assert result.attributes["options"] == list(CLEANUP_RESULTS)


async def test_button_puts_old_movies_on_leaving_soon(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """A run on a nearly full disk fills leaving soon, the sensors and the calendar."""
    manager = init_integration.runtime_data.cleanup
    events = async_capture_events(hass, EVENT_CLEANUP_FINISHED)
    await _set_movies_free(hass, simulator, init_integration, FREE_PERCENT)
    before = simulator.dump()["services"]
    started = dt_util.utcnow()

    await _press(hass)

    # A dry run: no library changed (Jellyfin's Leaving Soon collection may).
    after = simulator.dump()["services"]
    for name in ("radarr", "sonarr", "lidarr"):
        assert after[name] == before[name], name
    assert len(events) == 1
    summary = manager.last_run
    assert summary is not None
    assert summary.trigger == "button"
    assert summary.dry_run is True

    leaving = manager.leaving_soon
    assert leaving
    count = int(_state(hass, LEAVING_SOON).state)
    assert count == len(leaving) > 0
    radarr = simulator.state.services["radarr"]
    for item in leaving:
        assert item.service == "radarr"
        assert item.root_folder == "/movies"
        movie = radarr.movies[int(item.key.rsplit("/", 1)[1])]
        assert movie.file is not None
        assert movie.file.date_added < started - timedelta(days=LIMIT_DAYS)
    listed = _state(hass, LEAVING_SOON).attributes["items"]
    assert [i["title"] for i in listed] == [i.title for i in leaving[:10]]

    size = _state(hass, LEAVING_SOON_SIZE)
    assert size.attributes["unit_of_measurement"] == "GiB"
    assert float(size.state) == pytest.approx(
        sum(item.size for item in leaving) / 2**30, abs=0.051
    )
    next_deletion = dt_util.parse_datetime(_state(hass, NEXT_DELETION).state)
    first = min(item.delete_on for item in leaving)
    # A timestamp sensor shows whole seconds.
    assert next_deletion == first.replace(microsecond=0)
    assert first - started >= timedelta(days=GRACE_DAYS)
    assert first - started < timedelta(days=GRACE_DAYS, minutes=5)

    last_run = dt_util.parse_datetime(_state(hass, LAST_RUN).state)
    assert last_run == summary.finished.replace(microsecond=0)
    result = _state(hass, LAST_RESULT)
    assert result.state == summary.result
    assert result.attributes["trigger"] == "button"
    assert result.attributes["dry_run"] is True
    assert float(_state(hass, LAST_FREED).state) == 0

    # The calendar: an all-day event per item, on the local day of its deletion.
    events_in_range = await _calendar_events(
        hass, started, started + timedelta(days=GRACE_DAYS + 2)
    )
    assert len(events_in_range) == len(leaving)
    by_summary = {event["summary"]: event for event in events_in_range}
    for item in leaving:
        event = by_summary[f"{item.title} leaves"]
        day = dt_util.as_local(item.delete_on).date()
        assert event["start"] == day.isoformat()
        assert event["end"] == (day + timedelta(days=1)).isoformat()
        assert event["description"] == item.reason
    # Nothing is shown before the grace period ends.
    assert (
        await _calendar_events(hass, started, started + timedelta(days=GRACE_DAYS - 1))
        == []
    )
    calendar = _state(hass, CALENDAR)
    assert calendar.state == STATE_OFF
    assert calendar.attributes["message"] == f"{leaving[0].title} leaves"
    assert calendar.attributes["all_day"] is True

    # The event entity tells what the run came to.
    finished = _state(hass, RUN_FINISHED)
    assert finished.state != STATE_UNKNOWN
    assert finished.attributes["event_type"] == summary.result
    assert finished.attributes["result"] == summary.result
    assert finished.attributes["dry_run"] is True
    assert finished.attributes["trigger"] == "button"
    assert finished.attributes["leaving_soon"] == len(leaving)
    assert "config_entry_id" not in finished.attributes
    assert _state(hass, MEDIA_DELETED).state == STATE_UNKNOWN


async def test_expiration_follows_free_space(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """The days items may stay in a root folder shorten as its disk fills."""
    manager = init_integration.runtime_data.cleanup
    # Plenty of space: nothing expires.
    await _set_movies_free(hass, simulator, init_integration, 50)
    state = _state(hass, MOVIES_EXPIRATION)
    assert state.state == STATE_UNKNOWN
    assert state.attributes["unit_of_measurement"] == "d"
    assert state.attributes["device_class"] == "duration"
    assert state.attributes["path"] == "/movies"

    for percent, days in ((18, 90), (12, 60), (8, 30), (3, 15)):
        await _set_movies_free(hass, simulator, init_integration, percent)
        state = _state(hass, MOVIES_EXPIRATION)
        assert manager.policy.limit_of_service("radarr", percent) == days
        assert int(state.state) == days, percent
        # Rounded down to one decimal, as every percentage LCARS shows: a
        # disk set to 18% in whole bytes is a hair under it, 17.9.
        assert state.attributes["free_percent"] == pytest.approx(percent, abs=0.11)
        assert state.attributes["free_percent"] <= percent

    # Sonarr's root folders have their own sensors, untouched by Radarr's disk.
    sonarr_ids = [
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            er.async_get(hass), init_integration.entry_id
        )
        if entry.unique_id.startswith("sub_sonarr_expiration_root_folder_")
    ]
    assert sonarr_ids
    sonarr = init_integration.runtime_data.coordinators["sub_sonarr"]
    for entity_id in sonarr_ids:
        state = _state(hass, entity_id)
        folder = next(
            f for f in sonarr.data.root_folders if f.path == state.attributes["path"]
        )
        expected = manager.policy.limit_of_service("sonarr", folder.free_percent)
        assert state.state == (STATE_UNKNOWN if expected is None else str(expected))


async def test_expiration_sensors_follow_root_folders(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Any,
    entity_registry: er.EntityRegistry,
) -> None:
    """A new root folder gets an expiration sensor; a removed one loses it."""
    state = simulator.state.services["radarr"]
    coordinator = init_integration.runtime_data.coordinators["sub_radarr"]
    template = state.root_folders[0]
    new_id = max(folder.id for folder in state.root_folders) + 100
    added = dataclasses.replace(
        template, id=new_id, path=template.path.rstrip("/") + "-new"
    )
    unique_id = f"sub_radarr_expiration_root_folder_{new_id}"
    assert entity_registry.async_get_entity_id("sensor", "lcars", unique_id) is None

    state.root_folders.append(added)
    state.touch()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    entity_id = entity_registry.async_get_entity_id("sensor", "lcars", unique_id)
    assert entity_id is not None
    registry_entry = entity_registry.async_get(entity_id)
    assert registry_entry is not None
    assert registry_entry.config_subentry_id == "sub_radarr"
    assert _state(hass, entity_id).attributes["path"] == added.path

    state.root_folders.remove(added)
    state.touch()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert entity_registry.async_get_entity_id("sensor", "lcars", unique_id) is None
    assert hass.states.get(entity_id) is None


async def test_dry_run_switch_persists_across_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Turning dry run off is kept by the cleanup through a reload."""
    assert _state(hass, DRY_RUN).state == STATE_ON
    await _switch(hass, DRY_RUN, on=False)
    assert _state(hass, DRY_RUN).state == STATE_OFF
    assert init_integration.runtime_data.cleanup.dry_run is False

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.cleanup.dry_run is False
    assert _state(hass, DRY_RUN).state == STATE_OFF

    await _switch(hass, DRY_RUN, on=True)
    assert _state(hass, DRY_RUN).state == STATE_ON
    assert init_integration.runtime_data.cleanup.dry_run is True


async def test_automatic_switch_removes_next_run(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Automatic cleanup off: no next run; on again: a next run is planned."""
    manager = init_integration.runtime_data.cleanup
    assert _state(hass, AUTOMATIC).state == STATE_ON
    assert manager.next_run is not None

    await _switch(hass, AUTOMATIC, on=False)
    state = _state(hass, AUTOMATIC)
    assert state.state == STATE_OFF
    assert manager.automatic is False
    assert manager.next_run is None
    assert state.attributes["next_run"] is None

    await _switch(hass, AUTOMATIC, on=True)
    state = _state(hass, AUTOMATIC)
    assert state.state == STATE_ON
    assert manager.next_run is not None
    next_run = dt_util.parse_datetime(state.attributes["next_run"])
    assert next_run == manager.next_run
    assert next_run > dt_util.utcnow()


async def test_real_deletion_fires_media_deleted(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After the grace period, a run with dry run off deletes and says so."""
    manager = init_integration.runtime_data.cleanup
    deleted_events = async_capture_events(hass, EVENT_MEDIA_DELETED)
    finished_events = async_capture_events(hass, EVENT_CLEANUP_FINISHED)
    await _switch(hass, AUTOMATIC, on=False)
    await _switch(hass, DRY_RUN, on=False)
    await _set_movies_free(hass, simulator, init_integration, FREE_PERCENT)
    await _press(hass)
    leaving = {item.key: item for item in manager.leaving_soon}
    assert leaving
    assert not deleted_events

    freezer.tick(timedelta(days=GRACE_DAYS, hours=1))
    await _refresh_all(hass, init_integration)
    free_before = simulator.state.services["radarr"].disk_for("/movies").free_space

    await _press(hass)

    summary = manager.last_run
    assert summary is not None
    assert summary.result == "ok"
    assert summary.dry_run is False
    assert summary.deleted
    assert len(deleted_events) == len(summary.deleted)
    assert summary.bytes_freed == sum(item.size for item in summary.deleted)
    radarr = simulator.state.services["radarr"]
    for item in summary.deleted:
        assert item.key in leaving
        movie = radarr.movies.get(int(item.key.rsplit("/", 1)[1]))
        assert movie is None or movie.file is None
    assert radarr.disk_for("/movies").free_space > free_before

    # The bus events, for automations and the logbook, keep their data.
    entry_id = init_integration.entry_id
    assert [event.data for event in deleted_events] == [
        {"config_entry_id": entry_id, **item.as_dict()} for item in summary.deleted
    ]
    assert finished_events[-1].data == {
        "config_entry_id": entry_id,
        **summary.event_data(),
    }

    last = summary.deleted[-1]
    state = _state(hass, MEDIA_DELETED)
    assert {key: state.attributes[key] for key in last.as_dict()} == last.as_dict()
    assert state.attributes["event_type"] == "deleted"
    assert state.attributes["title"] == last.title
    assert state.attributes["key"] == last.key
    assert state.attributes["size"] == last.size
    assert state.attributes["reason"] == last.reason
    assert "config_entry_id" not in state.attributes

    state = _state(hass, RUN_FINISHED)
    assert state.attributes["event_type"] == "ok"
    assert state.attributes["deleted"] == len(summary.deleted)
    assert state.attributes["bytes_freed"] == summary.bytes_freed
    assert finished_events[-1].data["deleted"] == len(summary.deleted)

    assert _state(hass, LAST_RESULT).state == "ok"
    assert float(_state(hass, LAST_FREED).state) == pytest.approx(
        summary.bytes_freed / 2**30, abs=0.051
    )
    remaining = int(_state(hass, LEAVING_SOON).state)
    assert remaining == len(manager.leaving_soon)
    assert not {item.key for item in summary.deleted} & {
        item.key for item in manager.leaving_soon
    }


@pytest.mark.parametrize("entry_id", ["another", None], ids=["another", "own"])
async def test_events_fired_by_others_are_not_the_cleanups(
    hass: HomeAssistant, init_integration: MockConfigEntry, entry_id: str | None
) -> None:
    """The event entities pass on what the cleanup did, not what is on the bus.

    An event of another entry, or one an automation fires with this entry's
    id, is not a run or a deletion of this entry's cleanup.
    """
    data = {"config_entry_id": entry_id or init_integration.entry_id}
    hass.bus.async_fire(EVENT_CLEANUP_FINISHED, {**data, "result": "ok", "deleted": 1})
    hass.bus.async_fire(EVENT_MEDIA_DELETED, {**data, "title": "Dune (2021)"})
    await hass.async_block_till_done()
    assert _state(hass, RUN_FINISHED).state == STATE_UNKNOWN
    assert _state(hass, MEDIA_DELETED).state == STATE_UNKNOWN


def _signals_of(hass: HomeAssistant, entry_id: str) -> set[str]:
    """The dispatcher's signals of one entry that something follows."""
    signals: dict[str, dict[Any, Any]] = hass.data.get(DATA_DISPATCHER, {})
    return {
        signal for signal, targets in signals.items() if entry_id in signal and targets
    }


async def test_event_listeners_end_with_the_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """After an unload, nothing follows the entry's cleanup any more."""
    entry_id = init_integration.entry_id
    assert len(_signals_of(hass, entry_id)) >= 3
    assert await hass.config_entries.async_unload(entry_id)
    await hass.async_block_till_done()
    assert _signals_of(hass, entry_id) == set()


async def test_entry_with_only_radarr(hass: HomeAssistant, simulator: Any) -> None:
    """An entry with only Radarr still gets the cleanup device and its sensors."""
    entry = lcars_entry(simulator, ["radarr"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert _state(hass, LEAVING_SOON).state == "0"
    assert _state(hass, MOVIES_EXPIRATION).state == STATE_UNKNOWN
