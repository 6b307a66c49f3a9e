"""Fixtures for the Home Assistant tests of LCARS.

The services are the simulator's, reached over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest.mock import PropertyMock, patch

import attrs
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import (
    HomeAssistantSnapshotExtension,
    HomeAssistantSnapshotSerializer,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.lcars.connection import url_unique_id
from custom_components.lcars.const import (
    CONF_SCAN_INTERVAL,
    CONF_USERS,
    DOMAIN,
    SERVICE_JELLYFIN,
    SERVICE_NAMES,
)
from custom_components.lcars.runtime.torrent import EVENT_TORRENT
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.const import CONF_API_KEY, CONF_URL, CONF_VERIFY_SSL, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from simulator import Clock, Simulator

# The instant the snapshot tests run at: the simulated library and queue
# depend on the clock.
FROZEN_TIME = "2025-06-01T12:00:00+00:00"

# Subentry ids are fixed so that unique ids, and so the snapshots, are stable.
SUBENTRY_IDS = {
    "radarr": "sub_radarr",
    "sonarr": "sub_sonarr",
    "lidarr": "sub_lidarr",
    "jellyfin": "sub_jellyfin",
    "jellyseerr": "sub_jellyseerr",
}

# Fields of the entity registry entry that every supported Home Assistant
# version has; newer versions add fields that would break shared snapshots.
_REGISTRY_FIELDS = (
    "capabilities",
    "device_class",
    "disabled_by",
    "domain",
    "entity_category",
    "entity_id",
    "hidden_by",
    "icon",
    "has_entity_name",
    "name",
    "options",
    "original_device_class",
    "original_icon",
    "original_name",
    "platform",
    "supported_features",
    "translation_key",
    "unique_id",
    "unit_of_measurement",
)


class LcarsSnapshotSerializer(HomeAssistantSnapshotSerializer):
    """Serialize registry entries with the fields common to all versions."""

    @classmethod
    def _serializable_entity_registry_entry(cls, data: er.RegistryEntry) -> Any:
        full = attrs.asdict(data)
        entry = {name: full[name] for name in _REGISTRY_FIELDS}
        entry["options"] = {k: dict(v) for k, v in data.options.items()}
        entry["config_subentry_id"] = full.get("config_subentry_id")
        return entry


class LcarsSnapshotExtension(HomeAssistantSnapshotExtension):
    """Snapshots in tests/snapshots that read the same on every version."""

    serializer_class = LcarsSnapshotSerializer


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshot assertion that works the same on every supported version."""
    return snapshot.use_extension(LcarsSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create entities that are disabled by default enabled, for snapshots."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load LCARS from custom_components in every test."""


def subentry_data(
    simulator: Any, name: str, **overrides: Any
) -> ConfigSubentryDataWithId:
    """Subentry data of one simulated service."""
    handle = simulator.services[name]
    data: dict[str, Any] = {
        CONF_URL: handle.url,
        CONF_API_KEY: handle.api_key,
        CONF_VERIFY_SSL: True,
    }
    if handle.kind == SERVICE_JELLYFIN:
        data[CONF_USERS] = overrides.pop("users", None) or [
            user.id for user in simulator.state.services[name].users
        ]
    data |= overrides
    return ConfigSubentryDataWithId(
        data=data,
        subentry_type=handle.kind,
        title=SERVICE_NAMES[handle.kind]
        if name == handle.kind
        else f"{SERVICE_NAMES[handle.kind]} {name}",
        unique_id=(
            simulator.state.services[name].server_id
            if handle.kind == SERVICE_JELLYFIN
            else url_unique_id(handle.url)
        ),
        subentry_id=SUBENTRY_IDS.get(name, f"sub_{name}"),
    )


def lcars_entry(simulator: Any, names: list[str] | None = None) -> MockConfigEntry:
    """The LCARS entry with a subentry for each named simulated service."""
    names = list(simulator.services) if names is None else names
    return MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 60},
        entry_id="lcars_entry",
        subentries_data=[subentry_data(simulator, name) for name in names],
    )


async def call_action(
    hass: HomeAssistant, action: str, entry: MockConfigEntry, **data: Any
) -> dict[str, Any]:
    """Call one of LCARS's actions on the entry and return its answer."""
    response = await hass.services.async_call(
        DOMAIN,
        action,
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


def fill_movies_disk(simulator: Any, percent: float = 3) -> None:
    """Leave this share of Radarr's /movies free (3 %: movies older than 15 days expire)."""
    total = simulator.state.services["radarr"].total_space_of("/movies")
    simulator.set_free_space("radarr", "/movies", int(total * percent / 100))


@pytest.fixture
def platforms() -> list[Platform]:
    """Platforms to set up; tests of one platform narrow it."""
    return [Platform.BINARY_SENSOR, Platform.CALENDAR, Platform.SENSOR]


@pytest.fixture
def config_entry(simulator: Any) -> MockConfigEntry:
    """The LCARS entry connected to every simulated service."""
    return lcars_entry(simulator)


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    platforms: list[Platform],
) -> AsyncGenerator[MockConfigEntry]:
    """Set up LCARS with the given platforms."""
    config_entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        yield config_entry


@pytest.fixture
async def frozen_simulator(
    freezer: FrozenDateTimeFactory, socket_enabled: None
) -> AsyncGenerator[Simulator]:
    """A simulator whose library and queue are made at FROZEN_TIME.

    Home Assistant's clock stands still at the same instant.
    """
    freezer.move_to(FROZEN_TIME)
    clock = Clock()
    clock.freeze(datetime.fromisoformat(FROZEN_TIME))
    async with Simulator(movies=12, series=4, artists=3, seed=7, clock=clock) as sim:
        yield sim


@pytest.fixture
async def frozen_integration(
    hass: HomeAssistant,
    frozen_simulator: Simulator,
    platforms: list[Platform],
) -> AsyncGenerator[MockConfigEntry]:
    """LCARS set up against the frozen simulator."""
    entry = lcars_entry(frozen_simulator)
    entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield entry


@pytest.fixture
def recorded(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Every lcars_torrent event fired on the bus."""
    events: list[dict[str, Any]] = []

    @callback
    def record(event: Event[dict[str, Any]]) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_TORRENT, record)
    return events


@pytest.fixture
def media(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration directory of the test's own and an allowed media dir.

    The BitTorrent engine keeps its resume data in the configuration
    directory, and only allowed directories take downloads.
    """
    config = tmp_path / "config"
    config.mkdir()
    hass.config.config_dir = str(config)
    directory = tmp_path / "media"
    directory.mkdir()
    hass.config.allowlist_external_dirs = {str(directory)}
    return directory
