"""The settings of an add and the bodies sent to the *arr."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.lcars.library.additions import (
    DEFAULT_MONITOR,
    MINIMUM_AVAILABILITY_VALUES,
    MONITOR_VALUES,
    AddSettings,
    add_body,
    from_option_key,
    option_key,
)
from custom_components.lcars.library.candidates import Candidate
from custom_components.lcars.library.kinds import MediaKind, ServiceKind

RADARR, SONARR, LIDARR = ServiceKind.RADARR, ServiceKind.SONARR, ServiceKind.LIDARR


def test_stored_defaults_round_trip() -> None:
    for service in (RADARR, SONARR, LIDARR):
        settings = AddSettings(
            service,
            root_folder="/media",
            quality_profile=4,
            metadata_profile=2 if service == LIDARR else None,
            monitored=False,
            monitor=MONITOR_VALUES[service][1],
            minimum_availability="announced" if service == RADARR else "released",
            season_folder=service != SONARR,
            search=False,
            default_for_kind=True,
        )
        stored = settings.to_options()
        assert AddSettings.from_options(service, stored) == settings


def test_the_stored_keys_of_each_service() -> None:
    assert "minimum_availability" in AddSettings(RADARR).to_options()
    assert "season_folder" in AddSettings(SONARR).to_options()
    assert "metadata_profile" in AddSettings(LIDARR).to_options()
    assert "metadata_profile" not in AddSettings(RADARR).to_options()


@pytest.mark.parametrize(
    "stored",
    [
        None,
        {},
        {
            "root_folder": "",
            "quality_profile": "4",
            "metadata_profile": True,
            "monitored": "yes",
            "monitor": "all",
            "minimum_availability": "soon",
            "season_folder": 1,
            "search_now": None,
            "default_for_kind": "true",
        },
        {"quality_profile": 0, "root_folder": 5},
    ],
)
def test_values_of_the_wrong_kind_are_unset(stored: dict[str, Any] | None) -> None:
    settings = AddSettings.from_options(RADARR, stored)
    assert settings == AddSettings(RADARR)
    assert settings.monitor_value == DEFAULT_MONITOR[RADARR]
    assert settings.missing() == ["root_folder", "quality_profile"]


def test_overrides_and_missing() -> None:
    settings = AddSettings(LIDARR, root_folder="/music")
    assert settings.missing() == ["quality_profile", "metadata_profile"]
    changed = settings.with_overrides(
        quality_profile=3, metadata_profile=None, search=False
    )
    assert changed.quality_profile == 3
    assert changed.search is False
    assert changed.missing() == ["metadata_profile"]
    assert changed.with_overrides(metadata_profile=1).missing() == []


def _candidate(kind: MediaKind, raw: dict[str, Any]) -> Candidate:
    return Candidate(kind=kind, title=str(raw.get("title")), raw=raw)


def test_movie_body() -> None:
    raw = {
        "title": "Dune",
        "tmdbId": 438631,
        "id": 0,
        "path": "/x",
        "folder": "Dune (2021)",
        "credits": [],
    }
    body = add_body(
        _candidate(MediaKind.MOVIE, raw),
        AddSettings(RADARR, root_folder="/movies", quality_profile=4, tags=(1,)),
    )
    assert body == {
        "title": "Dune",
        "tmdbId": 438631,
        "folder": "Dune (2021)",
        "qualityProfileId": 4,
        "rootFolderPath": "/movies",
        "monitored": True,
        "tags": [1],
        "minimumAvailability": "released",
        "addOptions": {"monitor": "movieOnly", "searchForMovie": True},
    }


def test_series_body() -> None:
    body = add_body(
        _candidate(MediaKind.SERIES, {"title": "Shōgun", "tvdbId": 1, "seasons": []}),
        AddSettings(
            SONARR, root_folder="/tv", quality_profile=1, monitor="future", search=False
        ),
    )
    assert body["seasons"] == []
    assert body["seasonFolder"] is True
    assert body["rootFolderPath"] == "/tv"
    assert body["addOptions"] == {
        "monitor": "future",
        "searchForMissingEpisodes": False,
        "searchForCutoffUnmetEpisodes": False,
    }


def test_artist_body() -> None:
    body = add_body(
        _candidate(MediaKind.ARTIST, {"artistName": "Björk", "foreignArtistId": "x"}),
        AddSettings(
            LIDARR, root_folder="/music", quality_profile=1, metadata_profile=2
        ),
    )
    assert body["metadataProfileId"] == 2
    assert body["foreignArtistId"] == "x"
    assert body["addOptions"] == {"monitor": "all", "searchForMissingAlbums": True}


def test_album_body() -> None:
    raw = {
        "title": "Homogenic",
        "foreignAlbumId": "y",
        "artist": {"artistName": "Björk", "id": 0},
    }
    settings = AddSettings(
        LIDARR,
        root_folder="/music",
        quality_profile=1,
        metadata_profile=2,
        monitored=False,
    )
    body = add_body(_candidate(MediaKind.ALBUM, raw), settings)
    assert body["monitored"] is False
    assert body["addOptions"] == {"searchForNewAlbum": True}
    assert body["artist"] == {
        "artistName": "Björk",
        "qualityProfileId": 1,
        "rootFolderPath": "/music",
        "monitored": False,
        "tags": [],
        "metadataProfileId": 2,
        "addOptions": {"monitor": "none", "searchForMissingAlbums": False},
    }
    # An album without its artist still gets one to add.
    alone = add_body(_candidate(MediaKind.ALBUM, {"title": "X"}), settings)
    assert alone["artist"]["rootFolderPath"] == "/music"


def test_option_keys() -> None:
    assert option_key("movieOnly") == "movie_only"
    assert option_key("inCinemas") == "in_cinemas"
    assert option_key("all") == "all"
    for values in (*MONITOR_VALUES.values(), MINIMUM_AVAILABILITY_VALUES):
        for value in values:
            assert from_option_key(option_key(value), values) == value
            assert from_option_key(value, values) == value
    assert from_option_key(" Movie_Only ", MONITOR_VALUES[RADARR]) == "movieOnly"
    assert from_option_key("firstSeason", MONITOR_VALUES[RADARR]) is None
