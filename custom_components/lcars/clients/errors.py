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


class RefusedError(BadResponseError):
    """The service understood the request and refused it, saying why.

    Radarr, Sonarr and Lidarr answer a change they will not make with 400
    and a list of validation messages ("Root folder '/x' does not exist");
    Jellyseerr with 403 or 409 and one message ("Movie Quota exceeded.").
    The messages are the service's own words, kept for the person who asked.
    """

    def __init__(
        self, service: str, url: str, status: int, messages: tuple[str, ...]
    ) -> None:
        """Keep the status and the service's messages."""
        said = "; ".join(messages)[:300] if messages else "no reason given"
        super().__init__(service, url, f"refused (HTTP {status}): {said}")
        self.status = status
        self.messages = messages


class LookupUnavailableError(CannotConnectError):
    """The service answers, but the metadata source its lookups need does not.

    Radarr, Sonarr and Lidarr look titles up in TMDb, TVDb or MusicBrainz
    through their own servers, and answer 503 with their message when those
    cannot be reached ("Unable to communicate with TMDb").
    """

    def __init__(self, service: str, url: str, message: str) -> None:
        """Keep the service's own words."""
        super().__init__(service, url, f"lookups are unavailable: {message}")
        self.message = message


class NotFoundError(LcarsClientError):
    """The item asked for does not exist (HTTP 404 on an item path)."""
