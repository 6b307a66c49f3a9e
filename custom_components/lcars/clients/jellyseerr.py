"""Jellyseerr (API v1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from .arr import require_int
from .convert import int_or_zero, opt_id, opt_str
from .errors import NotFoundError
from .http import HttpClient, concurrent_requests
from .models import JellyseerrSnapshot, RequestCounts, SystemStatus

API = "/api/v1"

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
