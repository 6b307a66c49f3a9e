"""New options apply to their own part: no reload, libtorrent left running.

A real libtorrent engine seeds a torrent on loopback and the services are
the simulator over HTTP; the options are changed through the options flow
or as the flow stores them.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lcars.const import (
    CONF_CLEANUP,
    CONF_CLEANUP_POLICY,
    CONF_SCAN_INTERVAL,
    DOMAIN,
)
from custom_components.lcars.torrent.options import CONF_TORRENT
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from simulator import Simulator

from .conftest import subentry_data
from .test_torrent_ha import manager_of, progress_entity, torrent_options, wait_for
from .torrent.conftest import lt, make_torrent

pytestmark = pytest.mark.skipif(lt is None, reason="libtorrent is not installed")


async def _seeding_entry(
    hass: HomeAssistant, simulator: Simulator, media: Path, **torrent: Any
) -> tuple[MockConfigEntry, str]:
    """LCARS with Radarr and the engine, seeding one categorised torrent."""
    download_dir = media / "downloads"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={
            CONF_SCAN_INTERVAL: 60,
            CONF_TORRENT: torrent_options(download_dir, **torrent),
        },
        entry_id="lcars_entry",
        subentries_data=[subentry_data(simulator, "radarr")],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    torrent_bytes, _digest = make_torrent(download_dir, "movie.mkv", 256 * 1024)
    manager = manager_of(entry)
    info_hash = await manager.add(data=torrent_bytes, category="movie")
    await wait_for(
        lambda: (
            (status := manager.status(info_hash)) is not None
            and status.state in ("seeding", "finished")
        )
    )
    return entry, info_hash


async def test_a_new_polling_interval_leaves_bittorrent_running(
    hass: HomeAssistant,
    simulator: Simulator,
    media: Path,
    recorded: list[dict[str, Any]],
) -> None:
    """The options flow's polling step: the coordinators poll anew, nothing restarts."""
    entry, info_hash = await _seeding_entry(hass, simulator, media)
    data = entry.runtime_data
    manager = data.torrent
    engine: Any = manager.backend
    session = engine._session
    (coordinator,) = data.coordinators.values()
    assert coordinator.update_interval == timedelta(seconds=60)
    events_before = list(recorded)

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "polling"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 300}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert entry.options[CONF_SCAN_INTERVAL] == 300
    # Not reloaded: the same runtime, the same engine and libtorrent session.
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is data
    assert manager.backend is engine
    assert engine._session is session
    assert manager.running
    assert coordinator.update_interval == timedelta(seconds=300)
    # No torrent was stopped, removed or added again.
    assert recorded == events_before
    status = manager.status(info_hash)
    assert status is not None
    assert status.state in ("seeding", "finished")


async def test_new_torrent_options_restart_bittorrent_alone(
    hass: HomeAssistant, simulator: Simulator, media: Path
) -> None:
    """A new upload limit: the engine restarts with it; the rest stays loaded."""
    entry, info_hash = await _seeding_entry(hass, simulator, media)
    data = entry.runtime_data
    manager = data.torrent
    engine: Any = manager.backend
    coordinator = next(iter(data.coordinators.values()))
    entity_id = await wait_for(lambda: progress_entity(hass, info_hash))

    torrent = dict(entry.options[CONF_TORRENT]) | {"upload_rate_limit": 64}
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_TORRENT: torrent}
    )
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is data
    assert data.coordinators[coordinator.subentry_id] is coordinator
    assert manager.running
    assert manager.backend is not engine
    assert manager.settings is not None
    assert manager.settings.upload_rate_limit == 64 * 1024
    # The torrent comes back from its resume data, with its category and sensor.
    await wait_for(
        lambda: (
            (status := manager.status(info_hash)) is not None
            and status.state in ("seeding", "finished")
        )
    )
    await hass.async_block_till_done()
    assert manager.categories[info_hash] == "movie"
    assert progress_entity(hass, info_hash) == entity_id
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state != "unavailable"


async def test_a_new_cleanup_policy_is_taken_without_a_reload(
    hass: HomeAssistant, simulator: Simulator, media: Path
) -> None:
    """The cleanup runs with the new policy; BitTorrent and the services go on."""
    entry, _info_hash = await _seeding_entry(hass, simulator, media)
    data = entry.runtime_data
    engine = data.torrent.backend
    cleanup = data.cleanup
    assert cleanup.policy.grace_days != 3
    policy = cleanup.policy.to_dict() | {"grace_days": 3}

    hass.config_entries.async_update_entry(
        entry,
        options={**entry.options, CONF_CLEANUP: {CONF_CLEANUP_POLICY: policy}},
    )
    await hass.async_block_till_done()

    assert entry.runtime_data is data
    assert data.cleanup is cleanup
    assert cleanup.policy.grace_days == 3
    assert data.torrent.backend is engine


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda options: options | {CONF_TORRENT: {"enabled": False}},
            id="bittorrent_off",
        ),
        pytest.param(
            lambda options: (
                options | {CONF_TORRENT: options[CONF_TORRENT] | {"bind_interface": ""}}
            ),
            id="bind_interface_cleared",
        ),
        pytest.param(
            lambda options: (
                options | {CONF_CLEANUP: {CONF_CLEANUP_POLICY: {"grace_days": -1}}}
            ),
            id="cleanup_policy_not_valid",
        ),
        pytest.param(lambda options: options | {"unknown": 1}, id="another_option"),
    ],
)
async def test_other_changes_reload_the_entry(
    hass: HomeAssistant, simulator: Simulator, media: Path, change: Any
) -> None:
    """Changes that decide which entities there are, or unknown ones, reload."""
    entry, _info_hash = await _seeding_entry(hass, simulator, media)
    data = entry.runtime_data

    hass.config_entries.async_update_entry(entry, options=change(dict(entry.options)))
    await hass.async_block_till_done()

    # Set up anew, or failed to be, as a setup with those options does.
    assert entry.state is not ConfigEntryState.LOADED or entry.runtime_data is not data


async def test_a_changed_service_reloads_the_entry(
    hass: HomeAssistant, simulator: Simulator, media: Path
) -> None:
    """A subentry's change is no option: the entry reloads, as before."""
    entry, _info_hash = await _seeding_entry(hass, simulator, media)
    data = entry.runtime_data
    subentry = next(iter(entry.subentries.values()))

    hass.config_entries.async_update_subentry(entry, subentry, title="Films")
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not data
