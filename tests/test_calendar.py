"""Tests of the LCARS release calendars."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
import random
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.lcars.calendar import (
    EPISODE_DURATION,
    MOST_EVENTS_PER_DAY,
    TITLES_LISTED,
    release_summary,
)
from custom_components.lcars.cleanup.records import LeavingSoonEntry
from custom_components.lcars.clients.models import CalendarEntry
from homeassistant.components.calendar import DATA_COMPONENT
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

CALENDARS = {
    "radarr": "calendar.radarr_upcoming_movies",
    "sonarr": "calendar.sonarr_upcoming_episodes",
    "lidarr": "calendar.lidarr_upcoming_albums",
}
LEAVING_SOON_CALENDAR = "calendar.cleanup_upcoming_deletions"


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


def _calendar_entity(hass: HomeAssistant, entity_id: str) -> Any:
    entity = hass.data[DATA_COMPONENT].get_entity(entity_id)
    assert entity is not None
    return entity


def _leaving(number: int, delete_on: datetime) -> LeavingSoonEntry:
    return LeavingSoonEntry(
        key=f"radarr/main/movie/{number}",
        title=f"Movie {number}",
        kind="movie",
        service="radarr",
        instance="Radarr",
        root_folder="/movies",
        size=1_000_000_000,
        entered=delete_on - timedelta(days=7),
        delete_on=delete_on,
        reason="Not watched for 400 days; /movies is 3 % free",
    )


def _large_leaving_soon(count: int, seed: int) -> tuple[LeavingSoonEntry, ...]:
    """Items spread over 90 days at every hour, in deletion order as listed."""
    rng = random.Random(seed)
    now = dt_util.utcnow()
    items = [
        _leaving(n, now + timedelta(minutes=rng.randrange(-5 * 1440, 90 * 1440)))
        for n in range(count)
    ]
    return tuple(sorted(items, key=lambda item: item.delete_on))


def _expected_days(
    leaving_soon: Iterable[LeavingSoonEntry], start: datetime, end: datetime
) -> list[tuple[date, str, str | None]]:
    """The events a range should show: one per item, one per crowded day."""
    days: dict[date, list[LeavingSoonEntry]] = {}
    for item in leaving_soon:
        day = dt_util.as_local(item.delete_on).date()
        if (
            dt_util.start_of_local_day(day) < end
            and dt_util.start_of_local_day(day + timedelta(days=1)) > start
        ):
            days.setdefault(day, []).append(item)
    expected: list[tuple[date, str, str | None]] = []
    for day, items in sorted(days.items()):
        if len(items) > MOST_EVENTS_PER_DAY:
            titles = sorted(item.title for item in items)
            expected.append((day, f"{len(items)} items leave", "\n".join(titles)))
        else:
            # In order of key (the titles here sort as the keys do).
            expected.extend(
                (day, f"{item.title} leaves", item.reason)
                for item in sorted(items, key=lambda item: item.key)
            )
    return expected


@pytest.mark.parametrize(("count", "seed"), [(3000, 1), (3000, 2), (400, 3)])
async def test_leaving_soon_events_of_a_large_list(
    hass: HomeAssistant, init_integration: MockConfigEntry, count: int, seed: int
) -> None:
    """A range of a large leaving soon list: exactly its days, in order.

    A day of more than MOST_EVENTS_PER_DAY deletions is one event listing them.
    """
    manager = init_integration.runtime_data.cleanup
    now = dt_util.now()
    manager.leaving_soon = _large_leaving_soon(count, seed)
    start, end = now + timedelta(days=10, hours=5), now + timedelta(days=40)
    events = await _events(hass, LEAVING_SOON_CALENDAR, start, end)
    expected = _expected_days(manager.leaving_soon, start, end)
    assert expected
    shown = [
        (
            dt_util.parse_date(e["start"]),
            e["summary"],
            # Listed titles in the order the list has them, compared as a set.
            "\n".join(sorted(e["description"].split("\n")))
            if e["summary"].endswith("items leave")
            else e["description"],
        )
        for e in events
    ]
    assert shown == expected


async def test_days_of_up_to_ten_deletions_show_each(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Up to MOST_EVENTS_PER_DAY deletions on a day are an event each; more are one."""
    manager = init_integration.runtime_data.cleanup
    first_day = dt_util.start_of_local_day(dt_util.now() + timedelta(days=5))
    counts = [
        1,
        MOST_EVENTS_PER_DAY,
        MOST_EVENTS_PER_DAY + 1,
        0,
        3,
        3 * MOST_EVENTS_PER_DAY,
    ]
    items: list[LeavingSoonEntry] = []
    for offset, count in enumerate(counts):
        day = first_day + timedelta(days=offset)
        items.extend(
            _leaving(len(items), day + timedelta(hours=1, minutes=n))
            for n in range(count)
        )
    manager.leaving_soon = tuple(items)
    events = await _events(
        hass, LEAVING_SOON_CALENDAR, first_day, first_day + timedelta(days=len(counts))
    )
    per_day: dict[str, list[str]] = {}
    for event in events:
        per_day.setdefault(event["start"], []).append(event["summary"])
    assert [len(summaries) for summaries in per_day.values()] == [
        1,
        MOST_EVENTS_PER_DAY,
        1,
        3,
        1,
    ]
    crowded = [summaries[0] for summaries in per_day.values() if len(summaries) == 1]
    assert crowded[1:] == [
        f"{MOST_EVENTS_PER_DAY + 1} items leave",
        f"{3 * MOST_EVENTS_PER_DAY} items leave",
    ]
    assert crowded[0].endswith(" leaves")


async def test_a_crowded_day_lists_its_first_titles(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A day of hundreds of deletions lists the first titles and how many more."""
    manager = init_integration.runtime_data.cleanup
    day = dt_util.start_of_local_day(dt_util.now() + timedelta(days=3))
    count = max(TITLES_LISTED, MOST_EVENTS_PER_DAY) + 25
    manager.leaving_soon = tuple(
        _leaving(n, day + timedelta(hours=2, seconds=n)) for n in range(count)
    )
    events = await _events(hass, LEAVING_SOON_CALENDAR, day, day + timedelta(days=1))
    assert len(events) == 1
    assert events[0]["summary"] == f"{count} items leave"
    lines = events[0]["description"].split("\n")
    assert lines[:TITLES_LISTED] == [f"Movie {n}" for n in range(TITLES_LISTED)]
    assert lines[TITLES_LISTED:] == [f"and {count - TITLES_LISTED} more"]
    # The calendar's own state shows that day's event too.
    calendar = _calendar_entity(hass, LEAVING_SOON_CALENDAR)
    assert calendar.event is not None
    assert calendar.event.summary == f"{count} items leave"


async def test_leaving_soon_events_let_home_assistant_run(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Making thousands of events yields to the event loop; they are made once."""
    manager = init_integration.runtime_data.cleanup
    now = dt_util.now()
    # One item a day: thousands of events, none of them a crowded day's.
    manager.leaving_soon = tuple(
        _leaving(n, now + timedelta(days=n, hours=1)) for n in range(3000)
    )
    calendar = _calendar_entity(hass, LEAVING_SOON_CALENDAR)
    ran: list[bool] = []
    loop = asyncio.get_running_loop()

    def again() -> None:
        # Counted each time the loop runs other work while events are made.
        ran.append(True)
        if len(ran) < 100:
            loop.call_soon(again)

    loop.call_soon(again)
    first = await calendar.async_get_events(
        hass, now - timedelta(days=10), now + timedelta(days=3100)
    )
    assert len(first) == 3000
    # Other work ran while the events were made.
    assert ran
    again_events = await calendar.async_get_events(
        hass, now - timedelta(days=10), now + timedelta(days=3100)
    )
    assert all(a is b for a, b in zip(first, again_events, strict=True))


class _CountedRows(Sequence[CalendarEntry]):
    """The releases of a snapshot, counting how often they are gone through."""

    def __init__(self, rows: Sequence[CalendarEntry]) -> None:
        self.rows = list(rows)
        self.passes = 0

    def __iter__(self) -> Iterator[CalendarEntry]:
        self.passes += 1
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: Any) -> Any:
        return self.rows[index]


async def test_release_calendar_reads_a_snapshot_once(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The next release is looked for once per snapshot, not at every state read."""
    entity_id = CALENDARS["sonarr"]
    coordinator = init_integration.runtime_data.coordinators["sub_sonarr"]
    rows = _CountedRows(coordinator.data.calendar)
    assert len(rows) >= 2
    coordinator.async_set_updated_data(replace(coordinator.data, calendar=rows))
    await hass.async_block_till_done()
    calendar = _calendar_entity(hass, entity_id)
    for _ in range(3):
        calendar.async_write_ha_state()
    assert rows.passes == 1
    ordered = sorted(rows.rows, key=lambda e: (e.start, e.uid))
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["message"] == release_summary(ordered[0])
    # Once it has ended, the next one is shown.
    began = dt_util.utcnow()
    freezer.move_to(ordered[0].start + EPISODE_DURATION + timedelta(seconds=1))
    later = [e for e in ordered if e.start > ordered[0].start]
    assert calendar.event.summary == release_summary(later[0])
    # Back to the present: the simulator's connections end in their own time.
    freezer.move_to(began)
    # A new snapshot is read again.
    fresh = _CountedRows(rows.rows)
    coordinator.async_set_updated_data(replace(coordinator.data, calendar=fresh))
    await hass.async_block_till_done()
    assert fresh.passes == 1
