"""Cleanup runs in Home Assistant against the simulator: dry run, real run, restart."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import replace
from datetime import timedelta
import gc
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_test_home_assistant,
)

from custom_components.lcars.cleanup import Ledger
from custom_components.lcars.cleanup.ledger import LedgerEntry
from custom_components.lcars.cleanup.records import CleanupState, LeavingSoonEntry
from custom_components.lcars.const import (
    CONF_CLEANUP,
    CONF_CLEANUP_INTERVAL,
    DOMAIN,
    EVENT_CLEANUP_FINISHED,
    EVENT_MEDIA_DELETED,
)
from custom_components.lcars.runtime import cleanup as cleanup_runtime
from custom_components.lcars.runtime.cleanup import STARTUP_DELAY, CleanupManager
from custom_components.lcars.runtime.cleanup_store import CleanupStore
from homeassistant import loader
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers.json import save_json
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.json import load_json
from simulator import Simulator

from .conftest import call_action, fill_movies_disk, lcars_entry

RADARR = "radarr/sub_radarr"
GRACE = timedelta(days=14)


@pytest.fixture
def platforms() -> list[Platform]:
    """The cleanup needs no platform to run; keep the setup small."""
    return [Platform.SENSOR]


def _differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Name where two dumps differ (a short list; pytest's diff of them is slow)."""
    if type(old) is not type(new):
        return [path or "/"]
    if isinstance(old, dict):
        found: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            if key not in old or key not in new:
                found.append(f"{path}/{key}")
            else:
                found.extend(_differences(old[key], new[key], f"{path}/{key}"))
        return found[:20]
    if isinstance(old, list):
        if len(old) != len(new):
            return [f"{path} (length {len(old)} -> {len(new)})"]
        found = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            found.extend(_differences(a, b, f"{path}[{index}]"))
        return found[:20]
    return [] if old == new else [path or "/"]


def _movie_ids(dump: dict[str, Any]) -> set[int]:
    return {movie["id"] for movie in dump["services"]["radarr"]["movies"]}


def _without_collections(dump: dict[str, Any]) -> str:
    """The dump with Jellyfin's collections (and their BoxSet items) left out."""
    data = json.loads(json.dumps(dump))
    jellyfin = data["services"]["jellyfin"]
    collections = set(jellyfin.pop("collections"))
    jellyfin["items"] = [i for i in jellyfin["items"] if i["id"] not in collections]
    children = {
        parent: [child for child in members if child not in collections]
        for parent, members in jellyfin["children"].items()
        if parent not in collections
    }
    jellyfin["children"] = {parent: kids for parent, kids in children.items() if kids}
    return json.dumps(data, sort_keys=True)


def _leaving_soon_collection(simulator: Simulator) -> list[str] | None:
    jellyfin = simulator.state.services["jellyfin"]
    for collection_id, members in jellyfin.collections.items():
        if jellyfin.items[collection_id].name == "Leaving Soon":
            return list(members)
    return None


def _manager(entry: MockConfigEntry) -> CleanupManager:
    manager: CleanupManager = entry.runtime_data.cleanup
    return manager


async def _manual(entry: MockConfigEntry) -> CleanupManager:
    """Turn the scheduled runs off: moving the clock would start them."""
    manager = _manager(entry)
    await manager.async_set_automatic(False)
    return manager


async def test_dry_run_changes_nothing_then_a_real_run_deletes(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Dry run (the default) only announces; turned off, due items really go."""
    entry = init_integration
    manager = await _manual(entry)
    assert manager.dry_run is True
    fill_movies_disk(simulator)
    before = simulator.dump()
    finished = async_capture_events(hass, EVENT_CLEANUP_FINISHED)

    first = await call_action(hass, "run_cleanup", entry)

    # Expired movies start their grace period: nothing is due yet.
    assert first["result"] == "listed"
    assert first["dry_run"] is True
    assert first["deleted"] == []
    leaving = manager.leaving_soon
    assert leaving
    assert first["leaving_soon_count"] == len(leaving)
    assert {entry.service for entry in leaving} == {"radarr"}
    for item in leaving:
        assert item.delete_on - item.entered == GRACE
        assert "/movies" in item.reason
    # A dry run writes to no server: not even the Leaving Soon collection.
    assert _leaving_soon_collection(simulator) is None
    assert not _differences(before, simulator.dump())
    announced = simulator.dump()
    assert finished[-1].data["result"] == "listed"
    assert finished[-1].data["config_entry_id"] == entry.entry_id

    # Past the grace period, a dry run names what would go and sends nothing.
    freezer.tick(GRACE + timedelta(hours=1))
    second = await call_action(hass, "run_cleanup", entry)
    assert second["result"] == "dry_run"
    assert second["deleted"]
    assert second["bytes_freed"] == 0
    assert not _differences(announced, simulator.dump())
    would_go = {item["key"] for item in second["deleted"]}
    assert would_go <= {e.key for e in leaving}
    for item in second["deleted"]:
        assert "/movies is 2.9% free" in item["reason"]
        assert "limit is 15 days" in item["reason"]

    # The same run with dry run off deletes exactly those.
    deleted_events = async_capture_events(hass, EVENT_MEDIA_DELETED)
    third = await call_action(hass, "run_cleanup", entry, dry_run=False)
    assert third["result"] == "ok", third["message"]
    assert {item["key"] for item in third["deleted"]} == would_go
    assert third["bytes_freed"] == sum(item["size"] for item in third["deleted"])
    assert third["bytes_freed"] > 0
    after = simulator.dump()
    gone = {int(key.rsplit("/", 1)[1]) for key in would_go}
    assert _movie_ids(before) - _movie_ids(after) == gone
    # Nothing else: the series and artists are untouched.
    for name in ("sonarr", "lidarr"):
        assert not _differences(before["services"][name], after["services"][name])
    # Jellyseerr forgets the deleted movies.
    seerr_tmdb = {
        media["tmdb_id"]
        for media in after["services"]["jellyseerr"]["media"]
        if media["media_type"] == "movie"
    }
    radarr_movies = {m["id"]: m for m in before["services"]["radarr"]["movies"]}
    for movie_id in gone:
        assert radarr_movies[movie_id]["tmdb_id"] not in seerr_tmdb
    # Events carry the reason; the collection (made by this first real run)
    # holds what is still leaving, and nothing deleted.
    assert {e.data["key"] for e in deleted_events} == would_go
    assert all(e.data["reason"] for e in deleted_events)
    remaining = {e.key for e in manager.leaving_soon}
    assert remaining
    assert not remaining & would_go
    members = _leaving_soon_collection(simulator)
    assert members is not None
    assert set(members) == {
        e.jellyfin_id for e in manager.leaving_soon if e.jellyfin_id
    }
    # Apart from the deleted movies, only the collection changed in Jellyfin
    # (and the library refresh asked for once).
    assert after["services"]["jellyfin"]["refreshes"] == (
        before["services"]["jellyfin"]["refreshes"] + 1
    )
    # The dry run switch itself is untouched by a one-off override.
    assert manager.dry_run is True


async def test_turning_dry_run_off_restarts_the_grace_period(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Items listed during a dry run get a full, announced grace period."""
    entry = init_integration
    manager = await _manual(entry)
    fill_movies_disk(simulator)
    await call_action(hass, "run_cleanup", entry)
    listed = {e.key for e in manager.leaving_soon}
    assert listed
    freezer.tick(GRACE + timedelta(days=1))
    before = simulator.dump()

    await manager.async_set_dry_run(False)

    now = dt_util.utcnow()
    assert {e.key for e in manager.leaving_soon} == listed
    for item in manager.leaving_soon:
        assert item.delete_on == now + GRACE
    # The first real run announces them in Jellyfin and deletes nothing.
    result = await call_action(hass, "run_cleanup", entry)
    assert result["dry_run"] is False
    assert result["deleted"] == []
    after = simulator.dump()
    assert _movie_ids(after) == _movie_ids(before)
    members = _leaving_soon_collection(simulator)
    assert members
    freezer.tick(GRACE + timedelta(hours=1))
    result = await call_action(hass, "run_cleanup", entry)
    assert result["result"] == "ok", result["message"]
    assert result["deleted"]


async def test_fails_closed_when_a_service_is_down(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Past the grace period, a failed source still means no deletion at all."""
    entry = init_integration
    await _manual(entry)
    fill_movies_disk(simulator)
    await call_action(hass, "run_cleanup", entry, dry_run=False)
    leaving = _manager(entry).leaving_soon
    assert leaving
    freezer.tick(GRACE + timedelta(hours=1))
    simulator.faults("sonarr").set(status=500)
    before = simulator.dump()

    result = await call_action(hass, "run_cleanup", entry, dry_run=False)

    assert result["result"] == "failed_closed"
    assert result["deleted"] == []
    assert "Sonarr" in result["message"] or "sonarr" in result["message"]
    assert not _differences(before, simulator.dump())
    # The list stays as it was while the data is in doubt.
    assert _manager(entry).leaving_soon == leaving


async def test_schedule_runs_after_start_and_then_every_interval(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The first automatic run comes soon after setup, then at the interval."""
    entry = lcars_entry(simulator)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_CLEANUP: {CONF_CLEANUP_INTERVAL: 30}}
    )
    with patch("custom_components.lcars.PLATFORMS", [Platform.SENSOR]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    manager = _manager(entry)
    assert manager.interval == timedelta(minutes=30)
    assert manager.next_run is not None
    finished = async_capture_events(hass, EVENT_CLEANUP_FINISHED)

    freezer.tick(STARTUP_DELAY + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [e.data["trigger"] for e in finished] == ["schedule"]
    assert finished[0].data["dry_run"] is True

    freezer.tick(timedelta(minutes=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(finished) == 2

    # Automatic cleanup off: no more runs.
    await manager.async_set_automatic(False)
    assert manager.next_run is None
    freezer.tick(timedelta(hours=3))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(finished) == 2
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_run_and_delete_need_an_administrator(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_read_only_user: Any,
) -> None:
    """A user who is not an administrator cannot delete anything."""
    from homeassistant.core import Context  # noqa: PLC0415

    before = simulator.dump()
    context = Context(user_id=hass_read_only_user.id)
    for action, data in (
        ("run_cleanup", {"dry_run": False}),
        ("delete_media", {"service": "radarr", "id": 1, "dry_run": False}),
    ):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                DOMAIN,
                action,
                {"config_entry_id": init_integration.entry_id, **data},
                blocking=True,
                return_response=True,
                context=context,
            )
    assert not _differences(before, simulator.dump())


async def test_protect_and_unprotect(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Protect tags the movie in Radarr; unprotect takes every keep tag off."""
    entry = init_integration
    radarr = simulator.state.services["radarr"]
    movie = next(m for m in radarr.movies.values() if not m.tags)
    labels = {tag.id: tag.label for tag in radarr.tags}

    result = await call_action(hass, "protect", entry, service="radarr", id=movie.id)

    assert result["protected"] is True
    assert result["title"] == movie.title
    labels = {tag.id: tag.label for tag in radarr.tags}
    assert "lcars-keep" in {labels[t] for t in radarr.movies[movie.id].tags}

    fill_movies_disk(simulator)
    await call_action(hass, "run_cleanup", entry)
    assert f"{RADARR}/movie/{movie.id}" not in {
        e.key for e in _manager(entry).leaving_soon
    }

    result = await call_action(hass, "unprotect", entry, service="radarr", id=movie.id)
    assert result["protected"] is False
    labels = {tag.id: tag.label for tag in radarr.tags}
    assert "lcars-keep" not in {labels[t] for t in radarr.movies[movie.id].tags}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"service": "plex", "id": 1}, "invalid_service"),
        ({"service": "radarr", "id": 999999}, "item_not_found"),
        ({"service": "radarr", "id": "one"}, "invalid_item_id"),
        ({"service": "radarr", "id": -3}, "invalid_item_id"),
        ({"service": "radarr", "instance": "Radarr 4K", "id": 1}, "instance_not_found"),
        ({"service": "lidarr", "id": 1}, "album_required"),
    ],
)
async def test_delete_media_bad_input(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad input is refused with a translated error and deletes nothing."""
    before = simulator.dump()
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, "delete_media", init_integration, dry_run=False, **data)
    assert err.value.translation_key == key
    assert not _differences(before, simulator.dump())


async def test_delete_media_refuses_a_protected_item(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A kept movie is not deleted; the error says what keeps it."""
    entry = init_integration
    radarr = simulator.state.services["radarr"]
    movie = next(m for m in radarr.movies.values() if m.file is not None)
    await call_action(hass, "protect", entry, service="radarr", id=movie.id)
    before = simulator.dump()

    with pytest.raises(ServiceValidationError) as err:
        await call_action(
            hass, "delete_media", entry, service="radarr", id=movie.id, dry_run=False
        )

    assert err.value.translation_key == "item_protected"
    assert "lcars-keep" in str(err.value.translation_placeholders)
    assert not _differences(before, simulator.dump())


async def test_delete_media_follows_dry_run_unless_told(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """With dry run on nothing goes; with dry_run false the movie is deleted."""
    entry = init_integration
    radarr = simulator.state.services["radarr"]
    keep_ids = {t.id for t in radarr.tags if t.label == "lcars-keep"}
    movie = next(
        m
        for m in radarr.movies.values()
        if m.file is not None and not set(m.tags) & keep_ids
    )
    before = simulator.dump()

    dry = await call_action(hass, "delete_media", entry, service="radarr", id=movie.id)
    assert dry["dry_run"] is True
    assert dry["result"] == "dry_run"
    assert [d["key"] for d in dry["deleted"]] == [f"{RADARR}/movie/{movie.id}"]
    assert all(not step["performed"] for step in dry["steps"])
    assert not _differences(before, simulator.dump())

    deleted = async_capture_events(hass, EVENT_MEDIA_DELETED)
    real = await call_action(
        hass, "delete_media", entry, service="radarr", id=movie.id, dry_run=False
    )
    assert real["result"] == "ok"
    assert real["bytes_freed"] == dry["deleted"][0]["size"]
    assert movie.id not in radarr.movies
    assert _movie_ids(before) - _movie_ids(simulator.dump()) == {movie.id}
    assert [e.data["title"] for e in deleted] == [movie.title]
    assert "lcars.delete_media" in deleted[0].data["reason"]


# --------------------------------------------------------------- restart


@pytest.fixture
async def second_hass(
    hass_storage: dict[str, Any],
) -> AsyncGenerator[Any]:
    """A factory of a second Home Assistant reading the same storage."""
    instances: list[Any] = []

    async def start() -> HomeAssistant:
        manager = async_test_home_assistant()
        new = await manager.__aenter__()
        instances.append(manager)
        # Load LCARS from custom_components, as the test plugin does for `hass`.
        new.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
        return new

    yield start
    for manager in reversed(instances):
        await manager.__aexit__(None, None, None)


async def test_grace_period_survives_a_restart(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    second_hass: Any,
) -> None:
    """Day by day across a restart: deleted after the grace period, not before."""
    entry = lcars_entry(simulator)
    entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", [Platform.SENSOR]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    manager = await _manual(entry)
    await manager.async_set_dry_run(False)
    fill_movies_disk(simulator)
    start = dt_util.utcnow()

    day0 = await call_action(hass, "run_cleanup", entry)
    assert day0["result"] == "listed"
    entered = {e.key: e.entered for e in manager.leaving_soon}
    assert entered
    freezer.tick(timedelta(days=7))
    day7 = await call_action(hass, "run_cleanup", entry)
    assert day7["deleted"] == []
    movies_before_restart = set(simulator.state.services["radarr"].movies)

    # Home Assistant stops; a new one starts from the same storage.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_stop()
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.cleanup"]["data"]
    assert stored["dry_run"] is False
    assert set(stored["ledger"]["entries"]) >= set(entered)

    hass2 = await second_hass()
    entry2 = lcars_entry(simulator)
    entry2.add_to_hass(hass2)
    with patch("custom_components.lcars.PLATFORMS", [Platform.SENSOR]):
        assert await hass2.config_entries.async_setup(entry2.entry_id)
        await hass2.async_block_till_done()
    assert entry2.state is ConfigEntryState.LOADED
    manager2 = _manager(entry2)
    assert manager2.dry_run is False
    assert manager2.automatic is False
    assert {e.key: e.entered for e in manager2.leaving_soon} == entered

    # One hour before the end of the grace period: still nothing.
    freezer.move_to(start + GRACE - timedelta(hours=1))
    early = await call_action(hass2, "run_cleanup", entry2)
    assert early["deleted"] == []
    assert set(simulator.state.services["radarr"].movies) == movies_before_restart

    # Once it is over, the stalest go, each with its time on leaving soon.
    freezer.move_to(start + GRACE + timedelta(hours=1))
    late = await call_action(hass2, "run_cleanup", entry2)
    assert late["result"] == "ok", late["message"]
    assert late["deleted"]
    for item in late["deleted"]:
        assert item["key"] in entered
        movie_id = int(item["key"].rsplit("/", 1)[1])
        assert movie_id not in simulator.state.services["radarr"].movies
        assert "On leaving soon since" in item["reason"]
    assert await hass2.config_entries.async_unload(entry2.entry_id)
    await hass2.async_stop()


@pytest.fixture
def store_saves() -> Generator[list[tuple[str, Any]]]:
    """Every save of a Store: its key and the data handed to it."""
    saves: list[tuple[str, Any]] = []
    original = Store.async_save

    async def counted(store: Store[Any], data: Any) -> None:
        saves.append((store.key, data))
        await original(store, data)

    with patch.object(Store, "async_save", counted):
        yield saves


async def test_a_run_saves_once_and_only_what_changed(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
    store_saves: list[tuple[str, Any]],
) -> None:
    """A dry run writes its store once; the same state is not written again."""
    fill_movies_disk(simulator)
    manager = init_integration.runtime_data.cleanup
    key = f"{DOMAIN}.{init_integration.entry_id}.cleanup"

    def writes() -> int:
        return sum(1 for saved_key, _data in store_saves if saved_key == key)

    summary = await manager.async_run(trigger="action")
    assert summary.result != "error"
    assert manager.leaving_soon
    assert writes() == 1
    stored = CleanupState.from_dict(hass_storage[key]["data"])
    assert stored.ledger.to_dict() == manager.ledger.to_dict()
    assert stored.leaving_soon == manager.leaving_soon
    assert stored.last_run == manager.last_run

    # Switches set to what they are: nothing to write.
    await manager.async_set_dry_run(True)
    await manager.async_set_automatic(True)
    assert writes() == 1
    await manager.async_set_automatic(False)
    assert writes() == 2
    assert hass_storage[key]["data"]["automatic"] is False


def _ledger_and_list(count: int) -> CleanupState:
    now = dt_util.utcnow()
    leaving = tuple(
        LeavingSoonEntry(
            key=f"radarr/main/movie/{n}",
            title=f"Movie {n}",
            kind="movie",
            service="radarr",
            instance="Radarr",
            root_folder="/movies",
            size=n * 1_000_000,
            entered=now,
            delete_on=now + GRACE + timedelta(minutes=n),
            reason="Not watched for 400 days; /movies is 3 % free",
            jellyfin_id=f"jf{n}",
        )
        for n in range(count)
    )
    ledger = Ledger(
        {
            item.key: LedgerEntry(entered=item.entered, delete_on=item.delete_on)
            for item in leaving
        }
    )
    return CleanupState(dry_run=False, ledger=ledger, leaving_soon=leaving)


async def test_stored_state_is_compact_and_loads(
    hass: HomeAssistant,
    tmp_path: Path,
    store_saves: list[tuple[str, Any]],
) -> None:
    """Thousands of entries are written without indenting each and read back whole."""
    entry = MockConfigEntry(domain=DOMAIN, title="LCARS", entry_id="compact")
    entry.add_to_hass(hass)
    state = _ledger_and_list(3000)
    store = CleanupStore(hass, entry)
    await store.async_save(state)
    _key, data = store_saves[0]
    # The file as the Store writes it: indented at the top, its parts compact.
    path = tmp_path / "cleanup.json"
    await hass.async_add_executor_job(
        save_json, str(path), {"version": 1, "minor_version": 1, "data": data}
    )
    text = await hass.async_add_executor_job(path.read_text)
    assert len(text.splitlines()) < 20
    loaded = await hass.async_add_executor_job(load_json, str(path))
    assert isinstance(loaded, dict)
    again = CleanupState.from_dict(loaded["data"])
    assert again.as_dict() == state.as_dict()
    assert len(again.leaving_soon) == len(again.ledger) == 3000
    # The same state again (an equal copy): not written again.
    await store.async_save(replace(state))
    assert len(store_saves) == 1


async def test_planning_sets_the_objects_before_it_aside(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Collections during planning skip older objects; afterwards none stay aside."""
    fill_movies_disk(simulator)
    seen: list[int] = []
    original = cleanup_runtime.work_out

    def work_out(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_freeze_count())
        return original(*args, **kwargs)

    monkeypatch.setattr(cleanup_runtime, "work_out", work_out)
    # The test plugin of some releases sets objects aside itself.
    had = gc.get_freeze_count()
    gc.unfreeze()
    try:
        await call_action(hass, "run_cleanup", init_integration)
        assert len(seen) == 1
        assert seen[0] > 0
        assert gc.get_freeze_count() == 0
    finally:
        if had:
            gc.freeze()
