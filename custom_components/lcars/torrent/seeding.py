"""The one rule of the seeding limits, shared by every backend.

A torrent that seeds past its limits is paused or removed, as the settings
say, whichever backend runs it: the libtorrent engine checks it at each of
its status updates, the external clients at each poll. The limit is told
once, as a "seeding limit reached" event, until the torrent is resumed or
its limits change; a pause or removal that fails is tried again at the next
check, so that no torrent seeds on past its limits because of one failure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
import logging
from typing import Any

from .errors import EngineError, UnknownTorrentError
from .models import EventKind, TorrentEvent, TorrentState, TorrentStatus
from .redact import redact
from .settings import SeedingLimitAction, SeedingLimits

_LOGGER = logging.getLogger(__name__)

type TorrentCall = Callable[[str], Awaitable[None]]
type Spawn = Callable[[Coroutine[Any, Any, None]], None]


class SeedingLimitRule:
    """Which torrents must stop at their seeding limit, and stopping them."""

    def __init__(
        self,
        *,
        pause: TorrentCall,
        remove: TorrentCall,
        emit: Callable[[TorrentEvent], None],
        spawn: Spawn,
    ) -> None:
        """Stop torrents with the backend's `pause` and `remove`.

        `emit` tells the backend's events; `spawn` runs a stop in a task the
        backend waits for when it stops.
        """
        self._pause = pause
        self._remove = remove
        self._emit = emit
        self._spawn = spawn
        # Torrents whose pause or removal is done or under way.
        self._stopping: set[str] = set()
        # Torrents whose limit was told, until resumed or given new limits.
        self._told: set[str] = set()
        # Torrents whose last pause or removal failed: said once, not at every try.
        self._failing: set[str] = set()

    def check(
        self, status: TorrentStatus, limits: SeedingLimits, action: SeedingLimitAction
    ) -> None:
        """Stop a seeding torrent past its limits, unless it is being stopped.

        The limit is told the first time only; a retry is silent.
        """
        key = status.info_hash
        if (
            status.state is not TorrentState.SEEDING
            or status.size <= 0
            or key in self._stopping
            or not limits.reached(status.ratio, status.seeding_seconds)
        ):
            return
        self._stopping.add(key)
        self._spawn(self.stop(key, action))
        if key not in self._told:
            self._told.add(key)
            _LOGGER.debug("Seeding limit of %s reached: %s", key, action)
            self._emit(
                TorrentEvent(EventKind.SEEDING_LIMIT_REACHED, key, status.name, action)
            )

    async def stop(self, info_hash: str, action: SeedingLimitAction) -> None:
        """Pause or remove a torrent at its limit; a failure is tried again later.

        Tried again at the next check() that finds it still seeding.
        """
        try:
            if action is SeedingLimitAction.REMOVE:
                await self._remove(info_hash)
            else:
                await self._pause(info_hash)
        except UnknownTorrentError:
            # Removed meanwhile: nothing left to stop.
            pass
        except (EngineError, RuntimeError) as err:
            # RuntimeError: libtorrent's own errors, from the engine.
            if info_hash not in self._failing:
                _LOGGER.warning(
                    "Cannot stop %s at its seeding limit, will try again: %s",
                    info_hash,
                    redact(str(err)),
                )
            self._failing.add(info_hash)
            self._stopping.discard(info_hash)
            return
        if info_hash in self._failing:
            _LOGGER.info("%s stopped at its seeding limit", info_hash)
            self._failing.discard(info_hash)

    def forget(self, info_hash: str) -> None:
        """Start over for a torrent resumed, given new limits, or removed."""
        self._stopping.discard(info_hash)
        self._told.discard(info_hash)
        self._failing.discard(info_hash)

    def clear(self) -> None:
        """Start over for every torrent: the backend stopped."""
        self._stopping.clear()
        self._told.clear()
        self._failing.clear()
