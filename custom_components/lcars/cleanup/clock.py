"""Time that a clock step cannot fake: how long LCARS has seen items listed.

The grace period is promised in dates of the wall clock, and a wall clock can
step: an NTP correction on a device without a real-time clock, a wrong time
zone or date fixed by hand, a virtual machine resumed. A step forward must not
make listed items due early. So, besides the dates, the ledger keeps for each
item how long LCARS has *observed* it listed, counted on a monotonic clock,
which only moves forward at the pace of real time and never jumps.

The rule, between two consecutive readings (each run takes one, and so does
turning dry run off, which starts every grace period again):

- Both readings come from the same monotonic clock (the same boot of the
  machine): the time between them is trusted only when the wall clock and the
  monotonic clock moved alike (within `STEP_TOLERANCE_SECONDS` plus
  `STEP_TOLERANCE_RATE` of the interval, more than the slewing NTP does). The
  monotonic interval is then credited to every item that stayed listed.
- They disagree: the wall clock stepped. That is doubt: nothing is credited
  for the interval and the run deletes nothing.
- The readings come from different monotonic clocks (the machine restarted in
  between, or the ledger predates readings): the gap cannot be measured by
  anything a step cannot fake, so it is not credited (and not doubted either:
  the next interval is measured from this reading on).

An item is deleted only once its promised date has passed *and* its observed
time covers the whole grace period. Pure: the caller takes the readings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import math
from typing import Any, Final

# Timer jitter and NTP slewing (at most 500 ppm) stay well within these.
STEP_TOLERANCE_SECONDS: Final = 60.0
STEP_TOLERANCE_RATE: Final = 0.001

_NOTHING: Final = timedelta(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockReading:
    """The wall clock and a monotonic clock, read at the same moment.

    `source` names the monotonic clock: two readings can be compared only
    when it is the same (the Home Assistant layer uses the boot id of the
    machine, or failing that one id per process).
    """

    wall: datetime
    monotonic: float
    source: str

    def __post_init__(self) -> None:
        """Refuse a reading that cannot be compared with another."""
        if self.wall.tzinfo is None or self.wall.utcoffset() is None:
            raise ValueError("the wall clock reading must be timezone-aware")
        if not math.isfinite(self.monotonic):
            raise ValueError("the monotonic reading must be a finite number")

    def to_dict(self) -> dict[str, Any]:
        """Return the reading as JSON data."""
        return {
            "wall": self.wall.isoformat(),
            "monotonic": self.monotonic,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ClockReading:
        """Read a reading written by `to_dict`; TypeError or ValueError otherwise."""
        if not isinstance(data, dict):
            raise TypeError("the clock reading is not an object")
        wall, monotonic, source = (
            data.get("wall"),
            data.get("monotonic"),
            data.get("source"),
        )
        if (
            not isinstance(wall, str)
            or isinstance(monotonic, bool)
            or not isinstance(monotonic, int | float)
            or not isinstance(source, str)
        ):
            raise TypeError("the clock reading is incomplete")
        return cls(
            wall=datetime.fromisoformat(wall),
            monotonic=float(monotonic),
            source=source,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockStep:
    """The wall clock moved differently from real time between two readings."""

    since: datetime
    wall: timedelta
    monotonic: timedelta

    @property
    def step(self) -> timedelta:
        """How far the wall clock jumped (negative: backwards)."""
        return self.wall - self.monotonic


@dataclass(frozen=True, slots=True, kw_only=True)
class Elapsed:
    """What may be credited between two readings, and whether the clock stepped."""

    trusted: timedelta
    step: ClockStep | None = None


def elapsed_between(previous: ClockReading | None, current: ClockReading) -> Elapsed:
    """Return the time between two readings that a clock step cannot fake."""
    if previous is None or previous.source != current.source:
        return Elapsed(trusted=_NOTHING)
    wall = (current.wall - previous.wall).total_seconds()
    monotonic = current.monotonic - previous.monotonic
    allowed = STEP_TOLERANCE_SECONDS + STEP_TOLERANCE_RATE * abs(monotonic)
    if monotonic < 0 or abs(wall - monotonic) > allowed:
        return Elapsed(
            trusted=_NOTHING,
            step=ClockStep(
                since=previous.wall,
                wall=timedelta(seconds=wall),
                monotonic=timedelta(seconds=monotonic),
            ),
        )
    return Elapsed(trusted=timedelta(seconds=monotonic))
