"""The key of one library item: which service, which instance, which item.

Its text, such as "radarr/<instance>/movie/12" or "sonarr/<instance>/season/5/2",
is what the cleanup stores (its ledger, what left and what is leaving soon)
and shows: that text never changes, so stored data loads as it was. Code reads
a key's text once, where it comes in, and works with `ItemKey` after that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .kinds import MediaKind, ServiceKind

# The service whose items each kind of key names, and how many numbers follow
# the kind: a movie, series or album by its id; a season by its series id and
# season number; an episode by its series id, season and episode number.
_SHAPES: Final[dict[MediaKind, tuple[ServiceKind, int]]] = {
    MediaKind.MOVIE: (ServiceKind.RADARR, 1),
    MediaKind.SERIES: (ServiceKind.SONARR, 1),
    MediaKind.SEASON: (ServiceKind.SONARR, 2),
    MediaKind.EPISODE: (ServiceKind.SONARR, 3),
    MediaKind.ALBUM: (ServiceKind.LIDARR, 1),
}
_SEPARATOR: Final = "/"
# Service, instance, kind and at least one number.
_LEAST_PARTS: Final = 4


class InvalidItemKeyError(ValueError):
    """A text, or parts, that are not the key of a library item."""

    def __init__(self, text: str, why: str) -> None:
        """Name the refused key and what is wrong with it."""
        super().__init__(f"Not a library item key: {text!r} ({why})")
        self.text = text


@dataclass(frozen=True, slots=True)
class ItemKey:
    """The key of one movie, series, season, episode or album of one instance.

    `instance` is the instance's id in LCARS (its subentry id); `ids` are the
    numbers after the kind (see `_SHAPES`).
    """

    service: ServiceKind
    instance: str
    kind: MediaKind
    ids: tuple[int, ...]

    def __post_init__(self) -> None:
        """Refuse parts that no item has: a key must read back as itself."""
        why = _flaw(self)
        if why is not None:
            raise InvalidItemKeyError(str(self), why)

    @classmethod
    def parse(cls, text: str) -> ItemKey:
        """Read a key from its text; `InvalidItemKeyError` says what is wrong."""
        parts = text.split(_SEPARATOR)
        if len(parts) < _LEAST_PARTS:
            raise InvalidItemKeyError(text, "expected service/instance/kind/id")
        service, instance, kind, *numbers = parts
        try:
            service_kind = ServiceKind(service)
        except ValueError:
            raise InvalidItemKeyError(text, f"unknown service {service!r}") from None
        try:
            media_kind = MediaKind(kind)
        except ValueError:
            raise InvalidItemKeyError(text, f"unknown kind {kind!r}") from None
        for number in numbers:
            # Only the digits a key is written with: no sign, no spaces, no
            # leading zero, so that the key reads back as the same text.
            if not (number.isascii() and number.isdigit()) or (
                len(number) > 1 and number.startswith("0")
            ):
                raise InvalidItemKeyError(text, f"{number!r} is not an id")
        return cls(service_kind, instance, media_kind, tuple(map(int, numbers)))

    @property
    def instance_id(self) -> str:
        """The instance's id that candidates and disk figures carry: "radarr/<id>"."""
        return f"{self.service}{_SEPARATOR}{self.instance}"

    def __str__(self) -> str:
        """Return the key as it is stored and shown."""
        return key_text(self.instance_id, self.kind, *self.ids)


def key_text(instance_id: str, kind: MediaKind, *ids: int) -> str:
    """Return the text of an item's key from its instance's id, kind and numbers.

    The one place the text is written. The cleanup builds every candidate's
    key with it, thousands per plan, without the checks of `ItemKey`: its
    parts come from the service's own ids.
    """
    numbers = _SEPARATOR.join(map(str, ids))
    return f"{instance_id}{_SEPARATOR}{kind}{_SEPARATOR}{numbers}"


def _flaw(key: ItemKey) -> str | None:
    """Return what makes the parts of a key no item's key, if anything."""
    shape = _SHAPES.get(key.kind)
    if shape is None:
        return f"no item is keyed as {key.kind}"
    service, count = shape
    if key.service != service:
        return f"a {key.kind} is an item of {service}"
    if len(key.ids) != count:
        return f"a {key.kind} takes {count} number(s)"
    if not key.instance or _SEPARATOR in key.instance:
        return "the instance is empty or holds a slash"
    return None
