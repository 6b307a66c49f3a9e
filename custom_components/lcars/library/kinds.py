"""The kinds of media and of servers LCARS speaks of, in the user's words."""

from __future__ import annotations

from enum import StrEnum


class MediaKind(StrEnum):
    """A kind of library item: what a person would call it."""

    MOVIE = "movie"
    SERIES = "series"
    SEASON = "season"
    EPISODE = "episode"
    ARTIST = "artist"
    ALBUM = "album"


class ServiceKind(StrEnum):
    """A kind of server LCARS talks to, as its subentries and item keys name it."""

    RADARR = "radarr"
    SONARR = "sonarr"
    LIDARR = "lidarr"
    JELLYFIN = "jellyfin"
    JELLYSEERR = "jellyseerr"
