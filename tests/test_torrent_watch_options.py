"""uTP and the watch folder, set in the options and used by the running engine.

A real libtorrent engine on loopback, reloaded by the options flow as a
person would change its options.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lcars.torrent.options import CONF_TORRENT
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .test_torrent_ha import manager_of, torrent_options, torrents, wait_for
from .test_torrent_handoff import (
    handoff,
    handoff_wiring,  # noqa: F401  # autouse fixture: the watch folder is set up
    seeders,  # noqa: F401  # fixture
    setup_entry,
)
from .torrent.conftest import Seeder, lt

pytestmark = pytest.mark.skipif(lt is None, reason="libtorrent is not installed")


async def change_engine_options(
    hass: HomeAssistant, entry: MockConfigEntry, changes: dict[str, Any]
) -> None:
    """Change the engine's options in the options flow; wait for the new engine."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "torrent"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"enabled": True, "backend": "libtorrent"}
    )
    assert result["step_id"] == "torrent_engine"
    shown = {
        str(marker): (marker.description or {}).get("suggested_value")
        for marker in result["data_schema"].schema
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], shown | changes
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await wait_for(lambda: manager_of(entry).running, 15)


def engine_settings_of(entry: MockConfigEntry) -> dict[str, Any]:
    """The settings the running libtorrent session applies."""
    engine: Any = manager_of(entry).backend
    settings: dict[str, Any] = engine._session.get_settings()
    return settings


async def test_utp_and_watch_folder_from_the_options(
    hass: HomeAssistant,
    media: Path,
    seeders: Callable[[str], Seeder],  # noqa: F811
) -> None:
    """uTP off, a watch folder of one's own, then no watch folder: the engine follows."""
    downloads = media / "downloads"
    options = torrent_options(downloads)
    del options["enable_utp"]
    entry = await setup_entry(hass, options)
    settings = engine_settings_of(entry)
    assert settings["enable_outgoing_utp"] is True
    assert settings["enable_incoming_utp"] is True
    await wait_for((downloads / "watch").is_dir, 10)

    drop = media / "drop"
    await change_engine_options(
        hass, entry, {"enable_utp": False, "watch_dir": str(drop)}
    )
    settings = engine_settings_of(entry)
    assert settings["enable_outgoing_utp"] is False
    assert settings["enable_incoming_utp"] is False
    # The folder of one's own is watched: a torrent dropped there is added.
    await wait_for(drop.is_dir, 10)
    movie = seeders("Some.Movie.2010.1080p.mkv")
    (drop / "Some.Movie.2010.torrent").write_bytes(movie.torrent_bytes)
    await wait_for((drop / "Some.Movie.2010.torrent.added").exists, 10)
    listed = await torrents(hass)
    assert [(t["info_hash"], t["save_path"]) for t in listed] == [
        (movie.info_hash, str(downloads))
    ]

    # Switched off: nothing is watched.
    await change_engine_options(hass, entry, {"watch_folder": False})
    assert entry.options[CONF_TORRENT]["watch_folder"] is False
    assert await handoff(hass).async_watch_dir() is None
    assert handoff(hass).watcher is None
