"""Tests of the LCARS connectivity sensors."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the binary sensors."""
    return [Platform.BINARY_SENSOR]


async def test_binary_sensors(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """One connectivity sensor per service, on while it answers."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_connectivity_stays_available_when_off(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """The service fails: the sensor turns off instead of going unavailable."""
    entity_id = "binary_sensor.jellyseerr_connectivity"
    assert hass.states.get(entity_id).state == STATE_ON
    simulator.faults("jellyseerr").set(status=503)
    coordinator = init_integration.runtime_data.coordinators["sub_jellyseerr"]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == STATE_OFF
    simulator.faults("jellyseerr").clear()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == STATE_ON
