"""Tests of setting up, unloading and changing the LCARS entry."""

from __future__ import annotations

import asyncio
import logging
from types import MappingProxyType
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lcars.const import DOMAIN
from custom_components.lcars.coordinator import (
    JellyfinCoordinator,
    JellyseerrCoordinator,
    LidarrCoordinator,
    RadarrCoordinator,
    SonarrCoordinator,
)
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigSubentry,
)
from homeassistant.const import CONF_API_KEY, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator.radarr import RadarrService

from .conftest import lcars_entry, subentry_data


async def test_setup_and_unload(
    hass: HomeAssistant,
    simulator: Any,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Every service gets a typed coordinator and a device; unload stops all."""
    entry = lcars_entry(simulator)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    coordinators = entry.runtime_data.coordinators
    assert {sid: type(c) for sid, c in coordinators.items()} == {
        "sub_radarr": RadarrCoordinator,
        "sub_sonarr": SonarrCoordinator,
        "sub_lidarr": LidarrCoordinator,
        "sub_jellyfin": JellyfinCoordinator,
        "sub_jellyseerr": JellyseerrCoordinator,
    }
    assert set(entry.runtime_data.clients) == set(coordinators)
    data = entry.runtime_data
    assert data.radarr == [coordinators["sub_radarr"]]
    assert data.sonarr == [coordinators["sub_sonarr"]]
    assert data.lidarr == [coordinators["sub_lidarr"]]
    assert data.jellyfin == [coordinators["sub_jellyfin"]]
    assert data.jellyseerr == [coordinators["sub_jellyseerr"]]
    assert {c.subentry_id for c in data.arr} == {
        "sub_radarr",
        "sub_sonarr",
        "sub_lidarr",
    }
    assert all(c.last_update_success for c in coordinators.values())
    assert all(c.update_interval.total_seconds() == 60 for c in coordinators.values())  # type: ignore[union-attr]

    device = device_registry.async_get_device(identifiers={(DOMAIN, "sub_radarr")})
    assert device is not None
    assert device.name == "Radarr"
    assert device.manufacturer == "Radarr"
    assert device.model == "Radarr"
    assert device.sw_version == coordinators["sub_radarr"].data.status.version
    assert device.configuration_url == coordinators["sub_radarr"].client.url
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert device.config_entries_subentries == {entry.entry_id: {"sub_radarr"}}

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    for registry_entry in er.async_entries_for_config_entry(
        er.async_get(hass), entry.entry_id
    ):
        state = hass.states.get(registry_entry.entity_id)
        assert state is None or state.state == "unavailable"


async def test_empty_entry_loads(hass: HomeAssistant) -> None:
    """LCARS without services loads and waits for services to be added."""
    entry = MockConfigEntry(domain=DOMAIN, title="LCARS", data={})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinators == {}
    assert hass.services.has_service(DOMAIN, "get_library")


async def test_a_service_down_at_setup_does_not_hold_up_the_entry(
    hass: HomeAssistant, simulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A service that does not answer at setup: the entry loads, the log says which."""
    entry = lcars_entry(simulator, ["radarr", "sonarr"])
    entry.add_to_hass(hass)
    simulator.faults("sonarr").set(status=500)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.reason is None
    coordinators = entry.runtime_data.coordinators
    assert coordinators["sub_radarr"].last_update_success
    assert not coordinators["sub_sonarr"].last_update_success
    assert coordinators["sub_sonarr"].data is None
    (line,) = [
        r.getMessage()
        for r in caplog.records
        if r.name == "custom_components.lcars" and r.levelno >= logging.WARNING
    ]
    assert line.startswith("Error fetching Sonarr data")
    assert simulator.services["sonarr"].url in line
    assert simulator.services["sonarr"].api_key not in caplog.text
    assert "Traceback" not in caplog.text


async def test_invalid_stored_url_is_an_error(
    hass: HomeAssistant, simulator: Any
) -> None:
    """A stored URL that cannot be valid is not retried."""
    entry = lcars_entry(simulator, ["radarr"])
    entry.add_to_hass(hass)
    subentry = entry.subentries["sub_radarr"]
    hass.config_entries.async_update_subentry(
        entry, subentry, data=dict(subentry.data) | {CONF_URL: "radarr:7878"}
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR


async def test_add_and_remove_a_service_without_recreating(
    hass: HomeAssistant,
    simulator: Any,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A subentry added or removed takes effect on the same entry."""
    entry = lcars_entry(simulator, ["radarr"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.radarr_movies") is not None
    assert hass.states.get("sensor.sonarr_series") is None

    handle = simulator.services["sonarr"]
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "sonarr"), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_URL: handle.url, CONF_API_KEY: handle.api_key, CONF_VERIFY_SSL: True},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert hass.config_entries.async_entries(DOMAIN) == [entry]
    (sonarr_id,) = (
        sid for sid, sub in entry.subentries.items() if sub.subentry_type == "sonarr"
    )
    assert sonarr_id in entry.runtime_data.coordinators
    series = hass.states.get("sensor.sonarr_series")
    assert series is not None
    assert int(series.state) == len(simulator.state.services["sonarr"].series)
    device = device_registry.async_get_device(identifiers={(DOMAIN, sonarr_id)})
    assert device is not None

    # Removing the subentry takes its device and entities with it.
    assert hass.config_entries.async_remove_subentry(entry, sonarr_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert sonarr_id not in entry.runtime_data.coordinators
    assert hass.states.get("sensor.sonarr_series") is None
    assert device_registry.async_get_device(identifiers={(DOMAIN, sonarr_id)}) is None
    assert not [
        e
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if e.config_subentry_id == sonarr_id
    ]
    assert hass.states.get("sensor.radarr_movies") is not None


async def test_device_version_follows_upgrades(
    hass: HomeAssistant,
    simulator: Any,
    device_registry: dr.DeviceRegistry,
) -> None:
    """After the service is upgraded the device shows the new version."""
    entry = lcars_entry(simulator, ["radarr"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinators["sub_radarr"]
    device = device_registry.async_get_device(identifiers={(DOMAIN, "sub_radarr")})
    assert device is not None
    assert device.sw_version == RadarrService.version
    with patch.object(RadarrService, "version", "9.9.9.9999"):
        simulator.state.services["radarr"].touch()
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert coordinator.version == "9.9.9.9999"
    device = device_registry.async_get_device(identifiers={(DOMAIN, "sub_radarr")})
    assert device is not None
    assert device.sw_version == "9.9.9.9999"


async def test_unknown_kind_of_service_is_skipped(
    hass: HomeAssistant, simulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A subentry of a kind this version does not know does not stop the rest."""
    entry = lcars_entry(simulator, ["radarr"])
    entry.add_to_hass(hass)
    unknown = ConfigSubentry(
        data=MappingProxyType({CONF_URL: "http://127.0.0.1:9696", CONF_API_KEY: "k"}),
        subentry_type="prowlarr",
        title="Prowlarr",
        unique_id="prowlarr",
    )
    hass.config_entries.async_add_subentry(entry, unknown)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert set(entry.runtime_data.coordinators) == {"sub_radarr"}
    assert "Prowlarr is a kind of service this version does not know" in caplog.text


async def test_service_added_during_setup_is_not_lost(
    hass: HomeAssistant, simulator: Any
) -> None:
    """A subentry added while the first refresh runs is set up right after."""
    entry = lcars_entry(simulator, ["radarr"])
    entry.add_to_hass(hass)
    # Radarr answers slowly, so the setup is still waiting when Sonarr arrives.
    simulator.faults("radarr").set(latency=0.5)
    setup = hass.async_create_task(hass.config_entries.async_setup(entry.entry_id))
    await asyncio.sleep(0.1)
    assert entry.state is ConfigEntryState.SETUP_IN_PROGRESS
    sonarr = subentry_data(simulator, "sonarr")
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            data=MappingProxyType(sonarr["data"]),
            subentry_type=sonarr["subentry_type"],
            title=sonarr["title"],
            unique_id=sonarr["unique_id"],
        ),
    )
    # The entry may already be reloading when the first setup returns.
    await setup
    simulator.faults("radarr").clear()
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    kinds = {c.kind for c in entry.runtime_data.coordinators.values()}
    assert kinds == {"radarr", "sonarr"}
    assert hass.states.get("sensor.sonarr_series") is not None
