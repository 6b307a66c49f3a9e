"""The seeding-limit rule every backend follows, on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any

import pytest

from custom_components.lcars.torrent import (
    EngineError,
    EventKind,
    SeedingLimitAction,
    SeedingLimits,
    TorrentEvent,
    TorrentState,
    TorrentStatus,
    UnknownTorrentError,
)
from custom_components.lcars.torrent.seeding import SeedingLimitRule

HASH = "ab" * 20
LIMITS = SeedingLimits(ratio=1.0, time=None)
SEEDING = TorrentStatus(
    info_hash=HASH,
    name="movie.mkv",
    save_path="/downloads",
    state=TorrentState.SEEDING,
    progress=100.0,
    download_rate=0,
    upload_rate=0,
    total_downloaded=1000,
    total_uploaded=1000,
    session_downloaded=0,
    session_uploaded=1000,
    size=1000,
    ratio=1.0,
    peers=0,
    eta_seconds=None,
    seeding_seconds=60,
    added=None,
    error=None,
    has_metadata=True,
    need_save_resume=False,
)


class Client:
    """A backend's pause and remove that fail as told, and what they were asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.failures: list[Exception] = []
        self.events: list[TorrentEvent] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def pause(self, info_hash: str) -> None:
        self.calls.append(("pause", info_hash))
        if self.failures:
            raise self.failures.pop(0)

    async def remove(self, info_hash: str) -> None:
        self.calls.append(("remove", info_hash))
        if self.failures:
            raise self.failures.pop(0)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self.tasks.append(asyncio.ensure_future(coro))

    def rule(self) -> SeedingLimitRule:
        return SeedingLimitRule(
            pause=self.pause,
            remove=self.remove,
            emit=self.events.append,
            spawn=self.spawn,
        )

    async def settle(self) -> None:
        await asyncio.gather(*self.tasks)
        self.tasks.clear()


async def test_a_failed_pause_is_tried_again_and_told_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Client()
    client.failures = [EngineError("busy"), EngineError("busy")]
    rule = client.rule()
    for _ in range(4):
        rule.check(SEEDING, LIMITS, SeedingLimitAction.PAUSE)
        await client.settle()
    # Two failures, then the pause that worked; none after it.
    assert client.calls == [("pause", HASH)] * 3
    assert [event.kind for event in client.events] == [EventKind.SEEDING_LIMIT_REACHED]
    assert client.events[0].message == SeedingLimitAction.PAUSE
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "will try again" in warnings[0].getMessage()


async def test_remove_is_the_other_action() -> None:
    client = Client()
    client.rule().check(SEEDING, LIMITS, SeedingLimitAction.REMOVE)
    await client.settle()
    assert client.calls == [("remove", HASH)]


async def test_a_torrent_gone_meanwhile_is_not_tried_again() -> None:
    client = Client()
    client.failures = [UnknownTorrentError(HASH)]
    rule = client.rule()
    for _ in range(2):
        rule.check(SEEDING, LIMITS, SeedingLimitAction.PAUSE)
        await client.settle()
    assert client.calls == [("pause", HASH)]


async def test_resumed_it_stops_and_is_told_again() -> None:
    client = Client()
    rule = client.rule()
    rule.check(SEEDING, LIMITS, SeedingLimitAction.PAUSE)
    await client.settle()
    rule.forget(HASH)
    rule.check(SEEDING, LIMITS, SeedingLimitAction.PAUSE)
    await client.settle()
    assert client.calls == [("pause", HASH)] * 2
    assert len(client.events) == 2


@pytest.mark.parametrize(
    "status",
    [
        replace(SEEDING, ratio=0.5),
        replace(SEEDING, state=TorrentState.DOWNLOADING),
        replace(SEEDING, state=TorrentState.PAUSED),
        replace(SEEDING, size=0),
    ],
)
async def test_only_a_seeding_torrent_past_its_limits_stops(
    status: TorrentStatus,
) -> None:
    client = Client()
    client.rule().check(status, LIMITS, SeedingLimitAction.PAUSE)
    await client.settle()
    assert client.calls == []
    assert client.events == []
