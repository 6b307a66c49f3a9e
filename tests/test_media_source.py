"""The Media panel: the LCARS library from the root down, over real HTTP.

The tree is a snapshot that reads the same on every Home Assistant release:
2026.2 adds `can_search` to every item, which is dropped before comparing.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.lcars.const import DOMAIN
from custom_components.lcars.media_source import MAX_CHILDREN, letter_of
from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.auth.models import Credentials
from homeassistant.components import media_source
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from simulator import Simulator

from .conftest import fill_movies_disk, lcars_entry

ROOT = f"media-source://{DOMAIN}"
FOLDERS = [
    "Movies",
    "Series",
    "Music",
    "Leaving soon",
    "Downloads",
    "Recently added",
    "Missing",
]


def _plain(browsed: Any) -> dict[str, Any]:
    """A browse item as the websocket sends it, the same on every release."""
    data = browsed.as_dict() if hasattr(browsed, "as_dict") else dict(browsed)
    data.pop("can_search", None)
    if "children" in data:
        data["children"] = [_plain(child) for child in data["children"]]
    return data


async def _browse(hass: HomeAssistant, identifier: str = "") -> dict[str, Any]:
    uri = f"{ROOT}/{identifier}" if identifier else ROOT
    return _plain(await media_source.async_browse_media(hass, uri))


def _titles(browsed: dict[str, Any]) -> list[str]:
    return [child["title"] for child in browsed["children"]]


@pytest.fixture
async def media_panel(
    hass: HomeAssistant, frozen_integration: MockConfigEntry
) -> MockConfigEntry:
    """LCARS on the frozen simulator, with the media source set up."""
    assert await async_setup_component(hass, "media_source", {})
    await hass.async_block_till_done()
    return frozen_integration


@pytest.fixture
def platforms() -> list[Platform]:
    """No entity platform is needed to browse."""
    return [Platform.SENSOR]


async def test_tree_from_the_root_down(
    hass: HomeAssistant,
    media_panel: MockConfigEntry,
    frozen_simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    """Every folder, a series down to its episodes and an artist to its albums."""
    fill_movies_disk(frozen_simulator)
    await media_panel.runtime_data.coordinators["sub_radarr"].async_refresh()
    await media_panel.runtime_data.cleanup.async_run(trigger="action")
    frozen_simulator.reset_requests()

    tree: dict[str, Any] = {"": await _browse(hass)}
    assert _titles(tree[""]) == FOLDERS
    for folder in (
        "movies",
        "series",
        "music",
        "leaving_soon",
        "downloads",
        "recent",
        "missing",
    ):
        tree[folder] = await _browse(hass, folder)
    series = tree["series"]["children"][0]["media_content_id"].removeprefix(ROOT + "/")
    tree[series] = await _browse(hass, series)
    season = tree[series]["children"][-1]["media_content_id"].removeprefix(ROOT + "/")
    tree[season] = await _browse(hass, season)
    episode = tree[season]["children"][0]["media_content_id"].removeprefix(ROOT + "/")
    tree[episode] = await _browse(hass, episode)
    artist = tree["music"]["children"][0]["media_content_id"].removeprefix(ROOT + "/")
    tree[artist] = await _browse(hass, artist)
    movie = tree["movies"]["children"][0]["media_content_id"].removeprefix(ROOT + "/")
    tree[movie] = await _browse(hass, movie)

    assert tree == snapshot
    assert tree["leaving_soon"]["children"], "the cleanup put items on leaving soon"
    assert tree["downloads"]["children"]
    # Every movie, series, artist and album has its thumbnail: a plain
    # LCARS path, which the frontend reads with its token.
    for folder in ("movies", "series", "music", artist):
        for child in tree[folder]["children"]:
            assert child["thumbnail"].startswith("/api/lcars/artwork/"), child
            assert "authSig" not in child["thumbnail"]
    for node in tree.values():
        for child in [node, *(node.get("children") or ())]:
            assert child["can_play"] is False
    # Browsing reads nothing but one series' episodes.
    assert frozen_simulator.requests("sonarr") == [("GET", "/api/v3/episode")]
    assert frozen_simulator.requests("radarr") == []
    # Opening the series' other seasons reads no more.
    for child in tree[series]["children"][:2]:
        await _browse(hass, child["media_content_id"].removeprefix(ROOT + "/"))
    assert len(frozen_simulator.requests("sonarr")) == 1


async def test_thumbnails_answer_images(
    hass: HomeAssistant,
    media_panel: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """The frontend reads a thumbnail with its token: image/jpeg."""
    client = await hass_client()
    movies = await _browse(hass, "movies")
    for child in movies["children"][:3]:
        response = await client.get(child["thumbnail"])
        assert response.status == 200
        assert response.content_type == "image/jpeg"


@pytest.mark.parametrize(
    "identifier",
    [
        "nowhere",
        "movies/A/B",
        "downloads/A",
        "movies/Q",
        "item",
        "item/radarr/sub_radarr/movie/999999",
        "item/radarr/sub_radarr/movie/x",
        "item/radarr/sub_sonarr/movie/1",
        "item/radarr/unknown/movie/1",
        "item/sonarr/sub_sonarr/series/999999",
        "item/sonarr/sub_sonarr/season/1/99",
        "item/sonarr/sub_sonarr/season/1",
        "item/sonarr/sub_sonarr/episode/1/1/999",
        "item/sonarr/sub_sonarr/film/1",
        "item/lidarr/sub_lidarr/artist/999999",
        "item/lidarr/sub_lidarr/album/999999",
        "item/lidarr/sub_lidarr/track/1",
    ],
)
async def test_unknown_items_are_a_translated_browse_error(
    hass: HomeAssistant, media_panel: MockConfigEntry, identifier: str
) -> None:
    with pytest.raises(BrowseError) as raised:
        await media_source.async_browse_media(hass, f"{ROOT}/{identifier}")
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "browse_not_found"
    assert "not in the LCARS library" in str(raised.value)


async def test_nothing_plays(hass: HomeAssistant, media_panel: MockConfigEntry) -> None:
    """Resolving an item says, translated, that Jellyfin plays it."""
    movies = await _browse(hass, "movies")
    with pytest.raises(media_source.Unresolvable) as raised:
        await media_source.async_resolve_media(
            hass, movies["children"][0]["media_content_id"], None
        )
    assert raised.value.translation_key == "not_playable"
    assert "play them with Jellyfin" in str(raised.value)


async def test_without_a_loaded_entry(
    hass: HomeAssistant, media_panel: MockConfigEntry
) -> None:
    await hass.config_entries.async_unload(media_panel.entry_id)
    with pytest.raises(BrowseError) as raised:
        await media_source.async_browse_media(hass, ROOT)
    assert raised.value.translation_key == "browse_entry_not_loaded"


async def test_a_series_that_cannot_be_read_is_a_browse_error(
    hass: HomeAssistant, media_panel: MockConfigEntry, frozen_simulator: Simulator
) -> None:
    series = await _browse(hass, "series")
    first = series["children"][0]["media_content_id"].removeprefix(ROOT + "/")
    season = (await _browse(hass, first))["children"][0]["media_content_id"]
    frozen_simulator.faults("sonarr").set(status=500)
    with pytest.raises(HomeAssistantError) as raised:
        await media_source.async_browse_media(hass, season)
    assert raised.value.translation_key == "browse_failed"
    for handle in frozen_simulator.services.values():
        assert handle.api_key not in str(raised.value)


@pytest.fixture
async def large_library(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncGenerator[Simulator]:
    """A library of more movies than a folder lists at once."""
    async with Simulator(movies=1200, series=2, artists=1, seed=3) as sim:
        entry = lcars_entry(sim, ["radarr"])
        entry.add_to_hass(hass)
        with patch("custom_components.lcars.PLATFORMS", [Platform.SENSOR]):
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
        assert await async_setup_component(hass, "media_source", {})
        yield sim


async def test_large_folders_are_split_by_letter(
    hass: HomeAssistant, large_library: Simulator
) -> None:
    movies = await _browse(hass, "movies")
    letters = _titles(movies)
    assert len(movies["children"]) <= 27
    assert letters == sorted(letters)
    assert all(child["can_expand"] for child in movies["children"])
    total = 0
    for child in movies["children"]:
        folder = await _browse(hass, child["media_content_id"].removeprefix(ROOT + "/"))
        assert folder["children"]
        assert len(folder["children"]) < 1200
        assert {letter_of(c["title"]) for c in folder["children"]} == {child["title"]}
        total += len(folder["children"])
    assert total == 1200
    assert total > MAX_CHILDREN


def test_letters() -> None:
    assert letter_of("Amélie") == "A"
    assert letter_of("Élan") == "E"
    assert letter_of("2001: A Space Odyssey") == "#"
    assert letter_of("") == "#"
    assert letter_of("  zed") == "Z"


async def test_a_regular_user_browses_over_the_websocket(
    hass: HomeAssistant,
    media_panel: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Browsing is for every signed-in user, not only administrators."""
    user = await hass.auth.async_create_user("Regular", group_ids=[GROUP_ID_USER])
    assert not user.is_admin
    credential = Credentials(
        id="credential-regular",
        auth_provider_type="homeassistant",
        auth_provider_id=None,
        data={"username": "regular"},
        is_new=False,
    )
    user.credentials.append(credential)
    refresh = await hass.auth.async_create_refresh_token(
        user, "https://example.com/app", credential=credential
    )
    client = await hass_ws_client(hass, hass.auth.async_create_access_token(refresh))

    await client.send_json_auto_id(
        {"type": "media_source/browse_media", "media_content_id": f"{ROOT}/movies"}
    )
    answer = await client.receive_json()
    assert answer["success"] is True, answer
    assert answer["result"]["title"] == "Movies"
    assert answer["result"]["children"]

    await client.send_json_auto_id(
        {"type": "media_source/browse_media", "media_content_id": f"{ROOT}/nowhere"}
    )
    refused = await client.receive_json()
    assert refused["success"] is False
    assert "not in the LCARS library" in refused["error"]["message"]
