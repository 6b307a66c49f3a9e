"""Fixtures and helpers of the client tests against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from custom_components.lcars.clients import (
    AuthenticationError,
    BadResponseError,
    CannotConnectError,
    JellyfinClient,
    JellyseerrClient,
    LcarsClientError,
    LidarrClient,
    RadarrClient,
    SonarrClient,
)
from simulator import Simulator
from simulator.common import served_time

CLIENTS: dict[str, type[Any]] = {
    "radarr": RadarrClient,
    "sonarr": SonarrClient,
    "lidarr": LidarrClient,
    "jellyfin": JellyfinClient,
    "jellyseerr": JellyseerrClient,
}

# Each fault the simulator can inject, and the error it must become.
FAULTS: list[tuple[dict[str, Any], type[LcarsClientError]]] = [
    ({"status": 500}, CannotConnectError),
    ({"status": 503}, CannotConnectError),
    ({"status": 401}, AuthenticationError),
    ({"status": 403}, AuthenticationError),
    ({"drop": True}, CannotConnectError),
    ({"malformed": True}, BadResponseError),
    ({"truncate": True}, CannotConnectError),
    # With clients made with timeout=0.3.
    ({"latency": 0.6}, CannotConnectError),
]
FAULT_IDS = [next(iter(f)) + "=" + str(next(iter(f.values()))) for f, _ in FAULTS]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp session of the test's own, closed at teardown."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def make_client(
    session: aiohttp.ClientSession, sim: Simulator, name: str, **kwargs: Any
) -> Any:
    """A client of the right kind for a simulator instance."""
    handle = sim.services[name]
    return CLIENTS[handle.kind](session, handle.url, handle.api_key, **kwargs)


def freeze(sim: Simulator) -> datetime:
    """Stop the simulator's clock at a whole second and return that instant.

    Queue progress and release dates depend on the clock; the *arr send
    dates to the second.
    """
    now = sim.clock.now().replace(microsecond=0)
    sim.clock.freeze(now)
    return now


def service_of(sim: Simulator, name: str) -> Any:
    """The simulator's own service object (to ask it for derived figures)."""
    return sim.services[name]._service


def served(value: datetime | None) -> datetime | None:
    """A time the *arr took from their clock, as sent: with its ticks."""
    return served_time(value)


def to_second(value: datetime | None) -> datetime | None:
    """A datetime as the *arr send it: UTC, to the second."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0)


def check_error(exc: LcarsClientError, sim: Simulator, name: str, *keys: str) -> None:
    """The error names the service and the URL, and no key at all."""
    handle = sim.services[name]
    assert handle.url in str(exc)
    assert exc.url == handle.url
    for key in (handle.api_key, *keys):
        chained: BaseException | None = exc
        while chained is not None:
            assert key not in str(chained)
            assert key not in repr(chained)
            chained = chained.__cause__ or chained.__context__


async def check_fault(
    sim: Simulator,
    name: str,
    fetch: Callable[[], Awaitable[Any]],
    fault: dict[str, Any],
    error: type[LcarsClientError],
) -> None:
    """A fault becomes the expected error; without it the fetch works again."""
    sim.faults(name).set(**fault)
    with pytest.raises(LcarsClientError) as caught:
        await fetch()
    assert type(caught.value) is error, caught.value
    check_error(caught.value, sim, name)
    if fault.get("latency"):
        # Let the delayed answers finish, so that no server task outlives
        # the test.
        await asyncio.sleep(fault["latency"] + 0.1)
    sim.faults(name).clear()
    await fetch()


async def check_rotated_key(
    sim: Simulator, name: str, fetch: Callable[[], Awaitable[Any]]
) -> None:
    """After a key rotation the old key gets AuthenticationError."""
    old = sim.services[name].api_key
    new = sim.rotate_key(name)
    with pytest.raises(AuthenticationError) as caught:
        await fetch()
    check_error(caught.value, sim, name, old, new)
