"""Faults of each service: unavailable while failing, quiet logs, quick recovery."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.lcars.clients import http
from custom_components.lcars.const import DOMAIN, REFRESH_TIMEOUT_SECONDS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .conftest import lcars_entry

# One figure of each service that must go unavailable with it.
SENSORS = {
    "radarr": "sensor.radarr_movies",
    "sonarr": "sensor.sonarr_series",
    "lidarr": "sensor.lidarr_artists",
    "jellyfin": "sensor.jellyfin_movies",
    "jellyseerr": "sensor.jellyseerr_pending_requests",
}
CONNECTIVITY = "binary_sensor.{}_connectivity"

# A refresh gives up after this long while latency is injected, so the
# latency can stay short.
SHORT_TIMEOUT = 0.5

FAULTS: dict[str, dict[str, Any]] = {
    "latency": {"latency": 1.5},
    "status_500": {"status": 500},
    "drop": {"drop": True},
    "malformed": {"malformed": True},
    "truncate": {"truncate": True},
    # Hostile servers: a list that never ends, a huge string, absurd nesting.
    "endless": {"endless": True},
    "endless_gzip": {"endless": True, "gzip": True},
    "huge": {"huge": 60_000_000},
    "deep": {"deep": 100_000},
}

# The largest list of each refresh, where the hostile faults go (Jellyseerr's
# refresh reads no list: all of its answers get them).
LIST_PATHS = {
    "radarr": ["/api/v3/movie"],
    "sonarr": ["/api/v3/series"],
    "lidarr": ["/api/v1/album"],
    "jellyfin": ["/Items"],
    "jellyseerr": ["/api/v1"],
}

# What the logged error says of each hostile fault.
CAUSES = {
    "endless": "larger than",
    "endless_gzip": "larger than",
    "huge": "larger than 1 MiB",
    "deep": "nested too deeply",
}


async def _poll(hass: HomeAssistant) -> None:
    """Let one polling interval pass."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("name", list(SENSORS))
async def test_fault_makes_service_unavailable_then_recovers(
    hass: HomeAssistant,
    simulator: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    fault: str,
) -> None:
    """While a service fails only its entities go; it is logged once each way."""
    other = next(n for n in ("radarr", "sonarr") if n != name)
    entry = lcars_entry(simulator, [name, other])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinators[f"sub_{name}"]
    assert hass.states.get(SENSORS[name]).state != STATE_UNAVAILABLE
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="custom_components.lcars")
    # The simulator's side of a connection LCARS gives up on is reset, which
    # asyncio logs with a traceback at debug level: not LCARS's logs.
    caplog.set_level(logging.INFO, logger="asyncio")

    simulator.faults(name).set(**FAULTS[fault])
    if fault == "latency":
        coordinator.refresh_timeout = SHORT_TIMEOUT
    if fault in CAUSES:
        simulator.faults(name).set(paths=LIST_PATHS[name])
        # A limit an endless list reaches in a moment (the real one is 512
        # MiB), and a refresh that gives up long before its usual time.
        monkeypatch.setattr(http, "MAX_LIST_SIZE", 4 * 1024 * 1024)
        coordinator.refresh_timeout = 20
    await _poll(hass)
    await _poll(hass)  # a second failure is not logged again
    assert hass.states.get(SENSORS[name]).state == STATE_UNAVAILABLE
    assert hass.states.get(CONNECTIVITY.format(name)).state == STATE_OFF
    # The other service carries on.
    assert hass.states.get(SENSORS[other]).state != STATE_UNAVAILABLE
    assert hass.states.get(CONNECTIVITY.format(other)).state == STATE_ON

    simulator.faults(name).clear()
    coordinator.refresh_timeout = REFRESH_TIMEOUT_SECONDS
    await _poll(hass)
    assert hass.states.get(SENSORS[name]).state != STATE_UNAVAILABLE
    assert hass.states.get(CONNECTIVITY.format(name)).state == STATE_ON

    records = [r for r in caplog.records if r.name.startswith("custom_components")]
    title = entry.subentries[f"sub_{name}"].title
    went = [r for r in records if r.getMessage().startswith(f"Error fetching {title}")]
    back = [r for r in records if r.getMessage() == f"Fetching {title} data recovered"]
    assert len(went) == 1, [r.getMessage() for r in records]
    assert len(back) == 1
    assert simulator.services[name].url in went[0].getMessage()
    if fault in CAUSES:
        assert CAUSES[fault] in went[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    assert "Traceback" not in caplog.text
    assert simulator.services[name].api_key not in caplog.text
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize("name", list(SENSORS))
async def test_rotated_key_starts_reauth(
    hass: HomeAssistant,
    simulator: Any,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    """A refused key makes the service unavailable and asks for the new key."""
    entry = lcars_entry(simulator, [name])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    old_key = simulator.services[name].api_key
    new_key = simulator.rotate_key(name)
    await _poll(hass)
    assert hass.states.get(SENSORS[name]).state == STATE_UNAVAILABLE
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == "reauth"
    assert flows[0]["context"]["entry_id"] == entry.entry_id
    # The flow asks for the key of this very service.
    form = await hass.config_entries.flow.async_configure(flows[0]["flow_id"])
    assert form["step_id"] == "reauth_confirm"
    assert form["description_placeholders"]["name"] == (
        entry.subentries[f"sub_{name}"].title
    )
    assert form["description_placeholders"]["url"] == simulator.services[name].url

    # Polling on does not pile up flows.
    await _poll(hass)
    assert len(hass.config_entries.flow.async_progress_by_handler(DOMAIN)) == 1
    assert "Traceback" not in caplog.text
    assert new_key not in caplog.text
    assert old_key not in caplog.text
