"""The simulator sends the shapes real servers send, within their contracts.

Season packs as several queue records of one download, imported downloads
still listed, stalled downloads with the client's message, sizes written as
decimals, times with 0 to 7 fractional digits, root folders as the *arr store
them (trailing separators, Windows drives), Sonarr v3's single language,
Jellyfin's disabled users, music sessions and items without watch data, and
Jellyseerr's null request fields. Each answer is still validated against the
service's OpenAPI document where there is one.
"""

from __future__ import annotations

from collections import defaultdict
import os
import re
from typing import Any

import aiohttp
import pytest

from simulator import Simulator
from simulator.pytest_plugin import SimulatorFactory

from .openapi import spec_dir, validator
from .test_contract import check_body, headers

pytestmark = pytest.mark.skipif(
    spec_dir() is None and not os.environ.get("CI"),
    reason="OpenAPI documents not found (set LCARS_API_SPECS)",
)

FRACTION = re.compile(r"T\d{2}:\d{2}:\d{2}(?:\.(\d+))?Z$")


async def get(
    http: aiohttp.ClientSession, sim: Simulator, name: str, path: str, **params: str
) -> Any:
    """GET an API path of an instance and return the JSON body."""
    handle = sim.services[name]
    async with http.get(
        handle.url + path, params=params, headers=headers(sim, name)
    ) as resp:
        assert resp.status == 200, f"GET {path}: {resp.status}"
        return await resp.json()


def fraction_digits(values: list[str]) -> set[int]:
    """How many fractional second digits the dates among `values` have."""
    return {
        len(match.group(1) or "")
        for value in values
        if (match := FRACTION.search(value)) is not None
    }


async def test_a_season_pack_is_one_download_listed_once_per_episode(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """Every record of a season pack repeats the download: id, title, size, left."""
    body = await get(
        http, simulator, "sonarr", "/api/v3/queue/details", includeEpisode="true"
    )
    assert (
        check_body(
            "sonarr", validator("sonarr"), "GET", "/api/v3/queue/details", 200, body
        )
        == []
    )
    downloads: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in body:
        downloads[record["downloadId"]].append(record)
    packs = [records for records in downloads.values() if len(records) >= 3]
    assert len(packs) == 1
    (pack,) = packs
    for key in ("title", "size", "sizeleft", "estimatedCompletionTime", "status"):
        assert len({record[key] for record in pack}) == 1, key
    assert len({record["id"] for record in pack}) == len(pack)
    assert len({record["episodeId"] for record in pack}) == len(pack)
    assert len({record["seasonNumber"] for record in pack}) == 1
    numbers = sorted(record["episode"]["episodeNumber"] for record in pack)
    assert numbers == list(range(1, len(pack) + 1))


@pytest.mark.parametrize(
    ("name", "api"),
    [("radarr", "/api/v3"), ("sonarr", "/api/v3"), ("lidarr", "/api/v1")],
)
async def test_queues_carry_the_shapes_of_real_downloads(
    simulator: Simulator, http: aiohttp.ClientSession, name: str, api: str
) -> None:
    """Imported, stalled (with a message) and usenet downloads (decimal sizes)."""
    body = await get(http, simulator, name, f"{api}/queue/details")
    assert (
        check_body(name, validator(name), "GET", f"{api}/queue/details", 200, body)
        == []
    )
    states = {record["trackedDownloadState"] for record in body}
    assert "imported" in states
    stalled = [r for r in body if r["status"] == "warning"]
    assert stalled
    assert all(r["errorMessage"] for r in stalled)
    usenet = [r for r in body if r["protocol"] == "usenet"]
    assert usenet
    assert all(isinstance(r["size"], float) for r in usenet)
    assert all(isinstance(r["sizeleft"], float) for r in usenet)
    torrents = [r for r in body if r["protocol"] == "torrent"]
    assert all(isinstance(r["size"], int) for r in torrents)


async def test_times_carry_zero_to_seven_fractional_digits(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """Times the servers took from their clock carry their ticks, trimmed."""
    movies = await get(http, simulator, "radarr", "/api/v3/movie")
    queue = await get(http, simulator, "radarr", "/api/v3/queue/details")
    dates = [m["added"] for m in movies] + [
        q["estimatedCompletionTime"] for q in queue if "estimatedCompletionTime" in q
    ]
    digits = fraction_digits(dates)
    assert 0 in digits
    assert 7 in digits
    assert len(digits) >= 5
    # Release dates stay whole seconds.
    assert fraction_digits([m["inCinemas"] for m in movies if "inCinemas" in m]) == {0}


async def test_root_folders_as_the_arr_store_them(
    simulator_factory: SimulatorFactory, http: aiohttp.ClientSession
) -> None:
    """`/rootfolder` drops the trailing separator items keep; Windows drives."""
    sim = await simulator_factory(
        movies=20,
        series=4,
        artists=2,
        instances={"radarr": "radarr", "sonarr": "sonarr", "radarr2": "radarr"},
        platforms={"radarr2": "windows"},
    )
    folders = await get(http, sim, "sonarr", "/api/v3/rootfolder")
    assert [f["path"] for f in folders] == ["/tv"]
    series = await get(http, sim, "sonarr", "/api/v3/series")
    assert {s["rootFolderPath"] for s in series} == {"/tv/"}
    assert all(s["path"].startswith("/tv/") for s in series)

    folders = await get(http, sim, "radarr2", "/api/v3/rootfolder")
    assert (
        check_body(
            "radarr", validator("radarr"), "GET", "/api/v3/rootfolder", 200, folders
        )
        == []
    )
    ((folder),) = folders
    assert re.fullmatch(r"[A-Z]:\\[^/]+[^\\/]", folder["path"])
    movies = await get(http, sim, "radarr2", "/api/v3/movie")
    assert {m["rootFolderPath"] for m in movies} == {folder["path"] + "\\"}
    assert all(m["path"].startswith(folder["path"] + "\\") for m in movies)
    disks = await get(http, sim, "radarr2", "/api/v3/diskspace")
    assert {d["path"] for d in disks} == {"C:\\", "D:\\"}
    status = await get(http, sim, "radarr2", "/api/v3/system/status")
    assert status["isWindows"] is True


async def test_sonarr_v3_sends_its_own_shapes(
    simulator_factory: SimulatorFactory, http: aiohttp.ClientSession
) -> None:
    """One language object, decimal sizes, no `accessible`, no rootFolderPath.

    Checked against the v4 document with the language as v4 spells it: the
    rest of the answers is the same API.
    """
    sim = await simulator_factory(
        movies=5,
        series=6,
        artists=1,
        instances={"sonarr": "sonarr"},
        versions={"sonarr": "3.0.4.1126"},
    )
    spec = validator("sonarr")
    status = await get(http, sim, "sonarr", "/api/v3/system/status")
    assert status["version"] == "3.0.4.1126"
    queue = await get(http, sim, "sonarr", "/api/v3/queue/details")
    assert queue
    for record in queue:
        assert record["language"] == {"id": 1, "name": "English"}
        assert "languages" not in record
        assert "seasonNumber" not in record
        assert isinstance(record["size"], float)
        assert isinstance(record["sizeleft"], float)
    series = await get(http, sim, "sonarr", "/api/v3/series")
    assert all("rootFolderPath" not in s for s in series)
    files = await get(
        http, sim, "sonarr", "/api/v3/episodefile", seriesId=str(series[0]["id"])
    )
    assert files
    assert all("language" in f and "languages" not in f for f in files)
    folders = await get(http, sim, "sonarr", "/api/v3/rootfolder")
    assert all("accessible" not in f for f in folders)

    def as_v4(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: as_v4(v) for k, v in value.items() if k != "language"}
            if "language" in value:
                out["languages"] = [value["language"]]
            return out
        if isinstance(value, list):
            return [as_v4(v) for v in value]
        return value

    for path, body in (
        ("/api/v3/queue/details", queue),
        ("/api/v3/series", series),
        ("/api/v3/episodefile", files),
        ("/api/v3/rootfolder", folders),
    ):
        assert check_body("sonarr", spec, "GET", path, 200, as_v4(body)) == []


async def test_jellyfin_sends_users_sessions_and_items_as_real_servers(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """A disabled user, a music session, items without watch data, odd dates."""
    users = await get(http, simulator, "jellyfin", "/Users")
    disabled = [u for u in users if u["Policy"]["IsDisabled"]]
    assert [u["Name"] for u in disabled] == ["guest"]

    sessions = await get(http, simulator, "jellyfin", "/Sessions")
    playing = [s["NowPlayingItem"] for s in sessions if "NowPlayingItem" in s]
    (track,) = [item for item in playing if item["Type"] == "Audio"]
    assert track["AlbumId"]
    assert track["Album"]
    assert "SeriesId" not in track
    assert track["ParentIndexNumber"] == 1
    assert track["MediaType"] == "Audio"

    alice = next(u["Id"] for u in users if u["Name"] == "alice")
    body = await get(
        http,
        simulator,
        "jellyfin",
        "/Items",
        userId=alice,
        recursive="true",
        includeItemTypes="Movie,Series,MusicAlbum",
        fields="ProviderIds,Path,DateCreated",
        enableUserData="true",
    )
    items = body["Items"]
    assert any("UserData" not in item for item in items)
    created = [item["DateCreated"] for item in items]
    assert {0, 6, 7} <= fraction_digits(created)
    assert "9999-12-31T23:59:59.9999999Z" in created
    assert "0001-01-01T00:00:00.0000000+01:00" in created


async def test_jellyseerr_requests_carry_nulls(
    simulator: Simulator, http: aiohttp.ClientSession
) -> None:
    """Requests not yet approved have no server, profile, folder or tags."""
    body = await get(http, simulator, "jellyseerr", "/api/v1/request", take="100")
    assert (
        check_body(
            "jellyseerr", validator("jellyseerr"), "GET", "/api/v1/request", 200, body
        )
        == []
    )
    pending = [r for r in body["results"] if r["status"] != 2]
    assert pending
    for request in pending:
        for key in ("serverId", "profileId", "rootFolder", "tags"):
            assert key in request
            assert request[key] is None
