"""Errors of the BitTorrent side: the engine's and the external clients'.

One module for all of them, so that every part of `torrent/` can raise any
of them without importing another part. Their messages never hold a
tracker's passkey or another secret of a URL: they are shown to people and
logged.
"""

from __future__ import annotations

from .redact import redact


class EngineError(Exception):
    """An engine operation failed.

    Its message never holds a tracker's passkey or another secret of a URL:
    it is shown to people and logged.
    """

    def __init__(self, *args: object) -> None:
        """Keep the message with every URL cut to its host."""
        super().__init__(
            *(redact(arg) if isinstance(arg, str) else arg for arg in args)
        )


class UnknownTorrentError(EngineError):
    """No torrent with this info hash is in the engine."""


class LibtorrentMissingError(EngineError):
    """libtorrent cannot be imported on this system."""


class BackendAuthError(EngineError):
    """The client refused the username or password."""


class BackendConnectionError(EngineError):
    """The client cannot be reached or answered with a server error."""


class BackendResponseError(EngineError):
    """The client answered something that is not what its API promises."""


class InvalidTorrentError(EngineError):
    """A magnet URI or torrent file that cannot be added."""


class DuplicateTorrentError(EngineError):
    """A torrent with this info hash is already in the client."""
