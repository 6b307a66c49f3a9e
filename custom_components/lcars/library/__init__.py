"""The library: what kinds of media LCARS knows and how it finds one item in two servers.

Pure and synchronous, like the cleanup it serves: nothing here imports Home
Assistant. The cleanup and the library actions both match *arr items to
Jellyfin items through `JellyfinIndex`, so what a person sees in the library
is what the cleanup decides on. `views.py` holds what the library actions
ask of an item: its kind, files, whether it is missing, its watch data.
"""

from __future__ import annotations

from .kinds import MediaKind
from .matching import JellyfinIndex, Match, id_text

__all__ = ["JellyfinIndex", "Match", "MediaKind", "id_text"]
