"""Tests of the LCARS sensors."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the sensors."""
    return [Platform.SENSOR]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_sensors(
    hass: HomeAssistant,
    frozen_simulator: Any,
    frozen_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every sensor of every service, from the seeded library."""
    await snapshot_platform(
        hass, entity_registry, snapshot, frozen_integration.entry_id
    )


async def test_sensor_values_follow_the_library(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """The figures are those of the simulated library, read over HTTP."""
    radarr = simulator.state.services["radarr"]
    sonarr = simulator.state.services["sonarr"]
    lidarr = simulator.state.services["lidarr"]
    movies = (
        list(radarr.movies.values())
        if isinstance(radarr.movies, dict)
        else radarr.movies
    )
    assert int(hass.states.get("sensor.radarr_movies").state) == len(movies)
    assert int(hass.states.get("sensor.sonarr_series").state) == len(sonarr.series)
    assert int(hass.states.get("sensor.lidarr_artists").state) == len(lidarr.artists)
    assert int(hass.states.get("sensor.radarr_queue").state) == len(
        simulator.downloads("radarr")
    )
    disabled = entity_registry_entry(hass, "sensor.radarr_queue_left_to_download")
    assert disabled.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    size = hass.states.get("sensor.radarr_size_on_disk")
    assert size.attributes["unit_of_measurement"] == "GiB"
    expected = sum(movie.file.size for movie in movies if movie.file) / 2**30
    assert float(size.state) == pytest.approx(expected, rel=1e-3)


def entity_registry_entry(hass: HomeAssistant, entity_id: str) -> er.RegistryEntry:
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None, entity_id
    return entry


def _dynamic_entities(
    entity_registry: er.EntityRegistry,
    entry: MockConfigEntry,
    part: str,
    subentry_id: str,
) -> dict[str, str]:
    return {
        e.unique_id: e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if e.unique_id.startswith(f"{subentry_id}_{part}_")
    }


async def test_root_folders_come_and_go(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Any,
    entity_registry: er.EntityRegistry,
) -> None:
    """A new root folder gets sensors at the next poll; a removed one loses them."""
    state = simulator.state.services["radarr"]
    coordinator = init_integration.runtime_data.coordinators["sub_radarr"]
    before = _dynamic_entities(
        entity_registry, init_integration, "root_folder", "sub_radarr"
    )
    assert len(before) == 2 * len(state.root_folders)

    template = state.root_folders[0]
    new_id = max(folder.id for folder in state.root_folders) + 100
    added = dataclasses.replace(
        template, id=new_id, path=template.path.rstrip("/") + "-4k"
    )
    state.root_folders.append(added)
    state.touch()
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    after = _dynamic_entities(
        entity_registry, init_integration, "root_folder", "sub_radarr"
    )
    new = {uid: eid for uid, eid in after.items() if uid not in before}
    assert set(new) == {
        f"sub_radarr_root_folder_{new_id}_free_space",
        f"sub_radarr_root_folder_{new_id}_free_percent",
    }
    for entity_id in new.values():
        assert hass.states.get(entity_id).state not in (STATE_UNAVAILABLE, "unknown")

    state.root_folders.remove(added)
    state.touch()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert (
        _dynamic_entities(
            entity_registry, init_integration, "root_folder", "sub_radarr"
        )
        == before
    )
    for entity_id in new.values():
        assert hass.states.get(entity_id) is None


async def test_following_root_folders_reads_the_registry_only_at_setup(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Any,
    entity_registry: er.EntityRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Root folders and downloads that come and go are followed by their ids.

    A poll compares the ids wanted with those there are; it never reads
    every entity of the entry from the registry, which grows with them.
    """
    reads: list[str] = []
    read_entries = er.async_entries_for_config_entry

    def counted(registry: er.EntityRegistry, entry_id: str) -> list[er.RegistryEntry]:
        reads.append(entry_id)
        return read_entries(registry, entry_id)

    monkeypatch.setattr(er, "async_entries_for_config_entry", counted)
    state = simulator.state.services["radarr"]
    coordinator = init_integration.runtime_data.coordinators["sub_radarr"]
    template = state.root_folders[0]
    added = dataclasses.replace(
        template,
        id=max(folder.id for folder in state.root_folders) + 100,
        path=template.path.rstrip("/") + "-4k",
    )
    for change in (state.root_folders.append, state.root_folders.remove):
        change(added)
        state.touch()
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert (
        entity_registry.async_get_entity_id(
            Platform.SENSOR, "lcars", f"sub_radarr_root_folder_{added.id}_free_space"
        )
        is None
    )
    assert reads == []


async def test_queue_items_come_and_go(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Any,
    entity_registry: er.EntityRegistry,
) -> None:
    """Each download has a progress sensor while it is in the queue."""
    state = simulator.state.services["sonarr"]
    coordinator = init_integration.runtime_data.coordinators["sub_sonarr"]
    downloads = simulator.downloads("sonarr")
    assert downloads, "the simulated Sonarr should have downloads"
    sonarr_items = _dynamic_entities(
        entity_registry, init_integration, "queue_item", "sub_sonarr"
    )
    assert set(sonarr_items) == {
        f"sub_sonarr_queue_item_{records[0].id}" for records in downloads
    }

    (record,) = next(records for records in downloads if len(records) == 1)
    entity_id = sonarr_items[f"sub_sonarr_queue_item_{record.id}"]
    sensor_state = hass.states.get(entity_id)
    assert 0 <= float(sensor_state.state) <= 100
    episode = state.episodes[record.sub_id]
    title = (
        f"{state.series[record.media_id].title} "
        f"S{episode.season_number:02d}E{episode.episode_number:02d}"
    )
    assert sensor_state.attributes["title"] == title
    assert sensor_state.attributes["release_title"] == record.title
    assert sensor_state.attributes["friendly_name"] == f"Sonarr Download {title}"
    assert sensor_state.attributes["unit_of_measurement"] == "%"
    assert set(sensor_state.attributes) >= {"size_left", "eta", "status"}

    # The download finishes and leaves the queue.
    assert state.remove_queue_item(record.id)
    state.touch()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id) is None
    assert entity_registry.async_get(entity_id) is None

    # A new download shows up.
    new = dataclasses.replace(
        record, id=record.id + 1000, title="New download", download_id="N" * 40
    )
    state.queue.append(new)
    state.touch()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    new_entity = entity_registry.async_get_entity_id(
        "sensor", "lcars", f"sub_sonarr_queue_item_{new.id}"
    )
    assert new_entity is not None
    assert hass.states.get(new_entity).attributes["release_title"] == "New download"
    assert hass.states.get(new_entity).attributes["title"] == title


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_season_pack_is_one_download(
    hass: HomeAssistant,
    frozen_simulator: Any,
    frozen_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Sonarr lists a season pack once per episode: one download, one sensor.

    The queue counts it once, takes its bytes left once, and its sensor is
    named after the series and the season, not the release.
    """
    state = frozen_simulator.state.services["sonarr"]
    downloads = frozen_simulator.downloads("sonarr")
    (pack,) = [records for records in downloads if len(records) > 1]
    service = frozen_simulator.services["sonarr"]._service
    now = frozen_simulator.clock.now()

    assert int(hass.states.get("sensor.sonarr_queue").state) == len(downloads)
    left = sum(service.progress(records[0], now)[0] for records in downloads)
    size = sum(records[0].size for records in downloads)
    assert float(
        hass.states.get("sensor.sonarr_queue_left_to_download").state
    ) == pytest.approx(left / 2**30, abs=0.01)
    assert float(hass.states.get("sensor.sonarr_queue_progress").state) == (
        pytest.approx((size - left) * 100 / size, abs=0.1)
    )

    items = _dynamic_entities(
        entity_registry, frozen_integration, "queue_item", "sub_sonarr"
    )
    assert len(items) == len(downloads)
    assert not {f"sub_sonarr_queue_item_{r.id}" for r in pack[1:]} & set(items)
    pack_state = hass.states.get(items[f"sub_sonarr_queue_item_{pack[0].id}"])
    title = f"{state.series[pack[0].media_id].title} S{pack[0].season_number:02d}"
    assert pack_state.attributes["friendly_name"] == f"Sonarr Download {title}"
    assert pack_state.attributes["release_title"] == pack[0].title
    assert pack_state.attributes["size"] == pack[0].size
    assert pack_state.attributes["size_left"] == service.progress(pack[0], now)[0]


async def test_stale_queue_items_removed_at_setup(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Any,
    entity_registry: er.EntityRegistry,
) -> None:
    """Sensors of downloads that finished while Home Assistant was off go away."""
    config_entry.add_to_hass(hass)
    stale = entity_registry.async_get_or_create(
        "sensor",
        "lcars",
        "sub_radarr_queue_item_987654",
        config_entry=config_entry,
        config_subentry_id="sub_radarr",
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert entity_registry.async_get(stale.entity_id) is None
    assert entity_registry.async_get_entity_id("sensor", "lcars", "sub_radarr_movies")


async def test_empty_queue(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """With nothing to download there is no progress and no finishing time."""
    state = simulator.state.services["lidarr"]
    for record in list(state.queue):
        assert state.remove_queue_item(record.id)
    state.touch()
    await init_integration.runtime_data.coordinators["sub_lidarr"].async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.lidarr_queue").state == "0"
    assert hass.states.get("sensor.lidarr_queue_progress").state == "unknown"
    assert hass.states.get("sensor.lidarr_queue_finishes").state == "unknown"
