"""Lookups, adds and artwork of the simulated *arr behave as the real servers.

The metadata world (simulator/metadata.py) answers lookups; adds are
refused with the real validators' words and store nothing then; artwork is
served behind the API key as small real JPEGs.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from simulator import Simulator
from simulator.metadata import (
    ARTISTS,
    MOVIES,
    RESERVED_MOVIE_TMDB,
    SERIES,
    fold,
    keep_apart,
    parse_movie_term,
)
from simulator.state import LidarrState, RadarrState, SonarrState

API = {
    "radarr": "/api/v3",
    "sonarr": "/api/v3",
    "lidarr": "/api/v1",
    "jellyseerr": "/api/v1",
}


async def call(
    http: aiohttp.ClientSession,
    sim: Simulator,
    name: str,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    json: Any = None,
) -> tuple[int, Any]:
    """One API request with the instance's key; the status and the JSON body."""
    handle = sim.services[name]
    async with http.request(
        method,
        handle.url + API[name] + path,
        params=params,
        json=json,
        headers={"X-Api-Key": handle.api_key},
    ) as resp:
        raw = await resp.read()
        return resp.status, (await resp.json() if raw else None)


async def lookup(
    http: aiohttp.ClientSession, sim: Simulator, name: str, path: str, term: str
) -> list[dict[str, Any]]:
    """The results of a lookup that must succeed."""
    status, body = await call(http, sim, name, "GET", path, params={"term": term})
    assert status == 200, body
    assert isinstance(body, list)
    return body


def radarr(sim: Simulator) -> RadarrState:
    state = sim.state.services["radarr"]
    assert isinstance(state, RadarrState)
    return state


# ---------------------------------------------------------------- metadata world


def test_folding_drops_accents_case_and_punctuation() -> None:
    assert fold("Shōgun") == fold("SHOGUN") == "shogun"
    assert fold("Amélie") == "amelie"
    assert fold("Björk") == "bjork"
    assert fold("Dune: Part Two") == "dune part two"
    assert fold("Pan's Labyrinth") == "pans labyrinth"


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("tmdb:438631", ("tmdb", 438631)),
        ("TMDBID: 438631", ("tmdb", 438631)),
        ("tmdb:abc", ("tmdb", None)),
        ("tmdb:", ("tmdb", None)),
        ("imdb:tt1160419", ("imdb", "tt1160419")),
        ("imdbid:nope", ("imdb", None)),
        ("tt0133093", ("imdb", "tt0133093")),
        ("https://www.imdb.com/title/tt0133093/", ("imdb", "tt0133093")),
        ("https://www.themoviedb.org/movie/603-the-matrix", ("tmdb", 603)),
    ],
)
def test_movie_id_terms(term: str, expected: tuple[str, object]) -> None:
    parsed = parse_movie_term(term, 2026)
    assert (getattr(parsed, "kind", None), getattr(parsed, "value", None)) == expected


@pytest.mark.parametrize(
    ("term", "title", "year"),
    [
        ("Dune 2021", "Dune", 2021),
        ("Dune (1984)", "Dune", 1984),
        ("2001", "2001", None),
        ("Blade Runner 2049", "Blade Runner 2049", None),
        ("The Matrix", "The Matrix", None),
    ],
)
def test_a_trailing_year_is_split_off(term: str, title: str, year: int | None) -> None:
    parsed = parse_movie_term(term, 2026)
    assert (getattr(parsed, "text", None), getattr(parsed, "year", None)) == (
        title,
        year,
    )


def test_generated_ids_move_off_reserved_ones() -> None:
    drawn = [841, 5, 438631, 438631 + 1_300_000]
    kept = keep_apart(drawn, RESERVED_MOVIE_TMDB, 1_300_000)
    assert kept[1] == 5
    assert kept[3] == drawn[3]
    assert not set(kept) & RESERVED_MOVIE_TMDB
    assert len(set(kept)) == len(kept)


def test_catalogue_ids_stay_clear_of_generated_ones() -> None:
    """A large library never reuses an id of the fixed catalogue."""
    sim = Simulator(movies=3000, series=300, artists=3, seed=7)
    movies = radarr(sim).movies.values()
    sonarr = sim.state.services["sonarr"]
    assert isinstance(sonarr, SonarrState)
    assert not {m.tmdb_id for m in movies} & {m.tmdb_id for m in MOVIES}
    assert not {m.imdb_id for m in movies} & {m.imdb_id for m in (*MOVIES, *SERIES)}
    assert not {s.tvdb_id for s in sonarr.series.values()} & {s.tvdb_id for s in SERIES}
    assert len({m.tmdb_id for m in movies}) == len(movies)


# ---------------------------------------------------------------- lookups


async def test_an_ambiguous_title_gives_several_movies_without_ids(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    found = await lookup(http, simulator, "radarr", "/movie/lookup", "Dune")
    dunes = [m for m in found if m["title"] == "Dune"]
    assert sorted(m["year"] for m in dunes) == [1984, 2021]
    assert "Dune: Part Two" in {m["title"] for m in found}
    for movie in found:
        assert "id" not in movie
        assert movie["added"] == "0001-01-01T00:00:00Z"
        assert movie["remotePoster"].startswith("https://image.tmdb.org/")
        assert (
            movie["folder"] == f"{movie['title'].replace(':', ' -')} ({movie['year']})"
        )
        assert movie["overview"]
        assert movie["genres"]
        assert movie["runtime"] > 0
        assert movie["ratings"]["tmdb"]["value"] > 0
        poster = next(i for i in movie["images"] if i["coverType"] == "poster")
        assert poster["remoteUrl"] == movie["remotePoster"]
        assert poster["url"].startswith("/MediaCoverProxy/")
    # A year narrows the search, as Radarr passes it to TMDb.
    by_year = await lookup(http, simulator, "radarr", "/movie/lookup", "Dune (2021)")
    assert [(m["title"], m["year"], m["tmdbId"]) for m in by_year] == [
        ("Dune", 2021, 438631)
    ]


@pytest.mark.parametrize(
    ("term", "title"),
    [
        ("El laberinto del fauno", "Pan's Labyrinth"),
        ("el laberinto del FAUNO", "Pan's Labyrinth"),
        ("Amelie", "Amélie"),
        ("Le Fabuleux Destin d'Amélie Poulain", "Amélie"),
        ("Gojira", "Godzilla"),
        ("tmdb:1417", "Pan's Labyrinth"),
        ("imdb:tt0211915", "Amélie"),
        ("tt0133093", "The Matrix"),
    ],
)
async def test_original_alternate_and_accented_titles_are_found(
    simulator: Simulator, http: aiohttp.ClientSession, term: str, title: str
) -> None:
    found = await lookup(http, simulator, "radarr", "/movie/lookup", term)
    assert found
    assert found[0]["title"] == title


async def test_unknown_or_malformed_ids_find_nothing(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    for name, path, term in (
        ("radarr", "/movie/lookup", "tmdb:999999999"),
        ("radarr", "/movie/lookup", "tmdb:abc"),
        ("radarr", "/movie/lookup", "imdb:tt0000001"),
        ("sonarr", "/series/lookup", "tvdb:nope"),
        ("sonarr", "/series/lookup", "tvdb:1"),
        ("lidarr", "/artist/lookup", "lidarr:not-a-guid"),
        ("lidarr", "/album/lookup", "mbid:00000000-0000-0000-0000-000000000000"),
        ("radarr", "/movie/lookup", "zzzzqqqq"),
    ):
        assert await lookup(http, simulator, name, path, term) == [], term


async def test_a_library_title_comes_back_as_the_library_item(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    movie = next(iter(radarr(simulator).movies.values()))
    for term in (movie.title, f"tmdb:{movie.tmdb_id}", movie.imdb_id):
        found = await lookup(http, simulator, "radarr", "/movie/lookup", term)
        stored = next(m for m in found if m["tmdbId"] == movie.tmdb_id)
        assert stored["id"] == movie.id
        assert stored["path"] == movie.path
        assert stored["images"][0]["url"].startswith(f"/MediaCover/{movie.id}/")
        assert stored["remotePoster"] == stored["images"][0]["remoteUrl"]
        assert stored["folder"] == movie.folder_name
    sonarr = simulator.state.services["sonarr"]
    assert isinstance(sonarr, SonarrState)
    series = next(iter(sonarr.series.values()))
    found = await lookup(
        http, simulator, "sonarr", "/series/lookup", f"tvdb:{series.tvdb_id}"
    )
    assert [s["id"] for s in found] == [series.id]
    lidarr = simulator.state.services["lidarr"]
    assert isinstance(lidarr, LidarrState)
    artist = next(iter(lidarr.artists.values()))
    found = await lookup(
        http, simulator, "lidarr", "/artist/lookup", f"lidarr:{artist.mbid}"
    )
    assert [a["id"] for a in found] == [artist.id]


async def test_series_lookups(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    offices = await lookup(http, simulator, "sonarr", "/series/lookup", "The Office")
    assert {(s["title"], s["year"]) for s in offices} >= {
        ("The Office (US)", 2005),
        ("The Office (UK)", 2001),
    }
    heist = await lookup(http, simulator, "sonarr", "/series/lookup", "Money Heist")
    assert heist[0]["title"] == "La casa de papel"
    shogun = await lookup(http, simulator, "sonarr", "/series/lookup", "Shōgun 2024")
    assert (shogun[0]["title"], shogun[0]["year"]) == ("Shōgun", 2024)
    assert {s["year"] for s in shogun} == {1980, 2024}
    # Sonarr v4 hands tmdb: and imdb: to SkyHook, which knows them.
    for term in ("tvdb:390430", "tmdb:126308", "imdb:tt2788316", "SHOGUN 2024"):
        found = await lookup(http, simulator, "sonarr", "/series/lookup", term)
        assert found[0]["tvdbId"] == 390430, term
    dune = await lookup(http, simulator, "sonarr", "/series/lookup", "Dune")
    assert "Frank Herbert's Dune" in {s["title"] for s in dune}
    office = offices[0]
    assert "id" not in office
    assert office["added"] == "0001-01-01T00:00:00Z"
    assert office["remotePoster"].startswith("https://artworks.thetvdb.com/")
    assert [s["seasonNumber"] for s in office["seasons"]][:2] == [0, 1]
    assert all(s["monitored"] == (s["seasonNumber"] > 0) for s in office["seasons"])


async def test_sonarr_refuses_a_path_as_a_term(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    for term in ("/tv/The Office", "C:\\TV\\Shogun", "\\\\nas\\tv"):
        status, body = await call(
            http, simulator, "sonarr", "GET", "/series/lookup", params={"term": term}
        )
        assert status == 400
        assert body["message"] == f"Invalid search term '{term}'"


async def test_two_nirvanas_are_told_apart_by_their_disambiguation(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    found = await lookup(http, simulator, "lidarr", "/artist/lookup", "nirvana")
    nirvanas = [a for a in found if a["artistName"] == "Nirvana"]
    assert len(nirvanas) == 2
    assert {a["disambiguation"] for a in nirvanas} == {
        "US grunge band",
        "60s band from the UK",
    }
    assert len({a["foreignArtistId"] for a in nirvanas}) == 2
    assert all("id" not in a and a["remotePoster"] for a in nirvanas)
    for term, artist in (("Bjork", "Björk"), ("sigur ros", "Sigur Rós")):
        found = await lookup(http, simulator, "lidarr", "/artist/lookup", term)
        assert found[0]["artistName"] == artist
    albums = await lookup(http, simulator, "lidarr", "/album/lookup", "Nevermind")
    nevermind = albums[0]
    assert nevermind["title"] == "Nevermind"
    assert nevermind["artist"]["foreignArtistId"] == ARTISTS[0].mbid
    assert nevermind["artist"]["disambiguation"] == "US grunge band"
    assert nevermind["remoteCover"].startswith("https://coverartarchive.org/")
    assert nevermind["images"][0]["url"].startswith("/MediaCoverProxy/")
    for term in ("( )", "Björk Homogenic", f"lidarr:{nevermind['foreignAlbumId']}"):
        found = await lookup(http, simulator, "lidarr", "/album/lookup", term)
        assert found, term


async def test_a_lookup_finds_at_most_twenty(
    simulator_factory: Any, http: aiohttp.ClientSession
) -> None:
    sim = await simulator_factory(movies=400, series=2, artists=2)
    found = await lookup(http, sim, "radarr", "/movie/lookup", "The")
    assert len(found) == 20


# ---------------------------------------------------------------- adds


async def test_an_added_lookup_result_is_stored_with_its_metadata(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    found = await lookup(http, simulator, "radarr", "/movie/lookup", "tmdb:1417")
    body = {
        **found[0],
        "qualityProfileId": 4,
        "rootFolderPath": "/movies",
        "monitored": True,
        "addOptions": {"monitor": "movieOnly", "searchForMovie": True},
    }
    status, movie = await call(http, simulator, "radarr", "POST", "/movie", json=body)
    assert status == 201
    assert movie["id"] > 0
    assert movie["path"] == "/movies/Pan's Labyrinth (2006)"
    assert movie["originalTitle"] == "El laberinto del fauno"
    assert movie["overview"] == found[0]["overview"]
    assert movie["genres"] == found[0]["genres"]
    assert movie["runtime"] == 119
    assert movie["images"][0]["url"].startswith(f"/MediaCover/{movie['id']}/")
    assert movie["images"][0]["remoteUrl"] == found[0]["remotePoster"]
    stored = radarr(simulator).movies[movie["id"]]
    assert (stored.tmdb_id, stored.root_folder_path) == (1417, "/movies")
    # A second lookup sees the library movie.
    again = await lookup(http, simulator, "radarr", "/movie/lookup", "tmdb:1417")
    assert again[0]["id"] == movie["id"]


@pytest.mark.parametrize(
    ("change", "message", "code"),
    [
        (
            {"rootFolderPath": "/nowhere"},
            "Root folder '/nowhere' does not exist",
            "RootFolderExistsValidator",
        ),
        ({"qualityProfileId": 77}, "Quality Profile does not exist", None),
        (
            {"rootFolderPath": None, "path": None},
            "'Root Folder Path' must not be empty.",
            "NotEmptyValidator",
        ),
        (
            {"rootFolderPath": None, "path": "/movies"},
            "Path '/movies' is already configured as a root folder",
            "RootFolderValidator",
        ),
    ],
)
async def test_refused_movie_adds_store_nothing(
    simulator: Simulator,
    http: aiohttp.ClientSession,
    change: dict[str, Any],
    message: str,
    code: str | None,
) -> None:
    found = await lookup(http, simulator, "radarr", "/movie/lookup", "tmdb:603")
    body = {**found[0], "qualityProfileId": 4, "rootFolderPath": "/movies", **change}
    before = simulator.dump()
    status, errors = await call(http, simulator, "radarr", "POST", "/movie", json=body)
    assert status == 400
    assert message in [e["errorMessage"] for e in errors]
    for error in errors:
        assert set(error) >= {
            "propertyName",
            "errorMessage",
            "attemptedValue",
            "severity",
            "errorCode",
            "formattedMessagePlaceholderValues",
        }
        assert error["severity"] == "error"
    if code:
        assert code in [e["errorCode"] for e in errors]
    assert simulator.dump() == before


async def test_already_added_and_folder_clashes_are_refused(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    movie = next(iter(radarr(simulator).movies.values()))
    before = simulator.dump()
    body = {
        "title": movie.title,
        "year": movie.year,
        "tmdbId": movie.tmdb_id,
        "qualityProfileId": 4,
        "rootFolderPath": movie.root_folder_path,
    }
    status, errors = await call(http, simulator, "radarr", "POST", "/movie", json=body)
    assert status == 400
    assert [(e["propertyName"], e["errorMessage"], e["errorCode"]) for e in errors] == [
        ("TmdbId", "This movie has already been added", "MovieExistsValidator")
    ]
    # Another movie whose folder is taken: refused once the folder is built.
    status, errors = await call(
        http,
        simulator,
        "radarr",
        "POST",
        "/movie",
        json={**body, "tmdbId": 603, "path": movie.path, "rootFolderPath": None},
    )
    assert status == 400
    assert errors[0]["errorMessage"] == (
        f"Path '{movie.path}' is already configured for an existing movie"
    )
    assert errors[0]["errorCode"] == "MoviePathValidator"
    assert simulator.dump() == before


async def test_series_adds_honour_the_monitor_option(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    found = await lookup(http, simulator, "sonarr", "/series/lookup", "tvdb:73244")
    body = {
        **found[0],
        "qualityProfileId": 4,
        "rootFolderPath": "/tv",
        "monitored": True,
        "addOptions": {"monitor": "firstSeason", "searchForMissingEpisodes": False},
    }
    status, series = await call(http, simulator, "sonarr", "POST", "/series", json=body)
    assert status == 201
    assert series["path"] == "/tv/The Office (US) (2005)"
    monitored = {s["seasonNumber"]: s["monitored"] for s in series["seasons"]}
    assert monitored == {n: n == 1 for n in range(10)}
    # TVDb's episodes, specials included: 201 in nine seasons and 30 specials.
    assert series["statistics"]["totalEpisodeCount"] == 231
    before = simulator.dump()
    status, errors = await call(http, simulator, "sonarr", "POST", "/series", json=body)
    assert status == 400
    assert [(e["errorMessage"], e["errorCode"]) for e in errors] == [
        ("This series has already been added", "SeriesExistsValidator")
    ]
    status, errors = await call(
        http,
        simulator,
        "sonarr",
        "POST",
        "/series",
        json={**body, "tvdbId": 78107, "rootFolderPath": "/nowhere"},
    )
    assert status == 400
    assert [e["errorMessage"] for e in errors] == [
        "Root folder '/nowhere' does not exist"
    ]
    assert simulator.dump() == before


async def test_lidarr_adds_an_album_with_its_artist(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    found = await lookup(http, simulator, "lidarr", "/album/lookup", "Homogenic")
    album = found[0]
    body = {
        **album,
        "monitored": True,
        "artist": {
            **album["artist"],
            "qualityProfileId": 2,
            "metadataProfileId": 1,
            "rootFolderPath": "/music",
            "monitored": True,
            "addOptions": {"monitor": "none"},
        },
        "addOptions": {"searchForNewAlbum": True},
    }
    status, added = await call(http, simulator, "lidarr", "POST", "/album", json=body)
    assert status == 201
    assert added["id"] > 0
    assert added["artist"]["artistName"] == "Björk"
    assert added["artist"]["path"] == "/music/Björk"
    assert added["images"][0]["url"].startswith(f"/MediaCover/Albums/{added['id']}/")
    status, albums = await call(
        http,
        simulator,
        "lidarr",
        "GET",
        "/album",
        params={"artistId": str(added["artistId"])},
    )
    assert {a["title"]: a["monitored"] for a in albums} == {
        "Debut": False,
        "Post": False,
        "Homogenic": True,
        "Vespertine": False,
    }
    before = simulator.dump()
    status, errors = await call(http, simulator, "lidarr", "POST", "/album", json=body)
    assert status == 400
    assert [(e["errorMessage"], e["errorCode"]) for e in errors] == [
        ("This album has already been added.", "AlbumExistsValidator")
    ]
    assert simulator.dump() == before


async def test_two_artists_of_one_name_get_two_folders(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    nirvanas = await lookup(http, simulator, "lidarr", "/artist/lookup", "Nirvana")
    paths = []
    for candidate in nirvanas:
        status, artist = await call(
            http,
            simulator,
            "lidarr",
            "POST",
            "/artist",
            json={
                **candidate,
                "qualityProfileId": 2,
                "metadataProfileId": 1,
                "rootFolderPath": "/music",
                "addOptions": {"monitor": "latest"},
            },
        )
        assert status == 201
        paths.append(artist["path"])
    assert paths == ["/music/Nirvana", "/music/Nirvana (60s band from the UK)"]
    before = simulator.dump()
    status, errors = await call(
        http,
        simulator,
        "lidarr",
        "POST",
        "/artist",
        json={
            **nirvanas[0],
            "qualityProfileId": 2,
            "metadataProfileId": 1,
            "rootFolderPath": "/music",
        },
    )
    assert status == 400
    assert [(e["errorMessage"], e["errorCode"]) for e in errors] == [
        ("This artist has already been added.", "ArtistExistsValidator")
    ]
    assert simulator.dump() == before


# ---------------------------------------------------------------- artwork


def is_jpeg(data: bytes) -> bool:
    """A whole JPEG: starts with FFD8 and ends with FFD9."""
    return data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9" and len(data) > 500


async def test_covers_need_the_key_and_are_real_jpegs(
    simulator_factory: Any, http: aiohttp.ClientSession
) -> None:
    sim = await simulator_factory(
        movies=10, series=3, artists=2, url_bases={"radarr": "/radarr"}
    )
    urls: list[tuple[str, str]] = []
    for name, path in (
        ("radarr", "/movie"),
        ("sonarr", "/series"),
        ("lidarr", "/artist"),
        ("lidarr", "/album"),
    ):
        status, items = await call(http, sim, name, "GET", path)
        assert status == 200
        urls += [(name, image["url"]) for image in items[0]["images"]]
    dune = await lookup(http, sim, "radarr", "/movie/lookup", "Dune")
    urls.append(("radarr", dune[0]["images"][0]["url"]))
    assert urls[0][1].startswith("/radarr/MediaCover/")
    assert urls[-1][1].startswith("/radarr/MediaCoverProxy/")
    for name, url in urls:
        handle = sim.services[name]
        origin = f"http://{sim.host}:{handle.port}"
        async with http.get(
            origin + url, headers={"X-Api-Key": handle.api_key}
        ) as resp:
            assert resp.status == 200, url
            assert resp.content_type == "image/jpeg"
            assert resp.headers["Last-Modified"].endswith("GMT")
            assert is_jpeg(await resp.read())
        async with http.get(
            origin + url.split("?")[0], params={"apikey": handle.api_key}
        ) as resp:
            assert resp.status == 200
        async with http.get(origin + url) as resp:
            assert resp.status == 401
        async with http.get(origin + url, headers={"X-Api-Key": "wrong"}) as resp:
            assert resp.status == 401


async def test_unknown_covers_are_not_found(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    key = {"X-Api-Key": handle.api_key}
    for path in (
        "/MediaCover/99999/poster.jpg",
        "/MediaCover/1/clearart.jpg",
        "/MediaCover/1/poster-123.jpg",
        f"/MediaCoverProxy/{'0' * 64}/poster.jpg",
    ):
        async with http.get(handle.url + path, headers=key) as resp:
            assert resp.status == 404, path
    lidarr = simulator.services["lidarr"]
    async with http.get(
        lidarr.url + "/MediaCover/Albums/99999/cover.jpg",
        headers={"X-Api-Key": lidarr.api_key},
    ) as resp:
        assert resp.status == 404


async def test_the_tmdb_image_stand_in_needs_no_key(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    for name in ("jellyseerr", "radarr"):
        url = simulator.services[name].url
        async with http.get(
            f"{url}/__simulator__/tmdb-images/t/p/w342/abc123.jpg"
        ) as resp:
            assert resp.status == 200
            assert resp.content_type == "image/jpeg"
            assert is_jpeg(await resp.read())
    async with http.get(
        f"{simulator.services['jellyseerr'].url}/__simulator__/tmdb-images/t/p/w9999/x.jpg"
    ) as resp:
        assert resp.status == 404


# ---------------------------------------------------------------- one world with Jellyseerr


async def test_jellyseerr_knows_the_titles_of_the_arr(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """Every movie and series of the metadata world, with the same ids in both."""
    for movie in MOVIES:
        status, body = await call(
            http, simulator, "jellyseerr", "GET", f"/movie/{movie.tmdb_id}"
        )
        assert status == 200, movie.title
        assert (body["title"], body["imdbId"]) == (movie.title, movie.imdb_id)
        assert body["releaseDate"].startswith(str(movie.year))
    for series in SERIES:
        status, body = await call(
            http, simulator, "jellyseerr", "GET", f"/tv/{series.tmdb_id}"
        )
        assert status == 200, series.title
        assert body["externalIds"]["tvdbId"] == series.tvdb_id
        assert body["externalIds"]["imdbId"] == series.imdb_id
        regular = [n for n, _ in series.seasons if n > 0]
        assert body["numberOfSeasons"] == len(regular)
    # Dune of 2021 is TMDb 438631 in Radarr's lookup and in Jellyseerr's search.
    (found,) = await lookup(http, simulator, "radarr", "/movie/lookup", "tmdb:438631")
    status, body = await call(
        http,
        simulator,
        "jellyseerr",
        "GET",
        "/search",
        params={"query": "Dune"},
    )
    assert status == 200
    dunes = {
        (r["id"], r["releaseDate"][:4])
        for r in body["results"]
        if r.get("mediaType") == "movie" and r.get("title") == "Dune"
    }
    assert dunes == {(438631, "2021"), (841, "1984")}
    assert (found["tmdbId"], found["year"]) == (438631, 2021)
    # A series is found by its TMDb name and by TVDb's title.
    for query in ("Money Heist", "La casa de papel"):
        status, body = await call(
            http, simulator, "jellyseerr", "GET", "/search", params={"query": query}
        )
        assert [r["id"] for r in body["results"]][:1] == [71446], query


# ---------------------------------------------------------------- faults


async def test_hold_stores_the_item_before_the_answer_comes(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """`hold` handles the request, then keeps the client waiting."""
    found = await lookup(http, simulator, "radarr", "/movie/lookup", "tmdb:604")
    body = {**found[0], "qualityProfileId": 4, "rootFolderPath": "/movies"}
    faults = simulator.faults("radarr")
    faults.set(hold=60, paths=["/api/v3/movie"])
    assert faults.as_dict()["hold"] == 60
    post = asyncio.create_task(
        call(http, simulator, "radarr", "POST", "/movie", json=body)
    )
    for _ in range(2000):
        if any(m.tmdb_id == 604 for m in radarr(simulator).movies.values()):
            break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("the held POST did not store its movie")
    # Stored, and the answer is still held.
    await asyncio.sleep(0.05)
    assert not post.done()
    faults.clear()
    async with asyncio.timeout(20):
        status, movie = await post
    assert status == 201
    assert movie["tmdbId"] == 604
    # A client that gave up meanwhile still left the item behind.
    faults.set(hold=60, paths=["/api/v3/movie"])
    handle = simulator.services["radarr"]
    with pytest.raises(TimeoutError):
        async with http.post(
            f"{handle.url}/api/v3/movie",
            json={**body, "tmdbId": 603, "title": "The Matrix"},
            headers={"X-Api-Key": handle.api_key},
            timeout=aiohttp.ClientTimeout(total=2),
        ):
            pass
    faults.clear()
    for _ in range(2000):
        if any(m.tmdb_id == 603 for m in radarr(simulator).movies.values()):
            break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("the abandoned POST did not store its movie")
    with pytest.raises(ValueError):
        faults.set(hold=-1)


@pytest.mark.parametrize(
    ("name", "path", "service"),
    [
        ("radarr", "/movie/lookup", "RadarrAPI"),
        ("sonarr", "/series/lookup", "SkyHook"),
        ("lidarr", "/artist/lookup", "LidarrAPI"),
        ("lidarr", "/album/lookup", "LidarrAPI"),
    ],
)
async def test_a_failing_metadata_service_answers_as_skyhook_does(
    simulator: Simulator,
    http: aiohttp.ClientSession,
    name: str,
    path: str,
    service: str,
) -> None:
    simulator.faults(name).set(status=503)
    status, body = await call(
        http, simulator, name, "GET", path, params={"term": "Dune"}
    )
    assert status == 503
    assert body["message"].startswith(
        f"Search for 'Dune' failed. Unable to communicate with {service}."
    )
    # Other paths keep the plain failure.
    status, body = await call(http, simulator, name, "GET", "/system/status")
    assert status == 503
    assert "Search for" not in body["message"]


async def test_another_instance_s_movie_is_a_candidate_here(
    simulator_factory: Any, http: aiohttp.ClientSession
) -> None:
    """TMDb knows every library's movies: one Radarr's movie is new to the other."""
    sim = await simulator_factory(
        movies=30,
        series=2,
        artists=2,
        instances={"radarr": "radarr", "radarr4k": "radarr"},
    )
    main = sim.state.services["radarr"]
    other = sim.state.services["radarr4k"]
    assert isinstance(main, RadarrState)
    assert isinstance(other, RadarrState)
    mine = {m.tmdb_id for m in other.movies.values()}
    movie = next(m for m in main.movies.values() if m.tmdb_id not in mine)
    handle = sim.services["radarr4k"]
    async with http.get(
        f"{handle.url}/api/v3/movie/lookup",
        params={"term": f"tmdb:{movie.tmdb_id}"},
        headers={"X-Api-Key": handle.api_key},
    ) as resp:
        found = await resp.json()
    assert [(m["title"], m["year"]) for m in found] == [(movie.title, movie.year)]
    assert "id" not in found[0]
    assert found[0]["added"] == "0001-01-01T00:00:00Z"
