"""What the models show: a queue's figures, a download's details, a session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.lcars.clients.models import (
    JellyfinSession,
    QueueItem,
    queue_eta,
    queue_progress,
    queue_size_left,
)

SOON = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def download(item_id: int, size: int, size_left: int, **changes: Any) -> QueueItem:
    """One download of the queue."""
    fields: dict[str, Any] = {
        "id": item_id,
        "title": f"Download {item_id}",
        "size": size,
        "size_left": size_left,
        "status": "downloading",
        "tracked_download_state": "downloading",
        "estimated_completion": None,
        "download_client": "LCARS",
        "protocol": "torrent",
    }
    fields.update(changes)
    return QueueItem(**fields)


def test_the_progress_of_a_queue_weighs_each_download_by_its_size() -> None:
    queue = [download(1, 300, 300), download(2, 100, 0)]
    assert queue_progress(queue) == 25.0


@pytest.mark.parametrize(
    ("queue", "progress"),
    [
        # Nothing to download: no figure rather than 0% or 100%.
        ([], None),
        ([download(1, 0, 0)], None),
        # A size not known yet (negative) counts for nothing.
        ([download(1, -1, 50), download(2, 200, 50)], 75.0),
        # More left than the size (a changed release) counts as nothing done.
        ([download(1, 100, 400)], 0.0),
        # Less than nothing left counts as all done.
        ([download(1, 100, -5)], 100.0),
    ],
)
def test_the_progress_of_a_queue_keeps_to_what_can_be(
    queue: list[QueueItem], progress: float | None
) -> None:
    assert queue_progress(queue) == progress


def test_the_progress_of_a_queue_is_not_rounded() -> None:
    """The figure shown rounds it, as for a single download."""
    assert queue_progress([download(1, 3, 2)]) == pytest.approx(100 / 3)


def test_what_is_left_of_a_queue_counts_no_negative_sizes() -> None:
    queue = [download(1, 300, 200), download(2, 100, -1), download(3, 50, 50)]
    assert queue_size_left(queue) == 250
    assert queue_size_left([]) == 0


def test_a_queue_ends_with_its_last_download() -> None:
    queue = [
        download(1, 10, 5, estimated_completion=SOON + timedelta(hours=2)),
        download(2, 10, 5),
        download(3, 10, 5, estimated_completion=SOON),
    ]
    assert queue_eta(queue) == SOON + timedelta(hours=2)
    assert queue_eta([download(1, 10, 5)]) is None
    assert queue_eta([]) is None


def test_a_download_tells_what_it_is_and_how_long_it_takes() -> None:
    item = download(
        7,
        1000,
        250,
        estimated_completion=SOON,
        release_title="Heat.1995.1080p",
        error_message="Stalled",
    )
    assert item.details() == {
        "title": "Download 7",
        "release_title": "Heat.1995.1080p",
        "size": 1000,
        "size_left": 250,
        "eta": "2026-05-01T12:00:00+00:00",
        "status": "downloading",
        "error_message": "Stalled",
    }
    assert download(8, 10, 5).details()["eta"] is None


def test_a_session_lists_who_plays_what_where_without_ids() -> None:
    session = JellyfinSession(
        id="session-1",
        user_id="user-1",
        user_name="Ann",
        client="Jellyfin Web",
        device_name="Living room",
        item_id="item-1",
        item_name="Heat",
        item_type="Movie",
        is_paused=True,
        series_id="series-1",
    )
    assert session.listing() == {
        "user": "Ann",
        "title": "Heat",
        "type": "Movie",
        "client": "Jellyfin Web",
        "device": "Living room",
        "paused": True,
    }
