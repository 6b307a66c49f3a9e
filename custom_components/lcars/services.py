"""Actions of LCARS: read the library, the queues and the disk space."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import voluptuous as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .clients.models import Artist, JellyfinItem, Movie, Series, UserData
from .const import (
    ARR_SERVICE_TYPES,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_INSTANCE,
    ATTR_KIND,
    ATTR_LIMIT,
    ATTR_OFFSET,
    ATTR_SEARCH,
    ATTR_SERVICE,
    ATTR_STATUS,
    DEFAULT_LIBRARY_LIMIT,
    DOMAIN,
    LIBRARY_KINDS,
    LIBRARY_STATUSES,
    MAX_LIBRARY_LIMIT,
)
from .coordinator import (
    ArrCoordinator,
    JellyfinCoordinator,
    LcarsConfigEntry,
    LidarrCoordinator,
    RadarrCoordinator,
    provider_key,
)

SERVICE_GET_LIBRARY = "get_library"
SERVICE_GET_QUEUE = "get_queue"
SERVICE_GET_DISK_SPACE = "get_disk_space"

# Types are checked loosely here and strictly in the handlers, so that a bad
# value gets a translated error that says what is accepted.
_BASE_SCHEMA = {
    vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
    vol.Optional(ATTR_SERVICE): cv.string,
    vol.Optional(ATTR_INSTANCE): cv.string,
}
GET_LIBRARY_SCHEMA = vol.Schema(
    {
        **_BASE_SCHEMA,
        vol.Optional(ATTR_KIND): cv.string,
        vol.Optional(ATTR_STATUS): cv.string,
        vol.Optional(ATTR_SEARCH): cv.string,
        vol.Optional(ATTR_LIMIT, default=DEFAULT_LIBRARY_LIMIT): vol.Any(
            int, float, str
        ),
        vol.Optional(ATTR_OFFSET, default=0): vol.Any(int, float, str),
    }
)
GET_QUEUE_SCHEMA = vol.Schema(_BASE_SCHEMA)
GET_DISK_SPACE_SCHEMA = vol.Schema(_BASE_SCHEMA)

# How many library items an action reads between two turns of the event loop.
ITEMS_PER_SLICE = 1000

# An artist is matched by its own Jellyfin item and by its albums.
ARTIST_PROVIDERS = ("MusicBrainzArtist", "MusicBrainzAlbumArtist")


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


@callback
def _async_get_entry(hass: HomeAssistant, entry_id: str) -> LcarsConfigEntry:
    """Return the loaded LCARS entry of the call."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise _invalid("entry_not_found", entry_id=entry_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise _invalid("entry_not_loaded", title=entry.title)
    return cast("LcarsConfigEntry", entry)


def _select_arr(entry: LcarsConfigEntry, call: ServiceCall) -> list[ArrCoordinator]:
    """Return the *arr services the call asks for, checking the names given."""
    service: str | None = call.data.get(ATTR_SERVICE)
    instance: str | None = call.data.get(ATTR_INSTANCE)
    if service is not None:
        service = service.strip().lower()
        if service not in ARR_SERVICE_TYPES:
            raise _invalid(
                "invalid_service", service=service, valid=", ".join(ARR_SERVICE_TYPES)
            )
    coordinators = [
        coordinator
        for coordinator in entry.runtime_data.arr
        if service is None or coordinator.kind == service
    ]
    if instance is not None:
        wanted = instance.strip().casefold()
        coordinators = [
            coordinator
            for coordinator in coordinators
            if wanted
            in (
                coordinator.subentry.title.casefold(),
                coordinator.subentry_id.casefold(),
            )
        ]
        if not coordinators:
            raise _invalid("instance_not_found", instance=instance)
    return coordinators


def _as_int(value: float | str) -> int | None:
    """Read a whole number from a field, or None when it is not one."""
    try:
        number = float(value)
    except ValueError:
        return None
    if not number.is_integer():
        return None
    return int(number)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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


type LibraryItem = Movie | Series | Artist


def _provider_ids(item: LibraryItem) -> list[tuple[str, object]]:
    """Return the provider ids to look an item up in Jellyfin with."""
    if isinstance(item, Movie):
        return [("Tmdb", item.tmdb_id), ("Imdb", item.imdb_id)]
    if isinstance(item, Series):
        return [("Tvdb", item.tvdb_id), ("Tmdb", item.tmdb_id), ("Imdb", item.imdb_id)]
    return [(provider, item.musicbrainz_id) for provider in ARTIST_PROVIDERS]


def _watch(
    jellyfin: Iterable[JellyfinCoordinator], item: LibraryItem
) -> dict[str, Any] | None:
    """Watch data of the Jellyfin items with the item's provider ids, if any.

    Titles are never compared: two movies may share one, and a renamed item
    is still the same movie.
    """
    keys = [
        provider_key(provider, str(value))
        for provider, value in _provider_ids(item)
        if value not in (None, "")
    ]
    matched: dict[str, JellyfinItem] = {}
    for coordinator in jellyfin:
        for key in keys:
            for found in coordinator.items_with_provider_id(key):
                matched.setdefault(found.id, found)
    if not matched:
        return None
    watch = _Watch()
    for found in matched.values():
        for data in found.user_data.values():
            watch.add(data)
    return watch.as_dict()


def _title(item: LibraryItem) -> str:
    return item.name if isinstance(item, Artist) else item.title


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


def _library(coordinator: ArrCoordinator) -> Sequence[LibraryItem]:
    """Every library item of one *arr."""
    if isinstance(coordinator, RadarrCoordinator):
        return coordinator.data.movies
    if isinstance(coordinator, LidarrCoordinator):
        return coordinator.data.artists
    return coordinator.data.series


def _describe(coordinator: ArrCoordinator, item: LibraryItem) -> dict[str, Any]:
    """One library item in the shape of the action's answer."""
    tags = {tag.id: tag.label for tag in coordinator.data.tags}
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
        "title": _title(item),
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


async def _async_get_library(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Library items of the *arr services, filtered and paged.

    Filters run on the snapshot's models; only the page asked for is turned
    into plain data, so a library of 20,000 movies stays cheap to query.
    The models are built in slices (see ITEMS_PER_SLICE).
    """
    entry = _async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    kind: str | None = call.data.get(ATTR_KIND)
    status: str | None = call.data.get(ATTR_STATUS)
    search: str = call.data.get(ATTR_SEARCH, "").strip().casefold()
    limit = _as_int(call.data[ATTR_LIMIT])
    offset = _as_int(call.data[ATTR_OFFSET])
    if kind is not None and kind not in LIBRARY_KINDS:
        raise _invalid("invalid_kind", kind=kind, valid=", ".join(LIBRARY_KINDS))
    if status is not None and status not in LIBRARY_STATUSES:
        raise _invalid(
            "invalid_status", status=status, valid=", ".join(LIBRARY_STATUSES)
        )
    if limit is None or not 1 <= limit <= MAX_LIBRARY_LIMIT:
        raise _invalid(
            "invalid_limit",
            limit=str(call.data[ATTR_LIMIT]),
            max=str(MAX_LIBRARY_LIMIT),
        )
    if offset is None or offset < 0:
        raise _invalid("invalid_offset", offset=str(call.data[ATTR_OFFSET]))

    matching: list[tuple[str, str, str, int, ArrCoordinator, LibraryItem]] = []
    for coordinator in _select_arr(entry, call):
        for count, item in enumerate(_library(coordinator), 1):
            if count % ITEMS_PER_SLICE == 0:
                # The snapshot builds each item as it is read: let the event
                # loop run between slices of a large library.
                await asyncio.sleep(0)
            if kind is not None and _kind(item) != kind:
                continue
            if status is not None and not _matches_status(item, status):
                continue
            title = _title(item).casefold()
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
    page: list[dict[str, Any]] = []
    for *_, coordinator, item in matching[offset : offset + limit]:
        described = _describe(coordinator, item)
        if jellyfin:
            described["watch"] = _watch(jellyfin, item)
        page.append(described)
    return {"items": cast("list[Any]", page), "total": len(matching)}


async def _async_get_queue(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Every download in the queues of the *arr services."""
    entry = _async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    items: list[dict[str, Any]] = [
        {
            "service": coordinator.kind,
            "instance": coordinator.subentry.title,
            "id": item.id,
            "title": item.title,
            "progress": item.progress,
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
        for coordinator in _select_arr(entry, call)
        for item in coordinator.data.queue
    ]
    return {"items": cast("list[Any]", items), "total": len(items)}


async def _async_get_disk_space(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Free and total space of the root folders of the *arr services."""
    entry = _async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    folders: list[dict[str, Any]] = [
        {
            "service": coordinator.kind,
            "instance": coordinator.subentry.title,
            "path": folder.path,
            "accessible": folder.accessible,
            "free_space": folder.free_space,
            "total_space": folder.total_space,
            "free_percent": folder.free_percent,
        }
        for coordinator in _select_arr(entry, call)
        for folder in coordinator.data.root_folders
    ]
    return {"root_folders": cast("list[Any]", folders)}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions of LCARS."""

    async def get_library(call: ServiceCall) -> ServiceResponse:
        return await _async_get_library(hass, call)

    async def get_queue(call: ServiceCall) -> ServiceResponse:
        return await _async_get_queue(hass, call)

    async def get_disk_space(call: ServiceCall) -> ServiceResponse:
        return await _async_get_disk_space(hass, call)

    for name, handler, schema in (
        (SERVICE_GET_LIBRARY, get_library, GET_LIBRARY_SCHEMA),
        (SERVICE_GET_QUEUE, get_queue, GET_QUEUE_SCHEMA),
        (SERVICE_GET_DISK_SPACE, get_disk_space, GET_DISK_SPACE_SCHEMA),
    ):
        hass.services.async_register(
            DOMAIN,
            name,
            handler,
            schema=schema,
            supports_response=SupportsResponse.ONLY,
        )
