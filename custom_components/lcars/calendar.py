"""Calendars of LCARS: upcoming movies, episodes and albums, and leaving soon."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .cleanup.records import LeavingSoonEntry
from .clients.models import CalendarEntry
from .coordinator import (
    ArrCoordinator,
    LidarrCoordinator,
    RadarrCoordinator,
    SonarrCoordinator,
)
from .data import LcarsConfigEntry
from .entity import CleanupEntity, LcarsEntity

# Every coordinator polls on its own; entities only read its data.
PARALLEL_UPDATES = 0

# Sonarr gives the air time of an episode but not how long it runs.
EPISODE_DURATION = timedelta(minutes=30)


def _local(value: date | datetime) -> datetime:
    """Return the local time of an event's start or end, as CalendarEvent does."""
    if isinstance(value, datetime):
        return dt_util.as_local(value)
    return dt_util.start_of_local_day(value)


def release_summary(entry: CalendarEntry) -> str:
    """Name the release in the event's title: "Dune (Digital)".

    A movie can come to cinemas, digitally and on disc in the same month: its
    events tell which is which without being opened.
    """
    return f"{entry.title} ({entry.release})" if entry.release else entry.title


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a calendar for every Radarr, Sonarr and Lidarr, and leaving soon."""
    async_add_entities([LeavingSoonCalendar(entry)])
    for subentry_id, coordinator in entry.runtime_data.coordinators.items():
        if isinstance(
            coordinator, RadarrCoordinator | SonarrCoordinator | LidarrCoordinator
        ):
            async_add_entities(
                [ReleaseCalendar(coordinator)], config_subentry_id=subentry_id
            )


class ReleaseCalendar(LcarsEntity[ArrCoordinator], CalendarEntity):
    """Upcoming releases of one *arr.

    The snapshot holds the releases from now to CALENDAR_DAYS_AHEAD days
    ahead, so past events and events further out are not shown.
    """

    def __init__(self, coordinator: ArrCoordinator) -> None:
        """Show the releases of one service."""
        super().__init__(coordinator, "calendar")
        self._attr_translation_key = f"{coordinator.kind}_calendar"

    def _span(self, entry: CalendarEntry) -> tuple[date | datetime, date | datetime]:
        """Start and end of a release: episodes air at a time, the rest on a day."""
        if isinstance(self.coordinator, SonarrCoordinator):
            return entry.start, entry.start + EPISODE_DURATION
        start = entry.start.date()
        return start, start + timedelta(days=1)

    def _event(self, entry: CalendarEntry) -> CalendarEvent:
        """Turn a release into an event."""
        start, end = self._span(entry)
        return CalendarEvent(
            start=start,
            end=end,
            summary=release_summary(entry),
            description=entry.description,
            uid=entry.uid,
        )

    @property
    def _releases(self) -> Iterable[CalendarEntry]:
        """Releases of the last snapshot; none before the service first answered."""
        data = self.coordinator.data
        return () if data is None else data.calendar

    def _events(self) -> list[CalendarEvent]:
        events = [self._event(entry) for entry in self._releases]
        return sorted(
            events, key=lambda event: (event.start_datetime_local, event.uid or "")
        )

    @property
    def event(self) -> CalendarEvent | None:
        """The release happening now or next.

        Read at every update: only that one event is made, the calendar of a
        large library has thousands of releases. The order is the one of
        `_events()`: local start, then uid.
        """
        now = dt_util.now()
        first: tuple[datetime, str] | None = None
        found: CalendarEntry | None = None
        for entry in self._releases:
            start, end = self._span(entry)
            if _local(end) <= now:
                continue
            key = (_local(start), entry.uid)
            if first is None or key < first:
                first, found = key, entry
        return None if found is None else self._event(found)

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Releases in the range, from the last snapshot."""
        return [
            event
            for event in self._events()
            if event.end_datetime_local > start_date
            and event.start_datetime_local < end_date
        ]


class LeavingSoonCalendar(CleanupEntity, CalendarEntity):
    """The day each item on leaving soon may be deleted, as all-day events."""

    _attr_translation_key = "leaving_soon"

    def __init__(self, entry: LcarsConfigEntry) -> None:
        """Show leaving soon of one LCARS entry."""
        super().__init__(entry, "leaving_soon")

    @staticmethod
    def _event(item: LeavingSoonEntry) -> CalendarEvent:
        """Make an all-day event on the local day the item may first be deleted."""
        day = dt_util.as_local(item.delete_on).date()
        return CalendarEvent(
            start=day,
            end=day + timedelta(days=1),
            summary=f"{item.title} leaves",
            description=item.reason,
            uid=item.key,
        )

    @property
    def event(self) -> CalendarEvent | None:
        """The deletion happening today or next.

        Leaving soon is sorted by deletion time, so the first event that has
        not ended yet is the one.
        """
        now = dt_util.now()
        for item in self.manager.leaving_soon:
            event = self._event(item)
            if event.end_datetime_local > now:
                return event
        return None

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Return the deletions in the range."""
        return [
            event
            for event in map(self._event, self.manager.leaving_soon)
            if event.end_datetime_local > start_date
            and event.start_datetime_local < end_date
        ]
