"""Tests of the LCARS actions: library, queue and disk space."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lcars.cleanup.reasons import shown_percent
from custom_components.lcars.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from simulator.common import served_time

from .conftest import call_action, lcars_entry, subentry_data


async def _refresh(entry: MockConfigEntry, subentry_id: str) -> None:
    await entry.runtime_data.coordinators[subentry_id].async_refresh()


def _state(simulator: Any, name: str) -> Any:
    return simulator.state.services[name]


async def test_get_library_everything(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """Without filters every movie, series and artist is listed, sorted by title."""
    movies = _state(simulator, "radarr").movies
    series = _state(simulator, "sonarr").series
    artists = _state(simulator, "lidarr").artists
    result = await call_action(hass, "get_library", init_integration, limit=1000)
    assert result["total"] == len(movies) + len(series) + len(artists)
    items = result["items"]
    assert len(items) == result["total"]
    titles = [item["title"].casefold() for item in items]
    assert titles == sorted(titles)
    assert {item["kind"] for item in items} == {"movie", "series", "artist"}

    movie = next(iter(movies.values()) if isinstance(movies, dict) else iter(movies))
    (found,) = [i for i in items if i["kind"] == "movie" and i["id"] == movie.id]
    assert found["service"] == "radarr"
    assert found["instance"] == "Radarr"
    assert found["title"] == movie.title
    assert found["year"] == movie.year
    assert found["ids"] == {"tmdb": movie.tmdb_id, "imdb": movie.imdb_id}
    assert found["monitored"] == movie.monitored
    assert found["has_file"] == (movie.file is not None)
    assert found["size_on_disk"] == (movie.file.size if movie.file else 0)
    assert found["path"] == movie.path
    assert found["root_folder"] == movie.root_folder_path.rstrip("/")
    assert dt_util.parse_datetime(found["added"]) == served_time(movie.added)
    labels = {tag.id: tag.label for tag in _state(simulator, "radarr").tags}
    assert found["tags"] == [labels[tag] for tag in movie.tags]
    # Jellyfin is connected, so every item says what it knows of watching.
    assert all("watch" in item for item in items)


async def test_get_library_filters(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """Service, kind, status and search narrow the list."""
    radarr = await call_action(
        hass, "get_library", init_integration, service="radarr", limit=1000
    )
    assert radarr["total"] == len(_state(simulator, "radarr").movies)
    assert {item["service"] for item in radarr["items"]} == {"radarr"}

    by_instance = await call_action(
        hass, "get_library", init_integration, instance="sonarr", limit=1000
    )
    assert by_instance["total"] == len(_state(simulator, "sonarr").series)

    series = await call_action(hass, "get_library", init_integration, kind="series")
    assert series["total"] == len(_state(simulator, "sonarr").series)
    assert {item["kind"] for item in series["items"]} == {"series"}

    monitored = await call_action(
        hass, "get_library", init_integration, status="monitored", limit=1000
    )
    unmonitored = await call_action(
        hass, "get_library", init_integration, status="unmonitored", limit=1000
    )
    everything = await call_action(hass, "get_library", init_integration, limit=1000)
    assert monitored["total"] + unmonitored["total"] == everything["total"]
    assert all(item["monitored"] for item in monitored["items"])
    assert not any(item["monitored"] for item in unmonitored["items"])
    expected_monitored = sum(
        1
        for name, table in (
            ("radarr", "movies"),
            ("sonarr", "series"),
            ("lidarr", "artists"),
        )
        for record in _values(getattr(_state(simulator, name), table))
        if record.monitored
    )
    assert monitored["total"] == expected_monitored

    available = await call_action(
        hass, "get_library", init_integration, kind="movie", status="available"
    )
    assert available["total"] == sum(
        1 for movie in _values(_state(simulator, "radarr").movies) if movie.file
    )

    missing_all = await call_action(
        hass, "get_library", init_integration, status="missing", limit=1000
    )
    assert all(item["monitored"] for item in missing_all["items"])
    per_kind = [
        await call_action(
            hass, "get_library", init_integration, kind=kind, status="missing"
        )
        for kind in ("movie", "series", "artist")
    ]
    assert missing_all["total"] == sum(result["total"] for result in per_kind)
    # A series misses episodes that aired; an artist misses tracks.
    sonarr_missing = {i["id"] for i in per_kind[1]["items"]}
    for series in _values(_state(simulator, "sonarr").series):
        if not series.monitored:
            assert series.id not in sonarr_missing

    missing = await call_action(
        hass, "get_library", init_integration, kind="movie", status="missing"
    )
    assert all(i["monitored"] and not i["has_file"] for i in missing["items"])
    assert missing["total"] == int(
        hass.states.get("sensor.radarr_missing_movies").state
    )

    title = next(iter(_values(_state(simulator, "radarr").movies))).title
    needle = title[1:6].upper()
    found = await call_action(hass, "get_library", init_integration, search=needle)
    assert found["total"] >= 1
    assert title in [item["title"] for item in found["items"]]
    assert all(needle.casefold() in i["title"].casefold() for i in found["items"])


def _values(table: Any) -> list[Any]:
    return list(table.values()) if isinstance(table, dict) else list(table)


async def test_get_library_paging(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Pages of a limit and an offset add up to the whole list."""
    everything = await call_action(hass, "get_library", init_integration, limit=1000)
    pages: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = await call_action(
            hass, "get_library", init_integration, limit=7, offset=offset
        )
        assert page["total"] == everything["total"]
        if not page["items"]:
            break
        assert len(page["items"]) <= 7
        pages.extend(page["items"])
        offset += 7
    assert pages == everything["items"]
    default = await call_action(hass, "get_library", init_integration)
    assert default["items"] == everything["items"][:100]


async def test_watch_data_matched_by_provider_id_only(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """Watch data follows the Tmdb id, never the title."""
    jellyfin = _state(simulator, "jellyfin")
    movies = _values(_state(simulator, "radarr").movies)
    items = {
        item.provider_ids.get("Tmdb"): item
        for item in jellyfin.items.values()
        if item.type == "Movie"
    }
    in_jellyfin = next(m for m in movies if str(m.tmdb_id) in items)
    not_in_jellyfin = next(m for m in movies if str(m.tmdb_id) not in items)
    alice = next(user for user in jellyfin.users if user.name == "alice")
    now = dt_util.utcnow()

    # Renamed in Jellyfin: still the same movie by its Tmdb id, even when
    # Radarr does not know its Imdb id.
    in_jellyfin.imdb_id = ""
    _state(simulator, "radarr").touch()
    await _refresh(init_integration, "sub_radarr")
    renamed = items[str(in_jellyfin.tmdb_id)]
    renamed.name = "A Title Nobody Would Guess"
    renamed.provider_ids.pop("Imdb", None)
    jellyfin.set_played(alice.id, renamed.id, True, now)

    # Same title, other Tmdb id: another movie.
    impostor = dataclasses.replace(
        renamed,
        id=jellyfin.new_id(),
        name=not_in_jellyfin.title,
        sort_name=not_in_jellyfin.title,
        provider_ids={"Tmdb": "999999991", "Imdb": "tt9999999"},
    )
    jellyfin.add_item(impostor)
    jellyfin.set_played(alice.id, impostor.id, True, now)
    jellyfin.set_favorite(alice.id, impostor.id, True)
    jellyfin.touch()
    await _refresh(init_integration, "sub_jellyfin")

    result = await call_action(
        hass, "get_library", init_integration, kind="movie", limit=1000
    )
    by_id = {item["id"]: item for item in result["items"]}
    assert by_id[in_jellyfin.id]["ids"]["imdb"] is None
    watched = by_id[in_jellyfin.id]["watch"]
    assert watched is not None
    assert watched["played"] is True
    assert watched["play_count"] >= 1
    assert dt_util.parse_datetime(watched["last_played"]) is not None
    assert by_id[not_in_jellyfin.id]["watch"] is None


async def test_a_movie_is_never_matched_to_a_series_with_its_number(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """TMDb numbers movies and TV series apart: a series' plays are not a movie's."""
    jellyfin = _state(simulator, "jellyfin")
    in_jellyfin = {
        item.provider_ids.get("Tmdb")
        for item in jellyfin.items.values()
        if item.type == "Movie"
    }
    movie = next(
        m
        for m in _values(_state(simulator, "radarr").movies)
        if str(m.tmdb_id) not in in_jellyfin
    )
    series = next(item for item in jellyfin.items.values() if item.type == "Series")
    series.provider_ids = {"Tmdb": str(movie.tmdb_id)}
    alice = next(user for user in jellyfin.users if user.name == "alice")
    jellyfin.set_played(alice.id, series.id, True, dt_util.utcnow())
    jellyfin.set_favorite(alice.id, series.id, True)
    jellyfin.touch()
    await _refresh(init_integration, "sub_jellyfin")

    result = await call_action(
        hass, "get_library", init_integration, kind="movie", limit=1000
    )
    (found,) = [item for item in result["items"] if item["id"] == movie.id]
    assert found["watch"] is None


async def test_watch_data_counts_only_chosen_users(
    hass: HomeAssistant, simulator: Any
) -> None:
    """Plays of users not chosen for the Jellyfin subentry do not count."""
    jellyfin = _state(simulator, "jellyfin")
    alice = next(user for user in jellyfin.users if user.name == "alice")
    bob = next(user for user in jellyfin.users if user.name == "bob")
    movies = _values(_state(simulator, "radarr").movies)
    items = {
        item.provider_ids.get("Tmdb"): item
        for item in jellyfin.items.values()
        if item.type == "Movie"
    }
    movie = next(m for m in movies if str(m.tmdb_id) in items)
    item = items[str(movie.tmdb_id)]
    for user in (alice, bob):
        jellyfin.set_played(user.id, item.id, False, dt_util.utcnow())
    jellyfin.set_played(bob.id, item.id, True, dt_util.utcnow())
    jellyfin.touch()

    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        entry_id="lcars_entry",
        subentries_data=[
            subentry_data(simulator, "radarr"),
            subentry_data(simulator, "jellyfin", users=[alice.id]),
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await call_action(
        hass, "get_library", entry, search=movie.title, limit=1000
    )
    (found,) = [i for i in result["items"] if i["id"] == movie.id]
    assert found["watch"] is not None
    assert found["watch"]["played"] is False
    assert found["watch"]["play_count"] == 0


async def test_no_watch_data_without_jellyfin(
    hass: HomeAssistant, simulator: Any
) -> None:
    """Without Jellyfin the items carry no watch field at all."""
    entry = lcars_entry(simulator, ["radarr"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await call_action(hass, "get_library", entry, limit=5)
    assert result["items"]
    assert not any("watch" in item for item in result["items"])


async def test_get_queue(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """Every download of every *arr, once, with its progress.

    A season pack, listed by Sonarr once per episode, is one download named
    after the series and season; imported downloads are gone.
    """
    result = await call_action(hass, "get_queue", init_integration)
    expected = {
        (name, records[0].id): records
        for name in ("radarr", "sonarr", "lidarr")
        for records in simulator.downloads(name)
    }
    assert result["total"] == len(expected)
    assert {(item["service"], item["id"]) for item in result["items"]} == set(expected)
    for item in result["items"]:
        assert 0 <= item["progress"] <= 100
        assert item["size_left"] <= item["size"]
        records = expected[(item["service"], item["id"])]
        assert item["release_title"] == records[0].title
        assert item["title"] != item["release_title"]

    only_sonarr = await call_action(
        hass, "get_queue", init_integration, service="sonarr"
    )
    assert {item["service"] for item in only_sonarr["items"]} <= {"sonarr"}
    downloads = simulator.downloads("sonarr")
    assert only_sonarr["total"] == len(downloads)
    sonarr = _state(simulator, "sonarr")
    (pack,) = [records for records in downloads if len(records) > 1]
    (item,) = [i for i in only_sonarr["items"] if i["id"] == pack[0].id]
    series = sonarr.series[pack[0].media_id].title
    assert item["title"] == f"{series} S{pack[0].season_number:02d}"
    assert item["size"] == pack[0].size


async def test_get_disk_space(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """Root folders with free and total space and the free percentage."""
    result = await call_action(hass, "get_disk_space", init_integration)
    expected = {
        (name, folder.path.rstrip("/"))
        for name in ("radarr", "sonarr", "lidarr")
        for folder in _state(simulator, name).root_folders
    }
    got = {(f["service"], f["path"].rstrip("/")) for f in result["root_folders"]}
    assert got == expected
    for folder in result["root_folders"]:
        assert 0 <= folder["free_space"] <= folder["total_space"]
        # Rounded down to one decimal, as every percentage LCARS shows.
        assert folder["free_percent"] == shown_percent(
            folder["free_space"] * 100 / folder["total_space"]
        )

    state = _state(simulator, "radarr")
    path = state.root_folders[0].path
    simulator.set_free_space("radarr", path, 1234567890)
    await _refresh(init_integration, "sub_radarr")
    result = await call_action(
        hass, "get_disk_space", init_integration, service="radarr"
    )
    (folder,) = [f for f in result["root_folders"] if f["path"] == path]
    assert folder["free_space"] == 1234567890


BAD_INPUT = [
    ("get_library", {"limit": -1}, "invalid_limit"),
    ("get_library", {"limit": 0}, "invalid_limit"),
    ("get_library", {"limit": 1001}, "invalid_limit"),
    ("get_library", {"limit": "many"}, "invalid_limit"),
    ("get_library", {"limit": 2.5}, "invalid_limit"),
    ("get_library", {"offset": -1}, "invalid_offset"),
    ("get_library", {"offset": "first"}, "invalid_offset"),
    ("get_library", {"kind": "book"}, "invalid_kind"),
    ("get_library", {"status": "lost"}, "invalid_status"),
    ("get_library", {"service": "plex"}, "invalid_service"),
    ("get_library", {"service": "jellyfin"}, "invalid_service"),
    ("get_library", {"instance": "nowhere"}, "instance_not_found"),
    ("get_queue", {"service": "plex"}, "invalid_service"),
    ("get_disk_space", {"instance": "nowhere"}, "instance_not_found"),
]


async def test_bad_input(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Bad values are refused with a translated message."""
    for action, data, key in BAD_INPUT:
        with pytest.raises(ServiceValidationError) as err:
            await call_action(hass, action, init_integration, **data)
        assert err.value.translation_domain == DOMAIN, (action, data)
        assert err.value.translation_key == key, (action, data)
        message = str(err.value)
        assert message != key, (action, data)
        assert "{" not in message, message

    # Values that are fine at the edges.
    result = await call_action(
        hass, "get_library", init_integration, limit="1000", offset=0
    )
    assert result["items"]
    result = await call_action(
        hass, "get_library", init_integration, limit=1.0, offset=10**6
    )
    assert result["items"] == []
    assert result["total"] > 0


@pytest.mark.parametrize("action", ["get_library", "get_queue", "get_disk_space"])
async def test_unknown_or_unloaded_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, action: str
) -> None:
    """An entry id that is not LCARS, or LCARS not loaded, is refused."""
    other = MockConfigEntry(domain="other", entry_id="other_entry")
    other.add_to_hass(hass)
    for entry_id, key in (
        ("nope", "entry_not_found"),
        ("other_entry", "entry_not_found"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                action,
                {"config_entry_id": entry_id},
                blocking=True,
                return_response=True,
            )
        assert err.value.translation_key == key

    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, action, init_integration)
    assert err.value.translation_key == "entry_not_loaded"
    assert "LCARS" in str(err.value)


def _plain(value: Any, where: str = "answer") -> list[str]:
    """Where an answer holds something other than plain JSON data, such as an enum."""
    if type(value) is dict:
        return [
            found
            for key, item in value.items()
            for found in ([f"{where} key {key!r}"] if type(key) is not str else [])
            + _plain(item, f"{where}[{key!r}]")
        ]
    if type(value) is list:
        return [
            found
            for index, item in enumerate(value)
            for found in _plain(item, f"{where}[{index}]")
        ]
    if value is None or type(value) in (str, int, float, bool):
        return []
    return [f"{where}: {type(value).__name__}"]


@pytest.mark.parametrize("action", ["get_library", "get_queue", "get_disk_space"])
async def test_answers_are_plain_data(
    hass: HomeAssistant, init_integration: MockConfigEntry, action: str
) -> None:
    """An answer holds only JSON's own types: a script sees what a person reads."""
    result = await call_action(hass, action, init_integration)
    assert result
    assert _plain(result) == []
