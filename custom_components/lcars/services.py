"""Actions of LCARS: read the library, queues and disk space; run the cleanup."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Final, cast

import voluptuous as vol

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)

from . import fields
from .cleanup.reasons import shown_percent
from .cleanup_actions import (
    DELETE_MEDIA_SCHEMA,
    PREVIEW_CLEANUP_SCHEMA,
    PROTECT_SCHEMA,
    RUN_CLEANUP_SCHEMA,
    async_delete_media,
    async_preview_cleanup,
    async_protect,
    async_run_cleanup,
    async_unprotect,
)
from .clients.models import Artist, JellyfinItem, Movie, Series, UserData
from .const import (
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
    provider_key,
)
from .services_common import (
    LibraryItem,
    async_get_entry,
    invalid,
    library,
    not_answered,
    select_arr,
    title_of,
)
from .torrent_actions import (
    ADD_TORRENT_SCHEMA,
    GET_TORRENTS_SCHEMA,
    REMOVE_TORRENT_SCHEMA,
    TORRENT_SCHEMA,
    async_add_torrent,
    async_get_torrents,
    async_pause_torrent,
    async_remove_torrent,
    async_resume_torrent,
)

SERVICE_GET_LIBRARY = "get_library"
SERVICE_GET_QUEUE = "get_queue"
SERVICE_GET_DISK_SPACE = "get_disk_space"
SERVICE_PREVIEW_CLEANUP = "preview_cleanup"
SERVICE_RUN_CLEANUP = "run_cleanup"
SERVICE_PROTECT = "protect"
SERVICE_UNPROTECT = "unprotect"
SERVICE_DELETE_MEDIA = "delete_media"
SERVICE_ADD_TORRENT = "add_torrent"
SERVICE_PAUSE_TORRENT = "pause_torrent"
SERVICE_RESUME_TORRENT = "resume_torrent"
SERVICE_REMOVE_TORRENT = "remove_torrent"
SERVICE_GET_TORRENTS = "get_torrents"

ONLY: Final = SupportsResponse.ONLY
OPTIONAL: Final = SupportsResponse.OPTIONAL

type Handler = Callable[
    [HomeAssistant, ServiceCall], Coroutine[Any, Any, ServiceResponse]
]

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
ARTIST_PROVIDERS = ("MusicBrainzArtist", "MusicBrainzAlbumArtist")


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


async def _async_get_library(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
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
    page: list[dict[str, Any]] = []
    for *_, coordinator, item in matching[offset : offset + limit]:
        described = _describe(coordinator, item)
        if jellyfin:
            described["watch"] = _watch(jellyfin, item)
        page.append(described)
    return {
        "items": cast("list[Any]", page),
        "total": len(matching),
        "unavailable": cast("list[Any]", unavailable),
    }


async def _async_get_queue(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
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


async def _async_get_disk_space(
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


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions of LCARS."""
    handlers: tuple[tuple[str, Handler, vol.All, SupportsResponse], ...] = (
        (SERVICE_GET_LIBRARY, _async_get_library, GET_LIBRARY_SCHEMA, ONLY),
        (SERVICE_GET_QUEUE, _async_get_queue, GET_QUEUE_SCHEMA, ONLY),
        (SERVICE_GET_DISK_SPACE, _async_get_disk_space, GET_DISK_SPACE_SCHEMA, ONLY),
        (SERVICE_PREVIEW_CLEANUP, async_preview_cleanup, PREVIEW_CLEANUP_SCHEMA, ONLY),
        (SERVICE_RUN_CLEANUP, async_run_cleanup, RUN_CLEANUP_SCHEMA, OPTIONAL),
        (SERVICE_PROTECT, async_protect, PROTECT_SCHEMA, OPTIONAL),
        (SERVICE_UNPROTECT, async_unprotect, PROTECT_SCHEMA, OPTIONAL),
        (SERVICE_DELETE_MEDIA, async_delete_media, DELETE_MEDIA_SCHEMA, OPTIONAL),
        (SERVICE_ADD_TORRENT, async_add_torrent, ADD_TORRENT_SCHEMA, OPTIONAL),
        (
            SERVICE_PAUSE_TORRENT,
            async_pause_torrent,
            TORRENT_SCHEMA,
            SupportsResponse.NONE,
        ),
        (
            SERVICE_RESUME_TORRENT,
            async_resume_torrent,
            TORRENT_SCHEMA,
            SupportsResponse.NONE,
        ),
        (
            SERVICE_REMOVE_TORRENT,
            async_remove_torrent,
            REMOVE_TORRENT_SCHEMA,
            SupportsResponse.NONE,
        ),
        (SERVICE_GET_TORRENTS, async_get_torrents, GET_TORRENTS_SCHEMA, ONLY),
    )
    for name, handler, schema, response in handlers:
        hass.services.async_register(
            DOMAIN,
            name,
            partial(handler, hass),
            schema=schema,
            supports_response=response,
        )
