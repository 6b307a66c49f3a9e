"""The cleanup fails closed on every doubt, through Home Assistant and real HTTP.

Lost watch data, a wall clock that steps, sizes that make no sense, a store of
the wrong shape, and a run whose entry unloads under it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from datetime import timedelta
import time
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.lcars.cleanup import Ledger, LedgerEntry
from custom_components.lcars.const import CONF_USERS, DOMAIN
from custom_components.lcars.runtime.cleanup import CleanupManager
from homeassistant import loader
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from simulator import Simulator
from simulator.state import UserData

from .conftest import call_action, fill_movies_disk, lcars_entry

RADARR = "radarr/sub_radarr"
GRACE = timedelta(days=14)
WRITES = ("POST", "PUT", "DELETE")
STORE = f"{DOMAIN}.lcars_entry.cleanup"


@pytest.fixture
def platforms() -> list[Platform]:
    """The cleanup and its last-run sensors."""
    return [Platform.SENSOR]


def _manager(entry: MockConfigEntry) -> CleanupManager:
    manager: CleanupManager = entry.runtime_data.cleanup
    return manager


async def _armed(entry: MockConfigEntry) -> CleanupManager:
    """Scheduled runs off (moving the clock would start them), dry run off."""
    manager = _manager(entry)
    await manager.async_set_automatic(False)
    await manager.async_set_dry_run(False)
    return manager


def _writes(simulator: Simulator) -> list[tuple[str, str, str]]:
    return [
        (name, method, path)
        for name in simulator.services
        for method, path in simulator.requests(name)
        if method in WRITES
    ]


def _issue(hass: HomeAssistant, name: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{name}_lcars_entry")


def _movie_key(movie: Any) -> str:
    return f"{RADARR}/movie/{movie.id}"


# -- lost watch data --------------------------------------------------------


async def test_a_deleted_jellyfin_user_means_no_deletion_until_the_list_is_fixed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A movie only Bob watched is never deleted because Bob's data went missing."""
    entry = init_integration
    manager = await _armed(entry)
    fill_movies_disk(simulator)
    radarr = simulator.state.services["radarr"]
    jellyfin = simulator.state.services["jellyfin"]
    alice, bob = jellyfin.users[:2]
    keep = {t.id for t in radarr.tags if t.label == "lcars-keep"}
    by_tmdb = {
        item.provider_ids.get("Tmdb"): item
        for item in jellyfin.items.values()
        if item.type == "Movie"
    }
    movie = next(
        m
        for m in sorted(radarr.movies.values(), key=lambda m: m.id)
        if m.file is not None and not set(m.tags) & keep and str(m.tmdb_id) in by_tmdb
    )
    watched = by_tmdb[str(movie.tmdb_id)]
    jellyfin.user_data.setdefault(alice.id, {}).pop(watched.id, None)
    jellyfin.user_data.setdefault(bob.id, {})[watched.id] = UserData(
        played=True, play_count=1, last_played=dt_util.utcnow() - timedelta(days=2)
    )
    jellyfin.touch()

    day0 = await call_action(hass, "run_cleanup", entry)
    assert day0["result"] == "listed"
    assert _movie_key(movie) not in manager.ledger
    listed = {e.key for e in manager.leaving_soon}
    movies_before = set(radarr.movies)

    simulator.remove_jellyfin_user("jellyfin", bob.id)
    for days in (1, 8, 8):
        freezer.tick(timedelta(days=days))
        simulator.reset_requests()
        result = await call_action(hass, "run_cleanup", entry)
        assert result["result"] == "failed_closed"
        assert result["deleted"] == []
        assert bob.id in result["message"]
        assert "no longer exists" in result["message"]
        assert _writes(simulator) == []
        # Bob's movie is not listed on missing data; the list stays.
        assert _movie_key(movie) not in manager.ledger
        assert {e.key for e in manager.leaving_soon} == listed
    assert set(radarr.movies) == movies_before
    issue = _issue(hass, "jellyfin_watch_data_missing")
    assert issue is not None
    assert issue.translation_key == "jellyfin_watch_data_missing"
    assert issue.translation_placeholders is not None
    assert bob.id in issue.translation_placeholders["users"]
    assert issue.translation_placeholders["service"] == "Jellyfin"

    # The user list is fixed: only Alice counts. The entry reloads.
    subentry = entry.subentries["sub_jellyfin"]
    hass.config_entries.async_update_subentry(
        entry, subentry, data={**subentry.data, CONF_USERS: [alice.id]}
    )
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    result = await call_action(hass, "run_cleanup", entry)
    assert result["result"] == "ok", result["message"]
    assert {d["key"] for d in result["deleted"]} <= listed
    assert _issue(hass, "jellyfin_watch_data_missing") is None


async def test_episodes_without_a_users_data_mean_no_deletion(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = init_integration
    manager = await _armed(entry)
    fill_movies_disk(simulator)
    await call_action(hass, "run_cleanup", entry)
    assert manager.leaving_soon
    freezer.tick(GRACE + timedelta(hours=1))
    alice = simulator.state.services["jellyfin"].users[0]
    simulator.withhold_user_data("jellyfin", alice.id, ["Episode"])
    simulator.reset_requests()

    result = await call_action(hass, "run_cleanup", entry)

    assert result["result"] == "failed_closed"
    assert f"alice ({alice.id})" in result["message"]
    assert _writes(simulator) == []
    issue = _issue(hass, "jellyfin_watch_data_missing")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["users"] == f"alice ({alice.id})"
    # The preview tells the same, and deletes nothing either.
    preview = await call_action(hass, "preview_cleanup", entry)
    assert preview["failed_closed"]
    assert [r["code"] for r in preview["fail_reasons"]] == ["watch_data_missing"]


# -- the clock ----------------------------------------------------------------


async def test_a_clock_step_forward_never_makes_listed_items_due_early(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """NTP fixes the clock of a device without a real-time clock: +15 days at once."""
    entry = init_integration
    monotonic = [5000.0]
    _manager(entry).monotonic = lambda: monotonic[0]
    manager = await _armed(entry)
    fill_movies_disk(simulator)
    radarr = simulator.state.services["radarr"]

    day0 = await call_action(hass, "run_cleanup", entry)
    assert day0["result"] == "listed"
    listed = {e.key for e in manager.leaving_soon}
    movies = set(radarr.movies)

    # The wall clock jumps 15 days while one hour really passes.
    freezer.tick(GRACE + timedelta(days=1, hours=1))
    monotonic[0] += 3600
    simulator.reset_requests()
    stepped = await call_action(hass, "run_cleanup", entry)
    assert stepped["result"] == "failed_closed"
    assert "clock jumped forward" in stepped["message"]
    assert _writes(simulator) == []
    assert set(radarr.movies) == movies

    # From the new time on, the whole grace period is observed again.
    freezer.tick(timedelta(days=13))
    monotonic[0] += 13 * 86400
    waiting = await call_action(hass, "run_cleanup", entry)
    assert waiting["result"] == "listed", waiting["message"]
    assert set(radarr.movies) == movies
    assert listed <= {e.key for e in manager.leaving_soon}
    for item in manager.leaving_soon:
        assert item.delete_on > dt_util.utcnow()

    freezer.tick(timedelta(days=1, hours=1))
    monotonic[0] += 86400 + 3600
    done = await call_action(hass, "run_cleanup", entry)
    assert done["result"] == "ok", done["message"]
    assert done["deleted"]
    assert {d["key"] for d in done["deleted"]} <= listed


async def test_a_clock_step_back_is_doubt(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = init_integration
    monotonic = [5000.0]
    _manager(entry).monotonic = lambda: monotonic[0]
    await _armed(entry)
    fill_movies_disk(simulator)
    await call_action(hass, "run_cleanup", entry)
    freezer.tick(GRACE + timedelta(hours=2))
    monotonic[0] += GRACE.total_seconds() + 7200
    # A wrong time zone fixed: the clock goes back 5 hours.
    freezer.tick(timedelta(hours=-5))
    monotonic[0] += 60

    result = await call_action(hass, "run_cleanup", entry)

    assert result["result"] == "failed_closed"
    assert "clock jumped back" in result["message"]
    assert result["deleted"] == []


# -- restarts -----------------------------------------------------------------


@pytest.fixture
async def second_hass(
    hass_storage: dict[str, Any],
) -> AsyncGenerator[Callable[[], Any]]:
    """A factory of a second Home Assistant reading the same storage."""
    instances: list[Any] = []

    async def start() -> HomeAssistant:
        manager = async_test_home_assistant()
        new = await manager.__aenter__()
        instances.append(manager)
        new.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
        return new

    yield start
    for manager in reversed(instances):
        await manager.__aexit__(None, None, None)


async def _start(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    entry = lcars_entry(simulator)
    entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", [Platform.SENSOR]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry


async def test_time_the_machine_was_off_does_not_count(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    second_hass: Callable[[], Any],
) -> None:
    """Across a reboot, only the time observed before and after counts."""
    with patch(
        "custom_components.lcars.runtime.cleanup_clock._read_boot_id",
        return_value="first",
    ):
        entry = await _start(hass, simulator)
    manager = await _armed(entry)
    fill_movies_disk(simulator)
    start = dt_util.utcnow()
    await call_action(hass, "run_cleanup", entry)
    listed = {e.key for e in manager.leaving_soon}
    freezer.tick(timedelta(days=7))
    await call_action(hass, "run_cleanup", entry)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_stop()

    # Off for a week; the machine boots again.
    freezer.move_to(start + GRACE + timedelta(hours=1))
    hass2 = await second_hass()
    with patch(
        "custom_components.lcars.runtime.cleanup_clock._read_boot_id",
        return_value="second",
    ):
        entry2 = await _start(hass2, simulator)
    manager2 = _manager(entry2)
    assert manager2.dry_run is False
    movies = set(simulator.state.services["radarr"].movies)

    after = await call_action(hass2, "run_cleanup", entry2)
    assert after["result"] == "listed", after["message"]
    assert set(simulator.state.services["radarr"].movies) == movies
    for item in manager2.leaving_soon:
        if item.key in listed:
            assert item.delete_on >= start + timedelta(days=21, hours=1)
            assert "did not count toward the grace period" in item.reason

    freezer.move_to(start + timedelta(days=21, hours=2))
    late = await call_action(hass2, "run_cleanup", entry2)
    assert late["result"] == "ok", late["message"]
    assert late["deleted"]
    assert await hass2.config_entries.async_unload(entry2.entry_id)
    await hass2.async_stop()


async def test_a_ledger_stored_before_observed_time_loads_and_waits(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Items listed by an older LCARS wait a whole observed grace period."""
    radarr = simulator.state.services["radarr"]
    old_movie = min(m.id for m in radarr.movies.values() if m.file is not None)
    now = dt_util.utcnow()
    hass_storage[STORE] = {
        "version": 1,
        "minor_version": 1,
        "key": STORE,
        "data": {
            "dry_run": False,
            "automatic": False,
            "ledger": {
                "version": 1,
                "entries": {
                    f"{RADARR}/movie/{old_movie}": {
                        "entered": (now - timedelta(days=30)).isoformat(),
                        "delete_on": (now - timedelta(days=16)).isoformat(),
                        "attempts": 0,
                        "last_error": None,
                        "last_attempt": None,
                    }
                },
            },
            "leaving_soon": [],
            "last_run": None,
        },
    }
    fill_movies_disk(simulator)
    entry = await _start(hass, simulator)
    manager = _manager(entry)
    assert manager.dry_run is False
    assert _issue(hass, "cleanup_state_unreadable") is None

    first = await call_action(hass, "run_cleanup", entry)

    assert first["result"] == "listed", first["message"]
    assert old_movie in radarr.movies
    (entry_now,) = [e for e in manager.leaving_soon if e.key.endswith(f"/{old_movie}")]
    assert entry_now.delete_on == now + GRACE
    freezer.tick(GRACE + timedelta(hours=1))
    late = await call_action(hass, "run_cleanup", entry)
    assert late["result"] == "ok", late["message"]
    assert old_movie not in radarr.movies


# -- sizes ----------------------------------------------------------------------


async def test_items_whose_size_makes_no_sense_are_held(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = init_integration
    await _armed(entry)
    fill_movies_disk(simulator)
    radarr = simulator.state.services["radarr"]
    total = radarr.total_space_of("/movies")
    await call_action(hass, "run_cleanup", entry)
    listed = sorted(int(e.key.rsplit("/", 1)[1]) for e in _manager(entry).leaving_soon)
    negative, huge = listed[:2]
    radarr.movies[negative].file.size = -4096
    radarr.movies[huge].file.size = total * 2
    radarr.touch()
    freezer.tick(GRACE + timedelta(hours=1))

    preview = await call_action(hass, "preview_cleanup", entry, max_items=100)
    result = await call_action(hass, "run_cleanup", entry)

    held = {h["key"]: h["hold"] for h in preview["held"]}
    assert held[f"{RADARR}/movie/{negative}"] == "size_in_doubt"
    assert held[f"{RADARR}/movie/{huge}"] == "size_in_doubt"
    assert result["result"] == "ok", result["message"]
    assert result["deleted"]
    assert negative in radarr.movies
    assert huge in radarr.movies
    assert result["bytes_freed"] == sum(d["size"] for d in result["deleted"])
    assert all(d["size"] > 0 for d in result["deleted"])


# -- the store ------------------------------------------------------------------

GOOD_LEDGER = {"version": 1, "entries": {}}


@pytest.mark.parametrize(
    "data",
    [
        [],
        "dry_run: false",
        42,
        {},
        {"dry_run": "no", "automatic": True, "ledger": GOOD_LEDGER},
        {"dry_run": 0, "automatic": True, "ledger": GOOD_LEDGER},
        {"dry_run": False, "automatic": None, "ledger": GOOD_LEDGER},
        {"dry_run": False, "automatic": True, "ledger": []},
        {"dry_run": False, "automatic": True, "ledger": {"version": 1, "entries": []}},
        {
            "dry_run": False,
            "automatic": True,
            "ledger": {"version": 1, "entries": {"x": {"entered": 5}}},
        },
        {
            "dry_run": False,
            "automatic": True,
            "ledger": {**GOOD_LEDGER, "clock": {"wall": 1}},
        },
        {
            "dry_run": False,
            "automatic": True,
            "ledger": GOOD_LEDGER,
            "leaving_soon": {},
        },
        {
            "dry_run": False,
            "automatic": True,
            "ledger": GOOD_LEDGER,
            "leaving_soon": ["movie"],
        },
        {
            "dry_run": False,
            "automatic": True,
            "ledger": GOOD_LEDGER,
            "leaving_soon": [
                {
                    "key": f"{RADARR}/movie/1",
                    "title": "Movie",
                    "kind": "movie",
                    "service": "radarr",
                    "instance": "Radarr",
                    "root_folder": "/movies",
                    "size": 1,
                    "entered": "2026-01-01T00:00:00+00:00",
                    "delete_on": "2026-01-15T00:00:00+00:00",
                    "reason": "old",
                    "jellyfin_id": 7,
                }
            ],
        },
        {"dry_run": False, "automatic": True, "ledger": GOOD_LEDGER, "last_run": []},
        {
            "dry_run": False,
            "automatic": True,
            "ledger": GOOD_LEDGER,
            "last_run": {
                "started": "2026-01-01T00:00:00+00:00",
                "finished": "2026-01-01T00:00:00+00:00",
                "result": "exploded",
                "dry_run": False,
                "trigger": "button",
                "deleted": [],
                "failed": [],
                "bytes_freed": 0,
                "leaving_soon_count": 0,
            },
        },
        {
            "dry_run": False,
            "automatic": True,
            "ledger": GOOD_LEDGER,
            "last_run": {
                "started": "2026-01-01T00:00:00+00:00",
                "finished": "2026-01-01T00:00:00+00:00",
                "result": "ok",
                "dry_run": False,
                "trigger": "button",
                "deleted": "all",
                "failed": [],
                "bytes_freed": 0,
                "leaving_soon_count": 0,
            },
        },
    ],
    ids=[
        "list",
        "string",
        "number",
        "empty",
        "dry-run-text",
        "dry-run-number",
        "automatic-none",
        "ledger-list",
        "entries-list",
        "entry-date-number",
        "clock-incomplete",
        "leaving-soon-object",
        "leaving-soon-text",
        "leaving-soon-jellyfin-id-number",
        "last-run-list",
        "last-run-unknown-result",
        "last-run-deleted-text",
    ],
)
async def test_a_store_of_the_wrong_shape_is_read_as_unreadable(
    hass: HomeAssistant,
    simulator: Simulator,
    hass_storage: dict[str, Any],
    data: Any,
) -> None:
    """Dry run on, a repair issue, nothing deleted; the entry still sets up."""
    hass_storage[STORE] = {"version": 1, "minor_version": 1, "key": STORE, "data": data}
    fill_movies_disk(simulator)
    before = simulator.dump()

    entry = await _start(hass, simulator)

    assert entry.state is ConfigEntryState.LOADED
    manager = _manager(entry)
    assert manager.dry_run is True
    assert manager.leaving_soon == ()
    assert manager.last_run is None
    issue = _issue(hass, "cleanup_state_unreadable")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["entry"] == "LCARS"
    await manager.async_set_automatic(False)
    result = await call_action(hass, "run_cleanup", entry)
    assert result["dry_run"] is True
    assert simulator.dump() == before
    # The administrator turns dry run off: the notice is done.
    await manager.async_set_dry_run(False)
    assert _issue(hass, "cleanup_state_unreadable") is None
    assert hass_storage[STORE]["data"]["dry_run"] is False


async def test_a_store_of_a_newer_version_is_read_as_unreadable(
    hass: HomeAssistant, simulator: Simulator, hass_storage: dict[str, Any]
) -> None:
    hass_storage[STORE] = {
        "version": 9,
        "minor_version": 1,
        "key": STORE,
        "data": {"dry_run": False},
    }
    entry = await _start(hass, simulator)
    assert entry.state is ConfigEntryState.LOADED
    assert _manager(entry).dry_run is True
    assert _issue(hass, "cleanup_state_unreadable") is not None


# -- a run belongs to its entry ---------------------------------------------------


async def _due_run(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> CleanupManager:
    """Movies due now, with their grace period observed in full (no freezer here:
    the simulator's latency needs a clock that moves)."""
    manager = await _armed(entry)
    fill_movies_disk(simulator)
    await call_action(hass, "run_cleanup", entry, dry_run=True)
    assert len(manager.leaving_soon) >= 3
    clock = manager.read_clock()
    past = clock.wall - GRACE - timedelta(days=1)
    manager.ledger = Ledger(
        {
            key: LedgerEntry(entered=past, delete_on=past + GRACE, observed=GRACE * 2)
            for key in manager.ledger.entries
        },
        clock,
    )
    # Writes to Radarr take a second: the run is caught in the middle.
    simulator.faults("radarr").set(latency=1.0, paths=["/api/v3/movie/"])
    simulator.reset_requests()
    return manager


async def _first_write(simulator: Simulator) -> list[tuple[str, str, str]]:
    for _ in range(600):
        found = _writes(simulator)
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("the run sent no change")


async def test_reloading_the_entry_stops_its_run(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_storage: dict[str, Any],
) -> None:
    """No change of the old run reaches a server once unloading began, and the
    old run does not write its state over the new instance's."""
    entry = init_integration
    await _due_run(hass, entry, simulator)
    radarr = simulator.state.services["radarr"]
    movies = set(radarr.movies)
    run = hass.async_create_task(call_action(hass, "run_cleanup", entry))
    await _first_write(simulator)

    sent = len(_writes(simulator))
    started = time.monotonic()
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert time.monotonic() - started < 30
    new = _manager(entry)
    await new.async_set_dry_run(True)
    stopped = await run
    await hass.async_block_till_done()
    await asyncio.sleep(1.5)

    assert _writes(simulator)[sent:] == []
    assert stopped["result"] == "error"
    assert "unloaded" in stopped["message"]
    assert hass_storage[STORE]["data"]["dry_run"] is True
    assert new.dry_run is True
    # At most the movie whose change was under way when unloading began.
    assert len(movies - set(radarr.movies)) <= 1


async def test_turning_dry_run_on_stops_the_run_under_way(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    manager = await _due_run(hass, entry, simulator)
    radarr = simulator.state.services["radarr"]
    due = {e.key for e in manager.leaving_soon}
    movies = set(radarr.movies)
    run = hass.async_create_task(call_action(hass, "run_cleanup", entry))
    await _first_write(simulator)

    await manager.async_set_dry_run(True)
    sent = len(_writes(simulator))
    result = await run

    assert _writes(simulator)[sent:] == []
    assert result["result"] == "error"
    assert "dry run was turned on" in result["message"]
    assert result["failed"] == []
    assert len(movies - set(radarr.movies)) <= 1
    # What was not deleted is still listed, with no failed attempt counted.
    left = {e.key for e in manager.leaving_soon}
    for key in due:
        if int(key.rsplit("/", 1)[1]) in radarr.movies:
            assert key in left
    assert all(e.attempts == 0 for e in manager.ledger.entries.values())


async def test_reloading_the_entry_stops_a_deletion_by_hand(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    radarr = simulator.state.services["radarr"]
    keep = {t.id for t in radarr.tags if t.label == "lcars-keep"}
    movie = next(
        m
        for m in sorted(radarr.movies.values(), key=lambda m: m.id)
        if m.file is not None and not set(m.tags) & keep
    )
    simulator.faults("radarr").set(latency=1.0, paths=["/api/v3/movie/"])
    simulator.reset_requests()
    delete = hass.async_create_task(
        call_action(
            hass, "delete_media", entry, service="radarr", id=movie.id, dry_run=False
        )
    )
    await _first_write(simulator)

    sent = len(_writes(simulator))
    assert await hass.config_entries.async_reload(entry.entry_id)
    with pytest.raises(HomeAssistantError) as err:
        await delete
    await asyncio.sleep(1.5)

    assert err.value.translation_key == "entry_unloading"
    assert _writes(simulator)[sent:] == []
    assert movie.id in radarr.movies


async def test_a_run_after_unloading_does_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_storage: dict[str, Any],
) -> None:
    entry = init_integration
    manager = _manager(entry)
    item = await manager.async_find_candidate(f"{RADARR}/movie/1", whole_series=False)
    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage.get(STORE)
    simulator.reset_requests()

    summary = await manager.async_run(trigger="action", dry_run=False)
    await manager.async_set_dry_run(True)
    assert item is not None
    with pytest.raises(HomeAssistantError):
        await manager.async_delete_item(item, dry_run=False, reason="by hand")

    assert summary.result == "error"
    assert summary.message is not None
    assert "unloaded" in summary.message
    assert _writes(simulator) == []
    assert hass_storage.get(STORE) == stored


async def test_removing_the_entry_removes_its_notices(
    hass: HomeAssistant, simulator: Simulator, hass_storage: dict[str, Any]
) -> None:
    hass_storage[STORE] = {"version": 1, "minor_version": 1, "key": STORE, "data": []}
    entry = await _start(hass, simulator)
    assert _issue(hass, "cleanup_state_unreadable") is not None

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert _issue(hass, "cleanup_state_unreadable") is None
    assert STORE not in hass_storage


# -- what a run came to -------------------------------------------------------------


async def test_a_run_that_lists_items_says_listed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    manager = _manager(entry)
    await manager.async_set_automatic(False)

    nothing = await call_action(hass, "run_cleanup", entry)
    assert nothing["result"] == "nothing_to_do"
    fill_movies_disk(simulator)
    listed = await call_action(hass, "run_cleanup", entry)

    assert listed["result"] == "listed"
    assert listed["leaving_soon_count"] == len(manager.leaving_soon) > 0
    state = hass.states.get("sensor.cleanup_last_run_result")
    assert state is not None
    assert state.state == "listed"
    assert "listed" in state.attributes["options"]


async def test_cancelling_a_run_cancels_its_work(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A caller that gives up stops the run; the entry stays usable."""
    entry = init_integration
    manager = await _due_run(hass, entry, simulator)
    run = hass.async_create_task(manager.async_run(trigger="action"))
    await _first_write(simulator)

    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    sent = len(_writes(simulator))
    await asyncio.sleep(1.5)

    assert _writes(simulator)[sent:] == []
    assert manager.running is False
    simulator.faults("radarr").clear()
    again = await call_action(hass, "run_cleanup", entry, dry_run=True)
    assert again["result"] in ("dry_run", "listed")


async def test_readings_without_a_boot_id_compare_within_the_process(
    hass: HomeAssistant, simulator: Simulator, tmp_path: Any
) -> None:
    from custom_components.lcars.runtime import cleanup_clock  # noqa: PLC0415

    assert cleanup_clock._read_boot_id()
    with patch.object(cleanup_clock, "BOOT_ID_FILE", str(tmp_path / "none")):
        assert cleanup_clock._read_boot_id() is None
        entry = await _start(hass, simulator)
    manager = _manager(entry)
    assert manager.read_clock().source.startswith("process:")
    # Turning dry run off twice starts the grace periods once.
    await manager.async_set_dry_run(False)
    first = manager.ledger.clock
    await manager.async_set_dry_run(False)
    assert manager.ledger.clock == first


# -- nothing starts its grace period unseen ----------------------------------


async def test_a_run_that_fails_closed_starts_no_grace_period(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Items that expire while a source is down are listed once it is back.

    A run that fails closed keeps leaving soon as it was, so an item it
    would add is shown nowhere: its grace period must not start then, or it
    could pass without the item ever being announced.
    """
    entry = init_integration
    manager = await _armed(entry)
    simulator.faults("sonarr").set(status=500)
    fill_movies_disk(simulator)

    failed = await call_action(hass, "run_cleanup", entry)
    assert failed["result"] == "failed_closed"
    assert manager.leaving_soon == ()
    assert not [key for key in manager.ledger.entries if key.startswith(RADARR)]

    # The source stays down past a whole grace period...
    freezer.tick(GRACE + timedelta(days=1))
    assert (await call_action(hass, "run_cleanup", entry))["result"] == "failed_closed"
    # ...and once it is back, the expired movies are listed, not deleted.
    simulator.faults("sonarr").clear()
    listed = await call_action(hass, "run_cleanup", entry)
    assert listed["result"] == "listed"
    assert listed["deleted"] == []
    assert manager.leaving_soon
    now = dt_util.utcnow()
    assert all(e.delete_on >= now + GRACE for e in manager.leaving_soon)
    assert not [w for w in _writes(simulator) if w[0] == "radarr"]
