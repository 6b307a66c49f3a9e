"""The translation of engine settings into libtorrent settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.lcars.torrent import EngineSettings, settings_pack
from custom_components.lcars.torrent.engine import interface_is_up
from custom_components.lcars.torrent.settings import (
    ALERT_ERROR,
    ALERT_STATUS,
    ALERT_STORAGE,
)


def test_defaults_listen_everywhere_with_port_range() -> None:
    pack = settings_pack(EngineSettings(download_dir=Path("/data")))
    assert pack["listen_interfaces"] == "0.0.0.0:6881,[::]:6881"
    assert pack["max_retry_port_bind"] == 10
    assert pack["outgoing_interfaces"] == ""
    assert pack["enable_dht"] is True
    assert pack["enable_incoming_utp"] is True


def test_bind_interface_is_the_only_interface() -> None:
    pack = settings_pack(
        EngineSettings(
            download_dir=Path("/data"),
            bind_interface="wg0",
            listen_port_min=51413,
            listen_port_max=51413,
        )
    )
    assert pack["listen_interfaces"] == "wg0:51413"
    assert pack["outgoing_interfaces"] == "wg0"
    assert pack["max_retry_port_bind"] == 0


def test_leaks_closed() -> None:
    pack = settings_pack(
        EngineSettings(
            download_dir=Path("/data"),
            enable_dht=False,
            enable_lsd=False,
            enable_upnp=False,
            enable_natpmp=False,
            enable_utp=False,
            download_rate_limit=1000,
            upload_rate_limit=2000,
            connections_limit=50,
        )
    )
    assert pack["webtorrent_stun_server"] == ""
    assert pack["dht_bootstrap_nodes"] == ""
    assert pack["user_agent"] == "libtorrent"
    assert pack["handshake_client_version"] == ""
    for key in ("enable_dht", "enable_lsd", "enable_upnp", "enable_natpmp"):
        assert pack[key] is False
    assert pack["enable_incoming_utp"] is False
    assert pack["enable_outgoing_utp"] is False
    assert pack["download_rate_limit"] == 1000
    assert pack["upload_rate_limit"] == 2000
    assert pack["connections_limit"] == 50
    mask = pack["alert_mask"]
    assert mask & ALERT_ERROR
    assert mask & ALERT_STATUS
    assert mask & ALERT_STORAGE


@pytest.mark.parametrize(
    "changes",
    [
        {"listen_port_min": 7000, "listen_port_max": 6000},
        {"listen_port_max": 70000},
        {"connections_limit": 1},
        {"download_rate_limit": -1},
        {"bind_interface": ""},
        {"bind_interface": "wg0:1,eth0"},
    ],
)
def test_invalid_settings_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        EngineSettings(download_dir=Path("/data"), **changes)  # type: ignore[arg-type]


def test_every_key_is_a_libtorrent_setting() -> None:
    lt = pytest.importorskip("libtorrent")
    pack = settings_pack(EngineSettings(download_dir=Path("/data"), bind_interface="x"))
    # libtorrent refuses names it does not know with KeyError.
    session = lt.session(
        {
            **pack,
            "listen_interfaces": "127.0.0.1:0",
            "enable_dht": False,
            "enable_lsd": False,
            "enable_upnp": False,
            "enable_natpmp": False,
        }
    )
    applied = session.get_settings()
    assert applied["webtorrent_stun_server"] == ""
    assert applied["user_agent"] == "libtorrent"
    assert applied["outgoing_interfaces"] == "x"
    assert applied["alert_mask"] == pack["alert_mask"]
    # Memory waiting for the disk stays bounded.
    assert applied["max_queued_disk_bytes"] == 16 * 1024 * 1024
    del session


def test_interface_is_up() -> None:
    assert interface_is_up("lo")
    assert not interface_is_up("lcars-nonexistent0")
