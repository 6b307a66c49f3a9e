"""Hostile servers, over real HTTP: answers that never end, huge or absurdly deep.

Every one is a BadResponseError naming the service and URL, never a
RecursionError or a hang, and the memory the answer took is given back even
while the error is held. The limit on list answers is lowered here so that
an endless list reaches it in a moment (the real one is 512 MiB).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
import gc
import itertools
import tracemalloc
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.lcars.clients import BadResponseError, JellyfinClient, http
from simulator import Simulator

from .conftest import check_error, make_client

MIB = 1024 * 1024
LIST_LIMIT = 8 * MIB

type Call = Callable[[Any, Simulator], Awaitable[Any]]


async def _calendar(client: Any, sim: Simulator) -> Any:
    now = sim.clock.now()
    return await client.async_get_calendar(
        now - timedelta(days=365), now + timedelta(days=365)
    )


async def _snapshot(client: Any, sim: Simulator) -> Any:
    return await client.async_fetch_snapshot(sim.clock.now())


# Lists: (instance, what the client reads, the path the fault is on).
LISTS: dict[str, tuple[str, Call, str]] = {
    "radarr movies": (
        "radarr",
        lambda c, s: c.async_get_movies(),
        "/api/v3/movie",
    ),
    "radarr refresh": ("radarr", _snapshot, "/api/v3/movie"),
    "radarr queue": ("radarr", lambda c, s: c.async_get_queue(), "/api/v3/queue"),
    "sonarr series": ("sonarr", lambda c, s: c.async_get_series(), "/api/v3/series"),
    "sonarr calendar": ("sonarr", _calendar, "/api/v3/calendar"),
    "sonarr episodes": (
        "sonarr",
        lambda c, s: c.async_get_episodes(1),
        "/api/v3/episode",
    ),
    "lidarr albums": ("lidarr", lambda c, s: c.async_get_albums(), "/api/v1/album"),
    "lidarr refresh": ("lidarr", _snapshot, "/api/v1/artist"),
    "jellyfin items": ("jellyfin", lambda c, s: c.async_get_items(), "/Items"),
    "jellyfin refresh": ("jellyfin", _snapshot, "/Items"),
    "jellyseerr media": (
        "jellyseerr",
        lambda c, s: c.async_get_media_refs(),
        "/api/v1/media",
    ),
}

# Answers that are not lists.
OBJECTS: dict[str, tuple[str, Call, str]] = {
    "radarr status": (
        "radarr",
        lambda c, s: c.async_get_system_status(),
        "/api/v3/system/status",
    ),
    "sonarr refresh": ("sonarr", _snapshot, "/api/v3/system/status"),
    "jellyfin server": (
        "jellyfin",
        lambda c, s: c.async_get_server_info(),
        "/System/Info",
    ),
    "jellyseerr counts": (
        "jellyseerr",
        lambda c, s: c.async_get_request_counts(),
        "/api/v1/request/count",
    ),
    "jellyseerr refresh": ("jellyseerr", _snapshot, "/api/v1"),
}


@pytest.fixture
def traced() -> Iterator[None]:
    """Trace Python's allocations for the test."""
    tracemalloc.start()
    yield
    tracemalloc.stop()


@pytest.fixture(autouse=True)
def small_list_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A limit an endless list reaches in a moment."""
    monkeypatch.setattr(http, "MAX_LIST_SIZE", LIST_LIMIT)


async def _traced_now() -> int:
    """Memory traced now, once what was dropped is freed."""
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


async def _refused(
    sim: Simulator,
    session: aiohttp.ClientSession,
    case: tuple[str, Call, str],
    fault: dict[str, Any],
) -> tuple[BadResponseError, int, int]:
    """Read with the fault on; return the error, then memory kept and peak growth.

    The memory is measured while the error is still held, as a coordinator
    holds the last one.
    """
    name, call, path = case
    client = make_client(session, sim, name, timeout=20)
    # Once without the fault: the simulator builds and caches its answers.
    await call(client, sim)
    sim.faults(name).set(**fault, paths=[path])
    before = await _traced_now()
    tracemalloc.reset_peak()
    with pytest.raises(BadResponseError) as caught:
        await call(client, sim)
    peak = tracemalloc.get_traced_memory()[1] - before
    sim.faults(name).clear()
    # The simulator's handler ends once it sees the connection closed.
    await asyncio.sleep(0.2)
    kept = await _traced_now() - before
    check_error(caught.value, sim, name)
    # The service works again.
    await call(client, sim)
    return caught.value, kept, peak


@pytest.mark.usefixtures("traced")
@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("case", list(LISTS))
async def test_endless_list(
    simulator: Simulator, session: aiohttp.ClientSession, case: str, gzip: bool
) -> None:
    """Refused at the limit, with everything read so far let go."""
    error, kept, _peak = await _refused(
        simulator, session, LISTS[case], {"endless": True, "gzip": gzip}
    )
    # The list, or (for a whole refresh) an answer beside it on the same path.
    assert "larger than" in error.detail
    assert kept < 2 * MIB


@pytest.mark.usefixtures("traced")
@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("case", list(OBJECTS))
async def test_endless_answer(
    simulator: Simulator, session: aiohttp.ClientSession, case: str, gzip: bool
) -> None:
    """An answer that is not a list and never ends is refused early.

    Its endless string at the limit of one string, or its endless inner
    list at the limit of an answer that is not a list.
    """
    error, kept, _peak = await _refused(
        simulator, session, OBJECTS[case], {"endless": True, "gzip": gzip}
    )
    assert "larger than 1 MiB" in error.detail or "larger than 2 MiB" in error.detail
    assert kept < 2 * MIB


@pytest.mark.usefixtures("traced")
@pytest.mark.parametrize("case", [*LISTS, *OBJECTS])
async def test_huge_string(
    simulator: Simulator, session: aiohttp.ClientSession, case: str
) -> None:
    """A 60 MB string is refused before it is held, in a list or not."""
    error, kept, peak = await _refused(
        simulator, session, (LISTS | OBJECTS)[case], {"huge": 60_000_000}
    )
    assert "larger than 1 MiB" in error.detail
    assert kept < 2 * MIB
    assert peak < 16 * MIB


@pytest.mark.parametrize("case", [*LISTS, *OBJECTS])
async def test_absurd_nesting(
    simulator: Simulator, session: aiohttp.ClientSession, case: str
) -> None:
    """Nesting deeper than any real answer is a bad answer, not a RecursionError."""
    error, _kept, _peak = await _refused(
        simulator, session, (LISTS | OBJECTS)[case], {"deep": 100_000}
    )
    assert "nested too deeply" in error.detail


async def test_absurd_nesting_gzip(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The same, compressed."""
    error, _kept, _peak = await _refused(
        simulator, session, LISTS["radarr movies"], {"deep": 100_000, "gzip": True}
    )
    assert "nested too deeply" in error.detail


@pytest.mark.parametrize("case", ["radarr movies", "jellyfin items", "sonarr calendar"])
async def test_nesting_deeper_than_orjson_reads(
    simulator: Simulator, session: aiohttp.ClientSession, case: str
) -> None:
    """Deep enough for orjson to give up, not the standard library."""
    error, _kept, _peak = await _refused(
        simulator, session, LISTS[case], {"deep": 2000}
    )
    assert "recursion" in error.detail or "nested too deeply" in error.detail


@pytest.fixture
async def endless_jellyfin(socket_enabled: None) -> AsyncIterator[str]:
    """A Jellyfin whose item lists never end, every item a new one."""

    async def items(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "application/json"
        await response.prepare(request)
        await response.write(b'{"Items":[')
        counter = itertools.count()
        try:
            while True:
                await response.write(
                    b",".join(
                        b'{"Id":"%d","Name":"Movie","Type":"Movie"}' % next(counter)
                        for _ in range(1000)
                    )
                    + b","
                )
        except ConnectionError:
            pass
        return response

    async def users(request: web.Request) -> web.Response:
        return web.json_response(
            [
                {"Id": user_id, "Name": user_id, "Policy": {"IsDisabled": False}}
                for user_id in ("u1", "u2")
            ]
        )

    app = web.Application()
    app.router.add_get("/Items", items)
    app.router.add_get("/Users", users)
    runner = web.AppRunner(app, shutdown_timeout=0.1, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


@pytest.mark.usefixtures("traced")
async def test_endless_list_of_new_items_merged_elsewhere(
    endless_jellyfin: str, session: aiohttp.ClientSession
) -> None:
    """What a projection gathers outside the list (Jellyfin's merged items) goes too."""
    client = JellyfinClient(session, endless_jellyfin, "key", timeout=20)
    reads = (
        lambda: client.async_get_items(["u1", "u2"]),
        lambda: client.async_get_episode_watch(["u1"]),
    )
    # Once unmeasured: orjson makes its buffers on first use.
    with pytest.raises(BadResponseError):
        await reads[1]()
    before = await _traced_now()
    tracemalloc.reset_peak()
    for read in reads:
        with pytest.raises(BadResponseError) as caught:
            await read()
        assert "larger than 8 MiB" in caught.value.detail
        await asyncio.sleep(0.2)
        assert await _traced_now() - before < 2 * MIB
    # It did gather them meanwhile.
    assert tracemalloc.get_traced_memory()[1] - before > 8 * MIB
