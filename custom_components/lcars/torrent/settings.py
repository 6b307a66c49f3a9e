"""Settings of the BitTorrent engine and their translation to libtorrent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

# The values below are libtorrent's alert category bits (alert::category_t);
# spelled out so that this module never needs libtorrent itself.
ALERT_ERROR = 0x1
ALERT_STORAGE = 0x8
ALERT_TRACKER = 0x10
ALERT_STATUS = 0x40

# Sent to trackers and peers: names the library only, never the product or
# the host it runs on.
USER_AGENT = "libtorrent"

# Received data waiting for the disk is held in memory up to this much;
# libtorrent's own default (100 MiB) lets Home Assistant's memory swell
# whenever the disk is slower than the network, with no gain in speed
# (bench/torrent.py).
MAX_QUEUED_DISK_BYTES = 16 * 1024 * 1024


class SeedingLimitAction(StrEnum):
    """What happens to a torrent that reached its seeding limit."""

    PAUSE = "pause"
    REMOVE = "remove"


@dataclass(frozen=True, slots=True)
class SeedingLimits:
    """Seeding limits; None switches a limit off."""

    ratio: float | None = 1.0
    time: timedelta | None = timedelta(hours=48)

    def reached(self, ratio: float, seeding_seconds: float) -> bool:
        """Whether a torrent at this share ratio and seeding time is done."""
        return (self.ratio is not None and ratio >= self.ratio) or (
            self.time is not None and seeding_seconds >= self.time.total_seconds()
        )


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Everything the BitTorrent engine is configured with."""

    download_dir: Path
    listen_port_min: int = 6881
    listen_port_max: int = 6891
    # Addresses listened on when no bind interface is set.
    listen_addresses: tuple[str, ...] = ("0.0.0.0", "[::]")  # noqa: S104
    connections_limit: int = 200
    # Bytes per second; 0 means unlimited.
    download_rate_limit: int = 0
    upload_rate_limit: int = 0
    enable_dht: bool = True
    enable_lsd: bool = True
    enable_upnp: bool = True
    enable_natpmp: bool = True
    enable_utp: bool = True
    # A network interface (such as a VPN's "wg0") that all traffic must use.
    bind_interface: str | None = None
    seeding_limits: SeedingLimits = field(default_factory=SeedingLimits)
    limit_action: SeedingLimitAction = SeedingLimitAction.PAUSE

    def __post_init__(self) -> None:
        """Reject settings libtorrent would silently misread."""
        if not 0 <= self.listen_port_min <= self.listen_port_max <= 65535:
            raise ValueError("invalid listen port range")
        if self.connections_limit < 2:
            raise ValueError("connections_limit must be at least 2")
        if self.download_rate_limit < 0 or self.upload_rate_limit < 0:
            raise ValueError("rate limits cannot be negative")
        if self.bind_interface is not None and (
            not self.bind_interface or any(c in self.bind_interface for c in ",: ")
        ):
            raise ValueError("invalid bind interface name")


def listen_interfaces(settings: EngineSettings) -> str:
    """Return the value of libtorrent's ``listen_interfaces`` setting.

    Entries are ``address-or-device:port``; with a bind interface only that
    device is listened on, so nothing ever listens on another network.
    """
    port = settings.listen_port_min
    if settings.bind_interface is not None:
        return f"{settings.bind_interface}:{port}"
    return ",".join(f"{address}:{port}" for address in settings.listen_addresses)


def settings_pack(settings: EngineSettings) -> dict[str, Any]:
    """Translate engine settings into a libtorrent ``settings_pack`` dict."""
    pack: dict[str, Any] = {
        "listen_interfaces": listen_interfaces(settings),
        # libtorrent tries the next ports when the first is taken.
        "max_retry_port_bind": settings.listen_port_max - settings.listen_port_min,
        "connections_limit": settings.connections_limit,
        "download_rate_limit": settings.download_rate_limit,
        "upload_rate_limit": settings.upload_rate_limit,
        "enable_dht": settings.enable_dht,
        "enable_lsd": settings.enable_lsd,
        "enable_upnp": settings.enable_upnp,
        "enable_natpmp": settings.enable_natpmp,
        "enable_incoming_utp": settings.enable_utp,
        "enable_outgoing_utp": settings.enable_utp,
        # WebTorrent's STUN server would reveal the real address outside a VPN.
        "webtorrent_stun_server": "",
        "user_agent": USER_AGENT,
        "handshake_client_version": "",
        "alert_mask": ALERT_ERROR | ALERT_STATUS | ALERT_STORAGE | ALERT_TRACKER,
        "max_queued_disk_bytes": MAX_QUEUED_DISK_BYTES,
    }
    if settings.bind_interface is not None:
        # Outgoing connections leave through the interface or not at all.
        pack["outgoing_interfaces"] = settings.bind_interface
    else:
        pack["outgoing_interfaces"] = ""
    if not settings.enable_dht:
        pack["dht_bootstrap_nodes"] = ""
    return pack
