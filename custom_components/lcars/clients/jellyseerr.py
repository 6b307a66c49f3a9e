"""Jellyseerr (API v1)."""

from __future__ import annotations

from datetime import datetime

from .convert import int_or_zero
from .errors import NotFoundError
from .http import HttpClient, concurrent_requests
from .models import JellyseerrSnapshot, RequestCounts, SystemStatus

API = "/api/v1"


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
