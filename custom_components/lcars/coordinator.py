"""Coordinators: one per connected service, each polling one snapshot."""

from __future__ import annotations

from abc import abstractmethod
import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, Protocol

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .clients import (
    AuthenticationError,
    BadResponseError,
    CannotConnectError,
    JellyfinClient,
    JellyseerrClient,
    LidarrClient,
    RadarrClient,
    SonarrClient,
)
from .clients.models import (
    JellyfinSnapshot,
    JellyseerrSnapshot,
    LidarrSnapshot,
    RadarrSnapshot,
    SonarrSnapshot,
)
from .const import (
    CONF_SCAN_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    REFRESH_TIMEOUT_SECONDS,
    SERVICE_JELLYFIN,
    SERVICE_JELLYSEERR,
    SERVICE_LIDARR,
    SERVICE_NAMES,
    SERVICE_RADARR,
    SERVICE_SONARR,
)
from .library import JellyfinIndex
from .library.kinds import ServiceKind

if TYPE_CHECKING:
    from .connection import LcarsClient

type ArrSnapshot = RadarrSnapshot | SonarrSnapshot | LidarrSnapshot
type LcarsSnapshot = ArrSnapshot | JellyfinSnapshot | JellyseerrSnapshot

# While a service does not answer it is asked again sooner than the polling
# interval: first after this long, then twice as long each time, up to the
# polling interval.
FIRST_RETRY = timedelta(seconds=10)


class SnapshotClient[SnapshotT: LcarsSnapshot](Protocol):
    """What a coordinator needs of a client: where it is and one snapshot."""

    @property
    def url(self) -> str:
        """Normalized URL of the service."""
        ...

    async def async_fetch_snapshot(self, now: datetime) -> SnapshotT:
        """Read one snapshot from the service."""
        ...


def scan_interval(entry: ConfigEntry) -> timedelta:
    """Return the polling interval from the options of the LCARS entry."""
    seconds = entry.options.get(CONF_SCAN_INTERVAL)
    if seconds is None:
        return DEFAULT_SCAN_INTERVAL
    return timedelta(seconds=int(seconds))


class LcarsCoordinator[SnapshotT: LcarsSnapshot](
    DataUpdateCoordinator[SnapshotT | None]
):
    """Poll one connected service for a snapshot of what LCARS shows."""

    config_entry: ConfigEntry
    kind: ClassVar[ServiceKind]
    # A refresh that takes longer than this counts as a failure.
    refresh_timeout: float = REFRESH_TIMEOUT_SECONDS

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        subentry: ConfigSubentry,
        client: SnapshotClient[SnapshotT],
    ) -> None:
        """Poll the service of one subentry with its client."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=subentry.title,
            update_interval=scan_interval(entry),
        )
        self.subentry = subentry
        self.client = client
        self._version: str | None = None
        self._poll_interval = scan_interval(entry)
        self._next_retry = FIRST_RETRY
        # When the last successful refresh finished: the cleanup trusts
        # data only up to a maximum age.
        self.last_fetched_at: datetime | None = None

    @callback
    def async_set_poll_interval(self, interval: timedelta) -> None:
        """Poll at a new interval from now on, without a reload.

        A service that fails is retried as before, never later than the new
        interval; a poll waiting for the old interval is moved.
        """
        self._poll_interval = interval
        self._next_retry = min(self._next_retry, interval)
        if self.last_update_success:
            self.update_interval = interval
        else:
            self.update_interval = min(self.update_interval or interval, interval)
        if self._unsub_refresh is not None:
            # A poll is waiting (none is under way, which reschedules itself).
            self._schedule_refresh()

    @property
    def subentry_id(self) -> str:
        """The subentry this coordinator belongs to."""
        return self.subentry.subentry_id

    def is_named(self, name: str) -> bool:
        """Whether an action's `instance` names this service: its title or id, any case."""
        wanted = name.strip().casefold()
        return wanted in (self.subentry.title.casefold(), self.subentry_id.casefold())

    @property
    def service_name(self) -> str:
        """Name of the kind of service, such as Radarr."""
        return SERVICE_NAMES[self.kind]

    @property
    def url(self) -> str:
        """Normalized URL of the service."""
        return self.client.url

    async def _async_fetch(self) -> SnapshotT:
        """Read one snapshot from the service."""
        return await self.client.async_fetch_snapshot(dt_util.utcnow())

    @staticmethod
    @abstractmethod
    def version_of(data: SnapshotT) -> str | None:
        """Version of the service software, from a snapshot."""

    @property
    def version(self) -> str | None:
        """Version of the service software, once known."""
        return self._version

    async def _async_update_data(self) -> SnapshotT:
        """Fetch a snapshot; while the service fails, retry sooner and back off.

        The coordinator schedules the next refresh after this returns, with
        the interval set here.
        """
        try:
            data = await self._async_fetch_snapshot()
        except Exception:
            self.update_interval = min(self._next_retry, self._poll_interval)
            self._next_retry = min(self._next_retry * 2, self._poll_interval)
            raise
        self.update_interval = self._poll_interval
        self._next_retry = FIRST_RETRY
        return data

    async def _async_fetch_snapshot(self) -> SnapshotT:
        """Fetch a snapshot, turning client errors into translated failures."""
        placeholders = {"service": self.subentry.title, "url": self.url}
        try:
            async with asyncio.timeout(self.refresh_timeout):
                data = await self._async_fetch()
        except TimeoutError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="refresh_timeout",
                translation_placeholders=placeholders
                | {"seconds": f"{self.refresh_timeout:g}"},
            ) from err
        except AuthenticationError as err:
            # ConfigEntryAuthFailed would start a reauth flow that does not
            # know which service refused its key, so start it with the subentry.
            self.config_entry.async_start_reauth(
                self.hass, data={"subentry_id": self.subentry_id}
            )
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders=placeholders,
            ) from err
        except CannotConnectError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders=placeholders | {"error": err.detail},
            ) from err
        except BadResponseError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="bad_response",
                translation_placeholders=placeholders | {"error": err.detail},
            ) from err
        self.last_fetched_at = dt_util.utcnow()
        self._async_update_sw_version(data)
        return data

    def _async_update_sw_version(self, data: SnapshotT) -> None:
        """Keep the device's software version current.

        The device may exist before the first answer (the service was down
        when Home Assistant started) or show an older version (an upgrade).
        """
        version = self.version_of(data)
        if version == self._version:
            return
        self._version = version
        registry = dr.async_get(self.hass)
        identifier = (DOMAIN, self.subentry_id)
        # The entry's devices, not a lookup by identifiers: that lookup's
        # signature changes in Home Assistant 2026.11, and an entry has few.
        for device in dr.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            if identifier in device.identifiers and device.sw_version != version:
                registry.async_update_device(device.id, sw_version=version)


class RadarrCoordinator(LcarsCoordinator[RadarrSnapshot]):
    """Poll a Radarr server."""

    kind = SERVICE_RADARR

    client: RadarrClient

    @staticmethod
    def version_of(data: RadarrSnapshot) -> str | None:
        """Version of Radarr."""
        return data.status.version


class SonarrCoordinator(LcarsCoordinator[SonarrSnapshot]):
    """Poll a Sonarr server."""

    kind = SERVICE_SONARR

    client: SonarrClient

    @staticmethod
    def version_of(data: SonarrSnapshot) -> str | None:
        """Version of Sonarr."""
        return data.status.version


class LidarrCoordinator(LcarsCoordinator[LidarrSnapshot]):
    """Poll a Lidarr server."""

    kind = SERVICE_LIDARR

    client: LidarrClient

    @staticmethod
    def version_of(data: LidarrSnapshot) -> str | None:
        """Version of Lidarr."""
        return data.status.version


class JellyfinCoordinator(LcarsCoordinator[JellyfinSnapshot]):
    """Poll a Jellyfin server."""

    kind = SERVICE_JELLYFIN

    client: JellyfinClient

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        subentry: ConfigSubentry,
        client: JellyfinClient,
    ) -> None:
        """Poll Jellyfin with the given client."""
        super().__init__(hass, entry, subentry, client)
        self._index: JellyfinIndex | None = None
        self._indexed: JellyfinSnapshot | None = None

    async def async_index(self) -> JellyfinIndex | None:
        """Return the last snapshot's items by provider id; None before it answered.

        Built once per snapshot, when first asked for, in the executor: a
        large library takes longer to index than the event loop may wait.
        """
        data = self.data
        if data is None:
            return None
        if self._indexed is not data:
            index = await self.hass.async_add_executor_job(
                JellyfinIndex, data.items.rows
            )
            self._index, self._indexed = index, data
        return self._index

    @staticmethod
    def version_of(data: JellyfinSnapshot) -> str | None:
        """Version of Jellyfin."""
        return data.info.version


class JellyseerrCoordinator(LcarsCoordinator[JellyseerrSnapshot]):
    """Poll a Jellyseerr server."""

    kind = SERVICE_JELLYSEERR

    client: JellyseerrClient

    @staticmethod
    def version_of(data: JellyseerrSnapshot) -> str | None:
        """Version of Jellyseerr."""
        return data.status.version


type ArrCoordinator = RadarrCoordinator | SonarrCoordinator | LidarrCoordinator
type AnyCoordinator = ArrCoordinator | JellyfinCoordinator | JellyseerrCoordinator


def create_coordinator(
    hass: HomeAssistant,
    entry: ConfigEntry,
    subentry: ConfigSubentry,
    client: LcarsClient,
) -> AnyCoordinator:
    """Create the coordinator that fits the client of a subentry."""
    if isinstance(client, RadarrClient):
        return RadarrCoordinator(hass, entry, subentry, client)
    if isinstance(client, SonarrClient):
        return SonarrCoordinator(hass, entry, subentry, client)
    if isinstance(client, LidarrClient):
        return LidarrCoordinator(hass, entry, subentry, client)
    if isinstance(client, JellyfinClient):
        return JellyfinCoordinator(hass, entry, subentry, client)
    return JellyseerrCoordinator(hass, entry, subentry, client)


@dataclass(slots=True)
class Services:
    """The connected services of an entry: a coordinator each, by subentry id."""

    coordinators: dict[str, AnyCoordinator]

    @property
    def clients(self) -> dict[str, LcarsClient]:
        """The client of each service, by subentry id."""
        return {sid: c.client for sid, c in self.coordinators.items()}

    def of_kind[CoordinatorT: AnyCoordinator](
        self, kind: type[CoordinatorT]
    ) -> list[CoordinatorT]:
        """Coordinators of one kind of service, in the order they were set up."""
        return [c for c in self.coordinators.values() if isinstance(c, kind)]

    @property
    def radarr(self) -> list[RadarrCoordinator]:
        """Coordinators of the connected Radarr servers."""
        return self.of_kind(RadarrCoordinator)

    @property
    def sonarr(self) -> list[SonarrCoordinator]:
        """Coordinators of the connected Sonarr servers."""
        return self.of_kind(SonarrCoordinator)

    @property
    def lidarr(self) -> list[LidarrCoordinator]:
        """Coordinators of the connected Lidarr servers."""
        return self.of_kind(LidarrCoordinator)

    @property
    def arr(self) -> list[ArrCoordinator]:
        """Coordinators of the services that keep a library."""
        return [
            c
            for c in self.coordinators.values()
            if isinstance(c, RadarrCoordinator | SonarrCoordinator | LidarrCoordinator)
        ]

    @property
    def jellyfin(self) -> list[JellyfinCoordinator]:
        """Coordinators of the connected Jellyfin servers."""
        return self.of_kind(JellyfinCoordinator)

    @property
    def jellyseerr(self) -> list[JellyseerrCoordinator]:
        """Coordinators of the connected Jellyseerr servers."""
        return self.of_kind(JellyseerrCoordinator)
