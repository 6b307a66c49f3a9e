"""The library: what kinds of media LCARS knows and how it finds one item in two servers.

Pure and synchronous, like the cleanup it serves: nothing here imports Home
Assistant. The cleanup and the library actions both match *arr items to
Jellyfin items through `JellyfinIndex`, so what a person sees in the library
is what the cleanup decides on. `views.py` holds what the library actions
ask of an item: its kind, files, whether it is missing, its watch data;
`keys.py` the key of one item (`ItemKey`), `kinds.py` the kinds of media and
of servers.
"""

from __future__ import annotations

from .kinds import MediaKind, ServiceKind
from .matching import JellyfinIndex, Match, id_text

__all__ = ["JellyfinIndex", "Match", "MediaKind", "ServiceKind", "id_text"]
