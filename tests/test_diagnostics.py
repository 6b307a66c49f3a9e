"""Tests of the LCARS diagnostics."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.lcars.const import CONF_SCAN_INTERVAL, DOMAIN
from custom_components.lcars.diagnostics import async_get_config_entry_diagnostics
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant

from .conftest import subentry_data


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


async def test_secrets_in_stored_urls_are_redacted(
    hass: HomeAssistant,
    simulator: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """URLs stored with a user, password or key in them (before they were refused).

    Diagnostics keep their address and redact the rest, in the services and
    in the options (the address of a BitTorrent client); log lines and
    errors name the address only.
    """
    secret = "s3cr3t-in-the-url"
    radarr = simulator.services["radarr"]
    sonarr = simulator.services["sonarr"]
    scheme, rest = radarr.url.split("://", 1)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={
            CONF_SCAN_INTERVAL: 60,
            "torrent": {"url": f"http://admin:{secret}@127.0.0.1:8080/?key={secret}"},
        },
        entry_id="lcars_entry",
        subentries_data=[
            subentry_data(
                simulator, "radarr", url=f"{scheme}://admin:{secret}@{rest}?x={secret}"
            ),
            subentry_data(simulator, "sonarr", url=f"{sonarr.url}/?apikey={secret}"),
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    # A failing refresh logs the service's address.
    caplog.clear()
    simulator.faults("radarr").set(status=500)
    simulator.faults("sonarr").set(malformed=True)
    for coordinator in entry.runtime_data.coordinators.values():
        await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert radarr.url in caplog.text
    assert sonarr.url in caplog.text
    for coordinator in entry.runtime_data.coordinators.values():
        assert secret not in str(coordinator.last_exception)
        assert secret not in repr(coordinator.last_exception.__cause__)

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    dumped = json.dumps(diagnostics)
    assert secret not in dumped
    assert secret not in caplog.text
    data = {s["title"]: s["data"] for s in diagnostics["services"]}
    assert data["Radarr"]["url"] == f"{scheme}://**REDACTED**@{rest}?**REDACTED**"
    assert data["Sonarr"]["url"] == f"{sonarr.url}/?**REDACTED**"
    assert diagnostics["entry"]["options"]["torrent"]["url"] == (
        "http://**REDACTED**@127.0.0.1:8080/?**REDACTED**"
    )
    await hass.config_entries.async_unload(entry.entry_id)
