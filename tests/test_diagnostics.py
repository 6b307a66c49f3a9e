"""Tests of the LCARS diagnostics."""

from __future__ import annotations

import json
from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.lcars.diagnostics import async_get_config_entry_diagnostics
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant


async def test_diagnostics_snapshot(
    hass: HomeAssistant,
    frozen_simulator: Any,
    frozen_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Settings and figures of every service, from the seeded library."""
    diagnostics = await async_get_config_entry_diagnostics(hass, frozen_integration)
    assert diagnostics == snapshot(exclude=props("url"))


async def test_diagnostics_never_show_a_key(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: Any,
) -> None:
    """Downloaded diagnostics name every service's URL but no key."""
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    dumped = json.dumps(diagnostics)
    for handle in simulator.services.values():
        assert handle.api_key not in dumped
        assert handle.url in dumped
    assert len(diagnostics["services"]) == len(simulator.services)
    for service in diagnostics["services"]:
        assert service["data"]["api_key"] == "**REDACTED**"
        assert service["last_update_success"] is True
        assert service["figures"]


async def test_diagnostics_of_an_entry_not_loaded(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Any
) -> None:
    """An entry whose setup failed still gives its settings."""
    config_entry.add_to_hass(hass)
    subentry = config_entry.subentries["sub_radarr"]
    hass.config_entries.async_update_subentry(
        config_entry, subentry, data=dict(subentry.data) | {CONF_URL: "radarr:7878"}
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    diagnostics = await async_get_config_entry_diagnostics(hass, config_entry)
    assert [s["type"] for s in diagnostics["services"]] == list(simulator.services)
    assert all("last_update_success" not in s for s in diagnostics["services"])
    assert simulator.services["radarr"].api_key not in json.dumps(diagnostics)
