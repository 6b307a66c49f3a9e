"""What a person types to find a title: an id (`tmdb:438631`) or a title.

`parse_term` reads the text once, refusing what no lookup could answer (an
empty or absurd term, an id of a kind the media kind does not have, an id
that is not one), and `to_arr_term` writes it as the *arr's lookup takes it.
The id forms are those of the *arr themselves: `tmdb:`/`tmdbid:`,
`tvdb:`/`tvdbid:`, `imdb:`/`imdbid:` and a bare `tt1160419`, and for music
`mbid:`/`lidarr:`/`lidarrid:` followed by a MusicBrainz id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
import re
from typing import Final
import unicodedata

from .kinds import MediaKind, ServiceKind

# The kinds of id a term may name.
ID_TMDB: Final = "tmdb"
ID_TVDB: Final = "tvdb"
ID_IMDB: Final = "imdb"
ID_MBID: Final = "mbid"

# Every spelling of an id's prefix, before the colon, as the *arr take them.
ID_PREFIXES: Final[dict[str, str]] = {
    "tmdb": ID_TMDB,
    "tmdbid": ID_TMDB,
    "tvdb": ID_TVDB,
    "tvdbid": ID_TVDB,
    "imdb": ID_IMDB,
    "imdbid": ID_IMDB,
    "mbid": ID_MBID,
    "lidarr": ID_MBID,
    "lidarrid": ID_MBID,
}

# The ids each kind of media has, in the order they are shown.
IDS_OF_KIND: Final[dict[MediaKind, tuple[str, ...]]] = {
    MediaKind.MOVIE: (ID_TMDB, ID_IMDB),
    MediaKind.SERIES: (ID_TVDB, ID_TMDB, ID_IMDB),
    MediaKind.ARTIST: (ID_MBID,),
    MediaKind.ALBUM: (ID_MBID,),
}

# The longest term a lookup takes; the *arr pass it on to their metadata.
MAX_TERM_LENGTH: Final = 255
# TMDb and TVDb ids are 32-bit integers.
MAX_NUMERIC_ID: Final = 2**31 - 1
# The first year of cinema; a trailing number before it is part of the title.
FIRST_YEAR: Final = 1870
# How far ahead a trailing year may be: announced titles.
YEARS_AHEAD: Final = 5

_PREFIXED = re.compile(r"^([A-Za-z]+)\s*:\s*(.*)$", re.DOTALL)
_BARE_IMDB = re.compile(r"^tt\d{5,10}$", re.IGNORECASE)
_IMDB = re.compile(r"^tt\d{1,10}$")
_NUMBER = re.compile(r"^\d{1,10}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_YEAR_IN_PARENS = re.compile(r"^(.*?)\s*\((\d{4})\)$", re.DOTALL)
_YEAR_AT_END = re.compile(r"^(.*?)\s+(\d{4})$", re.DOTALL)


class TermError(ValueError):
    """A term no lookup can answer."""


class InvalidTermError(TermError):
    """Empty, too long, or without a letter or a digit ("!!!")."""

    def __init__(self, term: str) -> None:
        """Keep the term as it was given."""
        super().__init__(f"not a title or an id: {term!r}")
        self.term = term


class WrongIdKindError(TermError):
    """An id the kind of media does not have (`tvdb:` for a movie)."""

    def __init__(self, id_kind: str, kind: MediaKind) -> None:
        """Keep the id's kind, the media kind and the ids it has."""
        self.id_kind = id_kind
        self.kind = kind
        self.valid = IDS_OF_KIND[kind]
        super().__init__(f"a {kind} has no {id_kind} id")


class InvalidIdError(TermError):
    """An id prefix followed by something that is not such an id (`tmdb:abc`)."""

    def __init__(self, id_kind: str, value: str) -> None:
        """Keep the id's kind and the value given."""
        super().__init__(f"not a {id_kind} id: {value!r}")
        self.id_kind = id_kind
        self.value = value


@dataclass(frozen=True, slots=True)
class IdTerm:
    """A lookup by id: `value` is an int for TMDb and TVDb, else lower-case text."""

    id_kind: str
    value: int | str

    @property
    def text(self) -> str:
        """The id as it is written in a term."""
        return f"{self.id_kind}:{self.value}"


@dataclass(frozen=True, slots=True)
class TitleTerm:
    """A lookup by title, with the year when the term ended with one."""

    title: str
    year: int | None = None

    @property
    def text(self) -> str:
        """The title, then the year."""
        return self.title if self.year is None else f"{self.title} {self.year}"


type Term = IdTerm | TitleTerm


def has_word(text: str) -> bool:
    """Whether a text holds at least one letter or digit, of any script."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def _id_value(id_kind: str, raw: str) -> int | str:
    """Check one id's value; raise InvalidIdError when it is not one."""
    value = raw.strip()
    if id_kind in (ID_TMDB, ID_TVDB):
        if _NUMBER.match(value) and 1 <= int(value) <= MAX_NUMERIC_ID:
            return int(value)
    elif id_kind == ID_IMDB:
        if _IMDB.match(value.lower()):
            return value.lower()
    elif _UUID.match(value.lower()):
        return value.lower()
    raise InvalidIdError(id_kind, raw.strip())


def _checked_id(kind: MediaKind, id_kind: str, raw: str) -> IdTerm:
    if id_kind not in IDS_OF_KIND[kind]:
        raise WrongIdKindError(id_kind, kind)
    return IdTerm(id_kind, _id_value(id_kind, raw))


def _split_year(text: str, this_year: int) -> tuple[str, int | None]:
    """Split a trailing year off a title, when what is left is still a title.

    "Dune (2021)" and "Dune 2021" are Dune of 2021; "2001" alone, and
    "Blade Runner 2049" (too far ahead), keep their number.
    """
    for pattern in (_YEAR_IN_PARENS, _YEAR_AT_END):
        found = pattern.match(text)
        if found is None:
            continue
        title, year = found.group(1).strip(), int(found.group(2))
        if FIRST_YEAR <= year <= this_year + YEARS_AHEAD and has_word(title):
            return title, year
    return text, None


def parse_term(kind: MediaKind, text: str, *, this_year: int | None = None) -> Term:
    """Read a term of a lookup for a kind of media.

    `this_year` (the current year by default) bounds a trailing year. Raises
    InvalidTermError, WrongIdKindError or InvalidIdError.
    """
    term = text.strip()
    if (
        not term
        or len(term) > MAX_TERM_LENGTH
        or any(unicodedata.category(c) == "Cc" for c in term)
        or not has_word(term)
    ):
        raise InvalidTermError(text)
    prefixed = _PREFIXED.match(term)
    if prefixed is not None:
        id_kind = ID_PREFIXES.get(prefixed.group(1).lower())
        if id_kind is not None:
            return _checked_id(kind, id_kind, prefixed.group(2))
    if _BARE_IMDB.match(term):
        return _checked_id(kind, ID_IMDB, term)
    if this_year is None:
        this_year = datetime.now(UTC).year
    title, year = _split_year(term, this_year)
    return TitleTerm(title, year)


def to_arr_term(term: Term, service: ServiceKind) -> str:
    """Write a term as the lookup of an *arr takes it.

    Radarr reads a trailing year itself and searches with it; Sonarr and
    Lidarr search the title, and the year only chooses among the results.
    Lidarr takes a MusicBrainz id as `lidarr:<id>`.
    """
    if isinstance(term, IdTerm):
        if term.id_kind == ID_MBID:
            return f"lidarr:{term.value}"
        return term.text
    if service == ServiceKind.RADARR:
        return term.text
    return term.title
