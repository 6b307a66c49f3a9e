"""What the cleanup planner reads, gathered on the loop from the coordinators.

The snapshots come from the coordinators' last refresh; only what they do
not hold is fetched here (Jellyfin's episode watch data, the episodes of
rolling series, which library items the torrents seeding now went to).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from custom_components.lcars.cleanup import (
    Candidate,
    CleanupPolicy,
    Ledger,
    Plan,
    SourceHealth,
    plan_cleanup,
)
from custom_components.lcars.cleanup.candidates import (
    SourceFact,
    build_candidates,
    disk_figures,
    instance_id,
    iter_candidates,
    rolling_series_ids,
    source_health,
)
from custom_components.lcars.cleanup.clock import ClockReading
from custom_components.lcars.clients import LcarsClientError
from custom_components.lcars.clients.arr import ArrClient
from custom_components.lcars.clients.models import (
    Episode,
    EpisodeWatch,
    JellyfinSnapshot,
    LidarrSnapshot,
    MissingWatchData,
    RadarrSnapshot,
    Rows,
    SonarrSnapshot,
)
from custom_components.lcars.const import DOMAIN
from custom_components.lcars.coordinator import (
    AnyCoordinator,
    ArrCoordinator,
    Services,
    SonarrCoordinator,
)
from custom_components.lcars.library.keys import ItemKey
from custom_components.lcars.library.kinds import ServiceKind
from custom_components.lcars.runtime.torrent import TorrentManager
from custom_components.lcars.torrent.models import TorrentState
from homeassistant.exceptions import HomeAssistantError

# Episode lists of rolling series fetched at once.
ROLLING_FETCHES: Final = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanupInputs:
    """What the planner reads, gathered from the coordinators on the loop."""

    radarr: dict[str, RadarrSnapshot]
    sonarr: dict[str, SonarrSnapshot]
    lidarr: dict[str, LidarrSnapshot]
    jellyfin: JellyfinSnapshot | None
    episode_watch: Rows[EpisodeWatch] | None
    rolling: dict[str, dict[int, Sequence[Episode]]]
    facts: tuple[SourceFact, ...]
    jellyfin_configured: bool
    # Counted Jellyfin users whose watch data did not come in full.
    missing_watch_data: tuple[MissingWatchData, ...] = ()

    def health(self) -> SourceHealth:
        """Return the state of the sources, and whose watch data is missing."""
        return source_health(
            self.facts,
            jellyfin_configured=self.jellyfin_configured,
            missing_watch_data=self.missing_watch_data,
        )

    def candidates(
        self,
        policy: CleanupPolicy,
        seeding: Callable[[Candidate], bool] | None = None,
    ) -> list[Candidate]:
        """Build every candidate (hundreds of milliseconds for a large library)."""
        return build_candidates(
            policy=policy,
            radarr=self.radarr,
            sonarr=self.sonarr,
            lidarr=self.lidarr,
            jellyfin=self.jellyfin,
            episode_watch=self.episode_watch,
            rolling_episodes=self.rolling,
            seeding=seeding,
        )

    def find(
        self,
        key: ItemKey,
        policy: CleanupPolicy,
        seeding: Callable[[Candidate], bool] | None = None,
    ) -> Candidate | None:
        """Return the candidate with `key`, or None; runs in an executor."""
        text = str(key)
        for item in iter_candidates(
            policy=policy,
            radarr=self.radarr,
            sonarr=self.sonarr,
            lidarr=self.lidarr,
            jellyfin=self.jellyfin,
            episode_watch=self.episode_watch,
            seeding=seeding,
        ):
            if item.key == text:
                return item
        return None

    def plan(
        self,
        policy: CleanupPolicy,
        ledger: Ledger,
        now: datetime,
        seeding: Callable[[Candidate], bool] | None = None,
        clock: ClockReading | None = None,
    ) -> Plan:
        """Plan the cleanup; runs in an executor."""
        return plan_cleanup(
            self.candidates(policy, seeding),
            disks=disk_figures(
                radarr=self.radarr, sonarr=self.sonarr, lidarr=self.lidarr
            ),
            health=self.health(),
            policy=policy,
            ledger=ledger,
            now=now,
            clock=clock,
        )


def _source_fact(coordinator: AnyCoordinator, *, ok: bool = True) -> SourceFact:
    """Return what the last refresh of one coordinator tells about its source."""
    return SourceFact(
        kind=coordinator.kind,
        instance=coordinator.subentry_id,
        ok=ok and coordinator.last_update_success,
        fetched_at=coordinator.last_fetched_at,
        name=coordinator.subentry.title,
    )


async def _async_rolling_episodes(
    sonarr: Sequence[SonarrCoordinator], policy: CleanupPolicy
) -> tuple[dict[str, dict[int, Sequence[Episode]]], set[str]]:
    """Fetch the episodes of the rolling series, and name the instances that failed.

    One request per rolling series, never per series of the library.
    """
    snapshots = {c.subentry_id: c.data for c in sonarr if c.data is not None}
    wanted = rolling_series_ids(snapshots, policy)
    coordinators = {c.subentry_id: c for c in sonarr}
    episodes: dict[str, dict[int, Sequence[Episode]]] = {}
    failed: set[str] = set()
    # A few at a time: a user may tag many series as rolling.
    slots = asyncio.Semaphore(ROLLING_FETCHES)

    async def fetch(instance: str, series_id: int) -> None:
        try:
            async with slots:
                client = coordinators[instance].client
                found = await client.async_get_episodes(series_id)
        except LcarsClientError:
            failed.add(instance)
            return
        episodes.setdefault(instance, {})[series_id] = found

    await asyncio.gather(
        *(
            fetch(instance, series_id)
            for instance, series_ids in wanted.items()
            for series_id in series_ids
        )
    )
    return episodes, failed


async def async_gather_inputs(data: Services, policy: CleanupPolicy) -> CleanupInputs:
    """Collect the planner's input from the coordinators' last snapshots.

    Only the Jellyfin episode watch data and the episodes of rolling series
    are fetched here, as the snapshots do not hold them. A coordinator
    without data (its refresh failed) gives no snapshot; its failed source
    then makes the plan fail closed.
    """
    failed: set[str] = set()
    # The planner matches one Jellyfin server: the first one connected.
    jellyfin = data.jellyfin[0] if data.jellyfin else None
    snapshot: JellyfinSnapshot | None = None
    episode_watch: Rows[EpisodeWatch] | None = None
    missing: list[MissingWatchData] = []
    if jellyfin is not None and jellyfin.data is not None:
        snapshot = jellyfin.data
        missing.extend(snapshot.missing_watch_data)
        try:
            episode_watch = await jellyfin.client.async_get_episode_watch(
                missing=missing
            )
        except LcarsClientError:
            failed.add(jellyfin.subentry_id)
    rolling, failed_sonarr = await _async_rolling_episodes(data.sonarr, policy)
    failed |= failed_sonarr
    return CleanupInputs(
        radarr={c.subentry_id: c.data for c in data.radarr if c.data is not None},
        sonarr={c.subentry_id: c.data for c in data.sonarr if c.data is not None},
        lidarr={c.subentry_id: c.data for c in data.lidarr if c.data is not None},
        jellyfin=snapshot,
        episode_watch=episode_watch,
        rolling=rolling,
        facts=tuple(
            _source_fact(c, ok=c.subentry_id not in failed)
            for c in data.coordinators.values()
            if c.kind is not ServiceKind.JELLYFIN or c is jellyfin
        ),
        jellyfin_configured=jellyfin is not None,
        missing_watch_data=tuple(missing),
    )


def instance_titles(services: Services) -> dict[str, str]:
    """Return each service's name by instance id, such as "radarr/<subentry id>"."""
    return {
        instance_id(c.kind, c.subentry_id): c.subentry.title
        for c in services.coordinators.values()
    }


def instance_title(services: Services, key: ItemKey) -> str:
    """Return the name of the service an item's key belongs to."""
    return instance_titles(services).get(key.instance_id, key.instance)


def arr_client(services: Services, instance: str) -> ArrClient | None:
    """Return the client of an *arr instance id, such as "radarr/<subentry id>"."""
    _kind, _sep, subentry_id = instance.partition("/")
    client = services.clients.get(subentry_id)
    return client if isinstance(client, ArrClient) else None


class SeedingLookup:
    """Which library items the torrents seeding now went to.

    The *arr history says which library item each torrent went to (by its
    info hash, the download id). An import does not change, so each torrent
    is looked up once.
    """

    def __init__(self) -> None:
        """Start with nothing looked up."""
        # Info hash -> the library items it went to, by *arr instance id.
        self._downloads: dict[str, dict[str, set[int]]] = {}

    async def async_check(
        self, torrent: TorrentManager | None, arr: Sequence[ArrCoordinator]
    ) -> Callable[[Candidate], bool] | None:
        """Return whether a candidate's files are seeding, or None without torrents.

        A lookup that fails raises: without it, a seeding item could look
        free to delete.
        """
        if torrent is None or not torrent.running:
            return None
        seeding = {
            status.info_hash
            for status in torrent.torrents()
            if status.state in (TorrentState.SEEDING, TorrentState.FINISHED)
        }
        # A service not heard from since setup is not asked (the plan fails
        # closed on it); lookups made without it are made again later.
        unasked = any(coordinator.data is None for coordinator in arr)
        new = seeding - set(self._downloads)
        for info_hash in new:
            self._downloads[info_hash] = await _async_downloaded_items(info_hash, arr)
        kept: set[tuple[str, int]] = {
            (source, item_id)
            for info_hash in seeding
            for source, items in self._downloads[info_hash].items()
            for item_id in items
        }
        if unasked:
            for info_hash in new:
                del self._downloads[info_hash]
        if not kept:
            return None

        def is_seeding(item: Candidate) -> bool:
            # Movies and albums by their own id; seasons and episodes by
            # their series, as Sonarr's history names the series.
            return (item.instance_id, ItemKey.parse(item.key).ids[0]) in kept

        return is_seeding


async def _async_downloaded_items(
    info_hash: str, arr: Iterable[ArrCoordinator]
) -> dict[str, set[int]]:
    """Return the library items one torrent went to, by *arr instance id."""
    found: dict[str, set[int]] = {}
    for coordinator in arr:
        if coordinator.data is None:
            continue
        try:
            items = await coordinator.client.async_get_downloaded_items(info_hash)
        except LcarsClientError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="seeding_lookup_failed",
                translation_placeholders={
                    "service": coordinator.subentry.title,
                    "error": err.detail,
                },
            ) from err
        if items:
            source = instance_id(coordinator.kind, coordinator.subentry_id)
            found[source] = items
    return found


__all__ = [
    "ROLLING_FETCHES",
    "CleanupInputs",
    "SeedingLookup",
    "arr_client",
    "async_gather_inputs",
    "instance_title",
    "instance_titles",
]
