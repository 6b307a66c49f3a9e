"""Jellyseerr requests in Home Assistant: their titles, and requests made.

Jellyseerr keeps no title with a request, only TMDb and TVDb ids. The titles
of a page of requests come first from the Radarr and Sonarr snapshots (no
request at all), then from Jellyseerr's movie and series pages, a few at a
time, and are kept: a page costs at most one request per request shown, and
showing it again costs none.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal
from weakref import WeakKeyDictionary

from custom_components.lcars.clients import (
    LcarsClientError,
    NotFoundError,
    RefusedError,
)
from custom_components.lcars.clients.jellyseerr import (
    NothingToRequestError,
    RequestExistsError,
    SeerrMediaType,
    SeerrRequest,
    SeerrUser,
)
from custom_components.lcars.const import CONF_ADDING, DOMAIN
from custom_components.lcars.coordinator import (
    JellyseerrCoordinator,
    RadarrCoordinator,
    SonarrCoordinator,
)
from custom_components.lcars.library.candidates import (
    ID_TMDB,
    ID_TVDB,
    Candidate,
    tmdb_id,
)
from custom_components.lcars.library.kinds import MediaKind
from custom_components.lcars.library.terms import IdTerm, Term
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .artwork import async_cover_urls

if TYPE_CHECKING:
    from custom_components.lcars.data import LcarsConfigEntry

# Titles kept per Jellyseerr server; a title is some 100 bytes.
MAX_TITLES: Final = 2000
# Title pages asked of Jellyseerr at once.
TITLE_CONCURRENCY: Final = 4
# The option of the Jellyseerr user requests are made as (in options["adding"]).
CONF_REQUEST_AS: Final = "request_as"

type TitleKey = tuple[str, int]


@dataclass(frozen=True, slots=True)
class KnownTitle:
    """The title, year and poster of a requested movie or series.

    `poster` is the cover as the service that told the title holds it (an
    *arr path, or an image address for Jellyseerr), of `subentry_id`.
    """

    title: str
    year: int | None
    subentry_id: str
    poster: str | None = None


class RequestTitles:
    """The titles of requested movies and series, the least used dropped first."""

    def __init__(self, max_entries: int = MAX_TITLES) -> None:
        """Keep at most `max_entries` titles."""
        self._entries: OrderedDict[TitleKey, KnownTitle] = OrderedDict()
        self._max = max_entries

    def __len__(self) -> int:
        """Return how many titles are kept."""
        return len(self._entries)

    def get(self, key: TitleKey) -> KnownTitle | None:
        """Return a kept title, now the most recently used."""
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: TitleKey, title: KnownTitle) -> None:
        """Keep a title, dropping the least recently used beyond the limit."""
        self._entries[key] = title
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)


# One cache per Jellyseerr coordinator: a reloaded entry starts afresh.
_TITLES: WeakKeyDictionary[JellyseerrCoordinator, RequestTitles] = WeakKeyDictionary()


def titles_of(coordinator: JellyseerrCoordinator) -> RequestTitles:
    """Return the kept titles of one Jellyseerr server."""
    titles = _TITLES.get(coordinator)
    if titles is None:
        titles = _TITLES[coordinator] = RequestTitles()
    return titles


def title_key(request: SeerrRequest) -> TitleKey | None:
    """Return what a request's title is kept under: its media type and TMDb id."""
    if request.tmdb_id is None:
        return None
    return ("tv" if request.media_type == "tv" else "movie", request.tmdb_id)


def _library_titles(
    entry: LcarsConfigEntry, wanted: set[TitleKey], tvdb_ids: Mapping[int, TitleKey]
) -> dict[TitleKey, KnownTitle]:
    """Find titles in the Radarr and Sonarr snapshots, without a request."""
    found: dict[TitleKey, KnownTitle] = {}
    movies = {tmdb for kind, tmdb in wanted if kind == "movie"}
    for radarr in entry.runtime_data.of_kind(RadarrCoordinator):
        if radarr.data is None or not movies:
            continue
        for movie in radarr.data.movies:
            if movie.tmdb_id in movies and ("movie", movie.tmdb_id) not in found:
                found["movie", movie.tmdb_id] = KnownTitle(
                    movie.title,
                    movie.year,
                    radarr.subentry_id,
                    getattr(movie, "poster", None),
                )
    shows = {tmdb for kind, tmdb in wanted if kind == "tv"}
    for sonarr in entry.runtime_data.of_kind(SonarrCoordinator):
        if sonarr.data is None or not shows:
            continue
        for series in sonarr.data.series:
            key: TitleKey | None = None
            if series.tmdb_id in shows:
                key = ("tv", series.tmdb_id)
            elif series.tvdb_id is not None:
                key = tvdb_ids.get(series.tvdb_id)
            if key is not None and key not in found:
                found[key] = KnownTitle(
                    series.title,
                    series.year,
                    sonarr.subentry_id,
                    getattr(series, "poster", None),
                )
    return found


async def async_request_titles(
    entry: LcarsConfigEntry,
    coordinator: JellyseerrCoordinator,
    requests: Sequence[SeerrRequest],
) -> dict[TitleKey, KnownTitle]:
    """Return the titles of these requests' media, asking Jellyseerr for the rest.

    At most one request per title not kept and not in a library, at most
    `TITLE_CONCURRENCY` at a time. A title Jellyseerr cannot tell is left out.
    """
    cache = titles_of(coordinator)
    out: dict[TitleKey, KnownTitle] = {}
    missing: set[TitleKey] = set()
    tvdb_ids: dict[int, TitleKey] = {}
    for request in requests:
        key = title_key(request)
        if key is None:
            continue
        kept = cache.get(key)
        if kept is not None:
            out[key] = kept
            continue
        missing.add(key)
        if key[0] == "tv" and request.tvdb_id is not None:
            tvdb_ids[request.tvdb_id] = key
    if not missing:
        return out
    for key, title in _library_titles(entry, missing, tvdb_ids).items():
        cache.put(key, title)
        out[key] = title
    limit = asyncio.Semaphore(TITLE_CONCURRENCY)

    async def fetch(key: TitleKey) -> None:
        media_type: SeerrMediaType = "tv" if key[0] == "tv" else "movie"
        async with limit:
            try:
                told = await coordinator.client.async_get_title(media_type, key[1])
            except LcarsClientError:
                return
        title = KnownTitle(told.title, told.year, coordinator.subentry_id, told.poster)
        cache.put(key, title)
        out[key] = title

    await asyncio.gather(*(fetch(key) for key in missing if key not in out))
    return out


def _user(user: SeerrUser | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.name}


def poster_of(
    hass: HomeAssistant, entry: LcarsConfigEntry, title: KnownTitle | None
) -> str | None:
    """Return the Home Assistant URL of a title's poster, or None."""
    if title is None or title.poster is None:
        return None
    urls = async_cover_urls(hass, entry, title.subentry_id, {"poster": title.poster})
    return urls.get("poster")


def describe_request(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    request: SeerrRequest,
    title: KnownTitle | None,
) -> dict[str, Any]:
    """Return a request as the actions answer it."""
    ids: dict[str, int] = {}
    if request.tmdb_id is not None:
        ids[ID_TMDB] = request.tmdb_id
    if request.tvdb_id is not None:
        ids[ID_TVDB] = request.tvdb_id
    return {
        "id": request.id,
        "status": request.status,
        "media_type": "series" if request.media_type == "tv" else "movie",
        "title": title.title if title else None,
        "year": title.year if title else None,
        "ids": ids,
        "seasons": list(request.seasons),
        "media_status": request.media_status,
        "requested_by": _user(request.requested_by),
        "requested_at": request.created.isoformat() if request.created else None,
        "modified_by": _user(request.modified_by),
        "updated_at": request.updated.isoformat() if request.updated else None,
        "poster": poster_of(hass, entry, title),
    }


def describe_candidate(
    hass: HomeAssistant, entry: LcarsConfigEntry, subentry_id: str, found: Candidate
) -> dict[str, Any]:
    """Return a search result as the actions answer it."""
    urls = async_cover_urls(hass, entry, subentry_id, found.covers)
    return {
        "kind": str(found.kind),
        "title": found.title,
        "original_title": found.original_title,
        "year": found.year,
        "ids": dict(found.ids),
        "overview": found.overview,
        "media_status": found.status,
        "poster": urls.get("poster"),
    }


def _failed(key: str, **placeholders: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def _refused(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def jellyseerr_of(
    entry: LcarsConfigEntry, instance: str | None = None
) -> JellyseerrCoordinator:
    """Return the Jellyseerr server a call names, or the first connected."""
    found = entry.runtime_data.jellyseerr
    if instance is not None:
        named = [c for c in found if c.is_named(instance)]
        if not named:
            raise _refused("instance_not_found", instance=instance)
        found = named
    if not found:
        raise _refused("jellyseerr_not_connected")
    return found[0]


def request_as(entry: LcarsConfigEntry) -> int | None:
    """Return the Jellyseerr user requests are made as (None: the API key's)."""
    adding = entry.options.get(CONF_ADDING)
    value = adding.get(CONF_REQUEST_AS) if isinstance(adding, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    return None


def _seerr_kind(kind: MediaKind | str) -> SeerrMediaType:
    if kind == MediaKind.MOVIE:
        return "movie"
    if kind == MediaKind.SERIES:
        return "tv"
    raise _refused("music_not_requestable")


def search_query(term: Term) -> str:
    """Write a term as Jellyseerr's search takes it: `tmdb:…`, `tvdb:…`, `imdb:…` or a title.

    Jellyseerr searches TMDb by title alone: a year only chooses among the results.
    """
    return term.text if isinstance(term, IdTerm) else term.title


async def async_search_candidates(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    kind: MediaKind | str,
    term: Term,
    *,
    instance: str | None = None,
) -> list[Candidate]:
    """Search Jellyseerr for movies or series (one request).

    `term` is read by `library.terms.parse_term`, as every lookup's. Raises
    the translated error of music (Jellyseerr has none) or of a search that
    failed.
    """
    _seerr_kind(kind)
    media_kind = MediaKind(kind)
    coordinator = jellyseerr_of(entry, instance)
    try:
        found = await coordinator.client.async_search(search_query(term))
    except LcarsClientError as err:
        raise _failed("request_failed", error=str(err)) from err
    return [c for c in found if c.kind is media_kind]


async def async_request_candidate(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    candidate: Candidate,
    *,
    seasons: Literal["all"] | Sequence[int] | None = None,
    user_id: int | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """Request a movie or series in Jellyseerr and answer what became of it.

    `seasons` ("all" or season numbers) is for series only. The request is
    made as the Jellyseerr user `user_id`, else the `request_as` option,
    else the API key's user (whose requests Jellyseerr approves at once).
    Answers `{"result": "requested", "request": {...}}`, or
    `{"result": "already_requested"}` when every season asked for is already
    requested. Raises translated errors: `request_exists` (with Jellyseerr's
    words), `request_refused` (a quota, a blocklisted title),
    `request_needs_tmdb`, `seasons_not_for_kind`, `request_failed`.
    """
    media_type = _seerr_kind(candidate.kind)
    if media_type == "movie" and seasons not in (None, "all"):
        raise _refused("seasons_not_for_kind", value=str(list(seasons or ())))
    tmdb = tmdb_id(candidate)
    if tmdb is None:
        raise _refused("request_needs_tmdb", title=candidate.title)
    tvdb = candidate.ids.get(ID_TVDB)
    coordinator = jellyseerr_of(entry, instance)
    try:
        created = await coordinator.client.async_create_request(
            media_type,
            tmdb,
            seasons=seasons if media_type == "tv" else None,
            tvdb_id=tvdb if isinstance(tvdb, int) else None,
            as_user=user_id if user_id is not None else request_as(entry),
        )
    except NothingToRequestError:
        return {"result": "already_requested", "request": None}
    except RequestExistsError as err:
        raise _refused(
            "request_exists",
            title=candidate.title,
            message="; ".join(err.messages) or "already requested",
        ) from err
    except RefusedError as err:
        raise _refused(
            "request_refused",
            title=candidate.title,
            message="; ".join(err.messages) or err.detail,
        ) from err
    except LcarsClientError as err:
        raise _failed("request_failed", error=str(err)) from err
    title = KnownTitle(
        candidate.title,
        candidate.year,
        coordinator.subentry_id,
        candidate.covers.get("poster"),
    )
    key = title_key(created)
    if key is not None:
        titles_of(coordinator).put(key, title)
    # The pending-requests sensor follows.
    await coordinator.async_request_refresh()
    return {
        "result": "requested",
        "request": describe_request(hass, entry, created, title),
    }


async def async_set_request_status(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    request_id: int,
    action: Literal["approve", "decline"],
    *,
    instance: str | None = None,
) -> dict[str, Any]:
    """Approve or decline a request; answer it as it is now, with its title."""
    coordinator = jellyseerr_of(entry, instance)
    try:
        changed = await coordinator.client.async_set_request_status(request_id, action)
    except NotFoundError as err:
        raise _refused("request_not_found", id=str(request_id)) from err
    except LcarsClientError as err:
        raise _failed("request_failed", error=str(err)) from err
    titles = await async_request_titles(entry, coordinator, [changed])
    key = title_key(changed)
    await coordinator.async_request_refresh()
    return describe_request(
        hass, entry, changed, titles.get(key) if key is not None else None
    )


async def async_get_requests(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    *,
    status: str,
    limit: int,
    offset: int,
    instance: str | None = None,
) -> dict[str, Any]:
    """Return one page of requests with their titles and posters."""
    coordinator = jellyseerr_of(entry, instance)
    try:
        page = await coordinator.client.async_get_requests(
            status=status, take=limit, skip=offset
        )
    except LcarsClientError as err:
        raise _failed("request_failed", error=str(err)) from err
    titles = await async_request_titles(entry, coordinator, page.requests)
    return {
        "requests": [
            describe_request(
                hass, entry, r, titles.get(key) if (key := title_key(r)) else None
            )
            for r in page.requests
        ],
        "total": page.total,
        "offset": offset,
        "limit": limit,
    }
