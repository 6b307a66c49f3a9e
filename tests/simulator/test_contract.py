"""The simulator honours the published API contracts.

Every route the simulator serves for Radarr, Sonarr, Lidarr and Jellyseerr
must exist in the service's OpenAPI document, and every GET answer (plus
representative POST/PUT/DELETE answers) must validate against the matching
response schema. Jellyfin has no document in the shared contracts; its
answers are checked against the shapes the contract README describes.
"""

from __future__ import annotations

from datetime import timedelta
import os
import re
from typing import Any

import aiohttp
import pytest

from simulator import Simulator
from simulator.state import LidarrState, RadarrState, SonarrState

from .openapi import SpecValidator, spec_dir, validator

# Under CI the documents must be there: a contract test that skips proves nothing.
pytestmark = pytest.mark.skipif(
    spec_dir() is None and not os.environ.get("CI"),
    reason="OpenAPI documents not found (set LCARS_API_SPECS)",
)

CONTROL = "/__simulator__"
# The *arr write times in UTC with a Z and 0 to 7 fractional digits (the
# ticks of .NET, trailing zeros dropped); Jellyfin with 7, 6 or none, and
# an offset for .NET's "no date" of a server abroad.
ARR_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$")
LOOKS_LIKE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T")
JELLYFIN_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6,7})?(Z|[+-]\d{2}:\d{2})$"
)
PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def headers(sim: Simulator, name: str) -> dict[str, str]:
    """Credentials as each kind expects them."""
    handle = sim.services[name]
    if handle.kind == "jellyfin":
        return {
            "Authorization": f'MediaBrowser Client="tests", Token="{handle.api_key}"'
        }
    return {"X-Api-Key": handle.api_key}


def nulls(value: Any, path: str = "") -> list[str]:
    """Paths of null values: the *arr omit null fields."""
    if value is None:
        return [path or "/"]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nulls(v, f"{path}/{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in nulls(v, f"{path}/{i}")]
    return []


def strings(value: Any) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def keys(value: Any) -> list[str]:
    """Every object key in a JSON value."""
    if isinstance(value, dict):
        return [*value.keys(), *(k for v in value.values() for k in keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in keys(v)]
    return []


async def post_command(http: aiohttp.ClientSession, sim: Simulator, name: str) -> int:
    """Post a command so that `/command/{id}` has something to show."""
    handle = sim.services[name]
    api = "/api/v1" if handle.kind == "lidarr" else "/api/v3"
    async with http.post(
        f"{handle.url}{api}/command",
        json={"name": "RefreshMonitoredDownloads"},
        headers=headers(sim, name),
    ) as resp:
        assert resp.status == 201
        body = await resp.json()
    return int(body["id"])


def sample_ids(sim: Simulator, name: str, command_id: int) -> dict[str, str]:
    """An existing id for each resource that has a `/{id}` route."""
    state = sim.state.services[name]
    ids: dict[str, Any] = {
        "rootfolder": 1,
        "tag": 1,
        "detail": 1,
        "qualityprofile": 4,
        "command": command_id,
    }
    if isinstance(state, RadarrState):
        movie = next(m for m in state.movies.values() if m.file is not None)
        ids |= {"movie": movie.id, "moviefile": movie.file.id if movie.file else 0}
    elif isinstance(state, SonarrState):
        episode = next(e for e in state.episodes.values() if e.episode_file_id)
        ids |= {
            "series": episode.series_id,
            "episode": episode.id,
            "episodefile": episode.episode_file_id,
        }
    elif isinstance(state, LidarrState):
        track = next(iter(state.track_files.values()))
        ids |= {
            "artist": track.artist_id,
            "album": track.album_id,
            "trackfile": track.id,
            "metadataprofile": 1,
            "qualityprofile": 2,
        }
    else:
        ids = {"request": min(state.requests), "user": 1}  # type: ignore[union-attr]
    return {k: str(v) for k, v in ids.items()}


def fill(template: str, ids: dict[str, str]) -> str:
    """Replace `{param}` by an id of the resource named just before it."""
    parts = template.split("/")
    out = []
    for index, part in enumerate(parts):
        if part.startswith("{"):
            resource = parts[index - 1]
            assert resource in ids, f"no sample id for {template}"
            out.append(ids[resource])
        else:
            out.append(part)
    return "/".join(out)


def required_query(sim: Simulator, name: str) -> dict[str, dict[str, str]]:
    """Query parameters without which a list route answers 400."""
    state = sim.state.services[name]
    if isinstance(state, RadarrState):
        movie = next(m for m in state.movies.values() if m.file is not None)
        return {
            "/api/v3/moviefile": {"movieId": str(movie.id)},
            "/api/v3/movie/lookup": {"term": "Dune"},
            "/api/v3/movie/lookup/tmdb": {"tmdbId": "438631"},
            "/api/v3/movie/lookup/imdb": {"imdbId": "tt0457430"},
        }
    if isinstance(state, SonarrState):
        series_id = str(min(state.series))
        return {
            "/api/v3/episode": {"seriesId": series_id},
            "/api/v3/episodefile": {"seriesId": series_id},
            "/api/v3/series/lookup": {"term": "Dune"},
        }
    if isinstance(state, LidarrState):
        artist_id = str(next(iter(state.track_files.values())).artist_id)
        return {
            "/api/v1/trackfile": {"artistId": artist_id},
            "/api/v1/artist/lookup": {"term": "Nirvana"},
            "/api/v1/album/lookup": {"term": "Nevermind"},
        }
    return {}


def variants(sim: Simulator, name: str) -> list[tuple[str, dict[str, str]]]:
    """Extra GET requests that make the answers carry their optional parts."""
    now = sim.clock.now()
    window = {
        "start": (now - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (now + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "unmonitored": "true",
    }
    state = sim.state.services[name]
    if isinstance(state, RadarrState):
        return [
            ("/api/v3/queue", {"includeMovie": "true", "pageSize": "50"}),
            ("/api/v3/queue/details", {"includeMovie": "true"}),
            ("/api/v3/calendar", window),
            (
                "/api/v3/wanted/missing",
                {"pageSize": "100", "sortDirection": "ascending"},
            ),
            ("/api/v3/history", {"pageSize": "100"}),
            (
                "/api/v3/movie",
                {"tmdbId": str(next(iter(state.movies.values())).tmdb_id)},
            ),
            # Lookups: by id, by an original title, and a library movie (with its id).
            ("/api/v3/movie/lookup", {"term": "tmdb:438631"}),
            ("/api/v3/movie/lookup", {"term": "El laberinto del fauno"}),
            ("/api/v3/movie/lookup", {"term": "Amélie"}),
            ("/api/v3/movie/lookup", {"term": next(iter(state.movies.values())).title}),
        ]
    if isinstance(state, SonarrState):
        series_id = str(
            next(e for e in state.episodes.values() if e.episode_file_id).series_id
        )
        return [
            (
                "/api/v3/queue",
                {"includeSeries": "true", "includeEpisode": "true", "pageSize": "50"},
            ),
            (
                "/api/v3/queue/details",
                {"includeSeries": "true", "includeEpisode": "true"},
            ),
            (
                "/api/v3/calendar",
                {**window, "includeSeries": "true", "includeEpisodeFile": "true"},
            ),
            ("/api/v3/wanted/missing", {"includeSeries": "true", "pageSize": "100"}),
            ("/api/v3/history", {"pageSize": "100"}),
            (
                "/api/v3/episode",
                {
                    "seriesId": series_id,
                    "includeEpisodeFile": "true",
                    "includeSeries": "true",
                },
            ),
            ("/api/v3/series/lookup", {"term": "The Office"}),
            ("/api/v3/series/lookup", {"term": "tvdb:390430"}),
            ("/api/v3/series/lookup", {"term": state.series[int(series_id)].title}),
        ]
    if isinstance(state, LidarrState):
        album_id = str(next(iter(state.track_files.values())).album_id)
        return [
            (
                "/api/v1/queue",
                {"includeArtist": "true", "includeAlbum": "true", "pageSize": "50"},
            ),
            ("/api/v1/queue/details", {"includeArtist": "true"}),
            ("/api/v1/calendar", {**window, "includeArtist": "true"}),
            ("/api/v1/wanted/missing", {"includeArtist": "true", "pageSize": "100"}),
            ("/api/v1/history", {"pageSize": "100"}),
            ("/api/v1/album", {"artistId": "1"}),
            ("/api/v1/trackfile", {"albumId": album_id}),
            ("/api/v1/artist/lookup", {"term": "Björk"}),
            (
                "/api/v1/artist/lookup",
                {"term": next(iter(state.artists.values())).name},
            ),
            ("/api/v1/album/lookup", {"term": "( )"}),
            (
                "/api/v1/album/lookup",
                {"term": state.albums[int(album_id)].title},
            ),
        ]
    return [
        ("/api/v1/request", {"take": "100"}),
        ("/api/v1/request", {"filter": "pending", "sort": "modified"}),
        ("/api/v1/media", {"take": "100"}),
    ]


# Fields Jellyseerr sends as null although its document says otherwise: a
# request's server, profile, root folder and tags stay null until chosen
# (nullable columns of its MediaRequest entity).
SEERR_NULLABLE = frozenset({"serverId", "profileId", "rootFolder", "tags"})


def without_known_nulls(value: Any) -> Any:
    """The body without the nulls real Jellyseerr sends where its document has none."""
    if isinstance(value, dict):
        return {
            k: without_known_nulls(v)
            for k, v in value.items()
            if not (v is None and k in SEERR_NULLABLE)
        }
    if isinstance(value, list):
        return [without_known_nulls(v) for v in value]
    return value


def check_body(
    kind: str, spec: SpecValidator, method: str, path: str, status: int, body: Any
) -> list[str]:
    """Schema errors, plus the *arr conventions (no nulls, UTC dates with Z)."""
    template = spec.match(method, path)
    if template is None:
        return [f"{method} {path}: not in the document"]
    if kind == "jellyseerr":
        body = without_known_nulls(body)
    problems = [
        f"{method} {path} {e}" for e in spec.errors(method, template, status, body)
    ]
    if kind != "jellyseerr":
        problems += [f"{method} {path}: null at {p}" for p in nulls(body)]
        problems += [
            f"{method} {path}: date {s!r} is not ISO 8601 UTC with Z"
            for s in strings(body)
            if LOOKS_LIKE_DATE.match(s) and not ARR_DATE.match(s)
        ]
    return problems


@pytest.mark.parametrize("name", ["radarr", "sonarr", "lidarr", "jellyseerr"])
async def test_every_served_route_is_in_the_document(
    simulator: Simulator, name: str
) -> None:
    """Nothing is served that the real API does not have."""
    spec = validator(name)
    routes = simulator.services[name].routes()
    assert len(routes) > 10
    missing = [f"{m} {p}" for m, p in routes if spec.operation(m, p) is None]
    assert missing == []


@pytest.mark.parametrize("name", ["radarr", "sonarr", "lidarr", "jellyseerr"])
async def test_every_get_answer_matches_the_document(
    simulator: Simulator, http: aiohttp.ClientSession, name: str
) -> None:
    """Each GET route, with ids that exist, answers what the document describes."""
    handle = simulator.services[name]
    spec = validator(name)
    command_id = (
        await post_command(http, simulator, name) if name != "jellyseerr" else 0
    )
    ids = sample_ids(simulator, name, command_id)
    required = required_query(simulator, name)
    requests = [
        (fill(path, ids), required.get(path, {}))
        for method, path in handle.routes()
        if method == "GET"
    ]
    requests += variants(simulator, name)
    problems: list[str] = []
    for path, params in requests:
        async with http.get(
            handle.url + path, params=params, headers=headers(simulator, name)
        ) as resp:
            assert resp.status == 200, (
                f"GET {path} {params}: {resp.status} {await resp.text()}"
            )
            assert resp.content_type == "application/json"
            assert resp.content_length is not None
            body = await resp.json()
        problems += check_body(name, spec, "GET", path, 200, body)
    assert not problems, "\n".join(problems)
    gets = [p for m, p in handle.routes() if m == "GET"]
    served = {p for p, _ in requests}
    assert all(fill(p, ids) in served for p in gets)


async def _call(
    http: aiohttp.ClientSession,
    sim: Simulator,
    name: str,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict[str, str] | None = None,
) -> tuple[int, Any]:
    handle = sim.services[name]
    async with http.request(
        method, handle.url + path, json=json, params=params, headers=headers(sim, name)
    ) as resp:
        raw = await resp.read()
        return resp.status, (await resp.json() if raw else None)


async def test_radarr_write_answers_match_the_document(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """POST answers 201, PUT 202 and DELETE 200 with an empty body."""
    spec = validator("radarr")
    problems: list[str] = []
    status, body = await _call(
        http,
        simulator,
        "radarr",
        "POST",
        "/api/v3/movie",
        json={
            "title": "Arrival",
            "year": 2016,
            "tmdbId": 329865,
            "qualityProfileId": 4,
            "rootFolderPath": "/movies",
            "monitored": True,
            "addOptions": {"searchForMovie": True},
        },
    )
    assert status == 201
    problems += check_body("radarr", spec, "POST", "/api/v3/movie", status, body)
    movie_id = body["id"]
    status, body = await _call(
        http,
        simulator,
        "radarr",
        "PUT",
        f"/api/v3/movie/{movie_id}",
        json={**body, "monitored": False},
    )
    assert status == 202
    assert body["monitored"] is False
    problems += check_body(
        "radarr", spec, "PUT", f"/api/v3/movie/{movie_id}", status, body
    )
    status, body = await _call(
        http,
        simulator,
        "radarr",
        "PUT",
        "/api/v3/movie/editor",
        json={"movieIds": [1, 2], "tags": [1], "applyTags": "add"},
    )
    assert status == 202
    for movie in body:
        problems += spec.component_errors("MovieResource", movie)
    status, body = await _call(
        http, simulator, "radarr", "POST", "/api/v3/tag", json={"label": "lcars-test"}
    )
    assert status == 201
    problems += check_body("radarr", spec, "POST", "/api/v3/tag", status, body)
    status, body = await _call(
        http,
        simulator,
        "radarr",
        "PUT",
        f"/api/v3/tag/{body['id']}",
        json={"label": "lcars-test2"},
    )
    assert status == 202
    problems += check_body("radarr", spec, "PUT", "/api/v3/tag/1", status, body)
    status, body = await _call(
        http,
        simulator,
        "radarr",
        "POST",
        "/api/v3/command",
        json={"name": "RescanMovie", "movieId": 1},
    )
    assert status == 201
    problems += check_body("radarr", spec, "POST", "/api/v3/command", status, body)
    status, body = await _call(
        http,
        simulator,
        "radarr",
        "DELETE",
        f"/api/v3/movie/{movie_id}",
        params={"deleteFiles": "true"},
    )
    assert (status, body) == (200, None)
    file_id = next(
        m.file.id for m in simulator.state.services["radarr"].movies.values() if m.file
    )  # type: ignore[union-attr]
    assert await _call(
        http, simulator, "radarr", "DELETE", f"/api/v3/moviefile/{file_id}"
    ) == (200, None)
    assert not problems, "\n".join(problems)


async def test_sonarr_write_answers_match_the_document(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """Series, episodes and episode files: POST 201, PUT 202, DELETE 200."""
    spec = validator("sonarr")
    problems: list[str] = []
    status, body = await _call(
        http,
        simulator,
        "sonarr",
        "POST",
        "/api/v3/series",
        json={
            "title": "Severance",
            "tvdbId": 371980,
            "qualityProfileId": 4,
            "rootFolderPath": "/tv",
            "seasons": [{"seasonNumber": 1, "monitored": True}],
            "addOptions": {"searchForMissingEpisodes": True},
        },
    )
    assert status == 201
    problems += check_body("sonarr", spec, "POST", "/api/v3/series", status, body)
    status, body = await _call(
        http,
        simulator,
        "sonarr",
        "PUT",
        f"/api/v3/series/{body['id']}",
        json={**body, "tags": [1]},
    )
    assert status == 202
    problems += check_body("sonarr", spec, "PUT", "/api/v3/series/1", status, body)
    state = simulator.state.services["sonarr"]
    assert isinstance(state, SonarrState)
    episode = next(e for e in state.episodes.values() if e.episode_file_id)
    status, body = await _call(
        http,
        simulator,
        "sonarr",
        "PUT",
        f"/api/v3/episode/{episode.id}",
        json={"monitored": False},
    )
    assert status == 202
    problems += check_body(
        "sonarr", spec, "PUT", f"/api/v3/episode/{episode.id}", status, body
    )
    status, body = await _call(
        http,
        simulator,
        "sonarr",
        "PUT",
        "/api/v3/episode/monitor",
        json={"episodeIds": [episode.id], "monitored": True},
    )
    assert status == 202
    for item in body:
        problems += spec.component_errors("EpisodeResource", item)
    status, body = await _call(
        http,
        simulator,
        "sonarr",
        "POST",
        "/api/v3/command",
        json={"name": "RescanSeries", "seriesId": 1},
    )
    assert status == 201
    problems += check_body("sonarr", spec, "POST", "/api/v3/command", status, body)
    assert await _call(
        http,
        simulator,
        "sonarr",
        "DELETE",
        f"/api/v3/episodefile/{episode.episode_file_id}",
    ) == (200, None)
    assert await _call(
        http,
        simulator,
        "sonarr",
        "DELETE",
        "/api/v3/series/2",
        params={"deleteFiles": "true"},
    ) == (200, None)
    assert not problems, "\n".join(problems)


async def test_lidarr_write_answers_match_the_document(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """Artists, albums and track files: POST 201, PUT 202, DELETE 200."""
    spec = validator("lidarr")
    problems: list[str] = []
    status, body = await _call(
        http,
        simulator,
        "lidarr",
        "POST",
        "/api/v1/artist",
        json={
            "artistName": "Boards of Canada",
            "foreignArtistId": "69158f97-4c07-4c4e-baf8-4e4ab1ed666e",
            "qualityProfileId": 2,
            "metadataProfileId": 1,
            "rootFolderPath": "/music",
        },
    )
    assert status == 201
    problems += check_body("lidarr", spec, "POST", "/api/v1/artist", status, body)
    status, body = await _call(
        http,
        simulator,
        "lidarr",
        "PUT",
        f"/api/v1/artist/{body['id']}",
        json={**body, "monitored": False},
    )
    assert status == 202
    problems += check_body("lidarr", spec, "PUT", "/api/v1/artist/1", status, body)
    status, body = await _call(
        http,
        simulator,
        "lidarr",
        "PUT",
        "/api/v1/album/monitor",
        json={"albumIds": [1, 2], "monitored": True},
    )
    assert status == 202
    for album in body:
        problems += spec.component_errors("AlbumResource", album)
    status, body = await _call(
        http,
        simulator,
        "lidarr",
        "POST",
        "/api/v1/command",
        json={"name": "RescanFolders"},
    )
    assert status == 201
    problems += check_body("lidarr", spec, "POST", "/api/v1/command", status, body)
    track = next(iter(simulator.state.services["lidarr"].track_files.values()))  # type: ignore[union-attr]
    assert await _call(
        http, simulator, "lidarr", "DELETE", f"/api/v1/trackfile/{track.id}"
    ) == (200, None)
    assert await _call(
        http,
        simulator,
        "lidarr",
        "DELETE",
        f"/api/v1/artist/{track.artist_id}",
        params={"deleteFiles": "true"},
    ) == (200, None)
    assert not problems, "\n".join(problems)


async def test_jellyseerr_deletes_answer_as_documented(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """Jellyseerr answers 204 to deletes (its document says so)."""
    spec = validator("jellyseerr")
    template = spec.match("DELETE", "/api/v1/request/1")
    assert template is not None
    assert "204" in spec.spec["paths"][template]["delete"]["responses"]
    assert await _call(
        http, simulator, "jellyseerr", "DELETE", "/api/v1/request/1"
    ) == (204, None)
    assert await _call(http, simulator, "jellyseerr", "DELETE", "/api/v1/media/2") == (
        204,
        None,
    )
    status, _ = await _call(http, simulator, "jellyseerr", "GET", "/api/v1/request/1")
    assert status == 404


async def test_the_validator_rejects_wrong_payloads(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """A deliberately broken answer fails validation, so passing means something."""
    spec = validator("radarr")
    status, movie = await _call(http, simulator, "radarr", "GET", "/api/v3/movie/1")
    assert status == 200
    assert spec.errors("GET", "/api/v3/movie/{id}", 200, movie) == []
    broken = [
        {**movie, "inventedField": 1},
        {**movie, "status": "notAStatus"},
        {**movie, "tmdbId": str(movie["tmdbId"])},
        {**movie, "tmdbId": 2**40},
        {**movie, "added": "yesterday"},
        {**movie, "ratings": {"imdb": {"votes": "many"}}},
    ]
    for payload in broken:
        assert spec.errors("GET", "/api/v3/movie/{id}", 200, payload) != []
    assert spec.errors("GET", "/api/v3/movie", 200, [movie, {"id": "x"}]) != []
    assert (
        check_body(
            "radarr", spec, "GET", "/api/v3/movie/1", 200, {**movie, "overview": None}
        )
        != []
    )
    assert (
        check_body(
            "radarr",
            spec,
            "GET",
            "/api/v3/movie/1",
            200,
            {**movie, "added": "2020-01-21T00:01:59+00:00"},
        )
        != []
    )


async def test_jellyfin_answers_have_the_documented_shapes(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """PascalCase keys, `{Items, TotalRecordCount, StartIndex}`, UserData and dates."""
    handle = simulator.services["jellyfin"]
    state = simulator.state.services["jellyfin"]
    alice = state.users[0].id  # type: ignore[union-attr]
    movie = next(
        i for i in state.items.values() if i.type == "Movie" and i.provider_ids
    )  # type: ignore[union-attr]
    item_query = {
        "userId": alice,
        "recursive": "true",
        "includeItemTypes": "Movie,Series,MusicAlbum",
        "fields": "ProviderIds,Path,DateCreated",
        "enableUserData": "true",
    }
    problems: list[str] = []
    for method, template in handle.routes():
        if method != "GET":
            continue
        path = template.replace("{userId}", alice).replace("{id}", movie.id)
        params = item_query if path.endswith("/Items") else {}
        if path in ("/UserViews", f"/Items/{movie.id}"):
            params = {"userId": alice}
        async with http.get(
            handle.url + path, params=params, headers=headers(simulator, "jellyfin")
        ) as resp:
            assert resp.status == 200, f"GET {path}: {resp.status}"
            body = await resp.json()
        problems += [f"{path}: key {k!r}" for k in keys(body) if not PASCAL.match(k)]
        problems += [
            f"{path}: date {s!r}"
            for s in strings(body)
            if LOOKS_LIKE_DATE.match(s) and not JELLYFIN_DATE.match(s)
        ]
        if path.endswith("/Items") or path in ("/UserViews", f"/Users/{alice}/Views"):
            assert set(body) == {"Items", "TotalRecordCount", "StartIndex"}
            assert body["TotalRecordCount"] >= len(body["Items"]) > 0
        if path.endswith("/Items"):
            assert {i["Type"] for i in body["Items"]} == {
                "Movie",
                "Series",
                "MusicAlbum",
            }
            for item in body["Items"]:
                assert {"Id", "Name", "Type", "ProviderIds", "DateCreated"} <= set(item)
                if "UserData" in item:
                    assert {"Played", "PlayCount", "IsFavorite"} <= set(
                        item["UserData"]
                    )
                assert "Path" in item or item["Type"] != "Movie"
            # Some items come without watch data, most with it.
            without = [i for i in body["Items"] if "UserData" not in i]
            assert 0 < len(without) < len(body["Items"]) / 10
            played = [i for i in body["Items"] if i.get("UserData", {}).get("Played")]
            assert played
            assert all(
                "LastPlayedDate" in i["UserData"]
                for i in played
                if i["Type"] != "Series"
            )
            tmdb = {
                i["ProviderIds"].get("Tmdb")
                for i in body["Items"]
                if i["Type"] == "Movie"
            }
            radarr = simulator.state.services["radarr"]
            assert {str(m.tmdb_id) for m in radarr.movies.values() if m.file} <= tmdb  # type: ignore[union-attr]
        if path == "/Sessions":
            playing = [s for s in body if "NowPlayingItem" in s]
            assert playing
            assert all("PositionTicks" in s["PlayState"] for s in playing)
    assert not problems, "\n".join(problems)


# The keys of one FluentValidation failure, as the *arr write them.
VALIDATION_KEYS = {
    "propertyName",
    "errorMessage",
    "attemptedValue",
    "severity",
    "errorCode",
    "formattedMessagePlaceholderValues",
}


def validation_problems(body: Any) -> list[str]:
    """What a 400 body lacks to be a FluentValidation list."""
    if not isinstance(body, list) or not body:
        return [f"not a non-empty list: {body!r}"]
    problems = []
    for error in body:
        if not isinstance(error, dict) or not set(error) >= VALIDATION_KEYS:
            problems.append(f"not a validation failure: {error!r}")
            continue
        if not (isinstance(error["errorMessage"], str) and error["errorMessage"]):
            problems.append(f"no message: {error!r}")
        if not re.match(r"^[A-Z][A-Za-z]+Validator$", error["errorCode"]):
            problems.append(f"error code {error['errorCode']!r}")
        if error["severity"] != "error":
            problems.append(f"severity {error['severity']!r}")
    return problems


async def test_adds_of_lookup_results_match_the_document(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """A lookup result posted back: 201 with a documented item; again: a 400 list."""
    problems: list[str] = []
    cases = [
        (
            "radarr",
            "/api/v3/movie/lookup",
            "tmdb:438631",
            "/api/v3/movie",
            {
                "qualityProfileId": 4,
                "rootFolderPath": "/movies",
                "monitored": True,
                "minimumAvailability": "released",
                "addOptions": {"monitor": "movieOnly", "searchForMovie": True},
            },
        ),
        (
            "sonarr",
            "/api/v3/series/lookup",
            "Shōgun 2024",
            "/api/v3/series",
            {
                "qualityProfileId": 4,
                "rootFolderPath": "/tv",
                "monitored": True,
                "seasonFolder": True,
                "addOptions": {"monitor": "all", "searchForMissingEpisodes": True},
            },
        ),
        (
            "lidarr",
            "/api/v1/artist/lookup",
            "Sigur Rós",
            "/api/v1/artist",
            {
                "qualityProfileId": 2,
                "metadataProfileId": 1,
                "rootFolderPath": "/music",
                "monitored": True,
                "addOptions": {"monitor": "all", "searchForMissingAlbums": False},
            },
        ),
        (
            "lidarr",
            "/api/v1/album/lookup",
            "Nevermind",
            "/api/v1/album",
            {
                "monitored": True,
                "addOptions": {"searchForNewAlbum": True},
            },
        ),
    ]
    for name, lookup, term, post, settings in cases:
        spec = validator(name)
        status, found = await _call(
            http, simulator, name, "GET", lookup, params={"term": term}
        )
        assert status == 200
        assert found, f"{lookup} {term!r} found nothing"
        problems += check_body(name, spec, "GET", lookup, 200, found)
        body = {**found[0], **settings}
        if post.endswith("/album"):
            body["artist"] = {
                **body["artist"],
                "qualityProfileId": 2,
                "metadataProfileId": 1,
                "rootFolderPath": "/music",
                "addOptions": {"monitor": "none"},
            }
        status, added = await _call(http, simulator, name, "POST", post, json=body)
        assert status == 201, added
        assert added["id"] > 0
        problems += check_body(name, spec, "POST", post, status, added)
        before = simulator.dump()
        status, refused = await _call(http, simulator, name, "POST", post, json=body)
        assert status == 400
        problems += [f"{post}: {p}" for p in validation_problems(refused)]
        status, refused = await _call(
            http,
            simulator,
            name,
            "POST",
            post,
            json={**body, "rootFolderPath": "/nowhere", "qualityProfileId": 0},
        )
        assert status == 400
        problems += [f"{post}: {p}" for p in validation_problems(refused)]
        assert simulator.dump() == before
    assert not problems, "\n".join(problems)
