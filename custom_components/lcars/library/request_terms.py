"""What a person asks Jellyseerr for: an id or a title, and which result it means.

`request_media` takes `tmdb:438631`, `tvdb:81189`, `imdb:tt1160419` or a
title with an optional year ("Dune 2021", "Dune (2021)"). Jellyseerr's own
search understands the ids; a title is requested only when exactly one
result of the kind asked for bears it (and the year, when given): anything
else is shown to the person to choose from, and nothing is requested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
import re
from typing import Final
import unicodedata

from .candidates import ID_TMDB, Candidate
from .kinds import MediaKind

# Ids Jellyseerr's search takes, by media kind.
ID_PREFIXES: Final[dict[MediaKind, tuple[str, ...]]] = {
    MediaKind.MOVIE: ("tmdb", "imdb"),
    MediaKind.SERIES: ("tmdb", "tvdb", "imdb"),
}
_ID = re.compile(r"^\s*(tmdb|tvdb|imdb)(?:id)?\s*:\s*(\S+)\s*$", re.IGNORECASE)
_YEAR = re.compile(r"^(?P<title>.*?\S)\s*(?:\((?P<paren>\d{4})\)|\s(?P<bare>\d{4}))$")
_MAX_ID: Final = 2**31 - 1
_FIRST_YEAR: Final = 1870
# A year further ahead than this is part of the title ("Blade Runner 2049").
_YEARS_AHEAD: Final = 5


class TermError(ValueError):
    """A term that can name nothing; `reason` says why."""

    def __init__(self, reason: str, value: str) -> None:
        """Keep why (`invalid`, `wrong_kind`, `bad_id`) and what was given."""
        super().__init__(f"{reason}: {value}")
        self.reason = reason
        self.value = value


@dataclass(frozen=True, slots=True)
class RequestTerm:
    """An id (`id_kind` and `query`) or a title with an optional year."""

    query: str
    id_kind: str | None = None
    title: str | None = None
    year: int | None = None


def fold(text: str) -> str:
    """Fold a title for comparison: no accents, no case, punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", bare.casefold()).split())


def parse_term(
    kind: MediaKind, text: str, *, this_year: int | None = None
) -> RequestTerm:
    """Read a term: an id Jellyseerr's search takes, or a title (and year).

    A trailing year from 1870 to five years after `this_year` (default:
    today's) is the year; any other number stays in the title.

    TermError `wrong_kind` for an id the kind has not (`tvdb:` for a movie),
    `bad_id` for a malformed id, `invalid` for a title with no letter or digit.
    """
    found = _ID.match(text)
    if found is not None:
        id_kind, value = found.group(1).lower(), found.group(2)
        if id_kind not in ID_PREFIXES.get(kind, ()):
            raise TermError("wrong_kind", text)
        if id_kind == "imdb":
            if not re.fullmatch(r"tt\d{1,10}", value, re.IGNORECASE):
                raise TermError("bad_id", text)
            return RequestTerm(query=f"imdb:{value.lower()}", id_kind=id_kind)
        if not value.isdigit() or not 0 < int(value) <= _MAX_ID:
            raise TermError("bad_id", text)
        return RequestTerm(query=f"{id_kind}:{int(value)}", id_kind=id_kind)
    title, year = text.strip(), None
    dated = _YEAR.match(title)
    if dated is not None:
        number = int(dated.group("paren") or dated.group("bare"))
        last = (this_year or datetime.now(UTC).year) + _YEARS_AHEAD
        if _FIRST_YEAR <= number <= last and fold(dated.group("title")):
            title, year = dated.group("title").strip(), number
    if not fold(title):
        raise TermError("invalid", text)
    return RequestTerm(query=title, title=title, year=year)


@dataclass(frozen=True, slots=True)
class RequestChoice:
    """The results of the kind asked for, and the one meant when it is clear."""

    candidates: tuple[Candidate, ...]
    best: int | None

    @property
    def result(self) -> str:
        """Return `clear`, `ambiguous` or `not_found`."""
        if self.best is not None:
            return "clear"
        return "ambiguous" if self.candidates else "not_found"


def choose(
    kind: MediaKind, term: RequestTerm, results: Sequence[Candidate]
) -> RequestChoice:
    """Choose the result a term means among a search's results.

    An id means the one result of the kind with it. A title means the one
    result whose title or original title folds to the same text (and whose
    year is the one given); with none or several, the person chooses.
    """
    found = tuple(c for c in results if c.kind is kind)
    if term.id_kind is not None:
        return RequestChoice(found, 0 if len(found) == 1 else None)
    wanted = fold(term.title or "")
    exact = [
        index
        for index, candidate in enumerate(found)
        if wanted in (fold(candidate.title), fold(candidate.original_title or ""))
        and (term.year is None or candidate.year == term.year)
    ]
    return RequestChoice(found, exact[0] if len(exact) == 1 else None)


def tmdb_id(candidate: Candidate) -> int | None:
    """Return the TMDb id Jellyseerr requests a candidate by, when it has one."""
    value = candidate.ids.get(ID_TMDB)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    return None
