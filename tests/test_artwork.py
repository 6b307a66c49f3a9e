"""Artwork through LCARS: signed covers, read through the *arr, never its key.

Real HTTP end to end: Home Assistant's HTTP server serves the covers, read
from the simulator's `/MediaCover` with the *arr's key.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.lcars.diagnostics import async_get_config_entry_diagnostics
from custom_components.lcars.library.artwork import ImageCache
from custom_components.lcars.runtime import artwork
from custom_components.lcars.runtime.artwork import async_cover_urls
from homeassistant.core import HomeAssistant
from simulator import Simulator

from .conftest import call_action, fill_movies_disk

# Every part of a cover's real address that must never reach a browser.
SECRET_WORDS = ("/MediaCover", "apikey", "MediaCoverProxy")


def _secrets(simulator: Simulator) -> list[str]:
    return [
        *SECRET_WORDS,
        *(handle.api_key for handle in simulator.services.values()),
    ]


def _covers_read(simulator: Simulator, name: str = "radarr") -> list[str]:
    return [path for _, path in simulator.requests(name) if "/MediaCover/" in path]


async def _direct(simulator: Simulator, name: str, path: str) -> bytes:
    """Read a cover from the simulator with the key, as the *arr serves it."""
    handle = simulator.services[name]
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            handle.url + path, headers={"X-Api-Key": handle.api_key}
        ) as response,
    ):
        assert response.status == 200
        return await response.read()


async def _first_movies(
    hass: HomeAssistant, entry: MockConfigEntry, count: int = 3
) -> list[dict[str, Any]]:
    answer = await call_action(hass, "get_library", entry, kind="movie", limit=count)
    return answer["items"]


@pytest.fixture
def caplog_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log line at debug, LCARS and Home Assistant's HTTP server included."""
    caplog.set_level(logging.DEBUG)
    return caplog


async def test_library_posters_are_signed_and_read_without_a_token(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A poster of get_library opens in an <img>: signed, the simulator's bytes."""
    movie = (await _first_movies(hass, init_integration, 1))[0]
    poster = URL(movie["poster"])
    assert poster.path == f"/api/lcars/artwork/sub_radarr/movie/{movie['id']}/poster"
    assert "authSig" in poster.query
    assert poster.query["size"] == "medium"
    assert movie["fanart"].startswith(
        f"/api/lcars/artwork/sub_radarr/movie/{movie['id']}/fanart?"
    )
    client = await hass_client_no_auth()

    response = await client.get(movie["poster"])

    assert response.status == 200
    assert response.content_type == "image/jpeg"
    body = await response.read()
    # The medium size is the *arr's 500 pixel copy.
    assert body == await _direct(
        simulator, "radarr", f"/MediaCover/{movie['id']}/poster-500.jpg"
    )
    assert body[:2] == b"\xff\xd8"
    assert response.headers["Cache-Control"] == "private, max-age=86400"
    assert response.headers["ETag"]


async def test_a_poster_needs_its_signature_and_the_path_it_was_made_for(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """No signature, or a signature of another path or query: 401."""
    movies = await _first_movies(hass, init_integration, 2)
    poster = URL(movies[0]["poster"])
    signature = poster.query["authSig"]
    client = await hass_client_no_auth()

    unsigned = poster.with_query(
        {k: v for k, v in poster.query.items() if k != "authSig"}
    )
    text = str(poster)
    other_item = text.replace(f"/{movies[0]['id']}/", f"/{movies[1]['id']}/")
    other_size = str(poster.update_query(size="full"))
    other_stamp = str(poster.update_query(v="1"))
    other_cover = text.replace("/poster?", "/fanart?")
    other_service = text.replace("sub_radarr", "sub_sonarr")
    for altered in (
        unsigned,
        other_item,
        other_size,
        other_stamp,
        other_cover,
        other_service,
    ):
        response = await client.get(str(altered))
        assert response.status == 401, altered
    assert signature in other_item


async def test_the_key_and_the_covers_address_reach_no_answer_state_or_log(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    caplog_debug: pytest.LogCaptureFixture,
) -> None:
    """Answers, headers, bodies of errors, states, diagnostics and logs: none leak."""
    fill_movies_disk(simulator)
    await init_integration.runtime_data.coordinators["sub_radarr"].async_refresh()
    seen: list[str] = []
    library = await call_action(hass, "get_library", init_integration, limit=50)
    seen.append(json.dumps(library))
    seen.append(json.dumps(await call_action(hass, "get_queue", init_integration)))
    seen.append(
        json.dumps(await call_action(hass, "preview_cleanup", init_integration))
    )
    anonymous = await hass_client_no_auth()
    signed_in = await hass_client()
    simulator.faults("radarr").set(status=500, paths=["/MediaCover/3/"])
    urls = [
        url
        for item in library["items"]
        for url in (item["poster"], item["fanart"])
        if url
    ]
    assert urls
    for url in urls:
        response = await anonymous.get(url)
        seen.append(json.dumps(dict(response.headers)))
        seen.append((await response.read()).decode("latin-1"))
    # Errors of every kind, with the bearer token.
    for url in (
        "/api/lcars/artwork/sub_radarr/movie/3/poster",
        "/api/lcars/artwork/sub_radarr/movie/99999/poster",
        "/api/lcars/artwork/sub_radarr/ref/0123/poster",
        "/api/lcars/artwork/nowhere/movie/1/poster",
    ):
        response = await signed_in.get(url)
        seen.append(json.dumps(dict(response.headers)))
        seen.append(await response.text())
    seen.extend(json.dumps(state.as_dict()) for state in hass.states.async_all())
    seen.append(
        json.dumps(
            await async_get_config_entry_diagnostics(hass, init_integration),
            default=str,
        )
    )
    # Home Assistant's and LCARS's log; the simulator's own lines name its paths.
    seen.extend(
        f"{record.getMessage()} {record.exc_text or ''}"
        for record in caplog_debug.records
        if not record.name.startswith("simulator")
    )

    everything = "\n".join(seen)
    for secret in _secrets(simulator):
        assert secret not in everything, secret
    # The failing cover really failed, and was logged (without its path).
    assert "A cover from Radarr could not be read" in caplog_debug.text


async def test_a_cover_read_twice_is_fetched_once_and_revalidates(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The second read comes from the cache; If-None-Match gets 304 at once."""
    movie = (await _first_movies(hass, init_integration, 1))[0]
    client = await hass_client_no_auth()
    simulator.reset_requests()

    first = await client.get(movie["poster"])
    assert first.status == 200
    assert len(_covers_read(simulator)) == 1
    second = await client.get(movie["poster"])
    assert second.status == 200
    assert await second.read() == await first.read()
    again = await client.get(
        movie["poster"], headers={"If-None-Match": first.headers["ETag"]}
    )

    assert again.status == 304
    assert again.headers["ETag"] == first.headers["ETag"]
    assert await again.read() == b""
    assert len(_covers_read(simulator)) == 1
    # Another item's tag is no match.
    other = await client.get(movie["poster"], headers={"If-None-Match": '"other"'})
    assert other.status == 200


async def test_the_same_signed_path_is_handed_out_again(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A card's <img src> stays the same between calls, so the browser caches it."""
    first = await _first_movies(hass, init_integration)
    second = await _first_movies(hass, init_integration)
    assert [m["poster"] for m in first] == [m["poster"] for m in second]


async def test_upstream_failure_is_502_with_an_empty_body_and_not_kept(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A failing *arr gives 502; once it is back the cover is read."""
    movie = (await _first_movies(hass, init_integration, 1))[0]
    client = await hass_client_no_auth()
    simulator.faults("radarr").set(status=500, paths=["/MediaCover/"])

    failed = await client.get(movie["poster"])
    assert failed.status == 502
    assert await failed.read() == b""

    simulator.faults("radarr").clear()
    assert (await client.get(movie["poster"])).status == 200


async def test_a_missing_cover_is_404_and_remembered(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """An item whose cover the *arr does not have: 404, asked once."""
    coordinator = init_integration.runtime_data.coordinators["sub_radarr"]
    movie_id = coordinator.data.movies[0].id
    # The simulator serves covers only for items it lists.
    del simulator.state.services["radarr"].movies[movie_id]
    client = await hass_client()
    simulator.reset_requests()

    for _ in range(2):
        response = await client.get(
            f"/api/lcars/artwork/sub_radarr/movie/{movie_id}/poster"
        )
        assert response.status == 404
    assert len(_covers_read(simulator)) == 1


async def test_only_covers_lcars_knows_are_served(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """Unknown services, items, kinds, covers and references: 404; a bad size: 400."""
    coordinator = init_integration.runtime_data.coordinators["sub_radarr"]
    movie_id = coordinator.data.movies[0].id
    client = await hass_client()
    for path, status in (
        (f"/api/lcars/artwork/sub_radarr/movie/{movie_id}/poster", 200),
        (f"/api/lcars/artwork/sub_radarr/movie/{movie_id}/poster?size=small", 200),
        (f"/api/lcars/artwork/sub_radarr/movie/{movie_id}/poster?size=huge", 400),
        (f"/api/lcars/artwork/nowhere/movie/{movie_id}/poster", 404),
        (f"/api/lcars/artwork/sub_radarr/series/{movie_id}/poster", 404),
        (f"/api/lcars/artwork/sub_radarr/movie/{movie_id}/banner", 404),
        (f"/api/lcars/artwork/sub_radarr/movie/{movie_id}/secret", 404),
        (f"/api/lcars/artwork/sub_radarr/movie/{movie_id}x/poster", 404),
        ("/api/lcars/artwork/sub_radarr/movie/999999/poster", 404),
        ("/api/lcars/artwork/sub_radarr/ref/abcdef/poster", 404),
        ("/api/lcars/artwork/sub_jellyfin/movie/1/poster", 404),
    ):
        response = await client.get(path)
        assert response.status == status, path


async def test_the_cache_keeps_no_more_than_its_bytes(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """Beyond its size the cache drops the least recently read cover."""
    coordinator = init_integration.runtime_data.coordinators["sub_radarr"]
    ids = [movie.id for movie in coordinator.data.movies][:3]
    client = await hass_client()
    path = "/api/lcars/artwork/sub_radarr/movie/{}/poster"
    size = len(await (await client.get(path.format(ids[0]))).read())
    # Room for two covers of this size, not three.
    artwork = init_integration.runtime_data.artwork
    cache = artwork.cache = ImageCache(max_bytes=size * 2 + size // 2)
    simulator.reset_requests()

    for movie_id in ids:
        assert (await client.get(path.format(movie_id))).status == 200
    assert cache.size <= size * 2 + size // 2
    assert len(_covers_read(simulator)) == 3
    # The last two are kept, the first was dropped.
    for movie_id in ids[1:]:
        assert (await client.get(path.format(movie_id))).status == 200
    assert len(_covers_read(simulator)) == 3
    assert (await client.get(path.format(ids[0]))).status == 200
    assert len(_covers_read(simulator)) == 4


async def test_queue_and_leaving_soon_carry_posters(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Downloads and leaving-soon entries show their library item's poster."""
    fill_movies_disk(simulator)
    await init_integration.runtime_data.coordinators["sub_radarr"].async_refresh()
    client = await hass_client_no_auth()

    queue = await call_action(hass, "get_queue", init_integration)
    radarr = [item for item in queue["items"] if item["service"] == "radarr"]
    with_movie = [item for item in radarr if item["media_id"]]
    assert with_movie
    for item in with_movie:
        assert item["poster"].startswith(
            f"/api/lcars/artwork/sub_radarr/movie/{item['media_id']}/poster?"
        )
    preview = await call_action(hass, "preview_cleanup", init_integration)
    leaving = preview["leaving_soon"]
    assert leaving
    for entry in leaving:
        kind, item_id = entry["key"].split("/")[2:4]
        cover_kind = "movie" if kind == "movie" else "series"
        assert f"/{cover_kind}/{item_id}/poster?" in entry["poster"]
        response = await client.get(entry["poster"])
        assert response.status == 200
        assert response.content_type == "image/jpeg"


async def test_handed_out_covers_are_read_by_reference_only(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A lookup's covers: *arr paths by reference, other addresses refused."""
    jellyseerr = simulator.services["jellyseerr"]
    monkeypatch.setattr(
        artwork,
        "TMDB_IMAGE_BASE",
        f"{jellyseerr.url}/__simulator__/tmdb-images/t/p",
    )
    urls = async_cover_urls(
        hass,
        init_integration,
        "sub_radarr",
        {
            "poster": "/MediaCover/2/poster.jpg?lastWrite=1",
            "fanart": "http://elsewhere.example/fanart.jpg",
            "banner": "/api/v3/system/status",
            "logo": "/MediaCover/../api/v3/movie",
        },
    )
    seerr = async_cover_urls(
        hass,
        init_integration,
        "sub_jellyseerr",
        {"poster": "/kqjL17yufvn9OVLyXYpvtyrFfak.jpg", "fanart": "//evil/x.jpg"},
    )
    unknown = async_cover_urls(
        hass, init_integration, "nowhere", {"poster": "/MediaCover/2/poster.jpg"}
    )

    assert set(urls) == {"poster"}
    assert set(seerr) == {"poster"}
    assert unknown == {}
    for url in (urls["poster"], seerr["poster"]):
        assert "/ref/" in url
        assert "MediaCover" not in url
        assert "kqjL17" not in url
    client = await hass_client_no_auth()
    response = await client.get(urls["poster"])
    assert response.status == 200
    assert await response.read() == await _direct(
        simulator, "radarr", "/MediaCover/2/poster.jpg"
    )
    tmdb = await client.get(seerr["poster"])
    assert tmdb.status == 200
    assert tmdb.content_type == "image/jpeg"
    # A reference is good only for the service it was handed out for.
    ref = URL(urls["poster"]).path.split("/")[5]
    elsewhere = await client.get(f"/api/lcars/artwork/sub_sonarr/ref/{ref}/poster")
    assert elsewhere.status == 401
    # Unsigned, for the media browser: the frontend sends its token.
    plain = async_cover_urls(
        hass,
        init_integration,
        "sub_radarr",
        {"poster": "/MediaCover/2/poster.jpg"},
        signed=False,
    )
    assert "authSig" not in plain["poster"]
    assert (await client.get(plain["poster"])).status == 401


async def test_get_library_answers_the_details_of_each_item(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """Overview, genres, runtime and rating as the servers give them."""
    answer = await call_action(hass, "get_library", init_integration, limit=1000)
    state = simulator.state.services
    kinds = set()
    for item in answer["items"]:
        kinds.add(item["kind"])
        if item["kind"] == "movie":
            movie = state["radarr"].movies[item["id"]]
            assert item["overview"] == movie.overview
            assert item["genres"] == list(movie.genres)
            assert item["runtime"] == movie.runtime
            assert item["rating"] == float(movie.rating_imdb or movie.rating_tmdb)
        elif item["kind"] == "series":
            series = state["sonarr"].series[item["id"]]
            assert item["overview"] == series.overview
            assert item["genres"] == list(series.genres)
            assert item["runtime"] == series.runtime
            assert item["rating"] == float(series.rating)
        else:
            artist = state["lidarr"].artists[item["id"]]
            assert item["overview"] == artist.overview
            assert item["genres"] == list(artist.genres)
            assert item["runtime"] is None
            assert item["rating"] == float(artist.rating)
        assert item["poster"].startswith(
            f"/api/lcars/artwork/sub_{item['service']}/{item['kind']}/{item['id']}/poster?"
        )
    assert kinds == {"movie", "series", "artist"}


async def test_covers_follow_the_latest_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """A movie Radarr no longer lists has no cover after the next refresh."""
    coordinator = init_integration.runtime_data.coordinators["sub_radarr"]
    gone, kept = (movie.id for movie in coordinator.data.movies[:2])
    client = await hass_client()
    path = "/api/lcars/artwork/sub_radarr/movie/{}/fanart"
    assert (await client.get(path.format(gone))).status == 200

    radarr = simulator.state.services["radarr"]
    assert radarr.delete_movie(gone, delete_files=False, add_exclusion=False)
    radarr.touch()
    await coordinator.async_refresh()
    assert all(movie.id != gone for movie in coordinator.data.movies)

    assert (await client.get(path.format(gone))).status == 404
    assert (await client.get(path.format(kept))).status == 200


async def test_requests_and_lookups_answer_posters_that_load(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Jellyseerr's poster paths and a lookup's covers come back as signed paths that load."""
    jellyseerr = simulator.services["jellyseerr"]
    monkeypatch.setattr(
        artwork, "TMDB_IMAGE_BASE", f"{jellyseerr.url}/__simulator__/tmdb-images/t/p"
    )
    requests = await call_action(hass, "get_requests", init_integration, limit=50)
    found = await call_action(
        hass, "lookup_media", init_integration, kind="movie", term="Dune"
    )
    posters = [r["poster"] for r in requests["requests"]]
    posters += [c["poster"] for c in found["candidates"]]
    assert posters
    assert None not in posters
    client = await hass_client_no_auth()
    for poster in posters:
        assert "tmdb" not in poster
        assert "MediaCover" not in poster
        response = await client.get(poster)
        assert response.status == 200, poster
        assert response.content_type == "image/jpeg"


async def test_the_covers_go_with_their_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """The cache is the entry's: a reload starts with none of the covers kept."""
    coordinator = init_integration.runtime_data.coordinators["sub_radarr"]
    movie_id = coordinator.data.movies[0].id
    client = await hass_client()
    response = await client.get(
        f"/api/lcars/artwork/sub_radarr/movie/{movie_id}/poster"
    )
    assert response.status == 200
    before = init_integration.runtime_data.artwork
    assert before.cache.size > 0
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    after = init_integration.runtime_data.artwork
    assert after is not before
    assert after.cache.size == 0
    # Served again after the reload, read anew.
    response = await client.get(
        f"/api/lcars/artwork/sub_radarr/movie/{movie_id}/poster"
    )
    assert response.status == 200
    assert after.cache.size > 0
