"""Cleanup outcomes Home Assistant reports, when a step after the deletions fails."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lcars.runtime.cleanup import CleanupManager
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from simulator import Simulator

from .conftest import call_action


@pytest.fixture
def platforms() -> list[Platform]:
    """The cleanup needs no platform to run; keep the setup small."""
    return [Platform.SENSOR]


def _refresh_fails(simulator: Simulator) -> None:
    simulator.faults("jellyfin").set(status=500, paths=["/Library/Refresh"])


async def test_a_failed_jellyfin_rescan_after_a_deletion_is_told(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    radarr = simulator.state.services["radarr"]
    keep_ids = {t.id for t in radarr.tags if t.label == "lcars-keep"}
    movie = next(
        m
        for m in radarr.movies.values()
        if m.file is not None and not set(m.tags) & keep_ids
    )
    _refresh_fails(simulator)
    real = await call_action(
        hass, "delete_media", entry, service="radarr", id=movie.id, dry_run=False
    )
    # The movie is gone all the same; the answer says Jellyfin still shows it.
    assert movie.id not in radarr.movies
    assert real["result"] == "ok"
    assert real["message"].startswith("Jellyfin did not rescan its libraries: ")
    assert "/Library/Refresh" in real["message"]


async def test_a_run_whose_jellyfin_rescan_failed_says_so(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = init_integration
    manager: CleanupManager = entry.runtime_data.cleanup
    await manager.async_set_automatic(False)
    radarr = simulator.state.services["radarr"]
    total = radarr.total_space_of("/movies")
    simulator.set_free_space("radarr", "/movies", total * 3 // 100)
    first = await call_action(hass, "run_cleanup", entry)
    assert first["message"] is None
    freezer.tick(timedelta(days=15))
    _refresh_fails(simulator)
    run = await call_action(hass, "run_cleanup", entry, dry_run=False)
    assert run["deleted"]
    assert run["result"] == "ok"
    assert run["message"].startswith("Jellyfin did not rescan its libraries: ")
