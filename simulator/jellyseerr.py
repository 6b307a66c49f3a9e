"""Jellyseerr API v1: status, requests with counts, media, users."""

from __future__ import annotations

from datetime import datetime
import hmac
import math
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
)
from .state import JellyseerrState, SeerrMedia, SeerrRequest, SeerrUser

VERSION = "2.7.3"
API = "/api/v1"
PENDING, APPROVED, DECLINED, FAILED = 1, 2, 3, 4
MEDIA_PROCESSING, MEDIA_PARTIAL, MEDIA_AVAILABLE = 3, 4, 5
type Json = dict[str, Any]


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
            Route("GET", f"{API}/request", self.get_requests),
            Route("GET", f"{API}/request/count", self.get_request_count),
            Route("GET", f"{API}/request/{{requestId:\\d+}}", self.get_request),
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
        media = self.state.media.get(record.media_id)
        media_status = media.status if media else 1
        if wanted == "approved":
            return record.status == APPROVED
        if wanted == "pending":
            return record.status == PENDING
        if wanted == "available":
            return media_status in (MEDIA_PARTIAL, MEDIA_AVAILABLE)
        if wanted == "processing":
            return record.status == APPROVED and media_status == MEDIA_PROCESSING
        if wanted == "unavailable":
            return record.status in (PENDING, APPROVED) and media_status < MEDIA_PARTIAL
        if wanted == "failed":
            return record.status == FAILED
        return True

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

        def key(r: SeerrRequest) -> tuple[datetime, int]:
            return (r.updated if sort == "modified" else r.created, r.id)

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
