"""Tests of how the logbook tells the cleanup's events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.lcars import logbook
from custom_components.lcars.const import (
    DOMAIN,
    EVENT_CLEANUP_FINISHED,
    EVENT_MEDIA_ADDED,
    EVENT_MEDIA_DELETED,
    EVENT_REQUEST_CHANGED,
)
from homeassistant.components.logbook.models import (
    LazyEventPartialState,
    async_event_to_row,
)
from homeassistant.const import Platform
from homeassistant.core import Event, HomeAssistant

type Describe = Callable[[LazyEventPartialState], dict[str, Any]]

ENTRY_ID = "lcars_entry"


@pytest.fixture
def platforms() -> list[Platform]:
    """No entities are needed: the manager fires the events."""
    return []


def _describers(hass: HomeAssistant) -> dict[str, tuple[str, Describe]]:
    """What the platform teaches the logbook, by event type."""
    found: dict[str, tuple[str, Describe]] = {}

    def describe_event(domain: str, event_name: str, describe: Describe) -> None:
        found[event_name] = (domain, describe)

    logbook.async_describe_events(hass, describe_event)
    return found


def _describe(hass: HomeAssistant, event: Event[Any]) -> dict[str, Any]:
    """Describe an event from the bus the way the logbook reads it back."""
    domain, describe = _describers(hass)[event.event_type]
    assert domain == DOMAIN
    return describe(LazyEventPartialState(async_event_to_row(event), {}))


def _finished(**data: Any) -> Event[Any]:
    base = {
        "config_entry_id": ENTRY_ID,
        "result": "ok",
        "dry_run": False,
        "trigger": "schedule",
        "deleted": 0,
        "failed": 0,
        "bytes_freed": 0,
        "leaving_soon": 0,
        "message": None,
    }
    return Event(EVENT_CLEANUP_FINISHED, base | data)


async def test_describes_both_events(hass: HomeAssistant) -> None:
    """Both events of the cleanup are taught to the logbook."""
    assert set(_describers(hass)) == {
        EVENT_CLEANUP_FINISHED,
        EVENT_MEDIA_DELETED,
        EVENT_MEDIA_ADDED,
        EVENT_REQUEST_CHANGED,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"result": "ok", "deleted": 3, "bytes_freed": 12_400_000_000},
            "cleanup finished: 3 items deleted, 11.5 GiB freed",
        ),
        (
            {"result": "ok", "deleted": 1, "bytes_freed": 350 << 20},
            "cleanup finished: 1 item deleted, 350.0 MiB freed",
        ),
        (
            {
                "result": "ok",
                "deleted": 2,
                "bytes_freed": 3 << 40,
                "leaving_soon": 4,
            },
            "cleanup finished: 2 items deleted, 3.0 TiB freed, 4 items leaving soon",
        ),
        (
            {"result": "dry_run", "dry_run": True, "deleted": 3},
            "dry run: 3 items would be deleted",
        ),
        (
            {"result": "nothing_to_do", "leaving_soon": 1},
            "cleanup finished: nothing to delete, 1 item leaving soon",
        ),
        (
            {"result": "failed_closed", "message": "Sonarr failed to refresh"},
            "failed closed: Sonarr failed to refresh",
        ),
        (
            {
                "result": "error",
                "deleted": 1,
                "failed": 1,
                "message": "1 of 2 deletions failed: Dune (2021): HTTP 500",
            },
            "cleanup failed: 1 of 2 deletions failed: Dune (2021): HTTP 500",
        ),
        ({"result": "error", "message": None}, "cleanup failed: no reason given"),
    ],
)
async def test_cleanup_finished_messages(
    hass: HomeAssistant, data: dict[str, Any], message: str
) -> None:
    """Each result reads as one plain line; the name is the entry's title."""
    MockConfigEntry(domain=DOMAIN, entry_id=ENTRY_ID, title="Media").add_to_hass(hass)
    described = _describe(hass, _finished(**data))
    assert described == {"name": "Media", "message": message}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"title": "Dune", "year": 2021, "instance": "Radarr 4K", "route": "arr"},
            "added Dune (2021) to Radarr 4K",
        ),
        (
            {"title": "Nirvana", "year": None, "service": "lidarr"},
            "added Nirvana to lidarr",
        ),
        ({"year": True}, "added an item to the library"),
        (
            {
                "title": "Dune",
                "year": 2021,
                "instance": "Jellyseerr",
                "route": "jellyseerr",
                "status": "pending",
            },
            "requested Dune (2021) in Jellyseerr (pending)",
        ),
        (
            {"title": "Dune", "instance": "Jellyseerr", "route": "jellyseerr"},
            "requested Dune in Jellyseerr",
        ),
    ],
)
async def test_media_added_messages(
    hass: HomeAssistant, data: dict[str, Any], message: str
) -> None:
    """An add names the title, its year and where it went."""
    MockConfigEntry(domain=DOMAIN, entry_id=ENTRY_ID, title="Media").add_to_hass(hass)
    event = Event(EVENT_MEDIA_ADDED, {"config_entry_id": ENTRY_ID, **data})
    assert _describe(hass, event) == {"name": "Media", "message": message}


async def test_media_deleted_message(hass: HomeAssistant) -> None:
    """A deletion names the item and why it went."""
    event = Event(
        EVENT_MEDIA_DELETED,
        {
            "config_entry_id": "gone",
            "key": "radarr/sub_radarr/movie/12",
            "title": "Dune (2021)",
            "kind": "movie",
            "service": "radarr",
            "instance": "Radarr",
            "size": 4_000_000_000,
            "reason": "not watched for 40 days",
        },
    )
    # An entry that no longer exists is named after the integration.
    assert _describe(hass, event) == {
        "name": "LCARS",
        "message": "deleted Dune (2021): not watched for 40 days",
    }


async def test_describes_real_runs(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The events of real runs read as what they did."""
    manager = init_integration.runtime_data.cleanup
    finished = async_capture_events(hass, EVENT_CLEANUP_FINISHED)
    deleted = async_capture_events(hass, EVENT_MEDIA_DELETED)
    await manager.async_set_automatic(False)
    total = simulator.state.services["radarr"].total_space_of("/movies")
    simulator.set_free_space("radarr", "/movies", total * 3 // 100)

    first = await manager.async_run(trigger="action")
    await hass.async_block_till_done()
    assert first.result == "listed"
    assert first.leaving_soon_count > 0
    assert _describe(hass, finished[-1]) == {
        "name": "LCARS",
        "message": (
            "cleanup finished: nothing to delete, "
            f"{first.leaving_soon_count} items leaving soon"
        ),
    }

    # After the grace period, a dry run tells what it would delete.
    freezer.tick(timedelta(days=15))
    dry = await manager.async_run(trigger="action")
    await hass.async_block_till_done()
    assert dry.result == "dry_run"
    assert dry.deleted
    message = _describe(hass, finished[-1])["message"]
    count = len(dry.deleted)
    assert message.startswith(
        f"dry run: {count} {'item' if count == 1 else 'items'} would be deleted"
    )
    assert not deleted

    real = await manager.async_run(trigger="action", dry_run=False)
    await hass.async_block_till_done()
    assert real.result == "ok"
    assert real.deleted
    assert len(deleted) == len(real.deleted)
    message = _describe(hass, finished[-1])["message"]
    count = len(real.deleted)
    noun = "item" if count == 1 else "items"
    assert message.startswith(
        f"cleanup finished: {count} {noun} deleted, "
        f"{logbook.format_size(real.bytes_freed)} freed"
    )
    for event, entry in zip(deleted, real.deleted, strict=True):
        assert _describe(hass, event) == {
            "name": "LCARS",
            "message": f"deleted {entry.title}: {entry.reason}",
        }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "status": "approved",
                "title": "Dune",
                "year": 2021,
                "requested_by": "bob",
                "by": "Ann",
                "reason": "yes",
            },
            "approved the request for Dune (2021) by bob (Ann): yes",
        ),
        (
            {"status": "declined", "title": "Dune", "year": None, "reason": None},
            "declined the request for Dune",
        ),
        ({"status": "odd", "request_id": 7}, "changed the request for request 7"),
    ],
)
async def test_request_changes(
    hass: HomeAssistant, data: dict[str, Any], message: str
) -> None:
    """A request approved or declined is told with its title, asker and reason."""
    event = Event(EVENT_REQUEST_CHANGED, {"config_entry_id": ENTRY_ID, **data})
    assert _describe(hass, event)["message"] == message
