"""Artwork through LCARS: Home Assistant URLs for the covers of the *arr.

The *arr serve their covers only with the API key, and a lookup's covers
come from image hosts on the internet; a browser gets neither address, but
a Home Assistant path that LCARS serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback

if TYPE_CHECKING:
    from custom_components.lcars.data import LcarsConfigEntry


@callback
def async_cover_urls(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    subentry_id: str,
    covers: Mapping[str, str],
    *,
    signed: bool = True,
) -> dict[str, str]:
    """Return the Home Assistant URL of each cover (cover type → URL).

    `covers` maps a cover type to the *arr's own path or the image's
    address, as `Candidate.covers` and the library rows hold them. With
    `signed`, the URL carries a signature and can be used in an `<img>`.
    """
    return {}
