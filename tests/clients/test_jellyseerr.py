"""Jellyseerr client against the simulator."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.lcars.clients import (
    AuthenticationError,
    JellyseerrClient,
    LcarsClientError,
    NotFoundError,
    RefusedError,
    WrongServiceError,
)
from custom_components.lcars.clients.jellyseerr import (
    NothingToRequestError,
    RequestExistsError,
    user_name,
)
from custom_components.lcars.clients.models import RequestCounts
from custom_components.lcars.library import MediaKind
from simulator import Simulator

from .conftest import (
    FAULT_IDS,
    FAULTS,
    check_error,
    check_fault,
    check_rotated_key,
    freeze,
    make_client,
)

# Jellyseerr request and media statuses.
PENDING, APPROVED, DECLINED = 1, 2, 3
MEDIA_PARTIALLY_AVAILABLE = 4


def expected_counts(sim: Simulator, name: str = "jellyseerr") -> RequestCounts:
    state = sim.state.services[name]
    requests = list(state.requests.values())

    def media(request: Any) -> Any:
        return state.media.get(request.media_id)

    approved = [r for r in requests if r.status == APPROVED]
    return RequestCounts(
        total=len(requests),
        movie=sum(1 for r in requests if media(r) and media(r).media_type == "movie"),
        tv=sum(1 for r in requests if media(r) and media(r).media_type == "tv"),
        pending=sum(1 for r in requests if r.status == PENDING),
        approved=len(approved),
        declined=sum(1 for r in requests if r.status == DECLINED),
        processing=sum(
            1
            for r in approved
            if (media(r).status if media(r) else 1) < MEDIA_PARTIALLY_AVAILABLE
        ),
        available=sum(
            1
            for r in approved
            if (media(r).status if media(r) else 1) >= MEDIA_PARTIALLY_AVAILABLE
        ),
    )


async def test_snapshot_matches_the_simulator(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: JellyseerrClient = make_client(session, simulator, "jellyseerr")
    snapshot = await client.async_fetch_snapshot(freeze(simulator))
    assert snapshot.status.app_name == "Jellyseerr"
    assert snapshot.status.version
    assert snapshot.requests == expected_counts(simulator)
    assert snapshot.requests.total > 0
    assert sorted(simulator.requests("jellyseerr")) == [
        ("GET", "/api/v1/request/count"),
        ("GET", "/api/v1/status"),
    ]


async def test_status_checks_the_key(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: JellyseerrClient = make_client(session, simulator, "jellyseerr")
    status = await client.async_get_status()
    assert status.app_name == "Jellyseerr"
    handle = simulator.services["jellyseerr"]
    wrong = JellyseerrClient(session, handle.url, "not-the-key")
    with pytest.raises(AuthenticationError) as caught:
        await wrong.async_get_status()
    check_error(caught.value, simulator, "jellyseerr", "not-the-key")


async def test_requests_do_not_grow_with_the_library(
    simulator: Simulator,
    simulator_factory: Any,
    session: aiohttp.ClientSession,
) -> None:
    for sim in (simulator, await simulator_factory(movies=400, series=40, artists=20)):
        client = make_client(session, sim, "jellyseerr")
        sim.reset_requests()
        snapshot = await client.async_fetch_snapshot(freeze(sim))
        assert len(sim.requests("jellyseerr")) == 2
        assert snapshot.requests == expected_counts(sim)


@pytest.mark.parametrize(("fault", "error"), FAULTS, ids=FAULT_IDS)
async def test_faults(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    fault: dict[str, Any],
    error: type[LcarsClientError],
) -> None:
    client = make_client(session, simulator, "jellyseerr", timeout=0.3)
    now = freeze(simulator)
    await check_fault(
        simulator, "jellyseerr", lambda: client.async_fetch_snapshot(now), fault, error
    )


async def test_rotated_key(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client = make_client(session, simulator, "jellyseerr")
    now = freeze(simulator)
    await check_rotated_key(
        simulator, "jellyseerr", lambda: client.async_fetch_snapshot(now)
    )


async def test_radarr_offered_as_jellyseerr(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    handle = simulator.services["radarr"]
    with pytest.raises(WrongServiceError):
        await JellyseerrClient(session, handle.url, handle.api_key).async_get_status()


# --------------------------------------------------------------------------- requests


def seerr_state(sim: Simulator) -> Any:
    return sim.state.services["jellyseerr"]


async def test_a_page_of_requests_follows_filter_take_and_skip(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: JellyseerrClient = make_client(session, simulator, "jellyseerr")
    state = seerr_state(simulator)
    everything = await client.async_get_requests(take=100)
    assert everything.total == len(state.requests)
    # Newest first: the order of the ids.
    assert [r.id for r in everything.requests] == sorted(state.requests, reverse=True)
    first = await client.async_get_requests(take=3, skip=0)
    second = await client.async_get_requests(take=3, skip=3)
    assert [r.id for r in first.requests + second.requests] == [
        r.id for r in everything.requests[:6]
    ]
    assert first.total == second.total == len(state.requests)

    pending = await client.async_get_requests(status="pending", take=50)
    assert pending.requests
    assert {r.status for r in pending.requests} == {"pending"}
    assert pending.total == sum(1 for r in state.requests.values() if r.status == 1)

    one = next(r for r in everything.requests if r.media_type == "tv")
    stored = state.requests[one.id]
    media = state.media[stored.media_id]
    assert one.tmdb_id == media.tmdb_id
    assert one.tvdb_id == media.tvdb_id
    assert one.seasons == tuple(stored.seasons)
    user = next(u for u in state.users if u.id == stored.requested_by)
    assert one.requested_by is not None
    assert (one.requested_by.id, one.requested_by.name) == (user.id, user.display_name)
    with pytest.raises(ValueError, match="filter"):
        await client.async_get_requests(status="everything")


def test_a_user_is_named_without_the_address() -> None:
    assert user_name({"id": 4, "displayName": "Ann", "username": "ann"}) == "Ann"
    assert (
        user_name(
            {"id": 4, "displayName": "ann@example.com", "jellyfinUsername": "ann"}
        )
        == "ann"
    )
    assert user_name({"id": 4, "displayName": "", "username": "annie"}) == "annie"
    assert user_name({"id": 4, "displayName": "ann@example.com"}) == "user 4"


async def test_search_finds_movies_and_series_and_leaves_people_out(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: JellyseerrClient = make_client(session, simulator, "jellyseerr")
    sent: list[str] = []

    async def on_request_start(
        _session: Any, _context: Any, params: aiohttp.TraceRequestStartParams
    ) -> None:
        sent.append(str(params.url))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as traced:
        client = make_client(traced, simulator, "jellyseerr")
        amelie = await client.async_search("Amélie")
        herbert = await client.async_search("Frank Herbert")
        shogun = await client.async_search("Shogun")
    assert [(c.kind, c.title, c.year, c.ids) for c in amelie] == [
        (MediaKind.MOVIE, "Amélie", 2001, {"tmdb": 194})
    ]
    assert amelie[0].original_title == "Le Fabuleux Destin d'Amélie Poulain"
    assert amelie[0].covers["poster"].startswith("/")
    # The person "Frank Herbert" is found by Jellyseerr and left out.
    assert [(c.kind, c.title) for c in herbert] == [
        (MediaKind.SERIES, "Frank Herbert's Dune")
    ]
    assert {(c.title, c.year) for c in shogun} == {("Shōgun", 2024), ("Shōgun", 1980)}
    # Spaces and accents go out percent-encoded.
    assert "query=Frank%20Herbert" in sent[1]
    assert "query=Am%C3%A9lie" in sent[0]


async def test_titles_of_movies_and_series(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: JellyseerrClient = make_client(session, simulator, "jellyseerr")
    dune = await client.async_get_title("movie", 438631)
    assert (dune.title, dune.year) == ("Dune", 2021)
    assert dune.poster == "/lcars-movie-438631.jpg"
    office = await client.async_get_title("tv", 2316)
    assert (office.title, office.year) == ("The Office", 2005)
    assert office.seasons[:3] == (0, 1, 2)
    with pytest.raises(LcarsClientError):
        await client.async_get_title("movie", 99_999_999)


async def test_requests_are_created_approved_and_declined(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: JellyseerrClient = make_client(session, simulator, "jellyseerr")
    state = seerr_state(simulator)

    # With the key alone, as the admin user: approved at once.
    matrix = await client.async_create_request("movie", 603)
    assert (matrix.status, matrix.media_type, matrix.tmdb_id) == (
        "approved",
        "movie",
        603,
    )
    assert matrix.requested_by is not None
    assert matrix.requested_by.id == 1
    assert matrix.modified_by is not None
    assert matrix.modified_by.id == 1
    assert state.requests[matrix.id].status == APPROVED

    # As bob, who may request but not approve: pending.
    office = await client.async_create_request("tv", 2316, seasons=[1, 2], as_user=2)
    assert (office.status, office.seasons) == ("pending", (1, 2))
    assert office.requested_by is not None
    assert office.requested_by.name == "bob"
    assert office.modified_by is None
    with pytest.raises(NothingToRequestError):
        await client.async_create_request("tv", 2316, seasons=[2, 1], as_user=2)
    rest = await client.async_create_request("tv", 2316, seasons="all", as_user=2)
    assert rest.seasons == tuple(range(3, 10))  # no specials, none asked twice

    with pytest.raises(RequestExistsError) as exists:
        await client.async_create_request("movie", 603, as_user=2)
    assert exists.value.status == 409
    assert exists.value.messages == ("Request for this media already exists.",)
    assert (
        sum(
            1 for r in state.requests.values() if state.media[r.media_id].tmdb_id == 603
        )
        == 1
    )

    # carol's quota: one movie.
    await client.async_create_request("movie", 841, as_user=3)
    with pytest.raises(RefusedError) as quota:
        await client.async_create_request("movie", 1417, as_user=3)
    assert (quota.value.status, quota.value.messages) == (
        403,
        ("Movie Quota exceeded.",),
    )
    assert not any(m.tmdb_id == 1417 for m in state.media.values())

    approved = await client.async_set_request_status(office.id, "approve")
    assert approved.status == "approved"
    assert approved.modified_by is not None
    assert approved.modified_by.id == 1
    assert state.requests[office.id].status == APPROVED
    declined = await client.async_set_request_status(rest.id, "decline")
    assert declined.status == "declined"
    assert state.requests[rest.id].status == DECLINED
    with pytest.raises(NotFoundError):
        await client.async_set_request_status(99_999, "approve")


async def test_a_refused_key_on_a_request_is_not_a_quota(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    handle = simulator.services["jellyseerr"]
    wrong = JellyseerrClient(session, handle.url, "not-the-key")
    with pytest.raises(AuthenticationError):
        await wrong.async_create_request("movie", 603)
    assert not any(m.tmdb_id == 603 for m in seerr_state(simulator).media.values())


async def test_users_and_who_is_approved_at_once(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    client: JellyseerrClient = make_client(session, simulator, "jellyseerr")
    users = await client.async_get_users()
    assert [(u.id, u.name, u.auto_approve) for u in users] == [
        (1, "alice", True),
        (2, "bob", False),
        (3, "carol", False),
    ]


@pytest.mark.parametrize(
    ("status", "statuses", "media_statuses"),
    [
        ("available", {APPROVED}, {5}),
        ("processing", {APPROVED}, {1, 2, 3, 4}),
        ("unavailable", {PENDING, APPROVED}, {1, 2, 3, 4}),
        ("approved", {APPROVED}, {1, 2, 3, 4, 5}),
        ("all", {PENDING, APPROVED, DECLINED, 4}, {1, 2, 3, 4, 5}),
    ],
)
async def test_request_filters_are_jellyseerrs(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    status: str,
    statuses: set[int],
    media_statuses: set[int],
) -> None:
    """The filters of request.ts: a partly available series is still processing."""
    client: JellyseerrClient = make_client(session, simulator, "jellyseerr")
    state = seerr_state(simulator)
    expected = sorted(
        (
            r.id
            for r in state.requests.values()
            if r.status in statuses and state.media[r.media_id].status in media_statuses
        ),
        reverse=True,
    )
    page = await client.async_get_requests(status=status, take=100)
    assert [r.id for r in page.requests] == expected
    assert page.total == len(expected)
    if status == "processing":
        assert "partially_available" in {r.media_status for r in page.requests}
