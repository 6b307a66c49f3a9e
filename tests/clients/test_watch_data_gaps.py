"""Missing Jellyfin watch data is reported, never read as "never watched"."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.lcars.clients import CannotConnectError, JellyfinClient
from custom_components.lcars.clients.lidarr import album_row
from custom_components.lcars.clients.models import MissingWatchData, season_rows
from custom_components.lcars.clients.radarr import movie_row
from custom_components.lcars.clients.sonarr import episode_from_json, series_row
from simulator import Simulator

from .conftest import freeze, make_client


def users(sim: Simulator) -> list[Any]:
    return list(sim.state.services["jellyfin"].users)


async def test_a_deleted_counted_user_is_reported(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    alice, bob = users(simulator)[:2]
    client: JellyfinClient = make_client(
        session, simulator, "jellyfin", user_ids=[alice.id, bob.id]
    )
    before = await client.async_fetch_snapshot(freeze(simulator))
    assert before.missing_watch_data == ()

    simulator.remove_jellyfin_user("jellyfin", bob.id)
    snapshot = await client.async_fetch_snapshot(freeze(simulator))
    missing: list[MissingWatchData] = []
    await client.async_get_episode_watch(missing=missing)

    gone = MissingWatchData(user_id=bob.id, problem="user_missing")
    assert snapshot.missing_watch_data == (gone,)
    assert missing == [gone]
    # The user list read to find the counted users is read once a refresh.
    assert simulator.requests("jellyfin").count(("GET", "/Users")) == 3


async def test_a_counted_user_gone_from_the_user_list_is_reported(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Gone whatever the case or dashes of its stored id; disabled is not gone."""
    alice = users(simulator)[0]
    disabled = next(user for user in users(simulator) if user.is_disabled)
    client: JellyfinClient = make_client(
        session,
        simulator,
        "jellyfin",
        user_ids=[alice.id.upper(), disabled.id, "0" * 32],
    )
    snapshot = await client.async_fetch_snapshot(freeze(simulator))
    assert snapshot.missing_watch_data == (
        MissingWatchData(user_id="0" * 32, problem="user_missing"),
    )


async def test_items_without_a_users_data_are_reported_with_the_name(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    alice, bob = users(simulator)[:2]
    client: JellyfinClient = make_client(
        session, simulator, "jellyfin", user_ids=[alice.id, bob.id]
    )
    simulator.withhold_user_data("jellyfin", bob.id)
    # Items with a provider id: those that can stand for a library item.
    items = sum(
        1
        for item in simulator.state.services["jellyfin"].items.values()
        if item.type in ("Movie", "Series", "MusicAlbum") and item.provider_ids
    )

    snapshot = await client.async_fetch_snapshot(freeze(simulator))

    assert snapshot.missing_watch_data == (
        MissingWatchData(
            user_id=bob.id, problem="no_user_data", user_name=bob.name, items=items
        ),
    )


async def test_episodes_only_without_a_users_data_are_reported(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    alice, bob = users(simulator)[:2]
    client: JellyfinClient = make_client(
        session, simulator, "jellyfin", user_ids=[alice.id, bob.id]
    )
    simulator.withhold_user_data("jellyfin", alice.id, ["Episode"])

    snapshot = await client.async_fetch_snapshot(freeze(simulator))
    missing: list[MissingWatchData] = []
    await client.async_get_episode_watch(missing=missing)

    assert snapshot.missing_watch_data == ()
    assert [(m.user_id, m.problem, m.user_name) for m in missing] == [
        (alice.id, "no_user_data", alice.name)
    ]
    assert missing[0].items > 0
    # Without a list to fill, the episode watch data is read as before.
    assert len(await client.async_get_episode_watch()) > 0


async def test_items_that_match_nothing_leave_no_gap(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """An item without provider ids (a home video) stands for no library item."""
    alice = users(simulator)[0]
    client: JellyfinClient = make_client(
        session, simulator, "jellyfin", user_ids=[alice.id]
    )
    home_videos = [
        item
        for item in simulator.state.services["jellyfin"].items.values()
        if item.without_user_data
    ]
    assert home_videos
    assert all(not item.provider_ids for item in home_videos)

    snapshot = await client.async_fetch_snapshot(freeze(simulator))

    assert snapshot.missing_watch_data == ()
    assert {item.id for item in home_videos} <= snapshot.watch_unknown


async def test_a_failed_user_list_fails_the_refresh(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Without the user list, whose watch data counts is unknown: no snapshot."""
    alice = users(simulator)[0]
    client: JellyfinClient = make_client(
        session, simulator, "jellyfin", user_ids=[alice.id]
    )
    simulator.faults("jellyfin").set(status=500, paths=["/Users"])

    with pytest.raises(CannotConnectError):
        await client.async_fetch_snapshot(freeze(simulator))


async def test_simulator_controls_of_jellyfin_users(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    handle = simulator.services["jellyfin"]
    control = f"{handle.url}/__simulator__"
    alice, bob = users(simulator)[:2]
    async with session.post(
        f"{control}/withhold-user-data", json={"user_id": alice.id, "types": ["Movie"]}
    ) as resp:
        assert resp.status == 200
    assert simulator.dump()["services"]["jellyfin"]["withheld_user_data"] == {
        alice.id: ["Movie"]
    }
    for bad in ({"user_id": 3}, {"user_id": alice.id, "types": "Movie"}, []):
        async with session.post(f"{control}/withhold-user-data", json=bad) as resp:
            assert resp.status == 400
    async with session.post(
        f"{control}/withhold-user-data", json={"user_id": "0" * 32}
    ) as resp:
        assert resp.status == 404
    async with session.delete(f"{control}/users/{bob.id}") as resp:
        assert resp.status == 200
    async with session.delete(f"{control}/users/{bob.id}") as resp:
        assert resp.status == 404
    async with session.get(
        f"{handle.url}/Users/{bob.id}", headers={"X-Emby-Token": handle.api_key}
    ) as resp:
        assert resp.status == 404
    radarr = simulator.services["radarr"].url
    async with session.delete(f"{radarr}/__simulator__/users/{bob.id}") as resp:
        assert resp.status == 400
    async with session.post(
        f"{radarr}/__simulator__/withhold-user-data", json={"user_id": bob.id}
    ) as resp:
        assert resp.status == 400
    with pytest.raises(ValueError, match="no user"):
        simulator.withhold_user_data("jellyfin", bob.id)


# -- sizes as the *arr send them --------------------------------------------------


@pytest.mark.parametrize(
    ("data", "size"),
    [
        ({"hasFile": True, "sizeOnDisk": 5}, 5),
        ({"hasFile": True}, None),
        ({"hasFile": True, "sizeOnDisk": "lots"}, None),
        ({"hasFile": True, "sizeOnDisk": -7}, -7),
        ({"hasFile": True, "movieFile": {"size": 9}}, 9),
        ({"hasFile": False}, 0),
    ],
)
def test_movie_size_missing_stays_missing(data: dict[str, Any], size: Any) -> None:
    assert movie_row({"id": 1, **data})[10] == size


def test_season_series_episode_and_album_sizes_missing_stay_missing() -> None:
    def season(number: int, **stats: Any) -> dict[str, Any]:
        return {"seasonNumber": number, "statistics": stats}

    row = series_row(
        {
            "id": 1,
            "seasons": [
                season(1, episodeFileCount=2),
                season(2, episodeFileCount=0),
                season(3, episodeFileCount=1, sizeOnDisk=4.5),
            ],
        }
    )
    assert [s[5] for s in season_rows(row)] == [None, 0, None]
    # Summed from the seasons: one unknown makes the whole unknown.
    assert row[10] is None
    assert series_row({"id": 1, "seasons": [season(1, sizeOnDisk=3)]})[10] == 3
    stats = {"episodeFileCount": 2, "sizeOnDisk": None}
    assert series_row({"id": 1, "statistics": stats})[10] is None
    empty = {"episodeFileCount": 0}
    assert series_row({"id": 1, "statistics": empty | {"sizeOnDisk": "?"}})[10] == 0
    episode = {
        "id": 1,
        "seriesId": 1,
        "seasonNumber": 1,
        "episodeNumber": 1,
        "hasFile": True,
        "episodeFile": {},
    }
    assert episode_from_json(episode).size is None
    assert (
        episode_from_json({**episode, "hasFile": False, "episodeFile": None}).size == 0
    )
    album = {"id": 1, "artistId": 1, "statistics": {"trackFileCount": 3}}
    assert album_row(album)[8] is None
    assert album_row({"id": 1, "artistId": 1, "statistics": {}})[8] == 0
