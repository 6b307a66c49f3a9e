"""What the cleanup planner reads: library items, disk figures and source health.

Plain data, built by the Home Assistant layer from the service snapshots. Watch
data from Jellyfin is already merged into each item, so the planner never has
to match anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from custom_components.lcars.library.kinds import ServiceKind

type ItemKind = Literal["movie", "season", "series", "album", "episode"]
"""What one candidate is: the unit the cleanup would delete."""

type MediaType = Literal["movies", "series", "albums"]
"""Which age limits apply: seasons, whole series and episodes share `series`."""

MEDIA_TYPE_OF_KIND: Final[dict[ItemKind, MediaType]] = {
    "movie": "movies",
    "season": "series",
    "series": "series",
    "episode": "series",
    "album": "albums",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaIds:
    """Provider ids of an item, kept for display and for the Home Assistant layer."""

    tmdb: int | None = None
    tvdb: int | None = None
    imdb: str | None = None
    musicbrainz: str | None = None


NO_IDS: Final = MediaIds()


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """A library item the cleanup may delete: a movie, season, series, album or episode.

    `key` is stable across refreshes (for example "radarr/main/movie/12" or
    "sonarr/main/season/5/2") and is what the ledger remembers. Tags are the
    *arr labels as the *arr stores them (lowercase). For seasons and episodes,
    `series_tags` are the tags of the parent series, so that a series tagged to
    be kept keeps all its seasons. `size` is in bytes as the *arr reports it;
    None when it sent none or something that is not a whole number (the
    planner holds an item whose size is in doubt).
    """

    key: str
    instance_id: str
    kind: ItemKind
    title: str
    root_folder: str
    size: int | None
    added: datetime | None
    year: int | None = None
    ids: MediaIds = NO_IDS
    path: str | None = None
    tags: frozenset[str] = frozenset()
    # Parent series of a season or an episode.
    series_key: str | None = None
    series_title: str | None = None
    series_tags: frozenset[str] = frozenset()
    season_number: int | None = None
    episode_number: int | None = None
    air_date: datetime | None = None
    # Watch data merged from Jellyfin (counted users only).
    jellyfin_matched: bool = False
    # The matched Jellyfin item (the series for seasons and episodes): the
    # one put in the Leaving Soon collection.
    jellyfin_id: str | None = None
    ids_conflict: bool = False
    last_played: datetime | None = None
    played: bool = False
    favorite: bool = False
    playing: bool = False
    # Filled by the torrent engine: deleting a seeding file frees nothing and
    # breaks the upload, so it is protected.
    seeding: bool = False


def trusted_size(item: Candidate) -> int:
    """Return the size of an item the planner let through (never one in doubt)."""
    size = item.size
    if size is None:
        raise ValueError(f"{item.key} has no size")
    return size


@dataclass(frozen=True, slots=True, kw_only=True)
class DiskFigure:
    """Free and total space of one root folder of one *arr instance.

    Root folders are told apart by instance as well as by path: two Radarr
    instances on two machines may both call their folder "/movies".
    """

    instance_id: str
    root_folder: str
    free_bytes: int | None
    total_bytes: int | None
    accessible: bool = True

    @property
    def problem(self) -> Literal["disk_missing", "disk_invalid"] | None:
        """Why the figure cannot be trusted, or None when it can.

        A full disk (0 bytes free) is a real figure; a total of 0, negative
        numbers or more free than total are not.
        """
        if self.free_bytes is None or self.total_bytes is None or not self.accessible:
            return "disk_missing"
        if (
            self.total_bytes <= 0
            or self.free_bytes < 0
            or self.free_bytes > self.total_bytes
        ):
            return "disk_invalid"
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceStatus:
    """How current the data of one source is.

    `source_id` is the id the candidates carry in `instance_id` (for the *arr
    instances); `fetched_at` is when its data was last fetched successfully;
    `name`, when known, is what a person calls the source.
    """

    source_id: str
    kind: ServiceKind
    fetched_at: datetime | None
    last_refresh_ok: bool
    name: str | None = None


type WatchDataProblem = Literal["user_missing", "no_user_data"]
"""Why a counted Jellyfin user's watch data is missing.

`user_missing`: the server no longer knows the user (404). `no_user_data`:
items came without the user's watch data.
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchDataGap:
    """A counted Jellyfin user whose watch data did not come in full.

    Missing watch data is never read as "never watched": the plan deletes
    nothing while any counted user's data is missing.
    """

    user_id: str
    problem: WatchDataProblem
    user_name: str | None = None
    # For `no_user_data`: how many items came without it.
    items: int = 0

    @property
    def user(self) -> str:
        """The user as a person recognises it: the name, with the id."""
        if self.user_name:
            return f"{self.user_name} ({self.user_id})"
        return self.user_id


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceHealth:
    """The state of every source the plan depends on."""

    sources: tuple[SourceStatus, ...]
    jellyfin_configured: bool
    # Counted Jellyfin users whose watch data is missing.
    watch_data_gaps: tuple[WatchDataGap, ...] = ()
