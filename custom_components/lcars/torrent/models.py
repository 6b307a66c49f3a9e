"""Plain values the BitTorrent engine hands out: torrent status and events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .redact import redact_optional


class TorrentState(StrEnum):
    """What a torrent is doing."""

    CHECKING = "checking"
    DOWNLOADING_METADATA = "downloading_metadata"
    DOWNLOADING = "downloading"
    FINISHED = "finished"
    SEEDING = "seeding"
    PAUSED = "paused"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class TorrentStatus:
    """A snapshot of one torrent, detached from libtorrent."""

    info_hash: str
    name: str
    save_path: str
    state: TorrentState
    # Percent, 0 to 100.
    progress: float
    # Bytes per second of payload.
    download_rate: int
    upload_rate: int
    # Bytes over the torrent's whole life (kept across restarts).
    total_downloaded: int
    total_uploaded: int
    # Bytes transferred since the engine started.
    session_downloaded: int
    session_uploaded: int
    # Bytes of the files selected for download; 0 before the metadata is known.
    size: int
    # Uploaded bytes divided by size.
    ratio: float
    peers: int
    eta_seconds: int | None
    seeding_seconds: int
    added: datetime | None
    # Never with a tracker's passkey or another secret of a URL.
    error: str | None
    has_metadata: bool
    need_save_resume: bool

    def __post_init__(self) -> None:
        """Cut the URLs in the error to their host: clients echo tracker URLs."""
        object.__setattr__(self, "error", redact_optional(self.error))


class EventKind(StrEnum):
    """Kinds of engine events."""

    ADDED = "added"
    FINISHED = "finished"
    SEEDING_LIMIT_REACHED = "seeding_limit_reached"
    REMOVED = "removed"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class TorrentEvent:
    """Something that happened to a torrent."""

    kind: EventKind
    info_hash: str
    name: str
    # Never with a tracker's passkey or another secret of a URL.
    message: str | None = None

    def __post_init__(self) -> None:
        """Cut the URLs in the message to their host: alerts echo tracker URLs."""
        object.__setattr__(self, "message", redact_optional(self.message))


_DOWNLOADING = (
    TorrentState.DOWNLOADING,
    TorrentState.DOWNLOADING_METADATA,
    TorrentState.CHECKING,
)


@dataclass(frozen=True, slots=True)
class SessionTotals:
    """Figures over every torrent of the backend."""

    download_rate: int = 0
    upload_rate: int = 0
    active: int = 0
    downloading: int = 0
    seeding: int = 0
    paused: int = 0
    downloaded: int = 0
    uploaded: int = 0

    @classmethod
    def of(cls, statuses: Iterable[TorrentStatus]) -> SessionTotals:
        """Add up the figures of these torrents."""
        statuses = list(statuses)
        return cls(
            download_rate=sum(s.download_rate for s in statuses),
            upload_rate=sum(s.upload_rate for s in statuses),
            active=sum(1 for s in statuses if s.download_rate > 0 or s.upload_rate > 0),
            downloading=sum(1 for s in statuses if s.state in _DOWNLOADING),
            seeding=sum(
                1
                for s in statuses
                if s.state in (TorrentState.SEEDING, TorrentState.FINISHED)
            ),
            paused=sum(1 for s in statuses if s.state is TorrentState.PAUSED),
            downloaded=sum(s.total_downloaded for s in statuses),
            uploaded=sum(s.total_uploaded for s in statuses),
        )
