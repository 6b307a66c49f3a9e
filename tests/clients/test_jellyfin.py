"""Jellyfin client against the simulator."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.lcars.clients import (
    JellyfinClient,
    LcarsClientError,
    WrongServiceError,
)
from custom_components.lcars.clients.models import (
    JellyfinCounts,
    JellyfinItem,
    JellyfinSession,
    JellyfinUser,
    UserData,
)
from simulator import Simulator
from simulator.jellyfin import created_digits

from .conftest import (
    FAULT_IDS,
    FAULTS,
    check_fault,
    check_rotated_key,
    freeze,
    make_client,
    service_of,
)

ITEM_TYPES = ("Movie", "Series", "MusicAlbum")


def expected_items(
    sim: Simulator, user_ids: list[str], name: str = "jellyfin"
) -> dict[str, JellyfinItem]:
    """Items with the watch data of `user_ids`, as the server sends them.

    An item sent without UserData has no watch data; a DateCreated that is
    .NET's "no date" is none; the others come to the microsecond (or the
    second, for the dates sent without a fraction).
    """
    state = sim.state.services[name]
    service = service_of(sim, name)
    out = {}
    for item in state.items.values():
        if item.type not in ITEM_TYPES:
            continue
        user_data = {}
        for user_id in [] if item.without_user_data else user_ids:
            data = service.user_data(item, user_id)
            user_data[user_id] = UserData(
                played=data.played,
                play_count=data.play_count,
                last_played=data.last_played,
                favorite=data.is_favorite,
            )
        out[item.id] = JellyfinItem(
            id=item.id,
            name=item.name,
            type=item.type,
            provider_ids=dict(item.provider_ids),
            path=item.path,
            date_created=None
            if item.date_created_text
            else item.date_created.replace(
                microsecond=item.date_created.microsecond if created_digits(item) else 0
            ),
            user_data=user_data,
        )
    return out


def user_ids(sim: Simulator, name: str = "jellyfin") -> list[str]:
    """The enabled users: those whose watch data may count."""
    return [user.id for user in sim.state.services[name].users if not user.is_disabled]


def never_watched(items: dict[str, JellyfinItem], sim: Simulator) -> int:
    """Items no counted user played, of those whose watch data came."""
    state = sim.state.services["jellyfin"]
    return sum(
        1
        for item in items.values()
        if not item.watched and not state.items[item.id].without_user_data
    )


async def test_snapshot_matches_the_simulator(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    now = freeze(simulator)
    state = simulator.state.services["jellyfin"]
    users = user_ids(simulator)
    assert [u.name for u in state.users] == ["alice", "bob", "guest"]
    assert [u.name for u in state.users if u.is_disabled] == ["guest"]
    client: JellyfinClient = make_client(session, simulator, "jellyfin", user_ids=users)
    snapshot = await client.async_fetch_snapshot(now)
    assert snapshot.counted_user_ids == tuple(users)

    assert snapshot.info.id == state.server_id
    assert snapshot.info.name == state.server_name
    assert snapshot.info.product_name == "Jellyfin Server"
    assert snapshot.info.version.startswith("10.")

    expected = expected_items(simulator, users)
    assert {item.id: item for item in snapshot.items} == expected
    assert [item.id for item in snapshot.items] == sorted(expected)
    # Items sent without watch data are unknown, not never watched.
    assert snapshot.never_watched == never_watched(expected, simulator)
    assert 0 < snapshot.never_watched < len(expected)
    assert snapshot.watch_unknown == {
        i.id for i in state.items.values() if i.without_user_data
    }
    assert snapshot.watch_unknown
    assert all(
        i.date_created is None for i in snapshot.items if i.id in snapshot.watch_unknown
    )
    assert any(item.favorite for item in snapshot.items)

    types = [item.type for item in state.items.values()]
    assert snapshot.counts == JellyfinCounts(
        movies=types.count("Movie"),
        series=types.count("Series"),
        episodes=types.count("Episode"),
        albums=types.count("MusicAlbum"),
        songs=sum(
            i.child_count for i in state.items.values() if i.type == "MusicAlbum"
        ),
    )

    names = {user.id: user.name for user in state.users}
    assert sorted(snapshot.sessions, key=lambda s: s.id) == sorted(
        (
            JellyfinSession(
                id=s.id,
                user_id=s.user_id,
                user_name=names[s.user_id],
                client=s.client,
                device_name=s.device_name,
                item_id=s.item_id,
                item_name=state.items[s.item_id].name,
                item_type=state.items[s.item_id].type,
                is_paused=s.is_paused,
                series_id=state.items[s.item_id].series_id,
                season_number=state.items[s.item_id].parent_index_number
                if state.items[s.item_id].series_id
                else None,
                album_id=state.items[s.item_id].album_id,
            )
            for s in state.sessions
            if s.item_id is not None
        ),
        key=lambda s: s.id,
    )
    # Idle sessions are left out.
    assert snapshot.sessions
    assert any(s.item_id is None for s in state.sessions)
    # A track plays in its album, not in a season of a series.
    (music,) = [s for s in snapshot.sessions if s.item_type == "Audio"]
    assert music.album_id is not None
    assert state.items[music.album_id].type == "MusicAlbum"
    assert music.series_id is None
    assert music.season_number is None


async def test_counted_users_change_the_watch_data(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    now = freeze(simulator)
    alice, bob = user_ids(simulator)
    only_bob = await make_client(
        session, simulator, "jellyfin", user_ids=[bob]
    ).async_fetch_snapshot(now)
    assert {i.id: i for i in only_bob.items} == expected_items(simulator, [bob])
    everyone = await make_client(session, simulator, "jellyfin").async_fetch_snapshot(
        now
    )
    assert {i.id: i for i in everyone.items} == expected_items(simulator, [alice, bob])
    assert everyone.never_watched <= only_bob.never_watched


async def test_users(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    client: JellyfinClient = make_client(session, simulator, "jellyfin")
    assert await client.async_get_users() == [
        JellyfinUser(
            id=u.id,
            name=u.name,
            is_administrator=u.is_admin,
            is_disabled=u.is_disabled,
        )
        for u in simulator.state.services["jellyfin"].users
    ]


async def test_disabled_user_does_not_count(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A disabled user's plays never count, even when it was chosen before."""
    now = freeze(simulator)
    state = simulator.state.services["jellyfin"]
    alice, bob = user_ids(simulator)
    (guest,) = [u.id for u in state.users if u.is_disabled]
    # The guest played items nobody else did: counting it would show.
    guest_only = expected_items(simulator, [guest])
    assert any(item.watched for item in guest_only.values())

    with_guest = await make_client(
        session, simulator, "jellyfin", user_ids=[alice, guest]
    ).async_fetch_snapshot(now)
    assert with_guest.counted_user_ids == (alice,)
    assert {i.id: i for i in with_guest.items} == expected_items(simulator, [alice])
    assert with_guest.never_watched == never_watched(
        expected_items(simulator, [alice]), simulator
    )

    # Every user counts when none is chosen: every enabled one.
    everyone = await make_client(session, simulator, "jellyfin").async_fetch_snapshot(
        now
    )
    assert everyone.counted_user_ids == (alice, bob)
    assert {i.id: i for i in everyone.items} == expected_items(simulator, [alice, bob])

    # Only the disabled user chosen: nothing of it counts, and its absence
    # does not make the library look never watched; every enabled user counts.
    only_guest: JellyfinClient = make_client(
        session, simulator, "jellyfin", user_ids=[guest.upper()]
    )
    snapshot = await only_guest.async_fetch_snapshot(now)
    assert snapshot.counted_user_ids == (alice, bob)
    assert {i.id: i for i in snapshot.items} == expected_items(simulator, [alice, bob])
    assert snapshot.never_watched == everyone.never_watched
    watch = await only_guest.async_get_episode_watch()
    assert (
        watch
        == await make_client(session, simulator, "jellyfin").async_get_episode_watch()
    )


async def test_requests_do_not_grow_with_the_library(
    simulator: Simulator,
    simulator_factory: Any,
    session: aiohttp.ClientSession,
) -> None:
    sizes = []
    for sim in (simulator, await simulator_factory(movies=400, series=40, artists=20)):
        users = user_ids(sim)
        client = make_client(session, sim, "jellyfin", user_ids=users)
        sim.reset_requests()
        snapshot = await client.async_fetch_snapshot(freeze(sim))
        assert sorted(sim.requests("jellyfin")) == [
            ("GET", "/Items"),
            ("GET", "/Items"),
            ("GET", "/Items/Counts"),
            ("GET", "/Sessions"),
            ("GET", "/System/Info"),
            ("GET", "/System/Info/Public"),
            ("GET", "/Users"),
        ]
        sizes.append(len(snapshot.items))
    assert sizes[0] < sizes[1]


async def test_deleted_user_is_skipped(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    alice, _bob = user_ids(simulator)
    gone = "0" * 32
    client = make_client(session, simulator, "jellyfin", user_ids=[alice, gone])
    snapshot = await client.async_fetch_snapshot(freeze(simulator))
    assert {i.id: i for i in snapshot.items} == expected_items(simulator, [alice])


@pytest.mark.parametrize(("fault", "error"), FAULTS, ids=FAULT_IDS)
async def test_faults(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    fault: dict[str, Any],
    error: type[LcarsClientError],
) -> None:
    client = make_client(session, simulator, "jellyfin", timeout=0.3)
    now = freeze(simulator)
    await check_fault(
        simulator, "jellyfin", lambda: client.async_fetch_snapshot(now), fault, error
    )


async def test_rotated_key(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client = make_client(session, simulator, "jellyfin")
    now = freeze(simulator)
    await check_rotated_key(
        simulator, "jellyfin", lambda: client.async_fetch_snapshot(now)
    )
    with pytest.raises(LcarsClientError):
        await client.async_get_server_info()


async def test_radarr_offered_as_jellyfin(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    with pytest.raises(WrongServiceError):
        await JellyfinClient(
            session, handle.url, handle.api_key
        ).async_get_server_info()


async def test_episode_watch_data_is_merged_over_the_counted_users(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    state = simulator.state.services["jellyfin"]
    service = service_of(simulator, "jellyfin")
    users = user_ids(simulator)
    client: JellyfinClient = make_client(session, simulator, "jellyfin", user_ids=users)
    simulator.reset_requests()

    watch = await client.async_get_episode_watch()

    # The users, then one request per counted user, whatever the number of
    # episodes.
    assert [p for _, p in simulator.requests("jellyfin")] == ["/Users"] + [
        "/Items"
    ] * len(users)
    expected = {}
    for item in state.items.values():
        if item.type != "Episode":
            continue
        data = [service.user_data(item, user) for user in users]
        dates = [d.last_played for d in data if d.last_played]
        played = any(d.played or d.play_count or d.last_played for d in data)
        favorite = any(d.is_favorite for d in data)
        if played or favorite:
            expected[(item.series_id, item.parent_index_number, item.index_number)] = (
                max(dates, default=None),
                played,
                favorite,
            )
    assert expected
    assert {
        (w.series_id, w.season_number, w.episode_number): (
            w.last_played,
            w.played,
            w.favorite,
        )
        for w in watch
    } == expected
    assert len(watch) == len(expected)
    # Only one user counted: only that user's plays.
    alice_only: JellyfinClient = make_client(
        session, simulator, "jellyfin", user_ids=users[:1]
    )
    assert len(await alice_only.async_get_episode_watch()) < len(watch)
