"""Tests of the cleanup preview action: what would leave, and nothing deleted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lcars.cleanup import CleanupPolicy
from custom_components.lcars.cleanup.reasons import shown_percent
from custom_components.lcars.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from simulator.state import Tag

KEEP_TAG = "lcars-keep"
RADARR = "radarr/sub_radarr"
# Radarr's /movies at 3% free space: under the 5% step of the default
# policy, so movies older than 15 days expire.
FREE_PERCENT = 3
LIMIT_DAYS = 15
GRACE_DAYS = 14
WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}


async def _preview(hass: HomeAssistant, entry_id: str, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "preview_cleanup",
        {"config_entry_id": entry_id, **data},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


async def _fill_movies_disk(simulator: Any, entry: MockConfigEntry) -> None:
    """Leave 3% free on Radarr's /movies and let the coordinator see it."""
    radarr = simulator.state.services["radarr"]
    total = radarr.total_space_of("/movies")
    simulator.set_free_space("radarr", "/movies", total * FREE_PERCENT // 100)
    coordinator = entry.runtime_data.coordinators["sub_radarr"]
    await coordinator.async_refresh()
    assert coordinator.last_update_success


# Requests of one refresh (see the coordinators).
RADARR_REFRESH_REQUESTS = 7
LIDARR_REFRESH_REQUESTS = 7


def _movie_of(simulator: Any, item: dict[str, Any]) -> Any:
    assert item["key"].startswith(f"{RADARR}/movie/")
    movie_id = int(item["key"].rsplit("/", 1)[1])
    return simulator.state.services["radarr"].movies[movie_id]


def _labels(simulator: Any, movie: Any) -> set[str]:
    tags = {tag.id: tag.label for tag in simulator.state.services["radarr"].tags}
    return {tags[tag] for tag in movie.tags}


async def test_preview_lists_leaving_soon_and_protected(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """Old movies go on leaving soon with their reason; kept ones are protected."""
    await _fill_movies_disk(simulator, init_integration)
    before = simulator.dump()
    simulator.reset_requests()

    result = await _preview(hass, init_integration.entry_id)

    # A first preview with the default policy and an empty ledger: every expired
    # item only starts its grace period, so nothing is due yet.
    assert result["preview"] is True
    assert result["policy"] == CleanupPolicy().to_dict()
    assert result["dry_run"] is True
    assert result["instances"][RADARR] == "Radarr"
    assert result["failed_closed"] is False
    assert result["fail_reasons"] == []
    assert result["delete_now"] == []
    assert result["totals"]["delete_count"] == 0
    created = dt_util.parse_datetime(result["created"])
    first = dt_util.parse_datetime(result["first_deletion_at"])
    assert created is not None
    assert first is not None
    assert first - created == timedelta(days=GRACE_DAYS)

    movies = [i for i in result["leaving_soon"] if i["instance_id"] == RADARR]
    assert movies
    assert result["totals"]["leaving_soon_count"] == len(result["leaving_soon"])
    cutoff = dt_util.utcnow() - timedelta(days=LIMIT_DAYS)
    for item in movies:
        assert item["kind"] == "movie"
        assert item["root_folder"] == "/movies"
        assert item["rule"] == "disk"
        assert item["limit_days"] == LIMIT_DAYS
        assert item["age_days"] > LIMIT_DAYS
        assert item["waiting_for"] == "grace_period"
        assert dt_util.parse_datetime(item["delete_on"]) == first
        assert "/movies" in item["reason"]
        assert f"limit is {LIMIT_DAYS} days" in item["reason"]
        movie = _movie_of(simulator, item)
        assert movie.file is not None
        assert movie.file.date_added < cutoff
        assert KEEP_TAG not in _labels(simulator, movie)
    # The other root folders have plenty of space: nothing of theirs expires.
    assert {i["root_folder"] for i in movies} == {"/movies"}

    kept = [
        item
        for item in result["protected"]
        if any(p["kind"] == "exclusion_tag" for p in item["protections"])
    ]
    assert kept
    for item in kept:
        assert item["protections"][0] == {
            "kind": "exclusion_tag",
            "tag": KEEP_TAG,
            "on_series": False,
        }
        assert KEEP_TAG in _labels(simulator, _movie_of(simulator, item))
        assert f"tagged {KEEP_TAG}" in item["reason"]

    folders = {(f["instance_id"], f["root_folder"]): f for f in result["root_folders"]}
    movies_folder = folders[(RADARR, "/movies")]
    # Rounded down to one decimal, as every percentage LCARS shows.
    assert movies_folder["free_percent"] == shown_percent(
        movies_folder["free_bytes"] * 100 / movies_folder["total_bytes"]
    )
    assert movies_folder["free_percent"] == pytest.approx(FREE_PERCENT, abs=0.11)
    assert movies_folder["projected_free_bytes"] == movies_folder["free_bytes"]

    # Read-only: no change was sent, and every service holds what it held.
    assert simulator.dump() == before
    for name in simulator.services:
        assert not [r for r in simulator.requests(name) if r[0] in WRITE_METHODS]
    # One refresh of each service, so the preview sees the disks as they are
    # now; as many requests as any refresh, whatever the library's size.
    assert len(simulator.requests("radarr")) == RADARR_REFRESH_REQUESTS
    assert len(simulator.requests("lidarr")) == LIDARR_REFRESH_REQUESTS


async def test_preview_max_items(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """max_items shortens the lists; the totals still count everything."""
    await _fill_movies_disk(simulator, init_integration)
    full = await _preview(hass, init_integration.entry_id, max_items=1000)
    short = await _preview(hass, init_integration.entry_id, max_items=1)
    assert full["totals"]["leaving_soon_count"] > 1
    assert len(full["leaving_soon"]) == full["totals"]["leaving_soon_count"]
    assert len(short["leaving_soon"]) == 1
    assert short["leaving_soon"][0]["key"] == full["leaving_soon"][0]["key"]
    assert short["totals"] == full["totals"]


async def test_preview_fails_closed_when_a_service_fails(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """A failed refresh makes the plan fail closed, saying which source failed."""
    await _fill_movies_disk(simulator, init_integration)
    simulator.faults("sonarr").set(status=500)
    sonarr = init_integration.runtime_data.coordinators["sub_sonarr"]
    await sonarr.async_refresh()
    assert not sonarr.last_update_success
    before = simulator.dump()

    result = await _preview(hass, init_integration.entry_id)

    assert result["failed_closed"] is True
    assert result["delete_now"] == []
    failed = [r for r in result["fail_reasons"] if r["subject"] == "sonarr/sub_sonarr"]
    assert failed
    assert failed[0]["code"] == "source_failed"
    assert "failed" in failed[0]["message"]
    # The summary names the cause, so the user knows what to fix.
    assert failed[0]["message"] in result["summary"]
    assert simulator.dump() == before


async def test_preview_fails_closed_when_jellyfin_fails(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """Without the episode watch data the preview cannot judge: it fails closed."""
    simulator.faults("jellyfin").set(status=500)
    result = await _preview(hass, init_integration.entry_id)
    assert result["failed_closed"] is True
    assert "jellyfin/sub_jellyfin" in {r["subject"] for r in result["fail_reasons"]}


@pytest.mark.parametrize("max_items", [0, 1001, 2.5, "many"])
async def test_preview_bad_max_items(
    hass: HomeAssistant, init_integration: MockConfigEntry, max_items: Any
) -> None:
    """A max_items outside 1..1000 is refused with a translated message."""
    with pytest.raises(ServiceValidationError) as err:
        await _preview(hass, init_integration.entry_id, max_items=max_items)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "invalid_limit"
    assert "{" not in str(err.value)


async def test_preview_unknown_or_unloaded_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An entry id that is not LCARS, or LCARS not loaded, is refused."""
    other = MockConfigEntry(domain="other", entry_id="other_entry")
    other.add_to_hass(hass)
    for entry_id in ("nope", "other_entry"):
        with pytest.raises(ServiceValidationError) as err:
            await _preview(hass, entry_id)
        assert err.value.translation_domain == DOMAIN
        assert err.value.translation_key == "entry_not_found"

    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await _preview(hass, init_integration.entry_id)
    assert err.value.translation_key == "entry_not_loaded"
    assert "LCARS" in str(err.value)


async def test_preview_reads_episodes_of_rolling_series_only(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Any
) -> None:
    """A series tagged lcars-rolling is judged by episode; only its episodes are read."""
    sonarr = simulator.state.services["sonarr"]
    rolling = next(
        series
        for series in sonarr.series.values()
        if any(
            sonarr.episodes[e].episode_file_id
            for e in sonarr.episodes_by_series.get(series.id, [])
        )
    )
    with_files = [
        sonarr.episodes[e]
        for e in sonarr.episodes_by_series[rolling.id]
        if sonarr.episodes[e].episode_file_id
    ]
    files = {episode.episode_file_id for episode in with_files}
    seasons = {episode.season_number for episode in with_files}
    before = await _preview(hass, init_integration.entry_id)
    assert not [r for r in simulator.requests("sonarr") if "/episode" in r[1]]

    tag = Tag(id=max(t.id for t in sonarr.tags) + 1, label="lcars-rolling")
    sonarr.tags.append(tag)
    rolling.tags.append(tag.id)
    sonarr.touch()
    await init_integration.runtime_data.coordinators["sub_sonarr"].async_refresh()
    simulator.reset_requests()

    result = await _preview(hass, init_integration.entry_id, max_items=1000)

    episode_reads = [
        path for _, path in simulator.requests("sonarr") if "/episode" in path
    ]
    assert len(episode_reads) == 1
    assert result["failed_closed"] is False
    keys = [
        item["key"]
        for part in ("leaving_soon", "protected", "held")
        for item in result[part]
    ]
    # The rolling series is never judged by season, only by episode.
    assert not [
        k for k in keys if k.startswith(f"sonarr/sub_sonarr/season/{rolling.id}/")
    ]
    # Its seasons gave way to one candidate per episode file.
    assert result["totals"]["candidates"] == (
        before["totals"]["candidates"] - len(seasons) + len(files)
    )
