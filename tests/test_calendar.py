"""Tests of the LCARS release calendars."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.lcars.calendar import release_summary
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

CALENDARS = {
    "radarr": "calendar.radarr_upcoming_movies",
    "sonarr": "calendar.sonarr_upcoming_episodes",
    "lidarr": "calendar.lidarr_upcoming_albums",
}


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the calendars."""
    return [Platform.CALENDAR]


async def test_calendars(
    hass: HomeAssistant,
    frozen_simulator: Any,
    frozen_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """A calendar per *arr, showing the next release."""
    await snapshot_platform(
        hass, entity_registry, snapshot, frozen_integration.entry_id
    )


async def _events(
    hass: HomeAssistant, entity_id: str, start: Any, end: Any
) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            "entity_id": entity_id,
            "start_date_time": start.isoformat(),
            "end_date_time": end.isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    events = response[entity_id]["events"]  # type: ignore[index]
    assert isinstance(events, list)
    return events


def _bounds(event: dict[str, Any]) -> tuple[datetime, datetime]:
    """Start and end of an event; all-day events span local days."""

    def parse(value: str) -> datetime:
        if "T" in value:
            parsed = dt_util.parse_datetime(value)
            assert parsed is not None
            return parsed
        day = dt_util.parse_date(value)
        assert day is not None
        return dt_util.start_of_local_day(day)

    return parse(event["start"]), parse(event["end"])


@pytest.mark.parametrize("name", list(CALENDARS))
async def test_get_events_in_range(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Any,
    name: str,
) -> None:
    """Events of a range are the releases of the snapshot within it."""
    entity_id = CALENDARS[name]
    coordinator = init_integration.runtime_data.coordinators[f"sub_{name}"]
    now = dt_util.now()
    if name == "lidarr":
        # Give two albums release dates: one in the coming week, one later.
        albums = simulator.state.services["lidarr"].albums
        soon, later = list(albums.values() if isinstance(albums, dict) else albums)[:2]
        today = dt_util.start_of_local_day(dt_util.utcnow()).astimezone(dt_util.UTC)
        soon.release_date = (today + timedelta(days=3)).replace(hour=0)
        later.release_date = (today + timedelta(days=20)).replace(hour=0)
        soon.monitored = later.monitored = True
        simulator.state.services["lidarr"].touch()
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    entries = coordinator.data.calendar
    assert entries, f"the simulated {name} should have upcoming releases"

    everything = await _events(
        hass, entity_id, now - timedelta(days=1), now + timedelta(days=40)
    )
    assert sorted(e["summary"] for e in everything) == sorted(
        release_summary(e) for e in entries
    )

    # A week from tomorrow: only what starts or lasts within it.
    start, end = now + timedelta(days=1), now + timedelta(days=8)
    week = await _events(hass, entity_id, start, end)
    for event in week:
        event_start, event_end = _bounds(event)
        assert event_end > start
        assert event_start < end
    outside = [e for e in everything if e not in week]
    for event in outside:
        event_start, event_end = _bounds(event)
        assert event_end <= start or event_start >= end
    if name == "lidarr":
        (soon_entry,) = [e for e in entries if e.start == soon.release_date]
        assert [e["summary"] for e in week] == [soon_entry.title]
        assert soon.title in soon_entry.title

    nothing = await _events(
        hass, entity_id, now - timedelta(days=30), now - timedelta(days=20)
    )
    assert nothing == []

    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["message"] in {release_summary(e) for e in entries}
