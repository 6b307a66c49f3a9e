"""Where the cleanup's clock readings come from.

The grace period counts time observed by a monotonic clock as well as the
wall clock (see `cleanup.clock`), so that a wall clock set forward deletes
nothing early. Two readings compare only when they come from the same
monotonic clock: the same boot of the machine, or else the same process.
"""

from __future__ import annotations

import time
from typing import Final
import uuid

from homeassistant.core import HomeAssistant

# Linux names each boot: readings of the monotonic clock (which counts from
# the boot) compare across restarts of Home Assistant on the same boot.
BOOT_ID_FILE: Final = "/proc/sys/kernel/random/boot_id"
# Elsewhere, readings compare within this process only.
PROCESS_CLOCK: Final = f"process:{uuid.uuid4().hex}"


def monotonic() -> float:
    """Read the monotonic clock."""
    # Looked up on every call, so that a test's clock (freezegun) applies.
    return time.monotonic()


def _read_boot_id() -> str | None:
    """Return the id of this boot of the machine, or None where there is none."""
    try:
        with open(BOOT_ID_FILE, encoding="ascii") as file:
            return file.read().strip() or None
    except OSError:
        return None


async def async_clock_source(hass: HomeAssistant) -> str:
    """Name the monotonic clock of this boot, or of this process without one."""
    boot = await hass.async_add_executor_job(_read_boot_id)
    return f"boot:{boot}" if boot else PROCESS_CLOCK
