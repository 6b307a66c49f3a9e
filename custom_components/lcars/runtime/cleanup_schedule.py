"""When the cleanup runs by itself: soon after a start, then every interval."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

# The first automatic run after a start comes soon, so that leaving soon
# reflects the libraries again, but not while Home Assistant is starting.
STARTUP_DELAY: Final = timedelta(minutes=2)


class CleanupSchedule:
    """The timer of one entry's scheduled cleanup runs."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        interval: timedelta,
        run: Callable[[], Coroutine[Any, Any, Any]],
        changed: Callable[[], None],
    ) -> None:
        """Start `run` every `interval` once started; call `changed` on each change."""
        self.hass = hass
        self.entry = entry
        self.interval = interval
        self._run = run
        self._changed = changed
        self.next_run: datetime | None = None
        self._cancel_timer: CALLBACK_TYPE | None = None
        self._cancel_stop: CALLBACK_TYPE | None = None

    @callback
    def async_start(self, automatic: bool) -> None:
        """Start the timer (when automatic) and stop it with Home Assistant."""
        if automatic:
            self.schedule(STARTUP_DELAY)

        @callback
        def stop(_event: Event) -> None:
            self._cancel_stop = None
            self.unschedule()

        self._cancel_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, stop
        )

    @callback
    def async_stop(self) -> None:
        """Stop the timer for good (the entry unloads)."""
        self.unschedule()
        if self._cancel_stop is not None:
            self._cancel_stop()
            self._cancel_stop = None

    @callback
    def schedule(self, delay: timedelta) -> None:
        """Run after `delay`, then every interval."""
        self.unschedule()
        self.next_run = dt_util.utcnow() + delay
        self._cancel_timer = async_call_later(self.hass, delay, self._on_timer)
        self._changed()

    @callback
    def unschedule(self) -> None:
        """Run no more until scheduled again."""
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None
        self.next_run = None
        self._changed()

    @callback
    def _on_timer(self, _now: datetime) -> None:
        self._cancel_timer = None
        self.schedule(self.interval)
        self.entry.async_create_background_task(
            self.hass, self._run(), "lcars cleanup run"
        )


__all__ = ["STARTUP_DELAY", "CleanupSchedule"]
