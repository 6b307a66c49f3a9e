"""One matcher of *arr items to Jellyfin items: by provider ids, typed by kind.

Items are matched by provider ids only, never by title: two movies may share
a title, and a renamed item is still the same one. Each kind of item is
looked up among the Jellyfin items of its own type, by its own providers in
order: movies by TMDb then IMDb, series by TVDB, TMDb then IMDb, albums by
the MusicBrainz release group (Lidarr's foreign album id) then the
MusicBrainz release. TMDb numbers movies and TV series separately, so a movie
is never matched to a series that has its number. An artist is matched to
its albums in Jellyfin (which carry the album artist's MusicBrainz id), as
Jellyfin keeps plays per album.

A Jellyfin item found by one id that carries another id of the *arr item
with a different value is a conflict: its watch data may be another item's.
Further Jellyfin items claiming the id the first one was found by are copies
of the same item (a 4K edition): they come with the match.

The index reads Jellyfin's item rows as the client keeps them (see
`clients.models.JellyfinItemRow`): the id first, the type third, then the
provider ids as one flat tuple alternating provider and id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .kinds import MediaKind

type Row = tuple[Any, ...]
type ProviderIds = Sequence[tuple[str, str | None]]

# The Jellyfin item type each kind is found among, and its providers in order.
JELLYFIN_TYPES: Final[dict[MediaKind, str]] = {
    MediaKind.MOVIE: "Movie",
    MediaKind.SERIES: "Series",
    MediaKind.ALBUM: "MusicAlbum",
    MediaKind.ARTIST: "MusicAlbum",
}
PROVIDERS: Final[dict[MediaKind, tuple[str, ...]]] = {
    MediaKind.MOVIE: ("Tmdb", "Imdb"),
    MediaKind.SERIES: ("Tvdb", "Tmdb", "Imdb"),
    MediaKind.ALBUM: ("MusicBrainzReleaseGroup", "MusicBrainzAlbum"),
    MediaKind.ARTIST: ("MusicBrainzAlbumArtist", "MusicBrainzArtist"),
}
# The providers indexed per Jellyfin type: those of every kind found there.
_INDEXED: Final[dict[str, frozenset[str]]] = {
    jellyfin_type: frozenset(
        provider
        for kind, found_in in JELLYFIN_TYPES.items()
        if found_in == jellyfin_type
        for provider in PROVIDERS[kind]
    )
    for jellyfin_type in set(JELLYFIN_TYPES.values())
}
_TYPE_POSITION: Final = 2
_IDS_POSITION: Final = 3


def id_text(value: object) -> str | None:
    """Return a provider id as it compares: trimmed lowercase text ("tt0133093")."""
    if value is None:
        return None
    if type(value) is int:
        return str(value)
    text = str(value).strip().lower()
    return text or None


def provider_ids(
    kind: MediaKind, *values: object
) -> tuple[tuple[str, str | None], ...]:
    """Pair the ids of an item with its kind's providers, in their order."""
    return tuple(
        (provider, id_text(value))
        for provider, value in zip(PROVIDERS[kind], values, strict=False)
    )


@dataclass(frozen=True, slots=True)
class Match:
    """The Jellyfin rows of one *arr item: the one found first, then its copies."""

    rows: tuple[Row, ...]
    # The first row disagrees with the *arr item on another provider id.
    conflict: bool

    @property
    def row(self) -> Row:
        """The row found by the first provider id that matched."""
        return self.rows[0]


class JellyfinIndex:
    """Jellyfin items by type and provider id, built once per snapshot."""

    def __init__(self, rows: Iterable[Row]) -> None:
        """Index the rows of the types LCARS matches; others are left out."""
        # By Jellyfin type, then by (provider, id text): the first row.
        self._first: dict[str, dict[tuple[str, str], Row]] = {
            jellyfin_type: {} for jellyfin_type in _INDEXED
        }
        # Further rows claiming an id an earlier row has.
        self._copies: dict[tuple[str, str, str], list[Row]] = {}
        for row in rows:
            jellyfin_type = row[_TYPE_POSITION]
            providers = _INDEXED.get(jellyfin_type)
            if providers is None:
                continue
            index = self._first[jellyfin_type]
            ids = row[_IDS_POSITION]
            for position in range(0, len(ids), 2):
                provider = ids[position]
                if provider in providers:
                    text = id_text(ids[position + 1])
                    if text is not None:
                        claim = (provider, text)
                        if claim in index:
                            self._copies.setdefault((jellyfin_type, *claim), []).append(
                                row
                            )
                        else:
                            index[claim] = row

    def match(self, kind: MediaKind, ids: ProviderIds) -> Match | None:
        """Find an item of `kind` by the first of its `ids` (provider, id text).

        `ids` are in the order of the kind's providers, as `provider_ids`
        pairs them, their values as `id_text` writes them.
        """
        jellyfin_type = JELLYFIN_TYPES[kind]
        index = self._first[jellyfin_type]
        for provider, value in ids:
            if value is None:
                continue
            row = index.get((provider, value))
            if row is None:
                continue
            copies = self._copies.get((jellyfin_type, provider, value), ())
            return Match((row, *copies), _conflict(row[_IDS_POSITION], ids))
        return None


def _conflict(found: tuple[str, ...], ids: ProviderIds) -> bool:
    """Whether a Jellyfin row's provider ids disagree with any of `ids`.

    A provider only one side knows is no disagreement. Plain loops: both
    sides hold two or three ids, and this runs for every matched item.
    """
    for position in range(0, len(found), 2):
        name = found[position]
        for provider, ours in ids:
            if provider == name:
                theirs = found[position + 1]
                if ours is not None and theirs != ours and id_text(theirs) != ours:
                    return True
                break
    return False
