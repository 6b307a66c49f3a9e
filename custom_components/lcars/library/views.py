"""What a person sees of the library: kinds, files on disk, what is missing, watch data.

Pure and synchronous: the library actions ask these questions of the *arr
items and answer with plain data of their own. What counts as missing is
what the *arr services count themselves (Radarr's `movies_missing`): a
monitored item that still wants files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from custom_components.lcars.clients.models import Artist, Movie, Series, UserData

from .kinds import MediaKind
from .matching import JellyfinIndex, ProviderIds, provider_ids

type LibraryItem = Movie | Series | Artist

# Where the counted users' watch data starts in a Jellyfin item's row (see
# `clients.models.JellyfinItemRow`).
WATCH_DATA_AT: Final = 6


class LibraryStatus(StrEnum):
    """Which items of the library a person asks for."""

    MISSING = "missing"
    AVAILABLE = "available"
    MONITORED = "monitored"
    UNMONITORED = "unmonitored"


def title_of(item: LibraryItem) -> str:
    """Return the title of a movie or series, or the name of an artist."""
    return item.name if isinstance(item, Artist) else item.title


def kind_of(item: LibraryItem) -> MediaKind:
    """Return what a person calls the item: a movie, a series or an artist."""
    if isinstance(item, Movie):
        return MediaKind.MOVIE
    if isinstance(item, Series):
        return MediaKind.SERIES
    return MediaKind.ARTIST


def has_file(item: LibraryItem) -> bool:
    """Whether any file of the item is on disk."""
    if isinstance(item, Movie):
        return item.has_file
    if isinstance(item, Series):
        return item.episode_file_count > 0
    return item.track_file_count > 0


def is_missing(item: LibraryItem) -> bool:
    """Whether the service still wants files for a monitored item.

    A movie is missing once it is available (released) and has no file; a
    series or an artist while it has fewer files than episodes or tracks.
    """
    if not item.monitored:
        return False
    if isinstance(item, Movie):
        return not item.has_file and item.is_available
    if isinstance(item, Series):
        return item.episode_file_count < item.episode_count
    return item.track_file_count < item.total_track_count


def has_status(item: LibraryItem, status: LibraryStatus) -> bool:
    """Whether the item is one of those `status` asks for."""
    if status is LibraryStatus.MONITORED:
        return item.monitored
    if status is LibraryStatus.UNMONITORED:
        return not item.monitored
    if status is LibraryStatus.AVAILABLE:
        return has_file(item)
    return is_missing(item)


@dataclass(frozen=True, slots=True)
class LibraryQuery:
    """The items a person looks for: of one kind, one status, a word in the title.

    Each part left out finds every item; the search ignores case.
    """

    kind: MediaKind | None = None
    status: LibraryStatus | None = None
    search: str = ""

    def __post_init__(self) -> None:
        """Keep the search casefolded, as each title is compared."""
        object.__setattr__(self, "search", self.search.casefold())

    def finds(self, item: LibraryItem) -> bool:
        """Whether the item is one the query looks for."""
        if self.kind is not None and kind_of(item) is not self.kind:
            return False
        if self.status is not None and not has_status(item, self.status):
            return False
        return self.search in title_of(item).casefold()


@dataclass(frozen=True, slots=True)
class Found[S]:
    """An item a query found, with the service and instance it came from.

    `source` is whatever the caller reads the item's details from.
    """

    service: str
    instance: str
    item: LibraryItem
    source: S


def page_of[S](found: Iterable[Found[S]], *, offset: int, limit: int) -> list[Found[S]]:
    """Return one page of what a query found, in a stable order.

    By title (ignoring case), then service, instance and id: the same items
    come in the same order on every call, so paging never skips or repeats one.
    """
    ordered = sorted(
        found,
        key=lambda one: (
            title_of(one.item).casefold(),
            one.service,
            one.instance,
            one.item.id,
        ),
    )
    return ordered[offset : offset + limit]


@dataclass(slots=True)
class Watch:
    """Watch data of one library item, summed over the matching Jellyfin items."""

    played: bool = False
    play_count: int = 0
    last_played: datetime | None = None
    favorite: bool = False

    def add(self, data: UserData) -> None:
        """Count what one user did with one matching item."""
        self.played = self.played or data.played
        self.play_count += data.play_count
        if data.last_played and (
            self.last_played is None or data.last_played > self.last_played
        ):
            self.last_played = data.last_played
        self.favorite = self.favorite or data.favorite

    def as_dict(self) -> dict[str, Any]:
        """Return the watch data as plain data, the time in ISO 8601."""
        return {
            "played": self.played,
            "play_count": self.play_count,
            "last_played": (self.last_played.isoformat() if self.last_played else None),
            "favorite": self.favorite,
        }


def _match_ids(item: LibraryItem) -> tuple[MediaKind, ProviderIds]:
    """Return the kind of an item and its provider ids, to find it in Jellyfin."""
    if isinstance(item, Movie):
        return MediaKind.MOVIE, provider_ids(
            MediaKind.MOVIE, item.tmdb_id, item.imdb_id
        )
    if isinstance(item, Series):
        return MediaKind.SERIES, provider_ids(
            MediaKind.SERIES, item.tvdb_id, item.tmdb_id, item.imdb_id
        )
    # An artist is matched by its own Jellyfin item and by its albums.
    mbid = item.musicbrainz_id
    return MediaKind.ARTIST, provider_ids(MediaKind.ARTIST, mbid, mbid)


def watch_of(indexes: Iterable[JellyfinIndex], item: LibraryItem) -> Watch | None:
    """Watch data of the Jellyfin items the library's matcher finds, if any.

    The same matcher as the cleanup's: by provider ids of the item's own
    kind, never by title (two movies may share one, and a renamed item is
    still the same movie), copies of one item (a 4K edition) counted too,
    each Jellyfin item once however many servers or ids find it.
    """
    kind, ids = _match_ids(item)
    rows: dict[str, tuple[Any, ...]] = {}
    for index in indexes:
        found = index.match(kind, ids)
        if found is not None:
            for row in found.rows:
                rows.setdefault(row[0], row)
    if not rows:
        return None
    watch = Watch()
    for row in rows.values():
        # After the item's fields, one tuple per counted user: the user id,
        # then the fields of UserData in order.
        for user in row[WATCH_DATA_AT:]:
            watch.add(UserData(*user[1:]))
    return watch
