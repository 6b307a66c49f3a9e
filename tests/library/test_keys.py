"""The key of one library item: read once, written back as the same text."""

from __future__ import annotations

import pytest

from custom_components.lcars.library.keys import (
    InvalidItemKeyError,
    ItemKey,
    key_text,
)
from custom_components.lcars.library.kinds import MediaKind, ServiceKind

INSTANCE = "01JD7X4K2M9QZ3V8T6N5P1R0WA"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            f"radarr/{INSTANCE}/movie/12",
            ItemKey(ServiceKind.RADARR, INSTANCE, MediaKind.MOVIE, (12,)),
        ),
        (
            "sonarr/main/series/5",
            ItemKey(ServiceKind.SONARR, "main", MediaKind.SERIES, (5,)),
        ),
        # Season 0 holds the specials.
        (
            "sonarr/main/season/5/0",
            ItemKey(ServiceKind.SONARR, "main", MediaKind.SEASON, (5, 0)),
        ),
        (
            "sonarr/main/episode/5/2/7",
            ItemKey(ServiceKind.SONARR, "main", MediaKind.EPISODE, (5, 2, 7)),
        ),
        (
            "lidarr/main/album/40",
            ItemKey(ServiceKind.LIDARR, "main", MediaKind.ALBUM, (40,)),
        ),
    ],
)
def test_a_key_reads_back_as_its_text(text: str, key: ItemKey) -> None:
    """The stored text is exactly what the key writes: stored data loads as it was."""
    assert ItemKey.parse(text) == key
    assert str(key) == text
    assert str(ItemKey.parse(text)) == text
    assert key.instance_id == text.rsplit("/", len(key.ids) + 1)[0]
    assert key_text(key.instance_id, key.kind, *key.ids) == text


def test_the_parts_are_typed() -> None:
    key = ItemKey.parse("sonarr/main/season/5/2")
    assert key.service is ServiceKind.SONARR
    assert key.kind is MediaKind.SEASON
    assert key.instance == "main"
    assert key.ids == (5, 2)
    assert key.instance_id == "sonarr/main"
    # Keys are values: equal parts, equal keys, one entry in a set.
    assert len({key, ItemKey.parse("sonarr/main/season/5/2")}) == 1
    with pytest.raises(AttributeError):
        key.instance = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "expected service/instance/kind/id"),
        ("radarr/main/movie", "expected service/instance/kind/id"),
        ("radarr:main:movie:12", "expected service/instance/kind/id"),
        ("plex/main/movie/12", "unknown service 'plex'"),
        ("Radarr/main/movie/12", "unknown service 'Radarr'"),
        ("radarr/main/film/12", "unknown kind 'film'"),
        ("radarr/main/movie/", "'' is not an id"),
        ("radarr/main/movie/twelve", "'twelve' is not an id"),
        ("radarr/main/movie/-12", "'-12' is not an id"),
        ("radarr/main/movie/+12", "'+12' is not an id"),
        ("radarr/main/movie/ 12", "' 12' is not an id"),
        ("radarr/main/movie/012", "'012' is not an id"),
        ("radarr/main/movie/1_2", "'1_2' is not an id"),
        # Digits of other scripts, which int() would read.
        ("radarr/main/movie/\uff11\uff12", "'\uff11\uff12' is not an id"),
        ("radarr/main/movie/²", "'²' is not an id"),
        ("radarr/main/movie/12/3", "a movie takes 1 number(s)"),
        ("sonarr/main/season/5", "a season takes 2 number(s)"),
        ("sonarr/main/episode/5/2", "a episode takes 3 number(s)"),
        ("sonarr/main/movie/12", "a movie is an item of radarr"),
        ("radarr/main/album/40", "a album is an item of lidarr"),
        ("jellyfin/main/movie/12", "a movie is an item of radarr"),
        ("lidarr/main/artist/3", "no item is keyed as artist"),
        ("radarr//movie/12", "the instance is empty or holds a slash"),
    ],
)
def test_bad_text_is_refused_with_what_is_wrong(text: str, why: str) -> None:
    with pytest.raises(InvalidItemKeyError) as refused:
        ItemKey.parse(text)
    assert str(refused.value) == f"Not a library item key: {text!r} ({why})"
    assert refused.value.text == text
    # A bad key is a bad value: callers that refuse any ValueError refuse it.
    assert isinstance(refused.value, ValueError)


def test_parts_no_item_has_are_refused() -> None:
    with pytest.raises(InvalidItemKeyError, match="holds a slash"):
        ItemKey(ServiceKind.RADARR, "a/b", MediaKind.MOVIE, (1,))
    with pytest.raises(InvalidItemKeyError, match="takes 1 number"):
        ItemKey(ServiceKind.RADARR, "main", MediaKind.MOVIE, ())
