"""The kinds of media LCARS speaks of, in the user's words."""

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
