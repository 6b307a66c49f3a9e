"""Calendars of LCARS: upcoming movies, episodes and albums, and leaving soon."""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from itertools import islice

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .cleanup.records import LeavingSoonEntry
from .clients.models import CalendarEntry, Rows
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

# Events made between two yields to the event loop: making one validates it,
# and a large library has tens of thousands.
EVENTS_PER_CHUNK = 250

# A day with more deletions than this shows them as one event that lists
# them: a calendar day of hundreds of events helps nobody, and Home Assistant
# makes every event it returns into a dictionary on the event loop.
MOST_EVENTS_PER_DAY = 100
# Titles an event of a whole day lists before "and N more".
TITLES_LISTED = 100


def _local(value: date | datetime) -> datetime:
    """Return the local time of an event's start or end, as CalendarEvent does."""
    if isinstance(value, datetime):
        return dt_util.as_local(value)
    return dt_util.start_of_local_day(value)


class _EventList[T]:
    """The events of one source (a snapshot, a leaving soon list), made once.

    Sorted by local start, then uid; made again only when the source or the
    time zone changes. Making them yields to the event loop every
    EVENTS_PER_CHUNK events, so a large list never stalls Home Assistant.
    """

    def __init__(self) -> None:
        self._source: object = None
        self._zone: object = None
        self._events: list[CalendarEvent] = []
        self._starts: list[datetime] = []
        self._longest = timedelta(0)
        self._lock = asyncio.Lock()

    async def async_between(
        self,
        source: object,
        items: Callable[[], Awaitable[Iterable[T]]],
        make: Callable[[T], CalendarEvent],
        start: datetime,
        end: datetime,
    ) -> list[CalendarEvent]:
        """Return the events of `source` that end after `start` and begin before `end`."""
        async with self._lock:
            zone = dt_util.get_default_time_zone()
            if source is not self._source or zone is not self._zone:
                await self._async_make(await items(), make)
                self._source, self._zone = source, zone
            events, starts = self._events, self._starts
        # Events starting before `end`; of those, the ones that began at most
        # the longest event's length before `start` may still be running.
        last = bisect_left(starts, end)
        first = bisect_left(starts, start - self._longest, hi=last)
        return [e for e in events[first:last] if e.end_datetime_local > start]

    async def _async_make(
        self, items: Iterable[T], make: Callable[[T], CalendarEvent]
    ) -> None:
        keyed: list[tuple[datetime, str, CalendarEvent]] = []
        longest = timedelta(0)
        for number, item in enumerate(items, 1):
            event = make(item)
            began = event.start_datetime_local
            longest = max(longest, event.end_datetime_local - began)
            keyed.append((began, event.uid or "", event))
            if number % EVENTS_PER_CHUNK == 0:
                await asyncio.sleep(0)
        keyed.sort(key=lambda row: (row[0], row[1]))
        self._events = [row[2] for row in keyed]
        self._starts = [row[0] for row in keyed]
        self._longest = longest


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
        self._episodes = isinstance(coordinator, SonarrCoordinator)
        self._event_list: _EventList[CalendarEntry] = _EventList()
        # The event now or next, the snapshot and time zone it was found in.
        self._next: tuple[object, object, CalendarEvent | None] | None = None

    def _span(self, entry: CalendarEntry) -> tuple[date | datetime, date | datetime]:
        """Start and end of a release: episodes air at a time, the rest on a day."""
        if self._episodes:
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

    def _find_next(self, now: datetime) -> CalendarEvent | None:
        """Go through the releases once for the one happening now or next.

        The order is the one of `async_get_events`: local start, then uid.
        Aware times compare whatever their zone, and a day's local start
        follows the day, so no time is converted here; of a snapshot's rows,
        only the start and uid are read, and one release is built.
        """
        data = self.coordinator.data
        if data is None:
            return None
        releases = data.calendar
        keys: Iterable[tuple[datetime, str]] = (
            zip(releases.column("start"), releases.column("uid"), strict=True)
            if isinstance(releases, Rows)
            else ((entry.start, entry.uid) for entry in releases)
        )
        found: int | None = None
        if self._episodes:
            ended = now - EPISODE_DURATION
            best: tuple[datetime, str] | None = None
            for index, (start, uid) in enumerate(keys):
                if start > ended and (best is None or (start, uid) < best):
                    best, found = (start, uid), index
        else:
            today = now.date()
            first: tuple[date, str] | None = None
            for index, (start, uid) in enumerate(keys):
                day = start.date()
                if day >= today and (first is None or (day, uid) < first):
                    first, found = (day, uid), index
        return None if found is None else self._event(releases[found])

    @property
    def event(self) -> CalendarEvent | None:
        """The release happening now or next.

        Read several times at every state write: it is looked for once per
        snapshot, and again only once it has ended (or the time zone changed).
        """
        now = dt_util.now()
        data, zone = self.coordinator.data, now.tzinfo
        if self._next is not None:
            source, known_zone, event = self._next
            if (
                source is data
                and known_zone is zone
                and (event is None or event.end_datetime_local > now)
            ):
                return event
        event = self._find_next(now)
        self._next = (data, zone, event)
        return event

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Releases in the range, from the last snapshot."""
        data = self.coordinator.data

        async def releases() -> Iterable[CalendarEntry]:
            return () if data is None else data.calendar

        return await self._event_list.async_between(
            data,
            releases,
            self._event,
            start_date,
            end_date,
        )


type _Deletions = LeavingSoonEntry | tuple[date, Sequence[LeavingSoonEntry]]


def _by_local_day(leaving_soon: Iterable[LeavingSoonEntry]) -> list[_Deletions]:
    """Return the items one by one, and the items of a crowded day together."""
    days: dict[date, list[LeavingSoonEntry]] = {}
    for item in leaving_soon:
        days.setdefault(dt_util.as_local(item.delete_on).date(), []).append(item)
    found: list[_Deletions] = []
    for day, items in days.items():
        if len(items) > MOST_EVENTS_PER_DAY:
            found.append((day, items))
        else:
            found.extend(items)
    return found


def _day_event(day: date, items: Sequence[LeavingSoonEntry]) -> CalendarEvent:
    """Make the all-day event of a day with many deletions, listing their titles."""
    titles = [item.title for item in items[:TITLES_LISTED]]
    if len(items) > TITLES_LISTED:
        titles.append(f"and {len(items) - TITLES_LISTED} more")
    return CalendarEvent(
        start=day,
        end=day + timedelta(days=1),
        summary=f"{len(items)} items leave",
        description="\n".join(titles),
        uid=f"leaving_soon/{day.isoformat()}",
    )


class LeavingSoonCalendar(CleanupEntity, CalendarEntity):
    """The day each item on leaving soon may be deleted, as all-day events.

    A day with more than MOST_EVENTS_PER_DAY deletions has one event for
    them all.
    """

    _attr_translation_key = "leaving_soon"

    def __init__(self, entry: LcarsConfigEntry) -> None:
        """Show leaving soon of one LCARS entry."""
        super().__init__(entry, "leaving_soon")
        self._event_list: _EventList[_Deletions] = _EventList()

    @staticmethod
    def _item_event(item: LeavingSoonEntry) -> CalendarEvent:
        """Make an all-day event on the local day the item may first be deleted."""
        day = dt_util.as_local(item.delete_on).date()
        return CalendarEvent(
            start=day,
            end=day + timedelta(days=1),
            summary=f"{item.title} leaves",
            description=item.reason,
            uid=item.key,
        )

    @classmethod
    def _event(cls, deletions: _Deletions) -> CalendarEvent:
        if isinstance(deletions, LeavingSoonEntry):
            return cls._item_event(deletions)
        return _day_event(*deletions)

    @property
    def event(self) -> CalendarEvent | None:
        """The deletion happening today or next (or that day's, when crowded).

        Leaving soon is sorted by deletion time, so the first event that has
        not ended yet is the one: the items before it are skipped unmade.
        """
        today = dt_util.now().date()
        leaving_soon = self.manager.leaving_soon
        for number, item in enumerate(leaving_soon):
            day = dt_util.as_local(item.delete_on).date()
            if day < today:
                continue
            same_day: list[LeavingSoonEntry] = []
            for other in islice(leaving_soon, number, None):
                if dt_util.as_local(other.delete_on).date() != day:
                    break
                same_day.append(other)
            if len(same_day) > MOST_EVENTS_PER_DAY:
                return _day_event(day, same_day)
            return self._item_event(item)
        return None

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Return the deletions in the range.

        The events are made once per leaving soon list, not at every call;
        the items are sorted into days in the executor.
        """
        leaving_soon = self.manager.leaving_soon

        async def by_day() -> list[_Deletions]:
            return await hass.async_add_executor_job(_by_local_day, leaving_soon)

        return await self._event_list.async_between(
            leaving_soon, by_day, self._event, start_date, end_date
        )
