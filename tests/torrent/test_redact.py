"""Tracker passkeys and other secrets inside URLs never reach what LCARS shows."""

from __future__ import annotations

import pytest

from custom_components.lcars.torrent import (
    BackendConnectionError,
    EngineError,
    EventKind,
    InvalidTorrentError,
    TorrentEvent,
    TorrentState,
    TorrentStatus,
)
from custom_components.lcars.torrent.redact import redact, redact_url, tracker_host

PASSKEY = "c0ffee0123456789abcdef0123456789"
HASH = "ab" * 20

# How trackers put their passkeys into announce URLs, and how the URLs travel.
SECRET_TEXTS = [
    f"https://tracker.example/announce/{PASSKEY}",
    f"https://tracker.example/announce?passkey={PASSKEY}&uploaded=0",
    f"http://tracker.example:2710/{PASSKEY}/announce",
    f"udp://tracker.example:1337/{PASSKEY}/announce",
    f"wss://tracker.example/announce?authkey={PASSKEY}",
    f"https://user:{PASSKEY}@tracker.example/announce",
    f"tracker error (https://tracker.example/announce/{PASSKEY}): timed out",
    f'"https://tracker.example/an/{PASSKEY}"',
    f"<https://tracker.example/an/{PASSKEY}>",
    f"https://TRACKER.example/announce.php?torrent_pass={PASSKEY}",
    # Percent-encoded, as in a magnet link, alone or inside one.
    f"https%3A%2F%2Ftracker.example%2Fannounce%2F{PASSKEY}",
    (
        f"magnet:?xt=urn:btih:{HASH}&dn=A+Movie"
        f"&tr=https%3A%2F%2Ftracker.example%2Fannounce%3Fpasskey%3D{PASSKEY}"
    ),
    f"magnet:?xt=urn:btih:{HASH}&tr=udp://tracker.example:1337/{PASSKEY}/announce",
    f"cannot add magnet:?tr=http%3A%2F%2Ft.example%2F{PASSKEY}&xt=urn:btih:{HASH} now",
    # A parameter named as a secret, even outside a URL.
    f"failure: unknown passkey=({PASSKEY})",
    f"announce.php?passkey={PASSKEY}",
]


@pytest.mark.parametrize("text", SECRET_TEXTS)
def test_no_secret_survives(text: str) -> None:
    """Each form keeps no part of the passkey, and names the tracker by its host."""
    shown = redact(text)
    assert PASSKEY not in shown
    assert PASSKEY[:8] not in shown
    if "tracker.example" in text.lower() and "passkey=(" not in text:
        assert "tracker.example" in shown.lower()


def test_what_is_no_secret_stays() -> None:
    """Text without URLs is unchanged; a URL without path keeps host and port."""
    for text in ("", "disk full", "file_open (/media/downloads/a.mkv)"):
        assert redact(text) == text
    assert redact("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert redact("at http://[::1]:9091/transmission/rpc.") == "at http://[::1]:9091/…"
    magnet = (
        f"magnet:?xt=urn:btih:{HASH}&dn=A+Movie&tr=https%3A%2F%2Ft.example%2Fx"
        "&x.pe=10.0.0.1:6881"
    )
    assert redact(magnet) == (
        f"magnet:?xt=urn:btih:{HASH}&dn=A+Movie&tr=https://t.example/…"
    )
    assert redact_url(f"https://u:{PASSKEY}@t.example/a") == "https://t.example/…"
    assert tracker_host(f"https://tracker.example:443/{PASSKEY}/announce") == (
        "tracker.example"
    )
    assert tracker_host("not a url") == "unknown tracker"


def test_events_statuses_and_errors_are_redacted_when_made() -> None:
    """Whoever makes an event, a status or an engine error, the secret is gone."""
    url = f"https://tracker.example/announce/{PASSKEY}"
    event = TorrentEvent(EventKind.ERROR, HASH, "A Movie", f"tracker {url} failed")
    assert event.message == "tracker https://tracker.example/… failed"
    assert TorrentEvent(EventKind.ADDED, HASH, "A Movie").message is None
    status = TorrentStatus(
        info_hash=HASH,
        name="A Movie",
        save_path="/media",
        state=TorrentState.ERROR,
        progress=0.0,
        download_rate=0,
        upload_rate=0,
        total_downloaded=0,
        total_uploaded=0,
        session_downloaded=0,
        session_uploaded=0,
        size=0,
        ratio=0.0,
        peers=0,
        eta_seconds=None,
        seeding_seconds=0,
        added=None,
        error=f"HTTP 404 from {url}",
        has_metadata=False,
        need_save_resume=False,
    )
    assert status.error == "HTTP 404 from https://tracker.example/…"
    for error_class in (EngineError, InvalidTorrentError, BackendConnectionError):
        err = error_class(f"cannot fetch {url}")
        assert PASSKEY not in str(err)
        assert "tracker.example" in str(err)
