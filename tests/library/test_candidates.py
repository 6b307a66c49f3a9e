"""A candidate's TMDb id, which a Jellyseerr request is made by."""

from __future__ import annotations

import pytest

from custom_components.lcars.library.candidates import Candidate, tmdb_id
from custom_components.lcars.library.kinds import MediaKind


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ({"tmdb": 603}, 603),
        ({"tmdb": "603"}, 603),
        ({"tmdb": 0}, None),
        ({"tmdb": "0"}, None),
        ({"tmdb": True}, None),
        ({"tmdb": "x"}, None),
        ({"tvdb": 1}, None),
    ],
)
def test_the_tmdb_id_of_a_candidate(
    ids: dict[str, object], expected: int | None
) -> None:
    candidate = Candidate(MediaKind.MOVIE, "x", ids=ids)  # type: ignore[arg-type]
    assert tmdb_id(candidate) == expected
