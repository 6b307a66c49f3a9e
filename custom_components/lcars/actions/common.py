"""What the actions of LCARS share: finding the entry, the services, the items."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import math
from typing import Any, Final, cast

from custom_components.lcars.const import (
    ARR_SERVICE_TYPES,
    ATTR_INSTANCE,
    ATTR_SERVICE,
    DOMAIN,
)
from custom_components.lcars.coordinator import (
    ArrCoordinator,
    LcarsCoordinator,
    LidarrCoordinator,
    RadarrCoordinator,
)
from custom_components.lcars.data import LcarsConfigEntry
from custom_components.lcars.library.views import LibraryItem
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

# A number written as text longer than this is not one a field takes.
MAX_NUMBER_TEXT: Final = 32


def invalid(key: str, **placeholders: str) -> ServiceValidationError:
    """Return the translated error of a call with bad input."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def not_answered(coordinators: Iterable[LcarsCoordinator[Any]]) -> HomeAssistantError:
    """Return the translated error of a call that needs services not heard from.

    A service that has not answered since the entry was set up has no data at
    all: nothing of it can be shown or changed until it answers.
    """
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="service_unavailable",
        translation_placeholders={
            "service": ", ".join(c.subentry.title for c in coordinators)
        },
    )


@callback
def async_get_entry(hass: HomeAssistant, entry_id: str) -> LcarsConfigEntry:
    """Return the loaded LCARS entry of the call."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise invalid("entry_not_found", entry_id=entry_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise invalid("entry_not_loaded", title=entry.title)
    return cast("LcarsConfigEntry", entry)


def select_arr(entry: LcarsConfigEntry, call: ServiceCall) -> list[ArrCoordinator]:
    """Return the *arr services the call asks for, checking the names given."""
    service: str | None = call.data.get(ATTR_SERVICE)
    instance: str | None = call.data.get(ATTR_INSTANCE)
    if service is not None:
        service = service.strip().lower()
        if service not in ARR_SERVICE_TYPES:
            raise invalid(
                "invalid_service", service=service, valid=", ".join(ARR_SERVICE_TYPES)
            )
    coordinators = [
        coordinator
        for coordinator in entry.runtime_data.arr
        if service is None or coordinator.kind == service
    ]
    if instance is not None:
        coordinators = [c for c in coordinators if c.is_named(instance)]
        if not coordinators:
            raise invalid("instance_not_found", instance=instance)
    return coordinators


def as_int(value: object) -> int | None:
    """Read a whole number from a field, or None when it is not one.

    Booleans, infinities, NaN, fractions and texts that are not a short
    number are not whole numbers; no value raises.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > MAX_NUMBER_TEXT:
            return None
        try:
            return int(text)
        except ValueError:
            pass
        try:
            value = float(text)
        except ValueError:
            return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def library(coordinator: ArrCoordinator) -> Sequence[LibraryItem]:
    """Every library item of one *arr; refused while it has not answered."""
    if coordinator.data is None:
        raise not_answered([coordinator])
    if isinstance(coordinator, RadarrCoordinator):
        return coordinator.data.movies
    if isinstance(coordinator, LidarrCoordinator):
        return coordinator.data.artists
    return coordinator.data.series
