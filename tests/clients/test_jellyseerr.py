"""Jellyseerr client against the simulator."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.lcars.clients import (
    AuthenticationError,
    JellyseerrClient,
    LcarsClientError,
    WrongServiceError,
)
from custom_components.lcars.clients.models import RequestCounts
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
