"""Jellyseerr API v1: status, search, titles, requests with counts, media, users.

Searches and titles come from TMDb in a real Jellyseerr; here from the
metadata world the simulated *arr look titles up in (`metadata.py`: the same
titles with the same ids, searched with the same folding), the movies and
series of the simulated Radarr and Sonarr, and made-up titles for the ids of
requests that are in no library.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
import hmac
import math
import random
import re
from typing import Any, cast

from aiohttp import web

from .common import (
    Route,
    ServiceContext,
    empty,
    js_date,
    json_response,
    query_int,
    query_value,
    read_json,
)
from .metadata import (
    MOVIES,
    SERIES,
    Entry,
    MovieInfo,
    SeriesInfo,
    TitleTerm,
    search,
)
from .state import (
    JellyseerrState,
    RadarrState,
    SeerrMedia,
    SeerrRequest,
    SeerrUser,
    SonarrState,
)

VERSION = "2.7.3"
API = "/api/v1"
PENDING, APPROVED, DECLINED, FAILED = 1, 2, 3, 4
MEDIA_UNKNOWN, MEDIA_PENDING = 1, 2
MEDIA_PROCESSING, MEDIA_PARTIAL, MEDIA_AVAILABLE, MEDIA_BLACKLISTED = 3, 4, 5, 6
# Permissions (server/lib/permissions.ts); ADMIN passes every check.
ADMIN, MANAGE_USERS, MANAGE_REQUESTS, REQUEST = 2, 8, 16, 32
AUTO_APPROVE, AUTO_APPROVE_MOVIE, AUTO_APPROVE_TV = 128, 256, 512
REQUEST_MOVIE, REQUEST_TV = 262144, 524288
# TMDb's page size.
SEARCH_PAGE_SIZE = 20
type Json = dict[str, Any]


def has_permission(user: SeerrUser, *wanted: int) -> bool:
    """Whether a user holds any of `wanted` (Jellyseerr's `hasPermission`, "or")."""
    return bool(user.permissions & ADMIN) or any(user.permissions & w for w in wanted)


@dataclass(frozen=True, slots=True)
class Title:
    """A movie or series as TMDb knows it."""

    media_type: str  # "movie" or "tv"
    tmdb_id: int
    title: str
    year: int
    original_title: str = ""
    tvdb_id: int | None = None
    imdb_id: str | None = None
    # Season numbers and their episode counts (series; 0 is the specials).
    seasons: tuple[tuple[int, int], ...] = ()
    popularity: float = 10.0
    overview: str = ""
    language: str = "en"
    # Other names TMDb finds it by (translations, former names).
    alternate_titles: tuple[str, ...] = ()

    @property
    def poster_path(self) -> str:
        """A TMDb-style poster path (served by the simulator's image host)."""
        return f"/lcars-{self.media_type}-{self.tmdb_id}.jpg"

    @property
    def date(self) -> str:
        """The release (movie) or first air date (series)."""
        return f"{self.year:04d}-06-15"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a search finds it by."""
        return tuple(
            n for n in (self.title, self.original_title, *self.alternate_titles) if n
        )


@dataclass(frozen=True, slots=True)
class Person:
    """A person a multi search also finds (LCARS leaves them out)."""

    tmdb_id: int
    name: str
    popularity: float


def _seasons(*counts: int, specials: int = 0) -> tuple[tuple[int, int], ...]:
    out = [(0, specials)] if specials else []
    return (*out, *((n, c) for n, c in enumerate(counts, start=1)))


# TMDb's language codes of the metadata world's languages.
_LANGUAGE_CODES = {"English": "en", "French": "fr", "Spanish": "es", "Japanese": "ja"}


def _language(language: tuple[int, str]) -> str:
    return _LANGUAGE_CODES.get(language[1], "en")


def movie_title(movie: MovieInfo) -> Title:
    """Return a movie of the metadata world as TMDb shows it."""
    return Title(
        "movie",
        movie.tmdb_id,
        movie.title,
        movie.year,
        movie.original_title,
        imdb_id=movie.imdb_id,
        popularity=movie.popularity,
        overview=movie.overview,
        language=_language(movie.original_language),
        alternate_titles=movie.alternate_titles,
    )


def series_title(series: SeriesInfo) -> Title:
    """Return a series of the metadata world as TMDb shows it (its TMDb name)."""
    return Title(
        "tv",
        series.tmdb_id,
        series.tmdb_name or series.title,
        series.year,
        series.tmdb_original_name,
        tvdb_id=series.tvdb_id,
        imdb_id=series.imdb_id,
        seasons=series.seasons,
        popularity=series.popularity,
        overview=series.overview,
        language=_language(series.original_language),
        alternate_titles=(series.title, *series.alternate_titles),
    )


# The metadata world the simulated *arr look titles up in: the same titles
# with the same ids (Dune of 2021 is TMDb 438631 in Radarr and here).
CATALOGUE: tuple[Title, ...] = (
    *(movie_title(m) for m in MOVIES),
    *(series_title(s) for s in SERIES),
)
PEOPLE: tuple[Person, ...] = (
    Person(37932, "Frank Herbert", 5.0),
    Person(137427, "Denis Villeneuve", 20.0),
)
_WORDS = (
    *("Silent", "Harbor", "Crimson", "Signal", "Distant", "Orchard", "Iron"),
    *("Lantern", "Hollow", "Winter", "Paper", "Comet", "Glass", "Meridian"),
)


def _made_up(media_type: str, tmdb_id: int) -> Title:
    """Make up a title for an id no catalogue or library holds (the same every time)."""
    rng = random.Random(f"{media_type}:{tmdb_id}")
    words = " ".join(rng.sample(_WORDS, 2))
    seasons = _seasons(*(rng.randrange(6, 13) for _ in range(3)))
    return Title(
        media_type,
        tmdb_id,
        f"The {words}",
        rng.randrange(1970, 2025),
        seasons=seasons if media_type == "tv" else (),
        popularity=rng.random() * 5,
    )


class JellyseerrService:
    """A Jellyseerr server."""

    def __init__(self, ctx: ServiceContext) -> None:
        """Serve the instance described by `ctx`."""
        self.ctx = ctx

    @property
    def state(self) -> JellyseerrState:
        """Return the state of this server."""
        return cast("JellyseerrState", self.ctx.service_state)

    def routes(self) -> list[Route]:
        """Every served route."""
        return [
            Route("GET", f"{API}/status", self.get_status, public=True),
            Route("GET", f"{API}/status/appdata", self.get_appdata, public=True),
            Route("GET", f"{API}/auth/me", self.get_me),
            Route("GET", f"{API}/settings/about", self.get_about),
            Route("GET", f"{API}/search", self.get_search),
            Route("GET", f"{API}/movie/{{movieId:\\d+}}", self.get_movie),
            Route("GET", f"{API}/tv/{{tvId:\\d+}}", self.get_tv),
            Route("GET", f"{API}/request", self.get_requests),
            Route("POST", f"{API}/request", self.post_request),
            Route("GET", f"{API}/request/count", self.get_request_count),
            Route("GET", f"{API}/request/{{requestId:\\d+}}", self.get_request),
            Route(
                "POST",
                f"{API}/request/{{requestId:\\d+}}/{{status:pending|approve|decline}}",
                self.post_request_status,
            ),
            Route("DELETE", f"{API}/request/{{requestId:\\d+}}", self.delete_request),
            Route("GET", f"{API}/media", self.get_media),
            Route("DELETE", f"{API}/media/{{mediaId:\\d+}}", self.delete_media),
            Route("GET", f"{API}/user", self.get_users),
            Route("GET", f"{API}/user/{{userId:\\d+}}", self.get_user),
        ]

    def authorize(self, request: web.Request) -> web.StreamResponse | None:
        """Check the key: it comes in `X-Api-Key` only.

        Without it the request validator answers 401; with a wrong one the
        permission check answers 403.
        """
        key = request.headers.get("X-Api-Key")
        if key is None:
            message = "cookie 'connect.sid' required"
            return json_response(
                {
                    "message": message,
                    "errors": [{"path": request.path, "message": message}],
                },
                status=401,
            )
        if hmac.compare_digest(key.encode(), self.ctx.api_key.encode()):
            return None
        return json_response(
            {
                "status": 403,
                "error": "You do not have permission to access this endpoint",
            },
            status=403,
        )

    # ------------------------------------------------------------------ shapes

    def user_json(self, user: SeerrUser) -> Json:
        """Return a user."""
        return {
            "permissions": user.permissions,
            "warnings": [],
            "id": user.id,
            "email": user.email,
            "jellyfinUsername": user.display_name,
            "userType": 3,
            "jellyfinUserId": user.jellyfin_user_id,
            "avatar": f"/avatarproxy/{user.jellyfin_user_id}",
            "createdAt": js_date(user.created),
            "updatedAt": js_date(user.created),
            "requestCount": sum(
                1 for r in self.state.requests.values() if r.requested_by == user.id
            ),
            "displayName": user.display_name,
            "movieQuotaLimit": user.movie_quota_limit,
            "movieQuotaDays": 7 if user.movie_quota_limit else None,
            "tvQuotaLimit": user.tv_quota_limit,
            "tvQuotaDays": 7 if user.tv_quota_limit else None,
        }

    def _user(self, user_id: int | None) -> SeerrUser | None:
        return next((u for u in self.state.users if u.id == user_id), None)

    def media_json(self, media: SeerrMedia, *, with_requests: bool) -> Json:
        """Return a media entry."""
        out: Json = {
            "downloadStatus": [],
            "downloadStatus4k": [],
            "id": media.id,
            "mediaType": media.media_type,
            "tmdbId": media.tmdb_id,
            "tvdbId": media.tvdb_id,
            "imdbId": media.imdb_id,
            "status": media.status,
            "status4k": 1,
            "createdAt": js_date(media.created),
            "updatedAt": js_date(media.updated),
            "lastSeasonChange": js_date(media.created),
            "mediaAddedAt": js_date(media.updated)
            if media.status >= MEDIA_PARTIAL
            else None,
            "serviceId": media.service_id,
            "serviceId4k": None,
            "externalServiceId": media.external_service_id,
            "externalServiceId4k": None,
            "externalServiceSlug": media.external_service_slug,
            "externalServiceSlug4k": None,
            "ratingKey": None,
            "ratingKey4k": None,
            "jellyfinMediaId": media.jellyfin_media_id,
            "jellyfinMediaId4k": None,
        }
        if media.jellyfin_media_id:
            out["mediaUrl"] = (
                f"http://jellyfin:8096/web/index.html#!/details?id={media.jellyfin_media_id}"
            )
        if with_requests:
            out["requests"] = [
                self.request_json(r, with_media=False)
                for r in sorted(self.state.requests.values(), key=lambda r: r.id)
                if r.media_id == media.id
            ]
        return out

    def request_json(self, request: SeerrRequest, *, with_media: bool = True) -> Json:
        """Return a request with its media and users."""
        media = self.state.media.get(request.media_id)
        requester = self._user(request.requested_by)
        modifier = self._user(request.modified_by)
        out: Json = {
            "id": request.id,
            "status": request.status,
            "createdAt": js_date(request.created),
            "updatedAt": js_date(request.updated),
            "type": media.media_type if media else "movie",
            "is4k": request.is4k,
            "serverId": request.server_id,
            "profileId": request.profile_id,
            "rootFolder": request.root_folder,
            "languageProfileId": None,
            "tags": request.tags,
            "isAutoRequest": False,
            "seasons": [
                {
                    "id": request.id * 100 + number,
                    "seasonNumber": number,
                    "status": request.status,
                    "createdAt": js_date(request.created),
                    "updatedAt": js_date(request.updated),
                }
                for number in request.seasons
            ],
            "modifiedBy": self.user_json(modifier) if modifier else None,
            "requestedBy": self.user_json(requester) if requester else None,
            "seasonCount": len(request.seasons),
        }
        if with_media and media is not None:
            out["media"] = self.media_json(media, with_requests=False)
        if out["requestedBy"] is None:
            del out["requestedBy"]
        return out

    def _page(self, request: web.Request, records: list[Any]) -> tuple[list[Any], Json]:
        take = query_int(request, "take", 10) or 10
        skip = max(0, query_int(request, "skip", 0) or 0)
        page_info = {
            "pages": math.ceil(len(records) / take) if take else 0,
            "pageSize": take,
            "results": len(records),
            "page": skip // take + 1 if take else 1,
        }
        return records[skip : skip + take], page_info

    # ------------------------------------------------------------------ routes

    async def get_status(self, request: web.Request) -> web.StreamResponse:
        """`/status` (no auth)."""
        return json_response(
            {
                "version": VERSION,
                "commitTag": f"v{VERSION}",
                "updateAvailable": False,
                "commitsBehind": 0,
                "restartRequired": False,
            }
        )

    async def get_appdata(self, request: web.Request) -> web.StreamResponse:
        """`/status/appdata` (no auth)."""
        return json_response(
            {"appData": True, "appDataPath": "/app/config", "appDataPermissions": True}
        )

    async def get_me(self, request: web.Request) -> web.StreamResponse:
        """`/auth/me`: the API key acts as the first (admin) user."""
        return json_response(self.user_json(self.state.users[0]))

    async def get_about(self, request: web.Request) -> web.StreamResponse:
        """`/settings/about`."""
        return json_response(
            {
                "version": VERSION,
                "totalRequests": len(self.state.requests),
                "totalMediaItems": len(self.state.media),
                "tz": "Etc/UTC",
                "appDataPath": "/app/config",
            }
        )

    def _matches(self, record: SeerrRequest, wanted: str) -> bool:
        """Whether a request passes a `filter` (server/routes/request.ts)."""
        media = self.state.media.get(record.media_id)
        media_status = media.status if media else MEDIA_UNKNOWN
        if wanted in ("approved", "processing", "available"):
            statuses = {APPROVED}
        elif wanted == "pending":
            statuses = {PENDING}
        elif wanted == "unavailable":
            statuses = {PENDING, APPROVED}
        elif wanted == "failed":
            statuses = {FAILED}
        else:
            statuses = {PENDING, APPROVED, DECLINED, FAILED}
        if wanted == "available":
            media_statuses = {MEDIA_AVAILABLE}
        elif wanted in ("processing", "unavailable"):
            media_statuses = {
                MEDIA_UNKNOWN,
                MEDIA_PENDING,
                MEDIA_PROCESSING,
                MEDIA_PARTIAL,
            }
        else:
            media_statuses = {
                MEDIA_UNKNOWN,
                MEDIA_PENDING,
                MEDIA_PROCESSING,
                MEDIA_PARTIAL,
                MEDIA_AVAILABLE,
            }
        return record.status in statuses and media_status in media_statuses

    async def get_requests(self, request: web.Request) -> web.StreamResponse:
        """`/request?take=&skip=&filter=&sort=&requestedBy=`."""
        records = list(self.state.requests.values())
        wanted = query_value(request, "filter") or "all"
        records = [r for r in records if self._matches(r, wanted)]
        requested_by = query_int(request, "requestedBy")
        if requested_by is not None:
            records = [r for r in records if r.requested_by == requested_by]
        sort = query_value(request, "sort") or "added"
        descending = (query_value(request, "sortDirection") or "desc") != "asc"

        # "added" is the order of the ids, "modified" of the last change.
        def key(r: SeerrRequest) -> tuple[datetime | int, int]:
            return (r.updated if sort == "modified" else r.id, r.id)

        records.sort(key=key, reverse=descending)
        page, info = self._page(request, records)
        return json_response(
            {"pageInfo": info, "results": [self.request_json(r) for r in page]}
        )

    async def get_request_count(self, request: web.Request) -> web.StreamResponse:
        """`/request/count`."""
        records = list(self.state.requests.values())

        def media_status(r: SeerrRequest) -> int:
            media = self.state.media.get(r.media_id)
            return media.status if media else 1

        def media_type(r: SeerrRequest) -> str:
            media = self.state.media.get(r.media_id)
            return media.media_type if media else "movie"

        approved = [r for r in records if r.status == APPROVED]
        return json_response(
            {
                "total": len(records),
                "movie": sum(1 for r in records if media_type(r) == "movie"),
                "tv": sum(1 for r in records if media_type(r) == "tv"),
                "pending": sum(1 for r in records if r.status == PENDING),
                "approved": len(approved),
                "declined": sum(1 for r in records if r.status == DECLINED),
                "processing": sum(
                    1 for r in approved if media_status(r) < MEDIA_PARTIAL
                ),
                "available": sum(
                    1 for r in approved if media_status(r) >= MEDIA_PARTIAL
                ),
            }
        )

    async def get_request(self, request: web.Request) -> web.StreamResponse:
        """`/request/{requestId}`."""
        record = self.state.requests.get(int(request.match_info["requestId"]))
        if record is None:
            return json_response(
                {"status": 404, "message": "Request not found."}, status=404
            )
        return json_response(self.request_json(record))

    async def delete_request(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /request/{requestId}`: 204."""
        if not self.state.delete_request(int(request.match_info["requestId"])):
            return json_response(
                {"status": 404, "message": "Request not found."}, status=404
            )
        return empty(204)

    async def get_media(self, request: web.Request) -> web.StreamResponse:
        """`/media?take=&skip=&filter=&sort=`."""
        records = list(self.state.media.values())
        wanted = query_value(request, "filter") or "all"
        statuses = {
            "available": {MEDIA_AVAILABLE},
            "partial": {MEDIA_PARTIAL},
            "allavailable": {MEDIA_PARTIAL, MEDIA_AVAILABLE},
            "processing": {MEDIA_PROCESSING},
            "pending": {2},
        }.get(wanted)
        if statuses is not None:
            records = [m for m in records if m.status in statuses]
        sort = query_value(request, "sort") or "added"
        records.sort(
            key=lambda m: (m.updated if sort != "added" else m.created, m.id),
            reverse=True,
        )
        page, info = self._page(request, records)
        return json_response(
            {
                "pageInfo": info,
                "results": [self.media_json(m, with_requests=True) for m in page],
            }
        )

    async def delete_media(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /media/{mediaId}`: the entry and its requests; 204."""
        if not self.state.delete_media(int(request.match_info["mediaId"])):
            return json_response(
                {"status": 404, "message": "Media not found."}, status=404
            )
        return empty(204)

    async def get_users(self, request: web.Request) -> web.StreamResponse:
        """`/user`, paged."""
        page, info = self._page(request, list(self.state.users))
        return json_response(
            {"pageInfo": info, "results": [self.user_json(u) for u in page]}
        )

    async def get_user(self, request: web.Request) -> web.StreamResponse:
        """`/user/{userId}`."""
        user = self._user(int(request.match_info["userId"]))
        if user is None:
            return json_response(
                {"status": 404, "message": "User not found."}, status=404
            )
        return json_response(self.user_json(user))

    # ------------------------------------------------------------------ titles

    def _library_titles(self) -> Iterator[Title]:
        """Yield the movies and series of every simulated Radarr and Sonarr."""
        for service in self.ctx.state.services.values():
            if isinstance(service, RadarrState):
                for movie in service.movies.values():
                    yield Title(
                        "movie",
                        movie.tmdb_id,
                        movie.title,
                        movie.year,
                        movie.original_title,
                        imdb_id=movie.imdb_id,
                        popularity=movie.rating_tmdb,
                        overview=movie.overview,
                    )
            elif isinstance(service, SonarrState):
                for series in service.series.values():
                    yield Title(
                        "tv",
                        series.tmdb_id,
                        series.title,
                        series.year,
                        tvdb_id=series.tvdb_id,
                        imdb_id=series.imdb_id,
                        seasons=tuple(
                            (number, 10) for number in sorted(series.seasons)
                        ),
                        popularity=series.rating,
                        overview=series.overview,
                    )

    def _titles(self) -> Iterator[Title]:
        """Yield every title a search can find, each id once."""
        seen: set[tuple[str, int]] = set()
        for title in (*CATALOGUE, *self._library_titles()):
            key = (title.media_type, title.tmdb_id)
            if key not in seen:
                seen.add(key)
                yield title

    def _title(self, media_type: str, tmdb_id: int) -> Title | None:
        """Return the title TMDb has under this id, or None (TMDb answers 404)."""
        for title in self._titles():
            if title.media_type == media_type and title.tmdb_id == tmdb_id:
                return title
        # Requests of titles in no library still have a title on TMDb.
        for media in self.state.media.values():
            if media.media_type == media_type and media.tmdb_id == tmdb_id:
                return _made_up(media_type, tmdb_id)
        return None

    def _media_of(self, media_type: str, tmdb_id: int) -> SeerrMedia | None:
        for media in self.state.media.values():
            if media.media_type == media_type and media.tmdb_id == tmdb_id:
                return media
        return None

    def _media_info(self, title: Title) -> Json | None:
        media = self._media_of(title.media_type, title.tmdb_id)
        return self.media_json(media, with_requests=False) if media else None

    def result_json(self, title: Title) -> Json:
        """Return a search result: TMDb's fields and the media entry Jellyseerr keeps."""
        out: Json = {
            "id": title.tmdb_id,
            "mediaType": title.media_type,
            "popularity": title.popularity,
            "posterPath": title.poster_path,
            "backdropPath": f"/lcars-backdrop-{title.tmdb_id}.jpg",
            "voteCount": 1000,
            "voteAverage": 7.5,
            "genreIds": [878, 12],
            "overview": title.overview or f"The story of {title.title}.",
            "originalLanguage": title.language,
        }
        if title.media_type == "movie":
            out |= {
                "title": title.title,
                "originalTitle": title.original_title or title.title,
                "releaseDate": title.date,
                "adult": False,
                "video": False,
            }
        else:
            out |= {
                "name": title.title,
                "originalName": title.original_title or title.title,
                "originCountry": ["US"],
                "firstAirDate": title.date,
            }
        info = self._media_info(title)
        if info is not None:
            out["mediaInfo"] = info
        return out

    def _search(self, query: str) -> list[Json]:
        """Return what TMDb's multi search finds, most popular first."""
        lowered = query.lower()
        for prefix, field in (("tmdb:", "tmdb"), ("tvdb:", "tvdb"), ("imdb:", "imdb")):
            found = re.search(rf"(?<={prefix})(tt|nm)?\d+", lowered)
            if found is None:
                continue
            wanted = found.group(0)
            titles = [
                t
                for t in self._titles()
                if (field == "tmdb" and str(t.tmdb_id) == wanted)
                or (field == "tvdb" and str(t.tvdb_id) == wanted)
                or (field == "imdb" and t.imdb_id == wanted)
            ]
            return [self.result_json(t) for t in titles]
        titles = list(self._titles())
        entries = [Entry(t.names, t.year, t.popularity, t) for t in titles]
        found = search(entries, TitleTerm(query, None), year_filters=False, limit=100)
        people = [
            Entry((p.name,), 0, p.popularity, p)
            for p in sorted(PEOPLE, key=lambda p: -p.popularity)
        ]
        return [self.result_json(t) for t in found] + [
            {
                "id": p.tmdb_id,
                "name": p.name,
                "popularity": p.popularity,
                "profilePath": f"/lcars-person-{p.tmdb_id}.jpg",
                "adult": False,
                "mediaType": "person",
                "knownFor": [],
            }
            for p in search(people, TitleTerm(query, None), year_filters=False)
        ]

    async def get_search(self, request: web.Request) -> web.StreamResponse:
        """`/search?query=&page=`: 20 results a page; no query is a 400."""
        query = request.query.get("query")
        if query is None:
            message = "request/query must have required property 'query'"
            return json_response(
                {
                    "message": message,
                    "errors": [
                        {
                            "path": ".query.query",
                            "message": "must have required property 'query'",
                            "errorCode": "required.openapi.validation",
                        }
                    ],
                },
                status=400,
            )
        results = self._search(query)
        page = max(1, query_int(request, "page", 1) or 1)
        start = (page - 1) * SEARCH_PAGE_SIZE
        return json_response(
            {
                "page": page,
                "totalPages": max(1, math.ceil(len(results) / SEARCH_PAGE_SIZE)),
                "totalResults": len(results),
                "results": results[start : start + SEARCH_PAGE_SIZE],
            }
        )

    def _details(self, title: Title) -> Json:
        out: Json = {
            "id": title.tmdb_id,
            "posterPath": title.poster_path,
            "backdropPath": f"/lcars-backdrop-{title.tmdb_id}.jpg",
            "genres": [{"id": 878, "name": "Science Fiction"}],
            "originalLanguage": title.language,
            "overview": title.overview or f"The story of {title.title}.",
            "popularity": title.popularity,
            "voteAverage": 7.5,
            "voteCount": 1000,
            "externalIds": {"imdbId": title.imdb_id, "tvdbId": title.tvdb_id},
        }
        info = self._media_info(title)
        if info is not None:
            out["mediaInfo"] = info
        return out

    async def get_movie(self, request: web.Request) -> web.StreamResponse:
        """`/movie/{movieId}`; an id TMDb does not know is a 500, as the real one."""
        title = self._title("movie", int(request.match_info["movieId"]))
        if title is None:
            return json_response({"message": "Unable to retrieve movie."}, status=500)
        return json_response(
            self._details(title)
            | {
                "imdbId": title.imdb_id,
                "title": title.title,
                "originalTitle": title.original_title or title.title,
                "releaseDate": title.date,
                "runtime": 120,
                "status": "Released",
                "adult": False,
                "video": False,
            }
        )

    async def get_tv(self, request: web.Request) -> web.StreamResponse:
        """`/tv/{tvId}` with its seasons; an unknown id is a 500."""
        title = self._title("tv", int(request.match_info["tvId"]))
        if title is None:
            return json_response({"message": "Unable to retrieve series."}, status=500)
        seasons = [
            {
                "id": title.tmdb_id * 100 + number,
                "airDate": f"{title.year + max(0, number - 1):04d}-01-10",
                "episodeCount": count,
                "name": "Specials" if number == 0 else f"Season {number}",
                "overview": "",
                "posterPath": f"/lcars-season-{title.tmdb_id}-{number}.jpg",
                "seasonNumber": number,
            }
            for number, count in title.seasons
        ]
        regular = [n for n, _ in title.seasons if n > 0]
        return json_response(
            self._details(title)
            | {
                "name": title.title,
                "originalName": title.original_title or title.title,
                "firstAirDate": title.date,
                "lastAirDate": f"{title.year + len(regular):04d}-03-01",
                "numberOfSeasons": len(regular),
                "numberOfEpisodes": sum(c for n, c in title.seasons if n > 0),
                "seasons": seasons,
                "status": "Ended",
                "inProduction": False,
                "originCountry": ["US"],
            }
        )

    # ------------------------------------------------------------------ changes

    def _caller(self, request: web.Request) -> SeerrUser | None:
        """Return the user a request acts as: `X-API-User`, else the first (admin)."""
        header = request.headers.get("X-API-User")
        if header is None:
            return self.state.users[0]
        try:
            return self._user(int(header))
        except ValueError:
            return None

    def _quota_left(self, user: SeerrUser, media_type: str) -> int | None:
        """Return how many requests (series: seasons) the user may still make; None: no limit."""
        if has_permission(user, MANAGE_USERS):
            return None
        limit = user.movie_quota_limit if media_type == "movie" else user.tv_quota_limit
        if not limit:
            return None
        used = 0
        for record in self.state.requests.values():
            media = self.state.media.get(record.media_id)
            if (
                record.requested_by != user.id
                or record.status == DECLINED
                or media is None
                or media.media_type != media_type
            ):
                continue
            used += 1 if media_type == "movie" else len(record.seasons)
        return max(0, limit - used)

    @staticmethod
    def _refuse(status: int, message: str) -> web.Response:
        return json_response({"message": message}, status=status)

    async def post_request(self, request: web.Request) -> web.StreamResponse:
        """`POST /request`: MediaRequest.request() of server/entity/MediaRequest.ts."""
        body = await read_json(request)
        if not isinstance(body, dict):
            return self._refuse(400, "request/body must be object")
        for name in ("mediaType", "mediaId"):
            if name not in body:
                return self._refuse(
                    400, f"request/body must have required property '{name}'"
                )
        media_type = body["mediaType"]
        media_id = body["mediaId"]
        if media_type not in ("movie", "tv"):
            return self._refuse(
                400, "request/body/mediaType must be equal to one of the allowed values"
            )
        if not isinstance(media_id, int) or isinstance(media_id, bool):
            return self._refuse(400, "request/body/mediaId must be number")
        caller = self._caller(request)
        if caller is None:
            return self._refuse(401, "You must be logged in to request media.")
        requester: SeerrUser | None = caller
        user_id = body.get("userId")
        if user_id:
            if not has_permission(caller, MANAGE_USERS, MANAGE_REQUESTS):
                return self._refuse(
                    403, "You do not have permission to modify the request user."
                )
            requester = self._user(user_id)
            if requester is None:
                return self._refuse(
                    500, 'Could not find any entity of type "User" matching the query'
                )
        assert requester is not None
        noun = "movie" if media_type == "movie" else "series"
        specific = REQUEST_MOVIE if media_type == "movie" else REQUEST_TV
        if not has_permission(requester, REQUEST, specific):
            return self._refuse(
                403, f"You do not have permission to make {noun} requests."
            )
        left = self._quota_left(requester, media_type)
        if left == 0:
            return self._refuse(
                403,
                "Movie Quota exceeded."
                if noun == "movie"
                else "Series Quota exceeded.",
            )
        title = self._title(media_type, media_id)
        if title is None:
            return self._refuse(
                500,
                f"[TMDB] Failed to fetch {noun} details: Request failed with status code 404",
            )
        media = self._media_of(media_type, media_id)
        if media is not None and media.status == MEDIA_BLACKLISTED:
            return self._refuse(403, "This media is blacklisted.")
        existing = (
            [
                r
                for r in sorted(self.state.requests.values(), key=lambda r: r.id)
                if r.media_id == media.id and not r.is4k
            ]
            if media is not None
            else []
        )
        if media_type == "movie" and existing and existing[0].status != DECLINED:
            return self._refuse(409, "Request for this media already exists.")
        seasons: list[int] = []
        if media_type == "tv":
            wanted = body.get("seasons", [])
            if wanted == "all":
                numbers = [n for n, _ in title.seasons]
            elif isinstance(wanted, list) and all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0
                for n in wanted
            ):
                numbers = list(wanted)
            else:
                return self._refuse(
                    400, "request/body/seasons must match exactly one schema in oneOf"
                )
            # Special episodes are off by default.
            numbers = [n for n in numbers if n > 0]
            taken = {n for r in existing if r.status != DECLINED for n in r.seasons}
            if media is not None and media.status == MEDIA_AVAILABLE:
                taken |= {n for n, _ in title.seasons}
            seasons = [n for n in numbers if n not in taken]
            if not seasons:
                return self._refuse(202, "No seasons available to request")
            if left is not None and len(seasons) > left:
                return self._refuse(403, "Series Quota exceeded.")
        now = self.ctx.clock.now()
        # Approval follows the user the request acts as, not the one it is for.
        approved = has_permission(
            caller,
            AUTO_APPROVE,
            AUTO_APPROVE_MOVIE if media_type == "movie" else AUTO_APPROVE_TV,
            MANAGE_REQUESTS,
        )
        if media is None:
            tvdb_id = body.get("tvdbId")
            media = SeerrMedia(
                id=self.state.next_media_id(),
                media_type=media_type,
                tmdb_id=media_id,
                tvdb_id=tvdb_id if isinstance(tvdb_id, int) else title.tvdb_id,
                imdb_id=title.imdb_id,
                status=MEDIA_PENDING,
                created=now,
                updated=now,
            )
            self.state.media[media.id] = media
        elif media.status == MEDIA_UNKNOWN:
            media.status = MEDIA_PENDING
        if approved and media.status == MEDIA_PENDING:
            # Sent to Radarr or Sonarr at once.
            media.status = MEDIA_PROCESSING
        media.updated = now
        record = SeerrRequest(
            id=self.state.next_request_id(),
            status=APPROVED if approved else PENDING,
            media_id=media.id,
            requested_by=requester.id,
            modified_by=caller.id if approved else None,
            created=now,
            updated=now,
            seasons=seasons,
            root_folder=None,
            profile_id=None,
            server_id=None,
            tags=None,
        )
        self.state.requests[record.id] = record
        self.state.touch()
        return json_response(self.request_json(record), status=201)

    async def post_request_status(self, request: web.Request) -> web.StreamResponse:
        """`POST /request/{id}/approve|decline|pending`: managers of requests only."""
        caller = self._caller(request)
        if caller is None or not has_permission(caller, MANAGE_REQUESTS):
            return json_response(
                {
                    "status": 403,
                    "error": "You do not have permission to access this endpoint",
                },
                status=403,
            )
        record = self.state.requests.get(int(request.match_info["requestId"]))
        if record is None:
            return self._refuse(404, "Request not found.")
        record.status = {
            "pending": PENDING,
            "approve": APPROVED,
            "decline": DECLINED,
        }[request.match_info["status"]]
        record.modified_by = caller.id
        record.updated = self.ctx.clock.now()
        media = self.state.media.get(record.media_id)
        if media is not None:
            if record.status == APPROVED and media.status == MEDIA_PENDING:
                media.status = MEDIA_PROCESSING
            elif record.status == DECLINED and media.status == MEDIA_PENDING:
                others = [
                    r
                    for r in self.state.requests.values()
                    if r.media_id == media.id
                    and r.id != record.id
                    and r.status in (PENDING, APPROVED)
                ]
                if not others:
                    media.status = MEDIA_UNKNOWN
            media.updated = record.updated
        self.state.touch()
        return json_response(self.request_json(record))
