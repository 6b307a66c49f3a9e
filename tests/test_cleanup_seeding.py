"""The cleanup keeps what the BitTorrent engine still seeds.

A real engine seeds a real torrent; Radarr's history (in the simulator) says
which movie that torrent was imported as, by its info hash.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lcars.const import DOMAIN
from custom_components.lcars.torrent.models import TorrentState
from custom_components.lcars.torrent.options import CONF_TORRENT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from simulator import Simulator

from .conftest import lcars_entry
from .test_torrent_ha import torrent_options
from .torrent.conftest import lt, make_torrent

pytestmark = pytest.mark.skipif(lt is None, reason="libtorrent is not installed")

RADARR = "radarr/sub_radarr"
FREE_PERCENT = 3


async def _preview(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "preview_cleanup",
        {"config_entry_id": entry.entry_id, "max_items": 1000},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


async def _seed_an_imported_movie(
    hass: HomeAssistant, simulator: Simulator, media: Path
) -> tuple[MockConfigEntry, dict[str, Any], str]:
    """Set up LCARS with a seeding torrent that Radarr imported as a movie.

    Return the entry, the preview before the torrent, and the movie's key.
    """
    entry = lcars_entry(simulator)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_TORRENT: torrent_options(media)}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.cleanup.async_set_automatic(False)
    radarr = simulator.state.services["radarr"]
    total = radarr.total_space_of("/movies")
    simulator.set_free_space("radarr", "/movies", total * FREE_PERCENT // 100)

    # Without a torrent, an old movie goes on leaving soon.
    before = await _preview(hass, entry)
    leaving = [i for i in before["leaving_soon"] if i["instance_id"] == RADARR]
    assert leaving
    movie_id = int(leaving[0]["key"].rsplit("/", 1)[1])

    # A complete torrent in the download directory: the engine seeds it.
    torrent_bytes, _digest = make_torrent(media, "movie.mkv", 256 * 1024)
    torrent = entry.runtime_data.torrent
    assert torrent.running
    info_hash = await torrent.add(data=torrent_bytes, save_path=media)
    async with asyncio.timeout(60):
        # The engine reports status once a second; no event says "seeding".
        while (status := torrent.status(info_hash)) is None or (  # noqa: ASYNC110
            status.state not in (TorrentState.SEEDING, TorrentState.FINISHED)
        ):
            await asyncio.sleep(0.05)
    # Radarr imported that download as the movie.
    radarr.add_history(
        event_type="downloadFolderImported",
        source_title="movie.mkv",
        quality_id=7,
        media_id=movie_id,
        download_id=info_hash.upper(),
    )
    return entry, before, f"{RADARR}/movie/{movie_id}"


async def test_a_seeding_movie_is_protected(
    hass: HomeAssistant,
    simulator: Simulator,
    media: Path,
    socket_enabled: None,
) -> None:
    """The movie a seeding torrent went to is kept, with "seeding" as the reason."""
    entry, before, key = await _seed_an_imported_movie(hass, simulator, media)

    after = await _preview(hass, entry)

    protected = {i["key"]: i for i in after["protected"]}
    assert key in protected
    assert {"kind": "seeding", "tag": None, "on_series": False} in protected[key][
        "protections"
    ]
    assert "seeding" in protected[key]["reason"]
    assert key not in {i["key"] for i in after["leaving_soon"]}
    # The other movies are judged as before.
    assert {i["key"] for i in after["leaving_soon"]} == {
        i["key"] for i in before["leaving_soon"]
    } - {key}
    # One history request for the torrent, not one per movie; and only once.
    history = [r for r in simulator.requests("radarr") if r[1].endswith("/history")]
    assert len(history) == 1
    await _preview(hass, entry)
    history = [r for r in simulator.requests("radarr") if r[1].endswith("/history")]
    assert len(history) == 1
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_failed_seeding_lookup_is_a_translated_refusal(
    hass: HomeAssistant,
    simulator: Simulator,
    media: Path,
    socket_enabled: None,
) -> None:
    """Without the history, a seeding movie could look free: nothing goes ahead.

    Previewing and deleting by hand are refused with a translated error that
    names the server; a run ends in error with the same words and deletes
    nothing.
    """
    entry, _before, key = await _seed_an_imported_movie(hass, simulator, media)
    simulator.faults("radarr").set(status=500, paths=["/api/v3/history"])

    with pytest.raises(HomeAssistantError) as refused:
        await _preview(hass, entry)
    assert refused.value.translation_key == "seeding_lookup_failed"
    assert "Radarr" in str(refused.value)
    assert "nothing is deleted" in str(refused.value)

    with pytest.raises(HomeAssistantError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "delete_media",
            {
                "config_entry_id": entry.entry_id,
                "service": "radarr",
                "id": int(key.rsplit("/", 1)[1]),
                "dry_run": False,
            },
            blocking=True,
            return_response=True,
        )
    assert refused.value.translation_key == "seeding_lookup_failed"

    result = await hass.services.async_call(
        DOMAIN,
        "run_cleanup",
        {"config_entry_id": entry.entry_id, "dry_run": False},
        blocking=True,
        return_response=True,
    )
    assert isinstance(result, dict)
    assert result["result"] == "error"
    assert "Radarr" in result["message"]
    deletes = [r for r in simulator.requests("radarr") if r[0] == "DELETE"]
    assert deletes == []
    assert await hass.config_entries.async_unload(entry.entry_id)
