"""The artwork state of one LCARS entry, a module of its own.

`data.py` holds it in the entry's runtime data, and `runtime/artwork.py`,
which serves the covers, reads it there: kept apart so neither imports the
other.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

from custom_components.lcars.library.artwork import CoverAddresses, ImageCache


@dataclass(slots=True)
class Artwork:
    """The artwork of one LCARS entry: its cache, references and signatures.

    Part of the entry's runtime data: it goes with the entry when the entry
    unloads, and nothing of one entry's covers reaches another's.
    """

    cache: ImageCache = field(default_factory=ImageCache)
    addresses: CoverAddresses = field(default_factory=CoverAddresses)
    # (signer, path) → (signed path, when it expires, on time.time()).
    signed: OrderedDict[tuple[str, str], tuple[str, float]] = field(
        default_factory=OrderedDict
    )
    # (subentry id, kind) → (which rows, item id → position in them).
    indexes: dict[tuple[str, str], tuple[Hashable, dict[int, int]]] = field(
        default_factory=dict
    )
