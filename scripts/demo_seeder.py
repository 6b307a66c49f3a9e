"""Seed one generated file over BitTorrent on 127.0.0.1, for the LCARS demo.

A plain libtorrent session: loopback only, no DHT, LSD, UPnP, NAT-PMP or uTP,
so the only way to reach it is the magnet link it prints. The upload rate is
limited so that a download's progress can be watched.

    python scripts/demo_seeder.py --dir .develop/seed --size-mib 256 --rate-mib 8

When ready it prints one JSON line on stdout:

    {"magnet": "magnet:?xt=urn:btih:...&x.pe=127.0.0.1:58123", "info_hash": ...,
     "name": ..., "size": ..., "port": ..., "upload_rate": ...}

and seeds until SIGINT or SIGTERM. The data and its torrent are kept in the
directory and reused by the next run, so the magnet link stays the same.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import signal
import sys
import time
from types import FrameType
from typing import Any

MIB = 1024 * 1024
# 1024 pieces for the default size: small enough to show steady progress.
PIECE_SIZE = 256 * 1024
CHUNK = 4 * MIB


def session_settings(port: int, upload_rate: int) -> dict[str, Any]:
    """Settings of a session that talks over the loopback interface only."""
    return {
        "listen_interfaces": f"127.0.0.1:{port}",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "dht_bootstrap_nodes": "",
        "webtorrent_stun_server": "",
        "upload_rate_limit": upload_rate,
        # Loopback is a local network: without this the limit would not apply.
        "ignore_limits_on_local_network": False,
        # A restarted downloader comes back from the same address.
        "allow_multiple_connections_per_ip": True,
        "alert_mask": 0,
    }


def write_data(path: Path, size: int) -> None:
    """Write `size` random bytes to `path`, through a temporary file."""
    partial = path.with_name(path.name + ".part")
    with partial.open("wb") as out:
        left = size
        while left > 0:
            step = min(CHUNK, left)
            out.write(os.urandom(step))
            left -= step
    partial.replace(path)


def prepare(lt: Any, directory: Path, name: str, size: int) -> Any:
    """Return the torrent of the data, creating both when missing or resized."""
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / name
    torrent = directory / f"{name}.torrent"
    if data.is_file() and data.stat().st_size == size and torrent.is_file():
        info = lt.torrent_info(str(torrent))
        if info.total_size() == size:
            return info
    print(f"demo_seeder: generating {size // MIB} MiB in {data}", file=sys.stderr)
    write_data(data, size)
    creator = lt.create_torrent(
        lt.list_files(str(data)), PIECE_SIZE, lt.create_torrent.v1_only
    )
    creator.set_creator("LCARS demo seeder")
    lt.set_piece_hashes(creator, str(directory))
    torrent.write_bytes(lt.bencode(creator.generate()))
    return lt.torrent_info(str(torrent))


def main() -> int:
    """Seed until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="where the data is")
    parser.add_argument("--name", default="lcars-demo.bin", help="file name")
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument(
        "--rate-mib", type=float, default=8.0, help="upload limit (0: none)"
    )
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args()

    try:
        import libtorrent  # noqa: PLC0415  # a clear message when missing
    except ImportError:
        print("demo_seeder: libtorrent is not installed", file=sys.stderr)
        return 3

    # Its stubs know no settings given as a dict, which the library takes.
    lt: Any = libtorrent
    stop = False

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    directory = args.dir.resolve()
    info = prepare(lt, directory, args.name, args.size_mib * MIB)
    upload_rate = int(args.rate_mib * MIB)
    session = lt.session(session_settings(args.port, upload_rate))
    params = lt.add_torrent_params()
    params.ti = info
    params.save_path = str(directory)
    # The data was written here: no need to hash it again before seeding.
    params.flags = (params.flags | lt.torrent_flags.seed_mode) & ~(
        lt.torrent_flags.paused | lt.torrent_flags.auto_managed
    )
    handle = session.add_torrent(params)
    deadline = time.monotonic() + 10
    while session.listen_port() == 0:
        if time.monotonic() > deadline:
            print("demo_seeder: cannot listen on 127.0.0.1", file=sys.stderr)
            return 1
        time.sleep(0.05)
    port = session.listen_port()
    info_hash = str(info.info_hashes().v1)
    magnet = f"magnet:?xt=urn:btih:{info_hash}&dn={args.name}&x.pe=127.0.0.1:{port}"
    print(
        json.dumps(
            {
                "magnet": magnet,
                "info_hash": info_hash,
                "name": args.name,
                "size": info.total_size(),
                "port": port,
                "upload_rate": upload_rate,
            }
        ),
        flush=True,
    )
    while not stop:
        time.sleep(0.25)
    uploaded = handle.status().total_payload_upload
    print(f"demo_seeder: stopping after sending {uploaded} bytes", file=sys.stderr)
    session.apply_settings({"stop_tracker_timeout": 0})
    return 0


if __name__ == "__main__":
    sys.exit(main())
