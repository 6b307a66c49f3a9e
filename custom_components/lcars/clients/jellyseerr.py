"""Jellyseerr (API v1): counts, media, requests, search and users."""

from __future__ import annotations

from collections.abc import Sequence
import copy
from datetime import datetime
from typing import Any, Final, Literal, NamedTuple, Self
from urllib.parse import quote

import aiohttp

from custom_components.lcars.library.candidates import ID_TMDB, ID_TVDB, Candidate
from custom_components.lcars.library.kinds import MediaKind

from .arr import require_int
from .convert import (
    as_bool,
    as_dict,
    int_or_zero,
    opt_id,
    opt_int,
    opt_str,
    parse_datetime,
)
from .errors import AuthenticationError, LcarsClientError, NotFoundError, RefusedError
from .http import HttpClient, concurrent_requests
from .models import JellyseerrSnapshot, RequestCounts, SystemStatus

API = "/api/v1"

# Jellyseerr's request statuses (MediaRequestStatus) and media statuses
# (MediaStatus), in the words LCARS answers with.
REQUEST_STATUSES: Final[dict[int, str]] = {
    1: "pending",
    2: "approved",
    3: "declined",
    4: "failed",
    5: "completed",
}
MEDIA_STATUSES: Final[dict[int, str]] = {
    1: "unknown",
    2: "pending",
    3: "processing",
    4: "partially_available",
    5: "available",
    6: "blocklisted",
    7: "deleted",
}
# The `filter` values of `GET /request`.
REQUEST_FILTERS: Final = (
    "all",
    "approved",
    "available",
    "pending",
    "processing",
    "unavailable",
    "failed",
)
# Permissions (server/lib/permissions.ts) that approve a user's requests at once.
_ADMIN, _MANAGE_REQUESTS = 2, 16
_AUTO_APPROVE, _AUTO_APPROVE_MOVIE, _AUTO_APPROVE_TV = 128, 256, 512
# Users read for a choice of whom to request as: more than a home has.
USERS_PAGE_SIZE = 1000

type SeerrMediaType = Literal["movie", "tv"]


class RequestExistsError(RefusedError):
    """Jellyseerr already has a request for this title (HTTP 409)."""


class NothingToRequestError(LcarsClientError):
    """Every season asked for is already requested or available (HTTP 202)."""


class SeerrUser(NamedTuple):
    """A Jellyseerr user, by the name people know it by."""

    id: int
    name: str
    # Requests made as this user are approved at once.
    auto_approve: bool = False


class SeerrRequest(NamedTuple):
    """A Jellyseerr request: what is asked for, by whom, and where it stands.

    Jellyseerr keeps no title with a request, only the TMDb and TVDb ids.
    """

    id: int
    status: str
    media_type: str
    tmdb_id: int | None
    tvdb_id: int | None
    media_status: str
    seasons: tuple[int, ...]
    requested_by: SeerrUser | None
    modified_by: SeerrUser | None
    created: datetime | None
    updated: datetime | None
    is4k: bool


class RequestPage(NamedTuple):
    """One page of requests and how many there are in all."""

    requests: list[SeerrRequest]
    total: int


class SeerrTitle(NamedTuple):
    """The title of a movie or series as Jellyseerr tells it."""

    title: str
    year: int | None
    poster: str | None
    seasons: tuple[int, ...] = ()


def user_name(data: dict[str, Any]) -> str:
    """Return the name a person knows a Jellyseerr user by, never an address.

    Jellyseerr fills `displayName` from the user's names and, lacking one,
    the e-mail address, which is not shown.
    """
    for key in ("displayName", "jellyfinUsername", "username", "plexUsername"):
        name = opt_str(data.get(key))
        if name and "@" not in name:
            return name.strip()
    return f"user {data.get('id')}"


def seerr_user(data: Any) -> SeerrUser | None:
    """Read a user (None when the field holds none)."""
    if not isinstance(data, dict) or opt_int(data.get("id")) is None:
        return None
    permissions = int_or_zero(data.get("permissions"))
    auto = bool(permissions & (_ADMIN | _MANAGE_REQUESTS | _AUTO_APPROVE)) or (
        permissions & _AUTO_APPROVE_MOVIE and permissions & _AUTO_APPROVE_TV
    )
    return SeerrUser(
        id=require_int(data["id"]), name=user_name(data), auto_approve=bool(auto)
    )


def seerr_request(data: Any) -> SeerrRequest:
    """Read a MediaRequest."""
    media = as_dict(data.get("media"))
    seasons = data.get("seasons")
    numbers = tuple(
        sorted(
            number
            for season in (seasons if isinstance(seasons, list) else [])
            if isinstance(season, dict)
            and (number := opt_int(season.get("seasonNumber"))) is not None
        )
    )
    media_type = opt_str(data.get("type")) or opt_str(media.get("mediaType")) or "movie"
    return SeerrRequest(
        id=require_int(data["id"]),
        status=REQUEST_STATUSES.get(int_or_zero(data.get("status")), "unknown"),
        media_type=media_type,
        tmdb_id=opt_id(media.get("tmdbId")),
        tvdb_id=opt_id(media.get("tvdbId")),
        media_status=MEDIA_STATUSES.get(int_or_zero(media.get("status")), "unknown"),
        seasons=numbers,
        requested_by=seerr_user(data.get("requestedBy")),
        modified_by=seerr_user(data.get("modifiedBy")),
        created=parse_datetime(data.get("createdAt")),
        updated=parse_datetime(data.get("updatedAt")),
        is4k=as_bool(data.get("is4k")),
    )


def _year(date: object) -> int | None:
    text = opt_str(date)
    if text is None or len(text) < 4 or not text[:4].isdigit():
        return None
    return int(text[:4])


def poster_path(path: object) -> str | None:
    """Return a TMDb poster path (`/abc.jpg`) as Jellyseerr gives it, or None.

    Kept as a path: LCARS serves it from TMDb's image host itself (see
    runtime/artwork.py), so that no address reaches a browser.
    """
    text = opt_str(path)
    if text is None or not text.startswith("/") or "//" in text:
        return None
    return text


def search_candidate(data: Any) -> Candidate | None:
    """Read a search result: a movie or series; people and collections are left out."""
    if not isinstance(data, dict):
        return None
    media_type = data.get("mediaType")
    if media_type == "movie":
        kind, title, original, date = (
            MediaKind.MOVIE,
            data.get("title"),
            data.get("originalTitle"),
            data.get("releaseDate"),
        )
    elif media_type == "tv":
        kind, title, original, date = (
            MediaKind.SERIES,
            data.get("name"),
            data.get("originalName"),
            data.get("firstAirDate"),
        )
    else:
        return None
    tmdb_id = opt_id(data.get("id"))
    name = opt_str(title)
    if tmdb_id is None or name is None:
        return None
    media = as_dict(data.get("mediaInfo"))
    ids: dict[str, str | int] = {ID_TMDB: tmdb_id}
    if (tvdb_id := opt_id(media.get("tvdbId"))) is not None:
        ids[ID_TVDB] = tvdb_id
    poster = poster_path(data.get("posterPath"))
    rating = data.get("voteAverage")
    return Candidate(
        kind=kind,
        title=name,
        year=_year(date),
        original_title=opt_str(original),
        ids=ids,
        overview=opt_str(data.get("overview")),
        status=MEDIA_STATUSES.get(int_or_zero(media.get("status"))) if media else None,
        rating=float(rating)
        if isinstance(rating, int | float) and not isinstance(rating, bool)
        else None,
        covers={"poster": poster} if poster else {},
        raw=data,
    )


# Media entries asked for in one request: more than any real library holds,
# so the whole list comes in one streamed answer.
MEDIA_PAGE_SIZE = 1_000_000


class SeerrMediaRef(NamedTuple):
    """A Jellyseerr media entry, by the provider ids it is found with."""

    id: int
    media_type: str
    tmdb_id: int | None
    tvdb_id: int | None


def media_ref(data: Any) -> SeerrMediaRef:
    """Read the id, type and provider ids of one media entry."""
    return SeerrMediaRef(
        id=require_int(data["id"]),
        media_type=opt_str(data.get("mediaType")) or "",
        tmdb_id=opt_id(data.get("tmdbId")),
        tvdb_id=opt_id(data.get("tvdbId")),
    )


class JellyseerrClient(HttpClient):
    """A Jellyseerr server."""

    service = "Jellyseerr"

    async def _async_get_version(self) -> SystemStatus:
        """Read `/status` (public: it does not check the key)."""
        try:
            data = await self._get_json(f"{API}/status", item=True)
        except NotFoundError:
            raise self._wrong_service(None) from None
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            raise self._wrong_service(None)
        return SystemStatus(app_name=self.service, version=data["version"])

    async def async_get_status(self) -> SystemStatus:
        """Return the version, after checking the key (`/auth/me` refuses a bad one)."""
        async with concurrent_requests() as group:
            status = group.create_task(self._async_get_version())
            group.create_task(self._get_object(f"{API}/auth/me"))
        return status.result()

    async def async_get_request_counts(self) -> RequestCounts:
        """How many requests there are, by kind and by status."""
        data = await self._get_object(f"{API}/request/count")
        return RequestCounts(
            total=int_or_zero(data.get("total")),
            movie=int_or_zero(data.get("movie")),
            tv=int_or_zero(data.get("tv")),
            pending=int_or_zero(data.get("pending")),
            approved=int_or_zero(data.get("approved")),
            declined=int_or_zero(data.get("declined")),
            processing=int_or_zero(data.get("processing")),
            available=int_or_zero(data.get("available")),
        )

    async def async_fetch_snapshot(self, now: datetime) -> JellyseerrSnapshot:
        """Version and request counts, in two concurrent requests.

        The counts need the key, so a refused key shows here too.
        """
        async with concurrent_requests() as group:
            status = group.create_task(self._async_get_version())
            requests = group.create_task(self.async_get_request_counts())
        return JellyseerrSnapshot(status=status.result(), requests=requests.result())

    async def async_get_media_refs(self) -> list[SeerrMediaRef]:
        """Every media entry, with its provider ids, in one request.

        Asked as one page larger than any library and parsed as it streams,
        since each entry embeds its requests.
        """
        return await self._stream_list(
            f"{API}/media",
            media_ref,
            params={"take": MEDIA_PAGE_SIZE, "skip": 0, "filter": "all"},
            member="results",
        )

    async def async_delete_media(self, media_id: int) -> None:
        """Remove a media entry, and its requests with it.

        NotFoundError when there is no such entry.
        """
        await self._send("DELETE", f"{API}/media/{int(media_id)}", item=True)

    def _as_user(self, user_id: int | None) -> Self:
        """Return this client acting as another Jellyseerr user.

        With the API key Jellyseerr acts as its first (admin) user, unless
        `X-API-User` names another: then that user's permissions decide
        whether a request is approved at once, and its quota applies.
        """
        if user_id is None:
            return self
        view = copy.copy(self)
        # The same client with one more header: a copy of this very class.
        view._headers = {**self._headers, "X-API-User": str(int(user_id))}  # noqa: SLF001
        return view

    async def async_get_requests(
        self,
        *,
        status: str = "all",
        take: int = 20,
        skip: int = 0,
        sort: Literal["added", "modified"] = "added",
    ) -> RequestPage:
        """Return one page of requests, newest first, with the total count."""
        if status not in REQUEST_FILTERS:
            raise ValueError(f"unknown request filter {status!r}")
        path = f"{API}/request"
        data = await self._get_object(
            path,
            params={
                "take": max(1, int(take)),
                "skip": max(0, int(skip)),
                "filter": status,
                "sort": sort,
            },
        )
        results = data.get("results")
        requests = self._project_all(
            results if isinstance(results, list) else [], seerr_request, path
        )
        total = int_or_zero(as_dict(data.get("pageInfo")).get("results"))
        return RequestPage(requests=requests, total=max(total, len(requests)))

    async def async_search(self, query: str, page: int = 1) -> list[Candidate]:
        """Search TMDb through Jellyseerr: movies and series, people left out."""
        # Spaces go as %20: Overseerr and its forks have not always read a `+`
        # as a space.
        path = f"{API}/search?query={quote(query, safe='')}&page={max(1, int(page))}"
        data = await self._get_object(path)
        results = data.get("results")
        return self._project_all(
            results if isinstance(results, list) else [],
            search_candidate,
            f"{API}/search",
        )

    async def async_get_title(
        self, media_type: SeerrMediaType, tmdb_id: int
    ) -> SeerrTitle:
        """Return the title, year and poster of a movie or series by its TMDb id."""
        path = f"{API}/{'movie' if media_type == 'movie' else 'tv'}/{int(tmdb_id)}"
        data = await self._get_object(path, item=True)
        if media_type == "movie":
            title, date = opt_str(data.get("title")), data.get("releaseDate")
        else:
            title, date = opt_str(data.get("name")), data.get("firstAirDate")
        if title is None:
            raise self._error(NotFoundError, f"{path} has no title")
        seasons = data.get("seasons")
        numbers = tuple(
            number
            for season in (seasons if isinstance(seasons, list) else [])
            if isinstance(season, dict)
            and (number := opt_int(season.get("seasonNumber"))) is not None
        )
        return SeerrTitle(
            title=title,
            year=_year(date),
            poster=poster_path(data.get("posterPath")),
            seasons=numbers,
        )

    async def async_create_request(
        self,
        media_type: SeerrMediaType,
        tmdb_id: int,
        *,
        seasons: Literal["all"] | Sequence[int] | None = None,
        tvdb_id: int | None = None,
        as_user: int | None = None,
    ) -> SeerrRequest:
        """Request a movie, or seasons of a series (`"all"` or their numbers).

        `as_user` makes the request as that Jellyseerr user, under its own
        approval rules and quota. RequestExistsError when the title is
        already requested; RefusedError with Jellyseerr's words for a quota,
        a blocklisted title or a missing permission; NothingToRequestError
        when every season asked for is already requested.
        """
        body: dict[str, Any] = {
            "mediaType": media_type,
            "mediaId": int(tmdb_id),
            "is4k": False,
        }
        if media_type == "tv":
            body["seasons"] = (
                "all" if seasons in (None, "all") else [int(n) for n in seasons]
            )
            if tvdb_id is not None:
                body["tvdbId"] = int(tvdb_id)
        path = f"{API}/request"

        async def handle(response: aiohttp.ClientResponse) -> tuple[int, Any]:
            self._check_content_type(response, path)
            return response.status, await self._read_json(response, path)

        client = self._as_user(as_user)
        try:
            status, data = await client._request(  # noqa: SLF001
                "POST",
                path,
                handle,
                json_body=body,
                refusals=frozenset({400, 403, 409}),
            )
        except RefusedError as err:
            if err.status == 409:
                raise RequestExistsError(
                    self.service, self._url, err.status, err.messages
                ) from None
            if err.status == 403 and not err.messages:
                # Jellyseerr refuses a wrong key with 403 and no message.
                raise self._error(
                    AuthenticationError, "the API key was refused (HTTP 403)"
                ) from None
            raise
        if status == 202:
            message = opt_str(data.get("message")) if isinstance(data, dict) else None
            raise self._error(
                NothingToRequestError, message or "No seasons available to request"
            )
        return self._project_one(data, seerr_request, path)

    async def async_set_request_status(
        self, request_id: int, action: Literal["approve", "decline"]
    ) -> SeerrRequest:
        """Approve or decline a request; NotFoundError when there is none."""
        if action not in ("approve", "decline"):
            raise ValueError(f"unknown request action {action!r}")
        path = f"{API}/request/{int(request_id)}/{action}"
        data = await self._send("POST", path, item=True, answer=True)
        return self._project_one(data, seerr_request, path)

    async def async_get_users(self) -> list[SeerrUser]:
        """Every Jellyseerr user, by id, in one request."""
        path = f"{API}/user"
        data = await self._get_object(
            path, params={"take": USERS_PAGE_SIZE, "skip": 0, "sort": "created"}
        )
        results = data.get("results")
        return self._project_all(
            results if isinstance(results, list) else [], seerr_user, path
        )
