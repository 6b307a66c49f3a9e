"""Lookups, adds and check reads of Radarr, Sonarr and Lidarr, against a tiny server.

The answers are shaped as the real servers send them (see the OpenAPI
documents): the lookup's resources, 201 with the created item, 400 with
FluentValidation's list, 503 with the message of a metadata source that
cannot be reached.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.lcars.clients import (
    BadResponseError,
    CannotConnectError,
    LidarrClient,
    LookupUnavailableError,
    RadarrClient,
    RefusedError,
    SonarrClient,
)
from custom_components.lcars.clients.arr import MAX_LOOKUP_RESULTS
from custom_components.lcars.clients.lookup import (
    MAX_ALTERNATE_TITLES,
    album_candidate,
    artist_candidate,
    movie_candidate,
    series_candidate,
)
from custom_components.lcars.clients.models import Movie, Rows
from custom_components.lcars.clients.radarr import movie_row
from custom_components.lcars.library.kinds import MediaKind

from .test_http import KEY, TinyServer, json_answer, server  # noqa: F401

MBID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"

NEW_DUNE: dict[str, Any] = {
    "title": "Dune",
    "originalTitle": "Dune",
    "alternateTitles": [{"title": f"Dune {n}"} for n in range(30)],
    "year": 2021,
    "tmdbId": 438631,
    "imdbId": "tt1160419",
    "overview": "Paul Atreides...",
    "runtime": 155,
    "status": "released",
    "genres": ["Science Fiction", "Adventure"],
    "ratings": {"imdb": {"value": 8.0}, "tmdb": {"value": 7.8}},
    "images": [
        {
            "coverType": "poster",
            "url": "/MediaCoverProxy/abc/poster.jpg",
            "remoteUrl": "https://image.tmdb.org/t/p/original/p.jpg",
        },
        {
            "coverType": "fanart",
            "remoteUrl": "https://image.tmdb.org/t/p/original/f.jpg",
        },
    ],
    "remotePoster": "https://image.tmdb.org/t/p/original/p.jpg",
    "added": "0001-01-01T00:00:00Z",
    "credits": [{"name": "x"}] * 5,
}


def test_movie_candidate() -> None:
    candidate = movie_candidate(NEW_DUNE)
    assert candidate.kind is MediaKind.MOVIE
    assert candidate.title == "Dune"
    assert candidate.year == 2021
    assert candidate.ids == {"tmdb": 438631, "imdb": "tt1160419"}
    assert candidate.rating == 8.0
    assert candidate.runtime == 155
    assert candidate.genres == ("Science Fiction", "Adventure")
    assert candidate.library_id is None
    assert candidate.covers == {
        "poster": "/MediaCoverProxy/abc/poster.jpg",
        "fanart": "https://image.tmdb.org/t/p/original/f.jpg",
    }
    assert len(candidate.alternate_titles) == MAX_ALTERNATE_TITLES
    assert "credits" not in candidate.raw
    assert len(candidate.raw["alternateTitles"]) == MAX_ALTERNATE_TITLES
    # A library movie carries its id; TMDb's rating when IMDb has none.
    owned = movie_candidate(
        {"title": "Dune", "id": 12, "ratings": {"tmdb": {"value": 7}}, "images": "x"}
    )
    assert owned.library_id == 12
    assert owned.rating == 7.0
    assert owned.covers == {}
    assert movie_candidate({"title": "X", "id": 0}).library_id is None


def test_series_candidate() -> None:
    candidate = series_candidate(
        {
            "title": "Shōgun",
            "year": 2024,
            "tvdbId": 392573,
            "tmdbId": 126308,
            "imdbId": "tt2788316",
            "status": "continuing",
            "ratings": {"value": 8.6},
            "seasons": [{"seasonNumber": 0}, {"seasonNumber": 1}, {"seasonNumber": 2}],
            "remotePoster": "https://artworks.thetvdb.com/p.jpg",
        }
    )
    assert candidate.ids == {"tvdb": 392573, "tmdb": 126308, "imdb": "tt2788316"}
    assert candidate.season_count == 2
    assert candidate.rating == 8.6
    assert candidate.covers == {"poster": "https://artworks.thetvdb.com/p.jpg"}
    counted = series_candidate({"title": "X", "statistics": {"seasonCount": 4}})
    assert counted.season_count == 4
    assert series_candidate({"title": "X"}).season_count is None


def test_artist_and_album_candidates() -> None:
    artist = artist_candidate(
        {
            "artistName": "Nirvana",
            "foreignArtistId": MBID,
            "disambiguation": "US grunge band",
            "genres": ["Rock", 5],
        }
    )
    assert artist.kind is MediaKind.ARTIST
    assert artist.title == "Nirvana"
    assert artist.disambiguation == "US grunge band"
    assert artist.ids == {"musicbrainz": MBID}
    assert artist.genres == ("Rock",)
    album = album_candidate(
        {
            "title": "Homogenic",
            "foreignAlbumId": MBID,
            "releaseDate": "1997-09-22T00:00:00Z",
            "duration": 2628000,
            "artist": {"artistName": "Björk"},
            "remoteCover": "https://coverartarchive.org/c.jpg",
        }
    )
    assert album.year == 1997
    assert album.artist == "Björk"
    assert album.runtime == 44
    assert album.covers == {"cover": "https://coverartarchive.org/c.jpg"}
    undated = album_candidate({"title": "X", "releaseDate": "0001-01-01T00:00:00Z"})
    assert undated.year is None
    assert undated.runtime is None


async def test_lookup_is_one_bounded_request(
    server: TinyServer,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    results = [{**NEW_DUNE, "tmdbId": n + 1} for n in range(MAX_LOOKUP_RESULTS + 20)]
    server.handler = json_answer(results)
    client = RadarrClient(session, server.url, KEY)
    found = await client.async_lookup("Dune 2021")
    assert len(found) == MAX_LOOKUP_RESULTS
    assert [c.ids["tmdb"] for c in found[:2]] == [1, 2]
    (request,) = server.seen
    assert request.path == "/api/v3/movie/lookup"
    assert request.query["term"] == "Dune 2021"


@pytest.mark.parametrize(
    ("client_class", "method", "path"),
    [
        (SonarrClient, "async_lookup", "/api/v3/series/lookup"),
        (LidarrClient, "async_lookup_artists", "/api/v1/artist/lookup"),
        (LidarrClient, "async_lookup_albums", "/api/v1/album/lookup"),
    ],
)
async def test_lookup_paths(
    server: TinyServer,  # noqa: F811
    session: aiohttp.ClientSession,
    client_class: type[Any],
    method: str,
    path: str,
) -> None:
    server.handler = json_answer([{"title": "A", "artistName": "A"}])
    found = await getattr(client_class(session, server.url, KEY), method)("Shōgun")
    assert len(found) == 1
    assert server.seen[0].path == path
    assert server.seen[0].query["term"] == "Shōgun"


async def test_lookup_with_the_metadata_source_down(
    server: TinyServer,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    message = "Search for 'Dune' failed. Unable to communicate with TMDb."
    server.handler = json_answer({"message": message}, status=503)
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(LookupUnavailableError) as err:
        await client.async_lookup("Dune")
    assert err.value.message == message
    assert isinstance(err.value, CannotConnectError)
    # Without a word from the server.
    server.handler = json_answer([], status=503)
    with pytest.raises(LookupUnavailableError) as err:
        await client.async_lookup("Dune")
    assert err.value.message == "the metadata source is unavailable"
    # Other server errors stay what they were.
    server.handler = json_answer({"message": "boom"}, status=500)
    with pytest.raises(CannotConnectError) as other:
        await client.async_lookup("Dune")
    assert type(other.value) is CannotConnectError


async def test_lookup_refused_and_bad_shapes(
    server: TinyServer,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    client = SonarrClient(session, server.url, KEY)
    server.handler = json_answer({"message": "Invalid search term '/tv'"}, status=400)
    with pytest.raises(RefusedError) as err:
        await client.async_lookup("/tv")
    assert err.value.messages == ("Invalid search term '/tv'",)
    server.handler = json_answer([5])
    with pytest.raises(BadResponseError):
        await client.async_lookup("x")


async def test_add_reads_the_created_item(
    server: TinyServer,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    bodies: list[Any] = []

    async def created(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        bodies.append(body)
        return web.json_response(
            {**body, "id": 77, "path": "/movies/Dune (2021)"}, status=201
        )

    server.handler = created
    client = RadarrClient(session, server.url, KEY)
    added = await client.async_add_movie({"title": "Dune", "tmdbId": 438631})
    assert added.library_id == 77
    assert added.raw["path"] == "/movies/Dune (2021)"
    assert server.seen[0].method == "POST"
    assert server.seen[0].path == "/api/v3/movie"
    assert bodies == [{"title": "Dune", "tmdbId": 438631}]


async def test_add_refused_carries_the_validation_messages(
    server: TinyServer,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    server.handler = json_answer(
        [
            {
                "propertyName": "RootFolderPath",
                "errorMessage": "Root folder '/nowhere' does not exist",
                "attemptedValue": "/nowhere",
                "severity": "error",
                "errorCode": "RootFolderValidator",
            }
        ],
        status=400,
    )
    client = SonarrClient(session, server.url, KEY)
    with pytest.raises(RefusedError) as err:
        await client.async_add_series({"title": "X"})
    assert err.value.messages == ("Root folder '/nowhere' does not exist",)
    server.handler = json_answer("not an item", status=201)
    with pytest.raises(BadResponseError):
        await client.async_add_series({"title": "X"})


@pytest.mark.parametrize(
    ("client_class", "method", "path"),
    [
        (LidarrClient, "async_add_artist", "/api/v1/artist"),
        (LidarrClient, "async_add_album", "/api/v1/album"),
    ],
)
async def test_lidarr_adds(
    server: TinyServer,  # noqa: F811
    session: aiohttp.ClientSession,
    client_class: type[Any],
    method: str,
    path: str,
) -> None:
    server.handler = json_answer({"id": 5, "title": "A", "artistName": "A"}, status=201)
    added = await getattr(client_class(session, server.url, KEY), method)({})
    assert added.library_id == 5
    assert server.seen[0].path == path


async def test_find_by_id(
    server: TinyServer,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    client = RadarrClient(session, server.url, KEY)
    server.handler = json_answer([{"id": 3, "title": "Dune", "tmdbId": 438631}])
    found = await client.async_find_movie(438631)
    assert found is not None
    assert found.library_id == 3
    assert server.seen[-1].path == "/api/v3/movie"
    assert server.seen[-1].query["tmdbId"] == "438631"
    # A server that ignores the filter answers with its whole library.
    server.handler = json_answer(
        [{"id": 1, "title": "A", "tmdbId": 1}, {"id": 2, "title": "B", "tmdbId": 2}]
    )
    assert await client.async_find_movie(438631) is None
    server.handler = json_answer([])
    assert await client.async_find_movie(438631) is None


@pytest.mark.parametrize(
    ("method", "path", "query", "answer"),
    [
        (
            "async_find_artist",
            "/api/v1/artist",
            {"mbId": MBID},
            {"foreignArtistId": MBID.upper()},
        ),
        (
            "async_find_album",
            "/api/v1/album",
            {"foreignAlbumId": MBID},
            {"foreignAlbumId": MBID},
        ),
    ],
)
async def test_lidarr_finds(
    server: TinyServer,  # noqa: F811
    session: aiohttp.ClientSession,
    method: str,
    path: str,
    query: dict[str, str],
    answer: dict[str, Any],
) -> None:
    client = LidarrClient(session, server.url, KEY)
    server.handler = json_answer([{"id": 9, "title": "A", **answer}])
    found = await getattr(client, method)(MBID)
    assert found is not None
    assert found.library_id == 9
    assert server.seen[-1].path == path
    assert dict(server.seen[-1].query) == query
    server.handler = json_answer([{"id": 9, "title": "A"}])
    assert await getattr(client, method)(MBID) is None


async def test_sonarr_find(
    server: TinyServer,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    server.handler = json_answer([{"id": 4, "title": "S", "tvdbId": 81189}])
    found = await SonarrClient(session, server.url, KEY).async_find_series(81189)
    assert found is not None
    assert found.library_id == 4
    assert server.seen[-1].query["tvdbId"] == "81189"


async def test_profiles(
    server: TinyServer,  # noqa: F811
    session: aiohttp.ClientSession,
) -> None:
    server.handler = json_answer(
        [{"id": 1, "name": "Any", "items": []}, {"id": 4, "name": "HD-1080p"}]
    )
    lidarr = LidarrClient(session, server.url, KEY)
    profiles = await lidarr.async_get_quality_profiles()
    assert [(p.id, p.name) for p in profiles] == [(1, "Any"), (4, "HD-1080p")]
    assert server.seen[-1].path == "/api/v1/qualityprofile"
    await lidarr.async_get_metadata_profiles()
    assert server.seen[-1].path == "/api/v1/metadataprofile"


def test_rows_positions_in() -> None:
    rows = Rows(
        Movie,
        [
            movie_row({"id": 1, "title": "A", "tmdbId": 10}),
            movie_row({"id": 2, "title": "B", "tmdbId": 20, "imdbId": "tt2"}),
            movie_row({"id": 3, "title": "C", "tmdbId": 10}),
        ],
    )
    assert rows.positions_in("tmdb_id", {10}) == [0, 2]
    assert rows.positions_in("imdb_id", {"tt2"}) == [1]
    assert rows.positions_in("tmdb_id", set()) == []
    with pytest.raises(AttributeError):
        rows.positions_in("tvdb_id", {1})
