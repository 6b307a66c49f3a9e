"""Calendars of LCARS: upcoming movies, episodes and albums."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .clients.models import CalendarEntry
from .coordinator import (
    ArrCoordinator,
    LcarsConfigEntry,
    LidarrCoordinator,
    RadarrCoordinator,
    SonarrCoordinator,
)
from .entity import LcarsEntity

# Every coordinator polls on its own; entities only read its data.
PARALLEL_UPDATES = 0

# Sonarr gives the air time of an episode but not how long it runs.
EPISODE_DURATION = timedelta(minutes=30)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a calendar for every Radarr, Sonarr and Lidarr."""
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

    def _event(self, entry: CalendarEntry) -> CalendarEvent:
        """Turn a release into an event: episodes air at a time, the rest on a day."""
        if isinstance(self.coordinator, SonarrCoordinator):
            start: date | datetime = entry.start
            end: date | datetime = entry.start + EPISODE_DURATION
        else:
            start = entry.start.date()
            end = start + timedelta(days=1)
        return CalendarEvent(
            start=start,
            end=end,
            summary=entry.title,
            description=entry.description,
            uid=entry.uid,
        )

    def _events(self) -> list[CalendarEvent]:
        events = [self._event(entry) for entry in self.coordinator.data.calendar]
        return sorted(
            events, key=lambda event: (event.start_datetime_local, event.uid or "")
        )

    @property
    def event(self) -> CalendarEvent | None:
        """The release happening now or next."""
        now = dt_util.now()
        return next(
            (event for event in self._events() if event.end_datetime_local > now), None
        )

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
