"""Keep tracker passkeys and other secrets inside URLs out of what LCARS shows.

Private trackers put a personal passkey in the announce URL
(``https://tracker.example/announce/PASSKEY``, ``...?passkey=...``,
``/abcdef0123456789/announce``); magnet links carry those URLs in their
``tr=`` parameters, percent-encoded; libtorrent's tracker alerts and the
external clients' error messages echo them. Whatever LCARS logs, fires as an
event, returns from an action or puts in an attribute goes through
``redact``, which leaves of every URL its scheme and host only, and of every
magnet link its info hash and name.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

# A URL: a scheme, "://", then everything up to a blank, a quote or a bracket.
_URL = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*)://([^\s\"'<>(){}]*)")
# The same, percent-encoded, as inside a magnet link's tr= parameter.
_ENCODED_URL = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*)%3A%2F%2F([^\s\"'<>&]*)")
_MAGNET = re.compile(r"(?i)\bmagnet:\?[^\s\"'<>]*")
# Secrets given as a parameter, wherever they show up.
_SECRET_PARAMETER = re.compile(
    r"(?i)\b(passkey|authkey|torrent_pass|api_?key|apikey|token|secret|password)"
    r"=[^\s&\"'<>]+"
)
# Magnet parameters that are no secret and tell which torrent it is.
_MAGNET_KEPT = ("xt", "dn")
HIDDEN = "…"


def _host_part(authority: str) -> str:
    """Return host[:port] of a URL's authority, without user name or password."""
    host = authority.rsplit("@", 1)[-1]
    return host.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]


def tracker_host(url: str) -> str:
    """Return the host of a tracker URL, the only part of it LCARS shows."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        host = None
    return host or "unknown tracker"


def redact_url(url: str) -> str:
    """Return a URL as scheme://host[:port]: no user, password, path or query."""
    return redact(url)


def _redact_magnet(match: re.Match[str]) -> str:
    """Keep a magnet's hash and name, and of its trackers the hosts only."""
    kept: list[tuple[str, str]] = []
    dropped = False
    for key, value in parse_qsl(match.group(0)[len("magnet:?") :]):
        if key.lower() in _MAGNET_KEPT:
            kept.append((key, value))
        elif key.lower() == "tr":
            kept.append((key, redact(value)))
        else:
            dropped = True
    text = "magnet:?" + urlencode(kept, safe=":/…")
    return text + (f"&{HIDDEN}" if dropped else "")


def _shown(scheme: str, rest: str) -> str:
    """Return scheme://host[:port], marked when something was cut off."""
    host = _host_part(rest)
    return f"{scheme}://{host}" + ("" if rest == host else f"/{HIDDEN}")


def _redact_url(match: re.Match[str]) -> str:
    return _shown(match.group(1), match.group(2))


def _redact_encoded_url(match: re.Match[str]) -> str:
    return _shown(match.group(1), unquote(match.group(2)))


def redact(text: str) -> str:
    """Return text with every URL cut to its scheme and host, magnets to their hash."""
    if not text:
        return text
    text = _MAGNET.sub(_redact_magnet, text)
    text = _ENCODED_URL.sub(_redact_encoded_url, text)
    text = _URL.sub(_redact_url, text)
    return _SECRET_PARAMETER.sub(lambda m: f"{m.group(1)}={HIDDEN}", text)


def redact_optional(text: str | None) -> str | None:
    """Return redact(text), or None for None."""
    return None if text is None else redact(text)
