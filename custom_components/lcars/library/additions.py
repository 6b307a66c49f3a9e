"""Adding a title to an *arr: the settings of an instance and the bodies sent.

`AddSettings` are the defaults an administrator chose for one instance
(root folder, quality profile, what to monitor, whether to search at once),
kept in the entry's options by subentry id, with a call's overrides laid
over them. The bodies start from the resource the *arr's lookup answered,
as the *arr's own web interface does, and set only the settings: the *arr
builds the item's folder itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
import re
from typing import Any, Final

from .candidates import Candidate
from .kinds import MediaKind, ServiceKind

# The adding options: the route of movies and series (through the *arr, or
# as Jellyseerr requests) and each instance's defaults by subentry id.
OPT_ROUTE: Final = "route"
OPT_INSTANCES: Final = "instances"
ROUTE_ARR: Final = "arr"
ROUTE_JELLYSEERR: Final = "jellyseerr"
ROUTES: Final = (ROUTE_ARR, ROUTE_JELLYSEERR)

# Option names of one instance's defaults.
OPT_ROOT_FOLDER: Final = "root_folder"
OPT_QUALITY_PROFILE: Final = "quality_profile"
OPT_METADATA_PROFILE: Final = "metadata_profile"
OPT_MONITORED: Final = "monitored"
OPT_MONITOR: Final = "monitor"
OPT_MINIMUM_AVAILABILITY: Final = "minimum_availability"
OPT_SEASON_FOLDER: Final = "season_folder"
OPT_SEARCH: Final = "search_now"
OPT_DEFAULT_FOR_KIND: Final = "default_for_kind"

# The service that keeps each kind a person may add.
SERVICE_OF_KIND: Final[dict[MediaKind, ServiceKind]] = {
    MediaKind.MOVIE: ServiceKind.RADARR,
    MediaKind.SERIES: ServiceKind.SONARR,
    MediaKind.ARTIST: ServiceKind.LIDARR,
    MediaKind.ALBUM: ServiceKind.LIDARR,
}
ADDABLE_KINDS: Final = tuple(SERVICE_OF_KIND)

# What each service may monitor of a new item (its `addOptions.monitor`).
MONITOR_VALUES: Final[dict[ServiceKind, tuple[str, ...]]] = {
    ServiceKind.RADARR: ("movieOnly", "movieAndCollection", "none"),
    ServiceKind.SONARR: (
        "all",
        "future",
        "missing",
        "existing",
        "firstSeason",
        "lastSeason",
        "latestSeason",
        "pilot",
        "recent",
        "none",
    ),
    ServiceKind.LIDARR: (
        "all",
        "future",
        "missing",
        "existing",
        "latest",
        "first",
        "none",
    ),
}
DEFAULT_MONITOR: Final[dict[ServiceKind, str]] = {
    ServiceKind.RADARR: "movieOnly",
    ServiceKind.SONARR: "all",
    ServiceKind.LIDARR: "all",
}
# When Radarr counts a movie as available to download.
MINIMUM_AVAILABILITY_VALUES: Final = ("announced", "inCinemas", "released")
DEFAULT_MINIMUM_AVAILABILITY: Final = "released"

# Fields of a looked-up resource left out of the body sent back: what the
# *arr sets itself (its id, the item's path) and lists it reads again.
_DROPPED: Final = ("id", "path", "statistics", "credits")


_CAPITAL = re.compile(r"(?<!^)([A-Z])")


def option_key(value: str) -> str:
    """Spell an *arr value as Home Assistant's selectors take it: movieOnly → movie_only."""
    return _CAPITAL.sub(r"_\1", value).lower()


def from_option_key(text: str, allowed: Iterable[str]) -> str | None:
    """Return the *arr value a text names, as spelled by `option_key` or by the *arr."""
    wanted = text.strip().replace("_", "").casefold()
    return next((v for v in allowed if v.casefold() == wanted), None)


def _opt_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _opt_bool(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _opt_choice(value: Any, allowed: tuple[str, ...]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


@dataclass(frozen=True, slots=True)
class AddSettings:
    """How one instance adds a title; None where nothing is chosen yet."""

    service: ServiceKind
    root_folder: str | None = None
    quality_profile: int | None = None
    metadata_profile: int | None = None
    monitored: bool = True
    monitor: str | None = None
    minimum_availability: str = DEFAULT_MINIMUM_AVAILABILITY
    season_folder: bool = True
    search: bool = True
    tags: tuple[int, ...] = ()
    default_for_kind: bool = False

    @classmethod
    def from_options(
        cls, service: ServiceKind, options: Mapping[str, Any] | None
    ) -> AddSettings:
        """Read stored defaults; a value of the wrong type or out of range is unset."""
        data = options or {}
        root = data.get(OPT_ROOT_FOLDER)
        return cls(
            service=service,
            root_folder=root if isinstance(root, str) and root else None,
            quality_profile=_opt_id(data.get(OPT_QUALITY_PROFILE)),
            metadata_profile=_opt_id(data.get(OPT_METADATA_PROFILE)),
            monitored=_opt_bool(data.get(OPT_MONITORED), True),
            monitor=_opt_choice(data.get(OPT_MONITOR), MONITOR_VALUES[service]),
            minimum_availability=_opt_choice(
                data.get(OPT_MINIMUM_AVAILABILITY), MINIMUM_AVAILABILITY_VALUES
            )
            or DEFAULT_MINIMUM_AVAILABILITY,
            season_folder=_opt_bool(data.get(OPT_SEASON_FOLDER), True),
            search=_opt_bool(data.get(OPT_SEARCH), True),
            default_for_kind=_opt_bool(data.get(OPT_DEFAULT_FOR_KIND), False),
        )

    def to_options(self) -> dict[str, Any]:
        """Return the defaults as stored in the options (those of this service)."""
        stored: dict[str, Any] = {
            OPT_ROOT_FOLDER: self.root_folder,
            OPT_QUALITY_PROFILE: self.quality_profile,
            OPT_MONITORED: self.monitored,
            OPT_MONITOR: self.monitor_value,
            OPT_SEARCH: self.search,
            OPT_DEFAULT_FOR_KIND: self.default_for_kind,
        }
        if self.service == ServiceKind.RADARR:
            stored[OPT_MINIMUM_AVAILABILITY] = self.minimum_availability
        elif self.service == ServiceKind.SONARR:
            stored[OPT_SEASON_FOLDER] = self.season_folder
        else:
            stored[OPT_METADATA_PROFILE] = self.metadata_profile
        return stored

    @property
    def monitor_value(self) -> str:
        """What to monitor: the chosen value, else the service's default."""
        return self.monitor or DEFAULT_MONITOR[self.service]

    def with_overrides(self, **changes: Any) -> AddSettings:
        """Return the settings with a call's overrides (None changes nothing)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def missing(self) -> list[str]:
        """Return the settings an add needs that are not chosen, by option name."""
        needed = [
            (OPT_ROOT_FOLDER, self.root_folder),
            (OPT_QUALITY_PROFILE, self.quality_profile),
        ]
        if self.service == ServiceKind.LIDARR:
            needed.append((OPT_METADATA_PROFILE, self.metadata_profile))
        return [name for name, value in needed if value is None]


def _base(candidate: Candidate) -> dict[str, Any]:
    return {k: v for k, v in candidate.raw.items() if k not in _DROPPED}


def _common(settings: AddSettings) -> dict[str, Any]:
    return {
        "qualityProfileId": settings.quality_profile,
        "rootFolderPath": settings.root_folder,
        "monitored": settings.monitored,
        "tags": list(settings.tags),
    }


def movie_body(candidate: Candidate, settings: AddSettings) -> dict[str, Any]:
    """Return the body of `POST /api/v3/movie` for a movie Radarr looked up."""
    return {
        **_base(candidate),
        **_common(settings),
        "minimumAvailability": settings.minimum_availability,
        "addOptions": {
            "monitor": settings.monitor_value,
            "searchForMovie": settings.search,
        },
    }


def series_body(candidate: Candidate, settings: AddSettings) -> dict[str, Any]:
    """Return the body of `POST /api/v3/series` for a series Sonarr looked up."""
    return {
        **_base(candidate),
        **_common(settings),
        "seasonFolder": settings.season_folder,
        "addOptions": {
            "monitor": settings.monitor_value,
            "searchForMissingEpisodes": settings.search,
            "searchForCutoffUnmetEpisodes": False,
        },
    }


def _artist_settings(settings: AddSettings) -> dict[str, Any]:
    return {**_common(settings), "metadataProfileId": settings.metadata_profile}


def artist_body(candidate: Candidate, settings: AddSettings) -> dict[str, Any]:
    """Return the body of `POST /api/v1/artist` for an artist Lidarr looked up."""
    return {
        **_base(candidate),
        **_artist_settings(settings),
        "addOptions": {
            "monitor": settings.monitor_value,
            "searchForMissingAlbums": settings.search,
        },
    }


def album_body(candidate: Candidate, settings: AddSettings) -> dict[str, Any]:
    """Return the body of `POST /api/v1/album` for an album Lidarr looked up.

    The album's artist comes with it, added if Lidarr does not have it yet,
    monitoring none of its other albums: the person asked for this one.
    """
    artist = candidate.raw.get("artist")
    artist_raw = artist if isinstance(artist, Mapping) else {}
    return {
        **_base(candidate),
        "monitored": settings.monitored,
        "artist": {
            **{k: v for k, v in artist_raw.items() if k not in _DROPPED},
            **_artist_settings(settings),
            "addOptions": {"monitor": "none", "searchForMissingAlbums": False},
        },
        "addOptions": {"searchForNewAlbum": settings.search},
    }


def add_body(candidate: Candidate, settings: AddSettings) -> dict[str, Any]:
    """Return the body that adds a candidate of any kind."""
    if candidate.kind == MediaKind.MOVIE:
        return movie_body(candidate, settings)
    if candidate.kind == MediaKind.SERIES:
        return series_body(candidate, settings)
    if candidate.kind == MediaKind.ARTIST:
        return artist_body(candidate, settings)
    return album_body(candidate, settings)
