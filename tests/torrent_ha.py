"""What the BitTorrent tests through Home Assistant share: calls, waits, events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from custom_components.lcars.const import DOMAIN
from homeassistant.core import Context, HomeAssistant

ENTRY_ID = "lcars_entry"
# Generous: the machine running the tests may be busy.
WITHIN = 60.0


def kinds(events: list[dict[str, Any]], info_hash: str) -> list[str]:
    """The kinds of the recorded events of one torrent, in order."""
    return [e["event"] for e in events if e["info_hash"] == info_hash]


async def call(
    hass: HomeAssistant,
    action: str,
    data: dict[str, Any],
    *,
    response: bool = False,
    context: Context | None = None,
) -> Any:
    """Call an LCARS action on the test entry."""
    return await hass.services.async_call(
        DOMAIN,
        action,
        {"config_entry_id": ENTRY_ID, **data},
        blocking=True,
        return_response=response,
        context=context,
    )


async def torrents(hass: HomeAssistant) -> list[dict[str, Any]]:
    """The torrents lcars.get_torrents answers with."""
    answer = await call(hass, "get_torrents", {}, response=True)
    listed: list[dict[str, Any]] = answer["torrents"]
    return listed


async def wait_for(predicate: Callable[[], Any], within: float = WITHIN) -> Any:
    """Let Home Assistant run until predicate returns something true."""
    async with asyncio.timeout(within):
        # Neither the engine nor the polled clients have an event for every
        # condition the tests wait for.
        while not (result := predicate()):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return result
