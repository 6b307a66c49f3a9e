"""Actions of LCARS: read the library, the queues, the disk space and a cleanup preview."""

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
from homeassistant.util import dt as dt_util

from .cleanup import CleanupPolicy, Ledger, SourceKind, plan_cleanup
from .cleanup.candidates import (
    SourceFact,
    build_candidates,
    disk_figures,
    instance_id,
    rolling_series_ids,
    source_health,
)
from .clients import LcarsClientError
from .clients.models import (
    Artist,
    Episode,
    EpisodeWatch,
    JellyfinItem,
    JellyfinSnapshot,
    LidarrSnapshot,
    Movie,
    RadarrSnapshot,
    Rows,
    Series,
    SonarrSnapshot,
    UserData,
)
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
    AnyCoordinator,
    ArrCoordinator,
    JellyfinCoordinator,
    LcarsConfigEntry,
    LidarrCoordinator,
    RadarrCoordinator,
    SonarrCoordinator,
    provider_key,
)

SERVICE_GET_LIBRARY = "get_library"
SERVICE_GET_QUEUE = "get_queue"
SERVICE_GET_DISK_SPACE = "get_disk_space"
SERVICE_PREVIEW_CLEANUP = "preview_cleanup"

ATTR_MAX_ITEMS = "max_items"
DEFAULT_PREVIEW_ITEMS = 100
MAX_PREVIEW_ITEMS = 1000
# Episode lists of rolling series fetched at once by the cleanup preview.
ROLLING_FETCHES = 4

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
PREVIEW_CLEANUP_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_MAX_ITEMS, default=DEFAULT_PREVIEW_ITEMS): vol.Any(
            int, float, str
        ),
    }
)

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


PREVIEW_NOTE = (
    "Preview with the default cleanup policy and an empty leaving-soon list:"
    " nothing is deleted, and every expired item starts its grace period now."
)


def _source_fact(coordinator: AnyCoordinator, *, ok: bool = True) -> SourceFact:
    """Return what the last refresh of one coordinator tells about its source."""
    return SourceFact(
        kind=cast("SourceKind", coordinator.kind),
        instance=coordinator.subentry_id,
        ok=ok and coordinator.last_update_success,
        fetched_at=coordinator.last_fetched_at,
    )


async def _async_rolling_episodes(
    sonarr: Sequence[SonarrCoordinator], policy: CleanupPolicy
) -> tuple[dict[str, dict[int, Sequence[Episode]]], set[str]]:
    """Fetch the episodes of the rolling series, and name the instances that failed.

    One request per rolling series, never per series of the library.
    """
    snapshots = {c.subentry_id: c.data for c in sonarr if c.data is not None}
    wanted = rolling_series_ids(snapshots, policy)
    coordinators = {c.subentry_id: c for c in sonarr}
    episodes: dict[str, dict[int, Sequence[Episode]]] = {}
    failed: set[str] = set()

    # A few at a time: a user may tag many series as rolling.
    slots = asyncio.Semaphore(ROLLING_FETCHES)

    async def fetch(instance: str, series_id: int) -> None:
        try:
            async with slots:
                client = coordinators[instance].client
                found = await client.async_get_episodes(series_id)
        except LcarsClientError:
            failed.add(instance)
            return
        episodes.setdefault(instance, {})[series_id] = found

    await asyncio.gather(
        *(
            fetch(instance, series_id)
            for instance, series_ids in wanted.items()
            for series_id in series_ids
        )
    )
    return episodes, failed


async def _async_preview_cleanup(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Return what a cleanup would do now, without deleting anything.

    Reads the libraries from the coordinators' last snapshots; only the
    Jellyfin episode watch data and the episodes of rolling series are
    fetched, as the snapshots do not hold them.
    """
    entry = _async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    max_items = _as_int(call.data[ATTR_MAX_ITEMS])
    if max_items is None or not 1 <= max_items <= MAX_PREVIEW_ITEMS:
        raise _invalid(
            "invalid_limit",
            limit=str(call.data[ATTR_MAX_ITEMS]),
            max=str(MAX_PREVIEW_ITEMS),
        )
    data = entry.runtime_data
    policy = CleanupPolicy()
    # A coordinator without data (its first refresh failed) gives no
    # snapshot; its failed source then makes the plan fail closed.
    radarr: dict[str, RadarrSnapshot] = {
        c.subentry_id: c.data for c in data.radarr if c.data is not None
    }
    sonarr: dict[str, SonarrSnapshot] = {
        c.subentry_id: c.data for c in data.sonarr if c.data is not None
    }
    lidarr: dict[str, LidarrSnapshot] = {
        c.subentry_id: c.data for c in data.lidarr if c.data is not None
    }
    failed: set[str] = set()

    # The planner matches one Jellyfin server: the first one connected.
    jellyfin = data.jellyfin[0] if data.jellyfin else None
    jellyfin_snapshot: JellyfinSnapshot | None = None
    episode_watch: Rows[EpisodeWatch] | None = None
    if jellyfin is not None and jellyfin.data is not None:
        jellyfin_snapshot = jellyfin.data
        try:
            episode_watch = await jellyfin.client.async_get_episode_watch()
        except LcarsClientError:
            failed.add(jellyfin.subentry_id)
    rolling, failed_sonarr = await _async_rolling_episodes(data.sonarr, policy)
    failed |= failed_sonarr

    facts = [
        _source_fact(coordinator, ok=coordinator.subentry_id not in failed)
        for coordinator in data.coordinators.values()
        if coordinator.kind != "jellyfin" or coordinator is jellyfin
    ]
    health = source_health(facts, jellyfin_configured=jellyfin is not None)
    now = dt_util.now()

    def plan() -> dict[str, Any]:
        # Building and planning a large library takes hundreds of
        # milliseconds: it runs here, off the event loop.
        candidates = build_candidates(
            policy=policy,
            radarr=radarr,
            sonarr=sonarr,
            lidarr=lidarr,
            jellyfin=jellyfin_snapshot,
            episode_watch=episode_watch,
            rolling_episodes=rolling,
        )
        result = plan_cleanup(
            candidates,
            disks=disk_figures(radarr=radarr, sonarr=sonarr, lidarr=lidarr),
            health=health,
            policy=policy,
            ledger=Ledger(),
            now=now,
        )
        return result.as_dict(max_items=max_items)

    planned = await hass.async_add_executor_job(plan)
    instances = {
        instance_id(
            cast("SourceKind", coordinator.kind), coordinator.subentry_id
        ): coordinator.subentry.title
        for coordinator in data.coordinators.values()
    }
    return {
        "preview": True,
        "policy": "default",
        "note": PREVIEW_NOTE,
        "instances": cast("dict[str, Any]", instances),
        **planned,
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions of LCARS."""

    async def get_library(call: ServiceCall) -> ServiceResponse:
        return await _async_get_library(hass, call)

    async def get_queue(call: ServiceCall) -> ServiceResponse:
        return await _async_get_queue(hass, call)

    async def get_disk_space(call: ServiceCall) -> ServiceResponse:
        return await _async_get_disk_space(hass, call)

    async def preview_cleanup(call: ServiceCall) -> ServiceResponse:
        return await _async_preview_cleanup(hass, call)

    for name, handler, schema in (
        (SERVICE_GET_LIBRARY, get_library, GET_LIBRARY_SCHEMA),
        (SERVICE_GET_QUEUE, get_queue, GET_QUEUE_SCHEMA),
        (SERVICE_GET_DISK_SPACE, get_disk_space, GET_DISK_SPACE_SCHEMA),
        (SERVICE_PREVIEW_CLEANUP, preview_cleanup, PREVIEW_CLEANUP_SCHEMA),
    ):
        hass.services.async_register(
            DOMAIN,
            name,
            handler,
            schema=schema,
            supports_response=SupportsResponse.ONLY,
        )
