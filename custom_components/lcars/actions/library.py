"""The library actions: the library, the queues and the disk space of the *arr services."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

import voluptuous as vol

from custom_components.lcars.cleanup.reasons import shown_percent
from custom_components.lcars.clients.models import Artist, Movie, Series, UserData
from custom_components.lcars.const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_INSTANCE,
    ATTR_KIND,
    ATTR_LIMIT,
    ATTR_OFFSET,
    ATTR_SEARCH,
    ATTR_SERVICE,
    ATTR_STATUS,
    DEFAULT_LIBRARY_LIMIT,
    LIBRARY_KINDS,
    LIBRARY_STATUSES,
    MAX_LIBRARY_LIMIT,
)
from custom_components.lcars.coordinator import ArrCoordinator
from custom_components.lcars.data import LcarsConfigEntry
from custom_components.lcars.library import JellyfinIndex, MediaKind
from custom_components.lcars.library.matching import ProviderIds, provider_ids
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse

from . import fields
from .common import (
    LibraryItem,
    async_get_entry,
    invalid,
    library,
    not_answered,
    select_arr,
    title_of,
)

# Beyond any library.
MAX_LIBRARY_OFFSET: Final = fields.MAX_ID

# Every value is checked by the schema with a translated error (see fields).
_ARR_FIELDS = {
    vol.Optional(ATTR_SERVICE): fields.text(ATTR_SERVICE),
    vol.Optional(ATTR_INSTANCE): fields.text(ATTR_INSTANCE),
}
GET_LIBRARY_SCHEMA = fields.action_schema(
    {
        **_ARR_FIELDS,
        vol.Optional(ATTR_KIND): fields.text(ATTR_KIND),
        vol.Optional(ATTR_STATUS): fields.text(ATTR_STATUS),
        vol.Optional(ATTR_SEARCH): fields.text(ATTR_SEARCH),
        vol.Optional(ATTR_LIMIT, default=DEFAULT_LIBRARY_LIMIT): fields.whole_number(
            ATTR_LIMIT, minimum=1, maximum=MAX_LIBRARY_LIMIT, key="invalid_limit"
        ),
        vol.Optional(ATTR_OFFSET, default=0): fields.whole_number(
            ATTR_OFFSET, minimum=0, maximum=MAX_LIBRARY_OFFSET, key="invalid_offset"
        ),
    }
)
GET_QUEUE_SCHEMA = fields.action_schema(_ARR_FIELDS)
GET_DISK_SPACE_SCHEMA = fields.action_schema(_ARR_FIELDS)

# How many library items an action reads between two turns of the event loop.
ITEMS_PER_SLICE = 1000

# An artist is matched by its own Jellyfin item and by its albums.
# Where the counted users' watch data starts in a Jellyfin item's row.
JELLYFIN_USER_DATA_AT: Final = 6


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _answering(
    entry: LcarsConfigEntry, call: ServiceCall
) -> tuple[list[ArrCoordinator], list[str]]:
    """Return the *arr services asked for that have data, and the names of the rest.

    A service that has not answered since the entry was set up is left out
    of the answer and named in it; when none of those asked for has answered,
    the call is refused.
    """
    selected = select_arr(entry, call)
    answering = [c for c in selected if c.data is not None]
    silent = [c for c in selected if c.data is None]
    if silent and not answering:
        raise not_answered(silent)
    return answering, [c.subentry.title for c in silent]


@dataclass(slots=True)
class _Watch:
    """Watch data of one library item, summed over the matching Jellyfin items."""

    played: bool = False
    play_count: int = 0
    last_played: datetime | None = None
    favorite: bool = False

    def add(self, data: UserData) -> None:
        """Count what one user did with one matching item."""
        self.played = self.played or data.played
        self.play_count += data.play_count
        if data.last_played and (
            self.last_played is None or data.last_played > self.last_played
        ):
            self.last_played = data.last_played
        self.favorite = self.favorite or data.favorite

    def as_dict(self) -> dict[str, Any]:
        """Return the watch data in the shape of the action's answer."""
        return {
            "played": self.played,
            "play_count": self.play_count,
            "last_played": _iso(self.last_played),
            "favorite": self.favorite,
        }


def _match_ids(item: LibraryItem) -> tuple[MediaKind, ProviderIds]:
    """Return the kind of an item and its provider ids, to find it in Jellyfin."""
    if isinstance(item, Movie):
        return MediaKind.MOVIE, provider_ids(
            MediaKind.MOVIE, item.tmdb_id, item.imdb_id
        )
    if isinstance(item, Series):
        return MediaKind.SERIES, provider_ids(
            MediaKind.SERIES, item.tvdb_id, item.tmdb_id, item.imdb_id
        )
    mbid = item.musicbrainz_id
    return MediaKind.ARTIST, provider_ids(MediaKind.ARTIST, mbid, mbid)


def _watch(
    indexes: Iterable[JellyfinIndex], item: LibraryItem
) -> dict[str, Any] | None:
    """Watch data of the Jellyfin items the library's matcher finds, if any.

    The same matcher as the cleanup's: by provider ids of the item's own
    kind, never by title (two movies may share one, and a renamed item is
    still the same movie), copies of one item (a 4K edition) counted too.
    """
    kind, ids = _match_ids(item)
    rows: dict[str, tuple[Any, ...]] = {}
    for index in indexes:
        found = index.match(kind, ids)
        if found is not None:
            for row in found.rows:
                rows.setdefault(row[0], row)
    if not rows:
        return None
    watch = _Watch()
    for row in rows.values():
        # After the item's fields, one tuple per counted user: the user id,
        # then the fields of UserData in order.
        for user in row[JELLYFIN_USER_DATA_AT:]:
            watch.add(UserData(*user[1:]))
    return watch.as_dict()


def _kind(item: LibraryItem) -> str:
    if isinstance(item, Movie):
        return "movie"
    if isinstance(item, Series):
        return "series"
    return "artist"


def _has_file(item: LibraryItem) -> bool:
    if isinstance(item, Movie):
        return item.has_file
    if isinstance(item, Series):
        return item.episode_file_count > 0
    return item.track_file_count > 0


def _missing(item: LibraryItem) -> bool:
    """Whether the service still wants files for a monitored item."""
    if not item.monitored:
        return False
    if isinstance(item, Movie):
        return not item.has_file and item.is_available
    if isinstance(item, Series):
        return item.episode_file_count < item.episode_count
    return item.track_file_count < item.total_track_count


def _matches_status(item: LibraryItem, status: str) -> bool:
    if status == "monitored":
        return item.monitored
    if status == "unmonitored":
        return not item.monitored
    if status == "available":
        return _has_file(item)
    return _missing(item)


def _describe(coordinator: ArrCoordinator, item: LibraryItem) -> dict[str, Any]:
    """One library item in the shape of the action's answer."""
    data = coordinator.data
    tags = {tag.id: tag.label for tag in data.tags} if data is not None else {}
    ids: dict[str, Any]
    if isinstance(item, Movie):
        ids = {"tmdb": item.tmdb_id, "imdb": item.imdb_id}
    elif isinstance(item, Series):
        ids = {"tvdb": item.tvdb_id, "tmdb": item.tmdb_id, "imdb": item.imdb_id}
    else:
        ids = {"musicbrainz": item.musicbrainz_id}
    return {
        "service": coordinator.kind,
        "instance": coordinator.subentry.title,
        "kind": _kind(item),
        "id": item.id,
        "title": title_of(item),
        "year": None if isinstance(item, Artist) else item.year,
        "size_on_disk": item.size_on_disk,
        "added": _iso(item.added),
        "path": item.path,
        "root_folder": item.root_folder,
        "tags": [tags.get(tag, str(tag)) for tag in item.tags],
        "monitored": item.monitored,
        "has_file": _has_file(item),
        "ids": ids,
    }


async def async_get_library(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Library items of the *arr services, filtered and paged.

    Filters run on the snapshot's models; only the page asked for is turned
    into plain data, so a library of 20,000 movies stays cheap to query.
    The models are built in slices (see ITEMS_PER_SLICE).
    """
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    kind: str | None = call.data.get(ATTR_KIND)
    status: str | None = call.data.get(ATTR_STATUS)
    search: str = call.data.get(ATTR_SEARCH, "").casefold()
    limit: int = call.data[ATTR_LIMIT]
    offset: int = call.data[ATTR_OFFSET]
    if kind is not None and kind not in LIBRARY_KINDS:
        raise invalid("invalid_kind", kind=kind, valid=", ".join(LIBRARY_KINDS))
    if status is not None and status not in LIBRARY_STATUSES:
        raise invalid(
            "invalid_status", status=status, valid=", ".join(LIBRARY_STATUSES)
        )

    coordinators, unavailable = _answering(entry, call)
    matching: list[tuple[str, str, str, int, ArrCoordinator, LibraryItem]] = []
    for coordinator in coordinators:
        for count, item in enumerate(library(coordinator), 1):
            if count % ITEMS_PER_SLICE == 0:
                # The snapshot builds each item as it is read: let the event
                # loop run between slices of a large library.
                await asyncio.sleep(0)
            if kind is not None and _kind(item) != kind:
                continue
            if status is not None and not _matches_status(item, status):
                continue
            title = title_of(item).casefold()
            if search and search not in title:
                continue
            matching.append(
                (
                    title,
                    coordinator.kind,
                    coordinator.subentry.title,
                    item.id,
                    coordinator,
                    item,
                )
            )
    matching.sort(key=lambda match: match[:4])

    jellyfin = entry.runtime_data.jellyfin
    # Without a Jellyfin's data its watch data is unknown, not empty.
    unavailable.extend(c.subentry.title for c in jellyfin if c.data is None)
    indexes = [index for c in jellyfin if (index := await c.async_index()) is not None]
    page: list[dict[str, Any]] = []
    for *_, coordinator, item in matching[offset : offset + limit]:
        described = _describe(coordinator, item)
        if jellyfin:
            described["watch"] = _watch(indexes, item)
        page.append(described)
    return {
        "items": cast("list[Any]", page),
        "total": len(matching),
        "unavailable": cast("list[Any]", unavailable),
    }


async def async_get_queue(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Every download in the queues of the *arr services.

    One item per download, named after what it holds: a season pack is one
    download, not one per episode.
    """
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    coordinators, unavailable = _answering(entry, call)
    items: list[dict[str, Any]] = [
        {
            "service": coordinator.kind,
            "instance": coordinator.subentry.title,
            "id": item.id,
            "title": item.title,
            "release_title": item.release_title,
            "progress": shown_percent(item.progress),
            "size": item.size,
            "size_left": item.size_left,
            "status": item.status,
            "tracked_download_state": item.tracked_download_state,
            "estimated_completion": _iso(item.estimated_completion),
            "download_client": item.download_client,
            "protocol": item.protocol,
            "media_id": item.media_id,
            "error_message": item.error_message,
        }
        for coordinator in coordinators
        if coordinator.data is not None
        for item in coordinator.data.queue
    ]
    return {
        "items": cast("list[Any]", items),
        "total": len(items),
        "unavailable": cast("list[Any]", unavailable),
    }


async def async_get_disk_space(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Free and total space of the root folders of the *arr services."""
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    coordinators, unavailable = _answering(entry, call)
    folders: list[dict[str, Any]] = [
        {
            "service": coordinator.kind,
            "instance": coordinator.subentry.title,
            "path": folder.path,
            "accessible": folder.accessible,
            "free_space": folder.free_space,
            "total_space": folder.total_space,
            "free_percent": None
            if folder.free_percent is None
            else shown_percent(folder.free_percent),
        }
        for coordinator in coordinators
        if coordinator.data is not None
        for folder in coordinator.data.root_folders
    ]
    return {
        "root_folders": cast("list[Any]", folders),
        "unavailable": cast("list[Any]", unavailable),
    }
