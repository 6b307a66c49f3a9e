"""A title found by a lookup: what a person chooses from before adding it.

Radarr, Sonarr and Lidarr look titles up in TMDb, TVDb and MusicBrainz, and
Jellyseerr searches TMDb; each answer becomes a `Candidate`, the one shape
the adding and requesting actions choose from and answer with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .kinds import MediaKind

# The names of the ids a candidate may carry, in `Candidate.ids`.
ID_TMDB = "tmdb"
ID_TVDB = "tvdb"
ID_IMDB = "imdb"
ID_MUSICBRAINZ = "musicbrainz"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One movie, series, artist or album a lookup found.

    `library_id` is its id in the *arr that looked it up when it is already
    in that library (the *arr answers a lookup of a title it has with the
    library item). `covers` maps a cover type ("poster", "fanart", "cover")
    to the *arr's own path for a library item, or the image's address for a
    new one. `raw` is the resource as the *arr sent it: adding sends it back,
    with the settings of the add, as the *arr's own web interface does.
    """

    kind: MediaKind
    title: str
    year: int | None = None
    original_title: str | None = None
    ids: Mapping[str, str | int] = field(default_factory=dict)
    overview: str | None = None
    runtime: int | None = None
    season_count: int | None = None
    status: str | None = None
    genres: tuple[str, ...] = ()
    rating: float | None = None
    disambiguation: str | None = None
    artist: str | None = None
    library_id: int | None = None
    covers: Mapping[str, str] = field(default_factory=dict)
    alternate_titles: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def tmdb_id(candidate: Candidate) -> int | None:
    """Return a candidate's TMDb id (what Jellyseerr requests it by), when it has one."""
    value = candidate.ids.get(ID_TMDB)
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    return None
