"""Errors raised by the service clients.

Three kinds matter to callers: the key was refused, the service could not be
reached, or it answered with something that is not its API. Messages name the
service and the URL and never the API key.
"""

from __future__ import annotations


class LcarsClientError(Exception):
    """Base class for every client error."""

    def __init__(self, service: str, url: str, detail: str) -> None:
        """Keep the service and URL so callers can say which one failed."""
        super().__init__(f"{service} at {url}: {detail}")
        self.service = service
        self.url = url
        self.detail = detail


class InvalidUrlError(LcarsClientError):
    """The URL has no http(s) scheme or no host."""


class AuthenticationError(LcarsClientError):
    """The service refused the API key (HTTP 401 or 403)."""


class CannotConnectError(LcarsClientError):
    """Connection refused or dropped, a timeout, or a 5xx answer."""


class BadResponseError(LcarsClientError):
    """The service answered with something that is not its API (HTML, bad JSON)."""


class WrongServiceError(BadResponseError):
    """Another application answers at this URL (for example Sonarr offered as Radarr)."""

    def __init__(self, service: str, url: str, found: str | None) -> None:
        """Remember what was found instead, when the other side said."""
        detail = f"found {found} instead" if found else "no such API at this URL"
        super().__init__(service, url, detail)
        self.found = found


class NotFoundError(LcarsClientError):
    """The item asked for does not exist (HTTP 404 on an item path)."""
