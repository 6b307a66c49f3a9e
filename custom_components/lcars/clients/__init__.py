"""Clients for Radarr, Sonarr, Lidarr, Jellyfin and Jellyseerr.

No Home Assistant imports here: the clients take an aiohttp session and can be
used and tested on their own.
"""

from __future__ import annotations

from .errors import (
    AuthenticationError,
    BadResponseError,
    CannotConnectError,
    InvalidUrlError,
    LcarsClientError,
    LookupUnavailableError,
    NotFoundError,
    RefusedError,
    WrongServiceError,
)
from .http import redact_url, url_has_secrets
from .jellyfin import JellyfinClient
from .jellyseerr import JellyseerrClient
from .lidarr import LidarrClient
from .radarr import RadarrClient
from .sonarr import SonarrClient

__all__ = [
    "AuthenticationError",
    "BadResponseError",
    "CannotConnectError",
    "InvalidUrlError",
    "JellyfinClient",
    "JellyseerrClient",
    "LcarsClientError",
    "LidarrClient",
    "LookupUnavailableError",
    "NotFoundError",
    "RadarrClient",
    "RefusedError",
    "SonarrClient",
    "WrongServiceError",
    "redact_url",
    "url_has_secrets",
]
