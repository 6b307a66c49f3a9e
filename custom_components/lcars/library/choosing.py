"""Choosing among the results of a lookup: clear, ambiguous or not found.

Titles are compared folded (`fold`): without accents, case, punctuation or
a leading article, so "El laberinto del fauno", "Laberinto del Fauno" and
"el laberinto del fauno!" are one title. A candidate's score is its best
title (its own, its original one, its alternate ones) against the term,
times how well its year agrees with a year given. A lookup is clear only
when one candidate stands out; otherwise the person chooses, and nothing
is added for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
import re
from typing import Final
import unicodedata

from .candidates import ID_IMDB, ID_MUSICBRAINZ, ID_TMDB, ID_TVDB, Candidate
from .terms import ID_MBID, IdTerm, Term, TitleTerm

# A title that folds to the term's scores this.
EXACT_SCORE: Final = 1.0
# Otherwise the share of words in common (Jaccard) times this: never clear.
WORDS_WEIGHT: Final = 0.8
# The year factor when a year was given: the same, one off (release dates
# differ by country), another, or a candidate without a year.
YEAR_EQUAL: Final = 1.0
YEAR_NEAR: Final = 0.8
YEAR_OTHER: Final = 0.3
YEAR_UNKNOWN: Final = 0.8
# A best candidate scoring at least this may be clear...
CLEAR_SCORE: Final = 0.9
# ...when the next one scores at least this much less (or a year decides).
CLEAR_MARGIN: Final = 0.25
# Below this, nothing found is the title asked for.
NOT_FOUND_BELOW: Final = 0.5

# Leading words that do not tell titles apart.
ARTICLES: Final = frozenset(
    {"the", "a", "an", "el", "la", "los", "las", "le", "les", "der", "die", "das"}
)

# A term's id kind as a candidate's ids name it.
_CANDIDATE_IDS: Final = {
    ID_MBID: ID_MUSICBRAINZ,
    "tmdb": ID_TMDB,
    "tvdb": ID_TVDB,
    "imdb": ID_IMDB,
}
_NOT_WORD = re.compile(r"[\W_]+")
# Apostrophes join their word ("Pan's" is "pans"); other marks split words.
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")


class Outcome(StrEnum):
    """What a lookup came to."""

    CLEAR = "clear"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class Choice:
    """The choice among candidates: `best` is the index of the clear one.

    `scores` are the candidates' scores in their order; `confidence` the
    best of them and `margin` how far the next one is behind.
    """

    outcome: Outcome
    best: int | None
    confidence: float
    margin: float
    scores: tuple[float, ...]

    @property
    def clear(self) -> bool:
        """Whether one candidate stands out."""
        return self.outcome is Outcome.CLEAR


def fold(text: str) -> str:
    """Fold a title for comparison: "Amélie & Nino's!" gives "amelie and ninos"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    joined = _APOSTROPHES.sub("", bare.casefold().replace("&", " and "))
    words = _NOT_WORD.sub(" ", joined).split()
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words)


def title_score(title: str, term: str) -> float:
    """How well one title answers a term's title, from 0 to 1."""
    folded, wanted = fold(title), fold(term)
    if not folded or not wanted:
        return 0.0
    if folded == wanted:
        return EXACT_SCORE
    have, want = set(folded.split()), set(wanted.split())
    return WORDS_WEIGHT * len(have & want) / len(have | want)


def year_factor(year: int | None, wanted: int | None) -> float:
    """How well a candidate's year agrees with the year asked for."""
    if wanted is None:
        return YEAR_EQUAL
    if year is None:
        return YEAR_UNKNOWN
    if year == wanted:
        return YEAR_EQUAL
    if abs(year - wanted) == 1:
        return YEAR_NEAR
    return YEAR_OTHER


def titles_of(candidate: Candidate) -> tuple[str, ...]:
    """Every title a candidate goes by."""
    extra = (candidate.original_title,) if candidate.original_title else ()
    return (candidate.title, *extra, *candidate.alternate_titles)


def has_id(candidate: Candidate, term: IdTerm) -> bool:
    """Whether a candidate carries the id a term names."""
    value = candidate.ids.get(_CANDIDATE_IDS[term.id_kind])
    return value is not None and str(value).casefold() == str(term.value).casefold()


def score(candidate: Candidate, term: Term) -> float:
    """How well a candidate answers a term, from 0 to 1."""
    if isinstance(term, IdTerm):
        return 1.0 if has_id(candidate, term) else 0.0
    best = max(title_score(title, term.title) for title in titles_of(candidate))
    return best * year_factor(candidate.year, term.year)


def _exact_with_year(candidate: Candidate, term: TitleTerm) -> bool:
    return candidate.year == term.year and any(
        title_score(title, term.title) == EXACT_SCORE for title in titles_of(candidate)
    )


def _choose_by_id(candidates: Sequence[Candidate], term: IdTerm) -> Choice:
    scores = tuple(score(c, term) for c in candidates)
    matching = [i for i, s in enumerate(scores) if s == 1.0]
    if len(matching) == 1:
        return Choice(Outcome.CLEAR, matching[0], 1.0, 1.0, scores)
    if len(candidates) == 1:
        # The *arr found one title by that id, whatever ids it shows.
        return Choice(Outcome.CLEAR, 0, 1.0, 1.0, (1.0,))
    return Choice(Outcome.AMBIGUOUS, None, max(scores), 0.0, scores)


def choose(candidates: Sequence[Candidate], term: Term) -> Choice:
    """Choose the candidate a term asks for, if one stands out.

    An id is clear when one candidate carries it, or the lookup found one.
    A title is clear when the best scores at least CLEAR_SCORE and either
    leads the next by CLEAR_MARGIN, or a year was given and it is the only
    candidate with exactly that title and year. Below NOT_FOUND_BELOW,
    nothing was found.
    """
    if not candidates:
        return Choice(Outcome.NOT_FOUND, None, 0.0, 0.0, ())
    if isinstance(term, IdTerm):
        return _choose_by_id(candidates, term)
    scores = tuple(score(c, term) for c in candidates)
    ranked = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
    top = scores[ranked[0]]
    margin = top - scores[ranked[1]] if len(ranked) > 1 else top
    if top < NOT_FOUND_BELOW:
        return Choice(Outcome.NOT_FOUND, None, top, margin, scores)
    if top >= CLEAR_SCORE:
        if margin >= CLEAR_MARGIN:
            return Choice(Outcome.CLEAR, ranked[0], top, margin, scores)
        if term.year is not None:
            exact = [i for i, c in enumerate(candidates) if _exact_with_year(c, term)]
            if len(exact) == 1:
                return Choice(Outcome.CLEAR, exact[0], top, margin, scores)
    return Choice(Outcome.AMBIGUOUS, None, top, margin, scores)
