"""Behaviour of the simulator as a client sees it over HTTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import json
import os
from pathlib import Path
import signal
import sys
import time
from typing import Any

import aiohttp
import pytest

from simulator import Clock, Simulator
from simulator.pytest_plugin import SimulatorFactory
from simulator.state import JellyfinState, JellyseerrState, RadarrState, SonarrState

REPO = Path(__file__).resolve().parents[2]
START = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def arr(sim: Simulator, name: str, key: str | None = None) -> dict[str, str]:
    """*arr credentials."""
    return {"X-Api-Key": key if key is not None else sim.services[name].api_key}


def radarr_state(sim: Simulator) -> RadarrState:
    state = sim.state.services["radarr"]
    assert isinstance(state, RadarrState)
    return state


async def get_json(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str], **params: str
) -> tuple[int, Any]:
    async with http.get(url, headers=headers, params=params) as resp:
        if resp.content_type != "application/json":
            return resp.status, await resp.text()
        return resp.status, await resp.json()


# ---------------------------------------------------------------- auth


async def test_arr_key_in_header_or_query_else_401_with_empty_body(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    for name, api in (
        ("radarr", "/api/v3"),
        ("sonarr", "/api/v3"),
        ("lidarr", "/api/v1"),
    ):
        handle = simulator.services[name]
        url = f"{handle.url}{api}/system/status"
        async with http.get(url, headers=arr(simulator, name)) as resp:
            assert resp.status == 200
            assert (await resp.json())["appName"] == name.capitalize()
        async with http.get(url, params={"apikey": handle.api_key}) as resp:
            assert resp.status == 200
        for headers in ({}, arr(simulator, name, "wrong")):
            async with http.get(url, headers=headers) as resp:
                assert resp.status == 401
                assert await resp.read() == b""
        # Unknown API paths are guarded too; with the key they are 404.
        async with http.get(f"{handle.url}{api}/nothing-here") as resp:
            assert resp.status == 401
        async with http.get(
            f"{handle.url}{api}/nothing-here", headers=arr(simulator, name)
        ) as resp:
            assert resp.status == 404


async def test_jellyfin_token_forms(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["jellyfin"]
    key = handle.api_key
    url = f"{handle.url}/System/Info"
    accepted = [
        ({"Authorization": f'MediaBrowser Token="{key}"'}, {}),
        (
            {
                "Authorization": f'MediaBrowser Client="LCARS", Device="HA", DeviceId="x", Version="1", Token="{key}"'
            },
            {},
        ),
        ({"X-Emby-Authorization": f'MediaBrowser Token="{key}"'}, {}),
        ({"X-Emby-Token": key}, {}),
        ({}, {"api_key": key}),
    ]
    for headers, params in accepted:
        async with http.get(url, headers=headers, params=params) as resp:
            assert resp.status == 200, headers
            assert (await resp.json())["Id"] == simulator.state.services[
                "jellyfin"
            ].server_id  # type: ignore[union-attr]
    for headers in (
        {},
        {"Authorization": 'MediaBrowser Token="wrong"'},
        {"X-Api-Key": key},
    ):
        async with http.get(url, headers=headers) as resp:
            assert resp.status == 401
            assert await resp.read() == b""
    async with http.get(f"{handle.url}/System/Info/Public") as resp:
        assert resp.status == 200
        assert (await resp.json())["ProductName"] == "Jellyfin Server"


async def test_jellyseerr_key_in_header_only(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["jellyseerr"]
    url = f"{handle.url}/api/v1/request/count"
    status, body = await get_json(http, url, {"X-Api-Key": handle.api_key})
    assert status == 200
    assert body["total"] == len(simulator.state.services["jellyseerr"].requests)  # type: ignore[union-attr]
    status, _ = await get_json(http, f"{url}?apikey={handle.api_key}", {})
    assert status == 401
    status, body = await get_json(http, url, {"X-Api-Key": "wrong"})
    assert status == 403
    assert body["error"]
    status, body = await get_json(http, f"{handle.url}/api/v1/status", {})
    assert status == 200
    assert body["version"]


# ---------------------------------------------------------------- contract details


async def test_paging_defaults_and_pages(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    headers = arr(simulator, "radarr")
    status, first = await get_json(http, f"{handle.url}/api/v3/history", headers)
    assert status == 200
    assert (first["page"], first["pageSize"]) == (1, 10)
    assert len(first["records"]) == 10
    assert first["totalRecords"] == len(radarr_state(simulator).history)
    status, second = await get_json(
        http, f"{handle.url}/api/v3/history", headers, page="2"
    )
    assert second["page"] == 2
    assert {r["id"] for r in first["records"]}.isdisjoint(
        {r["id"] for r in second["records"]}
    )
    dates = [r["date"] for r in first["records"] + second["records"]]
    assert dates == sorted(dates, reverse=True)
    for path in ("/api/v3/queue", "/api/v3/wanted/missing"):
        status, body = await get_json(http, handle.url + path, headers)
        assert status == 200
        assert (body["page"], body["pageSize"]) == (1, 10)
        assert {"sortKey", "sortDirection", "totalRecords", "records"} <= set(body)
    status, body = await get_json(
        http, f"{handle.url}/api/v3/queue", headers, pageSize="2"
    )
    assert len(body["records"]) == 2
    assert body["totalRecords"] == len(radarr_state(simulator).queue)


async def test_sonarr_episode_lists_need_a_series(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["sonarr"]
    headers = arr(simulator, "sonarr")
    state = simulator.state.services["sonarr"]
    assert isinstance(state, SonarrState)
    for path in ("/api/v3/episode", "/api/v3/episodefile"):
        status, body = await get_json(http, handle.url + path, headers)
        assert status == 400
        assert "seriesId" in body["message"]
        status, body = await get_json(http, handle.url + path, headers, seriesId="1")
        assert status == 200
        assert body
        assert {item["seriesId"] for item in body} == {1}
    status, episodes = await get_json(
        http, f"{handle.url}/api/v3/episode", headers, seriesId="1"
    )
    assert len(episodes) == len(state.episodes_by_series[1])
    ids = ",".join(str(e["id"]) for e in episodes[:2])
    status, body = await get_json(
        http, f"{handle.url}/api/v3/episode", headers, episodeIds=ids
    )
    assert [e["id"] for e in body] == [e["id"] for e in episodes[:2]]


async def test_unknown_id_is_404_with_message(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    for name, path in (
        ("radarr", "/api/v3/movie/99999"),
        ("sonarr", "/api/v3/series/99999"),
        ("lidarr", "/api/v1/artist/99999"),
    ):
        status, body = await get_json(
            http, simulator.services[name].url + path, arr(simulator, name)
        )
        assert status == 404
        assert set(body) == {"message", "description"}


async def test_validation_errors_are_a_list_of_property_errors(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    async with http.post(
        f"{handle.url}/api/v3/movie",
        json={"title": "x"},
        headers=arr(simulator, "radarr"),
    ) as resp:
        assert resp.status == 400
        errors = await resp.json()
    # MovieController refuses an empty Path and an empty RootFolderPath when
    # neither is given.
    assert {e["propertyName"] for e in errors} == {
        "TmdbId",
        "Path",
        "RootFolderPath",
        "QualityProfileId",
    }
    assert all(e["errorMessage"] for e in errors)
    # Tag labels: a-z, 0-9 and - only (an existing label is returned, not duplicated).
    for label, status in (
        ("lcars_keep", 400),
        ("LCARS-Keep", 201),
        ("lcars-keep", 201),
    ):
        async with http.post(
            f"{handle.url}/api/v3/tag",
            json={"label": label},
            headers=arr(simulator, "radarr"),
        ) as resp:
            assert resp.status == status
            body = await resp.json()
        if status == 201:
            assert body["label"] == "lcars-keep"
    assert [t.label for t in radarr_state(simulator).tags].count("lcars-keep") == 1


# ---------------------------------------------------------------- state changes


async def test_add_then_delete_a_movie_frees_its_root_folder(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    headers = arr(simulator, "radarr")
    status, movies = await get_json(http, f"{handle.url}/api/v3/movie", headers)
    async with http.post(
        f"{handle.url}/api/v3/movie",
        json={
            "title": "Arrival",
            "year": 2016,
            "tmdbId": 329865,
            "qualityProfileId": 4,
            "rootFolderPath": "/movies",
        },
        headers=headers,
    ) as resp:
        assert resp.status == 201
        added = await resp.json()
    status, after_add = await get_json(http, f"{handle.url}/api/v3/movie", headers)
    assert len(after_add) == len(movies) + 1
    assert added["id"] in {m["id"] for m in after_add}
    assert added["path"] == "/movies/Arrival (2016)"
    async with http.post(
        f"{handle.url}/api/v3/movie", json={**added, "id": 0}, headers=headers
    ) as resp:
        assert resp.status == 400

    victim = next(
        m for m in movies if m["hasFile"] and m["rootFolderPath"] == "/movies"
    )
    size = victim["movieFile"]["size"]

    async def free() -> tuple[int, int]:
        _, folders = await get_json(http, f"{handle.url}/api/v3/rootfolder", headers)
        _, disks = await get_json(http, f"{handle.url}/api/v3/diskspace", headers)
        folder = next(f for f in folders if f["path"] == "/movies")
        disk = next(d for d in disks if d["path"] == "/movies")
        return folder["freeSpace"], disk["freeSpace"]

    before = await free()
    # Without deleteFiles the files stay on disk.
    async with http.delete(
        f"{handle.url}/api/v3/movie/{added['id']}", headers=headers
    ) as resp:
        assert resp.status == 200
        assert await resp.read() == b""
    assert await free() == before
    async with http.delete(
        f"{handle.url}/api/v3/movie/{victim['id']}",
        params={"deleteFiles": "true", "addImportExclusion": "true"},
        headers=headers,
    ) as resp:
        assert resp.status == 200
    assert await free() == (before[0] + size, before[1] + size)
    status, _ = await get_json(
        http, f"{handle.url}/api/v3/movie/{victim['id']}", headers
    )
    assert status == 404
    _, exclusions = await get_json(http, f"{handle.url}/api/v3/exclusions", headers)
    assert [e["tmdbId"] for e in exclusions] == [victim["tmdbId"]]
    status, final = await get_json(http, f"{handle.url}/api/v3/movie", headers)
    assert len(final) == len(movies) - 1


async def test_set_free_space_and_lidarr_totals(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    simulator.set_free_space("radarr", "/movies", 123_456_789)
    _, folders = await get_json(
        http,
        f"{simulator.services['radarr'].url}/api/v3/rootfolder",
        arr(simulator, "radarr"),
    )
    assert (
        next(f for f in folders if f["path"] == "/movies")["freeSpace"] == 123_456_789
    )
    simulator.set_free_space("lidarr", "/music", 1024**4)
    _, folders = await get_json(
        http,
        f"{simulator.services['lidarr'].url}/api/v1/rootfolder",
        arr(simulator, "lidarr"),
    )
    assert folders[0]["freeSpace"] == 1024**4
    assert folders[0]["totalSpace"] > folders[0]["freeSpace"]
    # A path outside the root folders lands on the disk that holds it: "/".
    simulator.set_free_space("radarr", "/somewhere/else", 7)
    _, disks = await get_json(
        http,
        f"{simulator.services['radarr'].url}/api/v3/diskspace",
        arr(simulator, "radarr"),
    )
    assert next(d for d in disks if d["path"] == "/")["freeSpace"] == 7
    with pytest.raises(KeyError):
        simulator.set_free_space("radarr2", "/movies", 1)
    with pytest.raises(TypeError):
        simulator.set_free_space("jellyfin", "/movies", 1)


async def test_episode_file_delete_and_jellyfin_library_refresh(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    sonarr = simulator.services["sonarr"]
    jellyfin = simulator.services["jellyfin"]
    jf_state = simulator.state.services["jellyfin"]
    assert isinstance(jf_state, JellyfinState)
    state = simulator.state.services["sonarr"]
    assert isinstance(state, SonarrState)
    episode = next(e for e in state.episodes.values() if e.episode_file_id)
    file = state.episode_files[episode.episode_file_id]
    path = f"{state.series[episode.series_id].path}/{file.relative_path}"
    jf_item = next(i for i in jf_state.items.values() if i.path == path)
    async with http.delete(
        f"{sonarr.url}/api/v3/episodefile/{file.id}", headers=arr(simulator, "sonarr")
    ) as resp:
        assert resp.status == 200
    _, body = await get_json(
        http, f"{sonarr.url}/api/v3/episode/{episode.id}", arr(simulator, "sonarr")
    )
    assert (body["hasFile"], body["episodeFileId"]) == (False, 0)
    token = {"X-Emby-Token": jellyfin.api_key}
    # Jellyfin still lists the episode until its library is scanned.
    status, _ = await get_json(http, f"{jellyfin.url}/Items/{jf_item.id}", token)
    assert status == 200
    async with http.post(f"{jellyfin.url}/Library/Refresh", headers=token) as resp:
        assert resp.status == 204
    status, _ = await get_json(http, f"{jellyfin.url}/Items/{jf_item.id}", token)
    assert status == 404


async def test_jellyfin_watch_data_collections_and_deletes(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["jellyfin"]
    state = simulator.state.services["jellyfin"]
    assert isinstance(state, JellyfinState)
    token = {"Authorization": f'MediaBrowser Token="{handle.api_key}"'}
    bob = state.users[1].id
    unplayed = [
        i
        for i in state.items.values()
        if i.type == "Movie" and not state.user_data_of(bob, i.id).played
    ]
    movie = unplayed[0]
    query = {
        "userId": bob,
        "recursive": "true",
        "includeItemTypes": "Movie",
        "isPlayed": "true",
    }
    _, before = await get_json(http, f"{handle.url}/Items", token, **query)
    async with http.post(
        f"{handle.url}/UserPlayedItems/{movie.id}",
        params={"userId": bob},
        headers=token,
    ) as resp:
        assert resp.status == 200
        data = await resp.json()
    assert data["Played"] is True
    assert data["PlayCount"] == 1
    _, after = await get_json(http, f"{handle.url}/Items", token, **query)
    assert after["TotalRecordCount"] == before["TotalRecordCount"] + 1
    async with http.delete(
        f"{handle.url}/Users/{bob}/PlayedItems/{movie.id}", headers=token
    ) as resp:
        assert (await resp.json())["Played"] is False

    members = [i.id for i in unplayed[1:3]]
    async with http.post(
        f"{handle.url}/Collections",
        params={"name": "Leaving soon", "ids": members[0]},
        headers=token,
    ) as resp:
        assert resp.status == 200
        collection = (await resp.json())["Id"]
    async with http.post(
        f"{handle.url}/Collections/{collection}/Items",
        params={"ids": members[1]},
        headers=token,
    ) as resp:
        assert resp.status == 204
    _, body = await get_json(http, f"{handle.url}/Items", token, parentId=collection)
    assert [i["Id"] for i in body["Items"]] == members
    async with http.delete(
        f"{handle.url}/Collections/{collection}/Items",
        params={"ids": members[0]},
        headers=token,
    ) as resp:
        assert resp.status == 204
    _, body = await get_json(http, f"{handle.url}/Items", token, parentId=collection)
    assert [i["Id"] for i in body["Items"]] == members[1:]

    async with http.delete(f"{handle.url}/Items/{members[1]}", headers=token) as resp:
        assert resp.status == 204
    status, _ = await get_json(http, f"{handle.url}/Items/{members[1]}", token)
    assert status == 404
    _, body = await get_json(http, f"{handle.url}/Items", token, parentId=collection)
    assert body["TotalRecordCount"] == 0


async def test_jellyfin_item_query_filters(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["jellyfin"]
    state = simulator.state.services["jellyfin"]
    assert isinstance(state, JellyfinState)
    token = {"X-Emby-Token": handle.api_key}
    alice = state.users[0].id
    _, all_movies = await get_json(
        http,
        f"{handle.url}/Items",
        token,
        recursive="true",
        includeItemTypes="Movie",
        fields="ProviderIds",
    )
    assert "UserData" not in all_movies["Items"][0]
    _, with_tmdb = await get_json(
        http,
        f"{handle.url}/Items",
        token,
        recursive="true",
        includeItemTypes="movie",
        hasTmdbId="true",
    )
    assert 0 < with_tmdb["TotalRecordCount"] < all_movies["TotalRecordCount"]
    _, page = await get_json(
        http,
        f"{handle.url}/Users/{alice}/Items",
        token,
        recursive="true",
        includeItemTypes="Movie",
        sortBy="SortName",
        startIndex="2",
        limit="3",
    )
    assert page["StartIndex"] == 2
    assert len(page["Items"]) == 3
    assert page["TotalRecordCount"] == all_movies["TotalRecordCount"]
    assert all("UserData" in i for i in page["Items"])
    name = page["Items"][0]["Name"]
    _, found = await get_json(
        http, f"{handle.url}/Items", token, recursive="true", searchTerm=name.lower()
    )
    assert name in [i["Name"] for i in found["Items"]]
    _, counts = await get_json(http, f"{handle.url}/Items/Counts", token)
    assert counts["MovieCount"] == all_movies["TotalRecordCount"]
    status, _ = await get_json(http, f"{handle.url}/Items", token, userId="0" * 32)
    assert status == 404


async def test_jellyseerr_requests_filter_and_delete(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["jellyseerr"]
    state = simulator.state.services["jellyseerr"]
    assert isinstance(state, JellyseerrState)
    key = {"X-Api-Key": handle.api_key}
    _, page = await get_json(http, f"{handle.url}/api/v1/request", key)
    assert page["pageInfo"]["pageSize"] == 10
    assert page["pageInfo"]["results"] == len(state.requests)
    _, pending = await get_json(
        http, f"{handle.url}/api/v1/request", key, filter="pending", take="50"
    )
    assert pending["results"]
    assert {r["status"] for r in pending["results"]} == {1}
    _, counts = await get_json(http, f"{handle.url}/api/v1/request/count", key)
    assert counts["pending"] == len(pending["results"])
    async with http.delete(
        f"{handle.url}/api/v1/request/{pending['results'][0]['id']}", headers=key
    ) as resp:
        assert resp.status == 204
    _, after = await get_json(http, f"{handle.url}/api/v1/request/count", key)
    assert after["pending"] == counts["pending"] - 1
    assert after["total"] == counts["total"] - 1


# ---------------------------------------------------------------- faults


async def test_latency_is_measurable(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    url = f"{simulator.services['radarr'].url}/api/v3/system/status"
    simulator.faults("radarr").set(latency=0.3)
    began = time.monotonic()
    async with http.get(url, headers=arr(simulator, "radarr")) as resp:
        assert resp.status == 200
    assert time.monotonic() - began >= 0.3
    simulator.faults("radarr").clear()
    began = time.monotonic()
    async with http.get(url, headers=arr(simulator, "radarr")) as resp:
        assert resp.status == 200
    assert time.monotonic() - began < 0.3


async def test_error_status_drop_malformed_and_truncate(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    url = f"{handle.url}/api/v3/movie"
    headers = arr(simulator, "radarr")
    faults = simulator.faults("radarr")

    faults.set(status=500)
    async with http.get(url, headers=headers) as resp:
        assert resp.status == 500
    # Faults never touch the control endpoints.
    async with http.get(f"{handle.url}/__simulator__/dump") as resp:
        assert resp.status == 200
    faults.clear()

    faults.set(drop=True)
    with pytest.raises(aiohttp.ClientConnectionError):
        async with http.get(url, headers=headers) as resp:
            await resp.read()
    faults.clear()

    faults.set(malformed=True)
    async with http.get(url, headers=headers) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        text = await resp.text()
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    faults.clear()

    async with http.get(url, headers=headers) as resp:
        full = await resp.read()
    faults.set(truncate=True)
    async with http.get(url, headers=headers) as resp:
        assert resp.status == 200
        # The headers promise the whole body; half of it arrives.
        assert resp.content_length == len(full)
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
    faults.clear()
    async with http.get(url, headers=headers) as resp:
        assert await resp.read() == full


async def _read_at_most(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """Read a body up to `limit` bytes (an endless one is cut there)."""
    body = b""
    async for chunk in resp.content.iter_chunked(65536):
        body += chunk
        if len(body) >= limit:
            break
    return body


async def test_endless_answers(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    headers = arr(simulator, "radarr")
    async with http.get(f"{handle.url}/api/v3/movie", headers=headers) as resp:
        movies = await resp.json()
    simulator.faults("radarr").set(endless=True)
    async with http.get(f"{handle.url}/api/v3/movie", headers=headers) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        assert resp.content_length is None
        body = await _read_at_most(resp, 4 * 1024 * 1024)
    # The real movies, over and over, and no end of the list in sight.
    text = body.decode()
    first = json.dumps(movies[0], separators=(",", ":"), ensure_ascii=False)
    assert text.startswith("[" + first + ",")
    assert text.count(first) > 2
    assert len(body) >= 4 * 1024 * 1024
    # An answer without a list never ends either: a string that goes on.
    async with http.get(f"{handle.url}/api/v3/system/status", headers=headers) as resp:
        body = await _read_at_most(resp, 2 * 1024 * 1024)
    assert body.startswith(b'{"appName":"Radarr"')
    assert b',"padding":"xxxx' in body
    assert len(body) >= 2 * 1024 * 1024
    # A list inside an object (Jellyfin's Items) repeats its own elements.
    jellyfin = simulator.services["jellyfin"]
    simulator.faults("jellyfin").set(endless=True, paths=["/Items"])
    async with http.get(
        f"{jellyfin.url}/Items",
        headers={"X-Emby-Token": jellyfin.api_key},
        params={"recursive": "true", "includeItemTypes": "Movie"},
    ) as resp:
        body = await _read_at_most(resp, 1024 * 1024)
    assert body.startswith(b'{"Items":[{')
    assert len(body) >= 1024 * 1024
    simulator.faults("radarr").clear()
    async with http.get(f"{handle.url}/api/v3/movie", headers=headers) as resp:
        assert await resp.json() == movies


async def test_huge_and_deep_answers(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    headers = arr(simulator, "radarr")
    async with http.get(f"{handle.url}/api/v3/movie", headers=headers) as resp:
        movies = await resp.json()
    faults = simulator.faults("radarr")

    faults.set(huge=3_000_000)
    async with http.get(f"{handle.url}/api/v3/movie", headers=headers) as resp:
        assert resp.content_length is None
        huge = await resp.json()
    # The first movie carries a string that long; the rest is the real list.
    assert huge[0] == movies[0] | {"padding": "x" * 3_000_000}
    assert huge[1:] == movies[1:]
    async with http.get(f"{handle.url}/api/v3/system/status", headers=headers) as resp:
        status = await resp.json()
    assert status["appName"] == "Radarr"
    assert status["padding"] == "x" * 3_000_000
    faults.clear()

    faults.set(deep=5000, paths=["/api/v3/movie"])
    async with http.get(f"{handle.url}/api/v3/movie", headers=headers) as resp:
        text = await resp.text()
    assert text.startswith("[" + json.dumps(movies[0], separators=(",", ":"))[:-1])
    assert ',"padding":' + "[" * 5000 + "]" * 5000 + "}," in text
    # Only the paths asked for.
    async with http.get(f"{handle.url}/api/v3/tag", headers=headers) as resp:
        assert isinstance(await resp.json(), list)
    faults.clear()

    # An empty list gets one element to carry the padding.
    faults.set(deep=3, paths=["/api/v3/calendar"])
    async with http.get(
        f"{handle.url}/api/v3/calendar",
        headers=headers,
        params={"start": "2000-01-01T00:00:00Z", "end": "2000-01-02T00:00:00Z"},
    ) as resp:
        assert await resp.json() == [{"padding": [[[]]]}]


async def test_gzip(simulator: Simulator, http: aiohttp.ClientSession) -> None:
    handle = simulator.services["sonarr"]
    headers = arr(simulator, "sonarr")
    url = f"{handle.url}/api/v3/series"
    async with http.get(url, headers=headers) as resp:
        assert "Content-Encoding" not in resp.headers
        series = await resp.json()
    simulator.faults("sonarr").set(gzip=True)
    async with http.get(url, headers=headers) as resp:
        assert resp.headers["Content-Encoding"] == "gzip"
        assert await resp.json() == series
    # With a hostile fault too.
    simulator.faults("sonarr").set(huge=100_000)
    async with http.get(url, headers=headers) as resp:
        assert resp.headers["Content-Encoding"] == "gzip"
        assert (await resp.json())[0]["padding"] == "x" * 100_000
    assert simulator.faults("sonarr").as_dict() | {"paths": []} == {
        "latency": 0.0,
        "status": None,
        "drop": False,
        "malformed": False,
        "truncate": False,
        "endless": False,
        "huge": 100_000,
        "deep": 0,
        "gzip": True,
        "hold": 0.0,
        "paths": [],
        "count": None,
    }
    with pytest.raises(ValueError):
        simulator.faults("sonarr").set(huge=-1)
    with pytest.raises(ValueError):
        simulator.faults("sonarr").set(deep=-1)


async def test_fault_paths_and_count(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["sonarr"]
    headers = arr(simulator, "sonarr")
    simulator.faults("sonarr").set(status=503, paths=["/api/v3/queue"], count=2)
    async with http.get(f"{handle.url}/api/v3/system/status", headers=headers) as resp:
        assert resp.status == 200
    statuses = []
    for _ in range(3):
        async with http.get(f"{handle.url}/api/v3/queue", headers=headers) as resp:
            statuses.append(resp.status)
    assert statuses == [503, 503, 200]
    assert simulator.faults("sonarr").as_dict()["status"] is None
    with pytest.raises(ValueError):
        simulator.faults("sonarr").update({"explode": True})


async def test_rotate_key(simulator: Simulator, http: aiohttp.ClientSession) -> None:
    handle = simulator.services["lidarr"]
    url = f"{handle.url}/api/v1/system/status"
    old = handle.api_key
    new = simulator.rotate_key("lidarr")
    assert new != old
    assert handle.api_key == new
    async with http.get(url, headers={"X-Api-Key": old}) as resp:
        assert resp.status == 401
        assert await resp.read() == b""
    async with http.get(url, headers={"X-Api-Key": new}) as resp:
        assert resp.status == 200


async def test_control_endpoints(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    control = f"{handle.url}/__simulator__"
    status_url = f"{handle.url}/api/v3/system/status"
    async with http.post(f"{control}/fault", json={"status": 502}) as resp:
        assert resp.status == 200
        assert (await resp.json())["faults"]["status"] == 502
    async with http.get(status_url, headers=arr(simulator, "radarr")) as resp:
        assert resp.status == 502
    async with http.post(f"{control}/fault", json={"nonsense": 1}) as resp:
        assert resp.status == 400
    async with http.delete(f"{control}/fault") as resp:
        assert resp.status == 200
    async with http.get(status_url, headers=arr(simulator, "radarr")) as resp:
        assert resp.status == 200
    async with http.post(f"{control}/rotate-key") as resp:
        new_key = (await resp.json())["api_key"]
    assert new_key == handle.api_key
    async with http.get(status_url, headers={"X-Api-Key": new_key}) as resp:
        assert resp.status == 200
    async with http.post(
        f"{control}/free-space", json={"path": "/movies-4k", "free_space": 42}
    ) as resp:
        assert resp.status == 200
    _, folders = await get_json(
        http, f"{handle.url}/api/v3/rootfolder", {"X-Api-Key": new_key}
    )
    assert next(f for f in folders if f["path"] == "/movies-4k")["freeSpace"] == 42
    async with http.post(f"{control}/free-space", json={"path": "/movies"}) as resp:
        assert resp.status == 400
    async with http.get(f"{control}/dump") as resp:
        assert await resp.json() == json.loads(json.dumps(simulator.dump()))
    # The control paths are not API requests: the log has the API calls only.
    assert simulator.requests("radarr") == [
        ("GET", "/api/v3/system/status"),
        ("GET", "/api/v3/system/status"),
        ("GET", "/api/v3/system/status"),
        ("GET", "/api/v3/rootfolder"),
    ]


async def test_request_log_counts(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    handle = simulator.services["jellyfin"]
    simulator.reset_requests()
    for _ in range(3):
        async with http.get(f"{handle.url}/System/Info/Public") as resp:
            assert resp.status == 200
    async with http.get(
        f"{handle.url}/Sessions", headers={"X-Emby-Token": handle.api_key}
    ) as resp:
        assert resp.status == 200
    assert simulator.requests("jellyfin") == [("GET", "/System/Info/Public")] * 3 + [
        ("GET", "/Sessions")
    ]
    assert simulator.requests("radarr") == []
    simulator.reset_requests("jellyfin")
    assert simulator.requests("jellyfin") == []


# ---------------------------------------------------------------- dump, base path, time


async def test_dump_is_deterministic_and_follows_deletes(
    simulator_factory: SimulatorFactory, http: aiohttp.ClientSession
) -> None:
    one = await simulator_factory(seed=3, clock=Clock(lambda: START))
    two = await simulator_factory(seed=3, clock=Clock(lambda: START))
    other = await simulator_factory(seed=4, clock=Clock(lambda: START))
    before = one.dump()
    assert before == two.dump()
    assert before != other.dump()
    assert json.loads(json.dumps(before)) == before
    assert one.dump() == before
    movie = next(m for m in radarr_state(one).movies.values() if m.file is not None)
    async with http.delete(
        f"{one.services['radarr'].url}/api/v3/movie/{movie.id}",
        params={"deleteFiles": "true"},
        headers=arr(one, "radarr"),
    ) as resp:
        assert resp.status == 200
    after = one.dump()
    assert after != before
    movies_before = before["services"]["radarr"]["movies"]
    movies_after = after["services"]["radarr"]["movies"]
    assert [m for m in movies_before if m["id"] != movie.id] == movies_after
    assert after["services"]["sonarr"] == before["services"]["sonarr"]


async def test_base_path(
    simulator_factory: SimulatorFactory, http: aiohttp.ClientSession
) -> None:
    sim = await simulator_factory(
        movies=5,
        series=2,
        artists=1,
        instances={"radarr": "radarr", "jellyfin": "jellyfin"},
        url_bases={"radarr": "radarr/", "jellyfin": "/jf"},
    )
    handle = sim.services["radarr"]
    assert handle.url.endswith("/radarr")
    status, body = await get_json(
        http, f"{handle.url}/api/v3/system/status", arr(sim, "radarr")
    )
    assert status == 200
    assert body["urlBase"] == "/radarr"
    root = handle.url.removesuffix("/radarr")
    status, _ = await get_json(http, f"{root}/api/v3/system/status", arr(sim, "radarr"))
    assert status == 404
    assert sim.requests("radarr")[0] == ("GET", "/api/v3/system/status")
    status, _ = await get_json(http, f"{handle.url}/__simulator__/dump", {})
    assert status == 200
    jellyfin = sim.services["jellyfin"]
    status, body = await get_json(http, f"{jellyfin.url}/System/Info/Public", {})
    assert status == 200
    assert body["LocalAddress"] == jellyfin.url


async def test_queue_progress_follows_the_clock(
    simulator_factory: SimulatorFactory, http: aiohttp.ClientSession
) -> None:
    clock = Clock(lambda: START)
    sim = await simulator_factory(
        movies=20,
        series=3,
        artists=1,
        seed=5,
        clock=clock,
        instances={"radarr": "radarr"},
    )
    url = f"{sim.services['radarr'].url}/api/v3/queue/details"
    headers = arr(sim, "radarr")

    async def downloading() -> dict[int, dict[str, Any]]:
        _, body = await get_json(http, url, headers)
        return {q["id"]: q for q in body if q["status"] == "downloading"}

    first = await downloading()
    assert first
    for item in first.values():
        assert 0 < item["sizeleft"] <= item["size"]
        eta = datetime.fromisoformat(item["estimatedCompletionTime"])
        h, m, s = (int(p) for p in item["timeleft"].split(".")[-1].split(":"))
        days = int(item["timeleft"].split(".")[0]) if "." in item["timeleft"] else 0
        seconds = days * 86400 + h * 3600 + m * 60 + s
        assert abs((eta - clock.now()).total_seconds() - seconds) <= 1
    clock.advance(60)
    second = await downloading()
    for queue_id, item in first.items():
        later = second.get(queue_id)
        if later is not None:
            assert later["sizeleft"] < item["sizeleft"]
            # Same download, same finish time: the estimate is consistent.
            assert (
                abs(
                    (
                        datetime.fromisoformat(later["estimatedCompletionTime"])
                        - datetime.fromisoformat(item["estimatedCompletionTime"])
                    ).total_seconds()
                )
                <= 1
            )
    clock.advance(30 * 86400)
    _, body = await get_json(http, url, headers)
    assert not {q["id"] for q in body} & set(first)
    _, status = await get_json(
        http, f"{sim.services['radarr'].url}/api/v3/queue/status", headers
    )
    assert status["totalCount"] == len(body)


async def test_calendar_window(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    now = simulator.clock.now()
    start = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name, api, field in (
        ("radarr", "/api/v3", None),
        ("sonarr", "/api/v3", "airDateUtc"),
        ("lidarr", "/api/v1", "releaseDate"),
    ):
        handle = simulator.services[name]
        status, body = await get_json(
            http,
            f"{handle.url}{api}/calendar",
            arr(simulator, name),
            start=start,
            end=end,
        )
        assert status == 200
        assert body, name
        for entry in body:
            dates = (
                [entry[field]]
                if field
                else [
                    entry.get(k)
                    for k in ("inCinemas", "digitalRelease", "physicalRelease")
                ]
            )
            assert any(d is not None and start <= d <= end for d in dates)
    _, series = await get_json(
        http,
        f"{simulator.services['sonarr'].url}/api/v3/calendar",
        arr(simulator, "sonarr"),
        start=start,
        end=end,
        includeSeries="true",
    )
    assert all("series" in e and e["series"]["id"] == e["seriesId"] for e in series)


# ---------------------------------------------------------------- command line


async def test_cli_prints_the_services_and_stops_on_sigterm(
    socket_enabled: None, http: aiohttp.ClientSession
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--movies",
        "5",
        "--series",
        "2",
        "--artists",
        "1",
        "--seed",
        "9",
        "--url-base",
        "sonarr=/sonarr",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        announced = json.loads(line)["services"]
        assert set(announced) == {
            "radarr",
            "sonarr",
            "lidarr",
            "jellyfin",
            "jellyseerr",
        }
        sonarr = announced["sonarr"]
        assert sonarr["kind"] == "sonarr"
        assert sonarr["url"].endswith("/sonarr")
        status, body = await get_json(
            http,
            f"{sonarr['url']}/api/v3/system/status",
            {"X-Api-Key": sonarr["api_key"]},
        )
        assert status == 200
        assert body["appName"] == "Sonarr"
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0
        assert b"listening" in stderr
        # Keys never reach the log.
        assert sonarr["api_key"].encode() not in stderr
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
