"""A run can be stopped between any two changes, and never deletes an item twice."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import aiohttp
import pytest

from custom_components.lcars.cleanup import Candidate, Ledger, LedgerEntry, MediaIds
from custom_components.lcars.cleanup.execute import execute_plan
from custom_components.lcars.clients import (
    JellyfinClient,
    JellyseerrClient,
    RadarrClient,
)
from custom_components.lcars.clients.arr import ArrClient
from simulator import Simulator

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
WRITES = ("POST", "PUT", "DELETE")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def movies(sim: Simulator, count: int) -> list[Candidate]:
    radarr = sim.state.services["radarr"]
    found = [m for m in sorted(radarr.movies.values(), key=lambda m: m.id) if m.file]
    return [
        Candidate(
            key=f"radarr/movie/{m.id}",
            instance_id="radarr",
            kind="movie",
            title=m.title,
            root_folder=m.root_folder_path,
            size=m.file.size,
            added=NOW,
            ids=MediaIds(tmdb=m.tmdb_id),
        )
        for m in found[:count]
    ]


def writes(sim: Simulator) -> list[tuple[str, str, str]]:
    return [
        (name, method, path)
        for name in sim.services
        for method, path in sim.requests(name)
        if method in WRITES
    ]


def clients(
    sim: Simulator, session: aiohttp.ClientSession
) -> tuple[dict[str, ArrClient], JellyseerrClient, JellyfinClient]:
    def handle(name: str) -> tuple[str, str]:
        return sim.services[name].url, sim.services[name].api_key

    return (
        {"radarr": RadarrClient(session, *handle("radarr"))},
        JellyseerrClient(session, *handle("jellyseerr")),
        JellyfinClient(session, *handle("jellyfin")),
    )


def allowing(changes: int) -> Callable[[], bool]:
    """Say yes to the first `changes` questions, then no."""
    asked = 0

    def keep_going() -> bool:
        nonlocal asked
        asked += 1
        return asked <= changes

    return keep_going


async def test_stopped_before_the_first_change_sends_nothing(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    arr, seerr, jellyfin = clients(simulator, session)
    items = movies(simulator, 2)
    before = simulator.dump()
    simulator.reset_requests()

    report = await execute_plan(
        items,
        arr,
        dry_run=False,
        jellyseerr=seerr,
        jellyfin=jellyfin,
        keep_going=lambda: False,
    )

    assert writes(simulator) == []
    assert simulator.dump() == before
    assert report.stopped
    assert [r.key for r in report.items] == [items[0].key]
    assert report.items[0].stopped
    assert report.items[0].steps[-1].error == "the run was stopped"
    assert report.deleted_keys == ()
    # Being stopped is no failure of the item: its attempts do not count.
    assert report.failures == ()
    ledger = Ledger({i.key: LedgerEntry(entered=NOW, delete_on=NOW) for i in items})
    assert report.apply_to(ledger, NOW) == ledger
    assert report.library_refresh is None


async def test_stopped_between_items_and_before_the_library_scan(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    arr, seerr, jellyfin = clients(simulator, session)
    items = movies(simulator, 3)
    radarr = simulator.state.services["radarr"]

    # Unmonitor, delete and the Jellyseerr entry of the first movie; then no.
    report = await execute_plan(
        items,
        arr,
        dry_run=False,
        jellyseerr=seerr,
        jellyfin=jellyfin,
        keep_going=allowing(3),
    )

    assert report.stopped
    assert report.deleted_keys == (items[0].key,)
    assert int(items[0].key.rsplit("/", 1)[1]) not in radarr.movies
    assert int(items[1].key.rsplit("/", 1)[1]) in radarr.movies
    assert [r.key for r in report.items] == [items[0].key, items[1].key]
    # The second was stopped before its first change; the third not tried.
    assert report.items[1].stopped
    assert report.items[1].steps[0].step == "unmonitor"
    assert report.library_refresh is None


async def test_stopped_after_the_last_item_skips_only_the_scan(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    arr, seerr, jellyfin = clients(simulator, session)
    items = movies(simulator, 1)
    refreshes = simulator.state.services["jellyfin"].refreshes

    report = await execute_plan(
        items,
        arr,
        dry_run=False,
        jellyseerr=seerr,
        jellyfin=jellyfin,
        keep_going=allowing(3),
    )

    assert report.deleted_keys == (items[0].key,)
    assert report.stopped
    assert report.library_refresh is None
    assert simulator.state.services["jellyfin"].refreshes == refreshes


async def test_a_dry_run_is_never_stopped(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    arr, seerr, jellyfin = clients(simulator, session)
    items = movies(simulator, 2)

    report = await execute_plan(
        items,
        arr,
        dry_run=True,
        jellyseerr=seerr,
        jellyfin=jellyfin,
        keep_going=lambda: False,
    )

    assert not report.stopped
    assert all(r.ok for r in report.items)
    assert report.library_refresh is not None


async def test_an_item_given_twice_is_deleted_once(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    arr, seerr, _jellyfin = clients(simulator, session)
    (item,) = movies(simulator, 1)
    movie_id = item.key.rsplit("/", 1)[1]
    simulator.reset_requests()

    report = await execute_plan(
        [item, item], arr, dry_run=False, jellyseerr=seerr, keep_going=lambda: True
    )

    assert [r.key for r in report.items] == [item.key]
    assert report.deleted_keys == (item.key,)
    deletes = [
        path
        for _name, method, path in writes(simulator)
        if method == "DELETE" and path.endswith(f"/movie/{movie_id}")
    ]
    assert len(deletes) == 1
