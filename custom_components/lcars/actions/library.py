"""The library actions: the library, the queues and the disk space of the *arr services."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Final, cast

import voluptuous as vol

from custom_components.lcars.cleanup.reasons import shown_percent
from custom_components.lcars.clients.models import Artist, Movie, Series
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
from custom_components.lcars.library import MediaKind
from custom_components.lcars.library.views import (
    Found,
    LibraryItem,
    LibraryQuery,
    LibraryStatus,
    has_file,
    kind_of,
    page_of,
    title_of,
    watch_of,
)
from custom_components.lcars.runtime.artwork import (
    async_item_cover_urls,
    async_queue_poster,
)
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse

from . import fields
from .common import (
    async_get_entry,
    invalid,
    library,
    not_answered,
    select_arr,
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


def _describe(
    hass: HomeAssistant, coordinator: ArrCoordinator, item: LibraryItem
) -> dict[str, Any]:
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
        "service": coordinator.kind.value,
        "instance": coordinator.subentry.title,
        "kind": kind_of(item).value,
        "id": item.id,
        "title": title_of(item),
        "year": None if isinstance(item, Artist) else item.year,
        "size_on_disk": item.size_on_disk,
        "added": _iso(item.added),
        "path": item.path,
        "root_folder": item.root_folder,
        "tags": [tags.get(tag, str(tag)) for tag in item.tags],
        "monitored": item.monitored,
        "has_file": has_file(item),
        "ids": ids,
        "overview": item.overview,
        "genres": list(item.genres),
        "runtime": item.runtime,
        "rating": item.rating,
        # Signed Home Assistant paths, never the *arr's own address.
        **async_item_cover_urls(hass, coordinator, item),
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
    search: str = call.data.get(ATTR_SEARCH, "")
    limit: int = call.data[ATTR_LIMIT]
    offset: int = call.data[ATTR_OFFSET]
    if kind is not None and kind not in LIBRARY_KINDS:
        raise invalid("invalid_kind", kind=kind, valid=", ".join(LIBRARY_KINDS))
    if status is not None and status not in LIBRARY_STATUSES:
        raise invalid(
            "invalid_status", status=status, valid=", ".join(LIBRARY_STATUSES)
        )

    query = LibraryQuery(
        kind=None if kind is None else MediaKind(kind),
        status=None if status is None else LibraryStatus(status),
        search=search,
    )

    coordinators, unavailable = _answering(entry, call)
    found: list[Found[ArrCoordinator]] = []
    for coordinator in coordinators:
        for count, item in enumerate(library(coordinator), 1):
            if count % ITEMS_PER_SLICE == 0:
                # The snapshot builds each item as it is read: let the event
                # loop run between slices of a large library.
                await asyncio.sleep(0)
            if query.finds(item):
                found.append(
                    Found(
                        coordinator.kind, coordinator.subentry.title, item, coordinator
                    )
                )

    jellyfin = entry.runtime_data.jellyfin
    # Without a Jellyfin's data its watch data is unknown, not empty.
    unavailable.extend(c.subentry.title for c in jellyfin if c.data is None)
    indexes = [index for c in jellyfin if (index := await c.async_index()) is not None]
    page: list[dict[str, Any]] = []
    for one in page_of(found, offset=offset, limit=limit):
        described = _describe(hass, one.source, one.item)
        if jellyfin:
            watch = watch_of(indexes, one.item)
            described["watch"] = None if watch is None else watch.as_dict()
        page.append(described)
    return {
        "items": cast("list[Any]", page),
        "total": len(found),
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
            "service": coordinator.kind.value,
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
            "poster": async_queue_poster(hass, coordinator, item.media_id),
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
            "service": coordinator.kind.value,
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
