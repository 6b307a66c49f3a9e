"""Incremental JSON list parsing from byte chunks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
import itertools
import json
from typing import Any
import unittest.mock
import weakref

import aiohttp
from hypothesis import HealthCheck, given, settings, strategies as st
import orjson
import pytest

from custom_components.lcars.clients import streaming
from custom_components.lcars.clients.streaming import (
    JsonStreamError,
    parse_json_array,
    parse_json_value,
)

# Every kind of token, escapes, multi-byte UTF-8 (2, 3 and 4 bytes), numbers
# in all their forms, nesting and whitespace between tokens.
SMALL_DOC = (
    '[ {"id": 1, "title": "caf\u00e9 \\"quoted\\" \\\\ \\/ \\b\\f\\n\\r\\t",'
    ' "n": -12.5e+3, "f": 0.001, "e": 1E-7, "z": 0, "big": 12345678901234567890,'
    ' "ok": true, "no": false, "nil": null, "cjk": "\u65e5\u672c",'
    ' "emoji": "\U0001f3ac", "esc": "\\u00e9\\ud83c\\udfac", "empty": {},'
    ' "list": [[], [1, [2, {"a": []}]]]},\n\t2 , -3.25, "s", true, null,'
    ' [1.5e10], {"k": "v"} ]'
).encode()


async def chunks_of(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    """Feed byte chunks like `iter_chunked` does, without suspending."""
    for part in parts:
        yield part


def split_at(data: bytes, *cuts: int) -> list[bytes]:
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def boxed(value: Any) -> tuple[Any]:
    # A projection that keeps every element, JSON null included (a projection
    # returning None drops the element).
    return (value,)


async def parse(parts: Iterable[bytes], **kwargs: Any) -> list[Any]:
    return [
        value for (value,) in await parse_json_array(chunks_of(parts), boxed, **kwargs)
    ]


async def test_whole_document() -> None:
    assert await parse([SMALL_DOC]) == json.loads(SMALL_DOC)


async def test_split_at_every_byte_position() -> None:
    expected = json.loads(SMALL_DOC)
    for cut in range(len(SMALL_DOC) + 1):
        assert await parse(split_at(SMALL_DOC, cut)) == expected, cut


async def test_split_at_every_pair_of_positions() -> None:
    doc = SMALL_DOC[:1] + SMALL_DOC[SMALL_DOC.index(b"2 ,") :]
    doc = b'[{"t": "\xc3\xa9\xf0\x9f\x8e\xac\\u00e9", "n": -1.5e3},' + doc[1:]
    expected = json.loads(doc)
    for first in range(len(doc) + 1):
        for second in range(first, len(doc) + 1):
            assert await parse(split_at(doc, first, second)) == expected, (
                first,
                second,
            )


async def test_one_byte_chunks() -> None:
    assert await parse(SMALL_DOC[i : i + 1] for i in range(len(SMALL_DOC))) == (
        json.loads(SMALL_DOC)
    )


async def test_multibyte_characters_split_across_chunks() -> None:
    text = "é日本🎬" * 50
    doc = json.dumps([{"name": text}, text], ensure_ascii=False).encode()
    # Every cut inside a 2, 3 or 4 byte sequence.
    for cut in range(len(doc) + 1):
        assert await parse(split_at(doc, cut)) == [{"name": text}, text]


async def test_empty_chunks_are_harmless() -> None:
    parts = [b"", b"[", b"", b"1", b"", b",2", b"", b"]", b""]
    assert await parse(parts) == [1, 2]


@pytest.mark.parametrize(
    "doc",
    [b"[]", b" [ ] ", b"\n[\r\n\t]\n", b'{"Items": [], "TotalRecordCount": 0}'],
)
async def test_empty_lists(doc: bytes) -> None:
    member = "Items" if doc.startswith(b"{") else None
    for cut in range(len(doc) + 1):
        assert await parse(split_at(doc, cut), member=member) == []


async def test_numbers_at_chunk_ends_are_not_cut_short() -> None:
    doc = b"[12345, -0.5e-3, 1.25E+10, 7]"
    for cut in range(len(doc) + 1):
        assert await parse(split_at(doc, cut)) == [12345, -0.0005, 1.25e10, 7]


async def test_member_list_of_an_object() -> None:
    doc = json.dumps(
        {
            "Before": {"nested": [1, {"Items": "not this"}], "s": "]}"},
            "Items": [{"Id": "a"}, {"Id": "b"}],
            "TotalRecordCount": 2,
            "StartIndex": 0,
        }
    ).encode()
    for cut in range(len(doc) + 1):
        assert await parse(split_at(doc, cut), member="Items") == [
            {"Id": "a"},
            {"Id": "b"},
        ]


async def test_member_missing_or_not_a_list() -> None:
    with pytest.raises(JsonStreamError, match="Items"):
        await parse([b'{"TotalRecordCount": 0}'], member="Items")
    with pytest.raises(JsonStreamError, match="Items"):
        await parse([b'{"Items": null}'], member="Items")
    with pytest.raises(JsonStreamError, match="Items"):
        await parse([b"{}"], member="Items")


async def test_projection_keeps_only_what_it_returns() -> None:
    doc = b'[{"id": 1, "big": "x"}, {"id": 2, "skip": true}, {"id": 3}]'

    def project(element: dict[str, Any]) -> int | None:
        return None if element.get("skip") else element["id"]

    assert await parse_json_array(chunks_of([doc]), project) == [1, 3]


async def test_projection_shape_error() -> None:
    with pytest.raises(JsonStreamError, match="expected shape"):
        await parse_json_array(chunks_of([b'[{"id": 1}, {"x": 2}]']), lambda e: e["id"])
    with pytest.raises(JsonStreamError, match="expected shape"):
        await parse_json_array(chunks_of([b"[1]"]), lambda e: e["id"])


@pytest.mark.parametrize(
    "doc",
    [
        b"[1,]",
        b"[1 2]",
        b"[,1]",
        b'[{"a":}]',
        b'[{"a" 1}]',
        b'[{"a": 1,}]',
        b'["a\nb"]',
        b"[tru]",
        b"[1]x",
        b"[1] [2]",
        b"[01]",
        b"[NaN-]",
        b"[NaN]",
        b'[{"a":1},{"a":Infinity}]',
        b'{"Items": [1], "x" 2}',
        b"\xff[1]",
        b'["\xc3"]',
    ],
)
async def test_malformed(doc: bytes) -> None:
    member = "Items" if doc.startswith(b"{") else None
    for cut in range(len(doc) + 1):
        with pytest.raises(JsonStreamError):
            await parse(split_at(doc, cut), member=member)


@pytest.mark.parametrize(
    ("doc", "member"),
    [
        (b'{"id": 1}', None),
        (b"1", None),
        (b'"text"', None),
        (b"null", None),
        (b"", None),
        (b"   ", None),
        (b"[1]", "Items"),
        (b"<html><body>Login</body></html>", None),
    ],
)
async def test_unexpected_top_level_value(doc: bytes, member: str | None) -> None:
    with pytest.raises(JsonStreamError):
        await parse([doc], member=member)


async def test_every_truncation_is_an_error() -> None:
    for end in range(len(SMALL_DOC)):
        with pytest.raises(JsonStreamError):
            await parse([SMALL_DOC[:end]])
        with pytest.raises(JsonStreamError):
            await parse(split_at(SMALL_DOC[:end], end // 2))


async def test_malformed_element_is_found_without_reading_the_rest() -> None:
    read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal read
        yield b'[{"id": 1}, {"id": 2 "oops": 3}, '
        while True:
            read += 1
            yield b'{"id": 4}, ' * 100

    with pytest.raises(JsonStreamError, match="malformed"):
        await parse_json_array(endless(), boxed)
    assert read <= 1


async def test_element_larger_than_the_limit() -> None:
    big = b'["' + b"x" * 10_000 + b'"]'
    with pytest.raises(JsonStreamError, match="larger than"):
        await parse(split_at(big, 100, 5000), max_element_size=4096)
    # The same element fits under a larger limit, however it is chunked.
    parts = [big[i : i + 100] for i in range(0, len(big), 100)]
    assert await parse(parts, max_element_size=20_000) == ["x" * 10_000]


async def test_large_element_in_small_chunks() -> None:
    element = {"id": 1, "values": list(range(100_000)), "text": "é" * 50_000}
    doc = json.dumps([element, element], ensure_ascii=False).encode()
    parts = [doc[i : i + 997] for i in range(0, len(doc), 997)]
    assert await parse(parts) == [element, element]


async def test_payload_error_passes_through() -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b'[{"id": 1}, {"id"'
        raise aiohttp.ClientPayloadError("Response payload is not completed")

    with pytest.raises(aiohttp.ClientPayloadError):
        await parse_json_array(broken(), boxed)


async def test_yields_to_the_event_loop_while_parsing() -> None:
    doc = json.dumps([{"id": i, "title": "t" * 200} for i in range(20_000)]).encode()
    parts = [doc[i : i + 65536] for i in range(0, len(doc), 65536)]
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    start = ticks
    result = await parse(parts, time_slice=0.0001)
    done = True
    await task
    assert len(result) == 20_000
    # The chunk source never suspends: only the parser's own yields let the
    # other task run.
    assert ticks - start > 10


async def test_does_not_yield_when_fast() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    start = ticks
    assert await parse([b"[1, 2, 3]"], time_slice=60) == [1, 2, 3]
    assert ticks == start
    task.cancel()


JSON_SCALARS = (
    st.none()
    | st.booleans()
    # orjson reads integers beyond 64 bits as floats; within, json and orjson
    # agree.
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    elements=st.lists(JSON_VALUES, max_size=12),
    ensure_ascii=st.booleans(),
    indent=st.sampled_from([None, 0, 2, "\t"]),
    member=st.booleans(),
    data=st.data(),
)
async def test_matches_json_loads_for_any_chunking(
    elements: list[Any],
    ensure_ascii: bool,
    indent: int | str | None,
    member: bool,
    data: st.DataObject,
) -> None:
    value: Any = {"Items": elements, "TotalRecordCount": len(elements)}
    if not member:
        value = elements
    doc = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent).encode()
    cuts = sorted(
        data.draw(st.lists(st.integers(min_value=0, max_value=len(doc)), max_size=8))
    )
    expected = json.loads(doc)
    if member:
        expected = expected["Items"]
    result = await parse(split_at(doc, *cuts), member="Items" if member else None)
    assert result == expected


def records(count: int) -> list[dict[str, Any]]:
    # Elements shaped like the services' (one first key for all), nesting
    # objects that start with the same key, with the boundary text in strings.
    return [
        {
            "Name": f"item {i} \u00e9\U0001f3ac",
            "Id": i,
            "Artists": [{"Name": "a", "Id": 1}, {"Name": "b"}] if i % 3 == 0 else [],
            "Note": '},{"Name":' if i % 4 == 0 else "plain",
            "Score": i * 1.5,
            "UserData": {"Played": i % 2 == 0, "LastPlayedDate": None},
        }
        for i in range(count)
    ]


def compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


async def test_runs_of_elements_split_at_every_byte_position() -> None:
    items = records(8)
    for doc, member in (
        (compact(items), None),
        (compact({"Items": items, "TotalRecordCount": 8}), "Items"),
    ):
        for cut in range(len(doc) + 1):
            assert await parse(split_at(doc, cut), member=member) == items, cut


async def test_runs_of_elements_in_service_sized_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = records(3000)
    doc = compact(items)
    batches = 0
    real_loads = streaming._orjson_loads

    def counting_loads(text: str) -> Any:
        nonlocal batches
        batches += 1
        return real_loads(text)

    monkeypatch.setattr(streaming, "_orjson_loads", counting_loads)
    chunks = [doc[i : i + 65536] for i in range(0, len(doc), 65536)]
    assert await parse(chunks) == items
    # Whole runs of elements are decoded at once, about one per chunk.
    assert 0 < batches <= 3 * len(chunks)


async def test_values_read_as_orjson_reads_them() -> None:
    # Integers beyond 64 bits become floats, whichever way the element is
    # decoded (alone or in a run); NaN is not JSON.
    doc = b'[{"a":1},{"a":2},{"a":123456789012345678901234567890},{"a":3}]'
    expected = orjson.loads(doc)
    assert isinstance(expected[2]["a"], float)
    for cut in range(len(doc) + 1):
        assert await parse(split_at(doc, cut)) == expected
    nan = b'[{"a":1},{"a":2},{"a":NaN},{"a":3}]'
    for cut in range(len(nan) + 1):
        with pytest.raises(JsonStreamError, match="malformed"):
            await parse(split_at(nan, cut))


async def test_integers_just_beyond_64_bits() -> None:
    # One below the smallest signed and one above the largest unsigned 64 bit
    # integer: orjson makes them floats, the standard library keeps them
    # exact, so the result must not depend on which way an element is read.
    doc = (
        b'[{"a":-9223372036854775809},{"a":-9223372036854775808},'
        b'{"a":18446744073709551615},{"a":18446744073709551616},'
        b"-9223372036854775809]"
    )
    expected = orjson.loads(doc)
    assert [type(v) for v in expected] == [dict] * 4 + [float]
    assert [type(v["a"]) for v in expected[:4]] == [float, int, int, float]
    for cut in range(len(doc) + 1):
        result = await parse(split_at(doc, cut))
        assert orjson.dumps(result) == orjson.dumps(expected), cut


@pytest.mark.parametrize(
    ("doc", "member"),
    [
        # A lone surrogate escape in a member name beside the list.
        (
            (
                b'{"TotalRecordCount":0,"Items":[{"id":null}],"StartIndex":0,'
                b'"Before\\ud800":null}'
            ),
            "Items",
        ),
        (b'{"Items":[{"id":1}],"TotalRecordCount":NaN}', "Items"),
        (b'{"Before":[-Infinity],"Items":[]}', "Items"),
        (b'{"Items":[],"TotalRecordCount":1e400}', "Items"),
        (b'{"\\udc00":1,"Items":[]}', "Items"),
        (b'[{"a":1},{"a":"\\ud800"},{"a":2}]', None),
        (b'[{"a":1},{"a":-1e400},{"a":2}]', None),
        (b'["\\udfac", 1]', None),
    ],
)
async def test_what_orjson_refuses_is_refused_everywhere(
    doc: bytes, member: str | None
) -> None:
    # The standard library accepts these; the body is JSON for LCARS exactly
    # when orjson accepts it, in the list and in the members beside it.
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(doc)
    json.loads(doc)
    for cut in range(len(doc) + 1):
        with pytest.raises(JsonStreamError, match="malformed"):
            await parse(split_at(doc, cut), member=member)


ORJSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([-(2**63) - 1, -(2**63), 2**63 - 1, 2**64 - 1, 2**64])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from('ab},{"\\:[]é🎬 \n\t/'), max_size=10)
    | st.text(max_size=5)
)
ORJSON_VALUES = st.recursive(
    ORJSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["id", "Items", "", '},{"id":']), children)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    elements=st.lists(
        st.fixed_dictionaries({"id": ORJSON_SCALARS}, optional={"v": ORJSON_VALUES})
        | ORJSON_VALUES,
        max_size=20,
    ),
    others=st.permutations(
        [("TotalRecordCount", 0), ("StartIndex", 0), ("Other", None)]
    ),
    items_at=st.integers(min_value=0, max_value=3),
    total=ORJSON_SCALARS,
    member=st.booleans(),
    ensure_ascii=st.booleans(),
    data=st.data(),
)
async def test_reads_as_orjson_for_any_chunking(
    elements: list[Any],
    others: list[tuple[str, Any]],
    items_at: int,
    total: Any,
    member: bool,
    ensure_ascii: bool,
    data: st.DataObject,
) -> None:
    # Jellyfin's object form with its members in any order, or a bare list;
    # integers of any size.
    if member:
        members = [(k, total if k == "TotalRecordCount" else v) for k, v in others]
        members.insert(items_at, ("Items", elements))
        value: Any = dict(members)
    else:
        value = elements
    doc = json.dumps(value, separators=(",", ":"), ensure_ascii=ensure_ascii).encode()
    cuts = sorted(
        data.draw(st.lists(st.integers(min_value=0, max_value=len(doc)), max_size=8))
    )
    expected = orjson.loads(doc)
    if member:
        expected = expected["Items"]
    result = await parse(split_at(doc, *cuts), member="Items" if member else None)
    # Compared as orjson writes them, so that 1 and 1.0 differ.
    assert orjson.dumps(result) == orjson.dumps(expected)


async def test_pretty_printed_elements() -> None:
    items = records(50)
    doc = json.dumps(items, indent=2).encode()
    parts = [doc[i : i + 333] for i in range(0, len(doc), 333)]
    assert await parse(parts) == items


async def test_malformed_inside_a_run_of_elements() -> None:
    good = compact(records(200))
    bad = good.replace(b'"Id":150,', b'"Id":150,,', 1)
    assert bad != good
    for size in (100, 4096, 65536):
        with pytest.raises(JsonStreamError, match="malformed"):
            await parse(bad[i : i + size] for i in range(0, len(bad), size))
    for end in range(0, len(good), 97):
        with pytest.raises(JsonStreamError):
            await parse(split_at(good[:end], end // 3))


RECORDS = st.lists(
    st.fixed_dictionaries(
        {"id": st.integers(min_value=-(2**63), max_value=2**63 - 1)},
        optional={
            "name": st.text(alphabet=st.sampled_from('ab},{"\\:[]é🎬 '), max_size=12),
            "nested": st.lists(
                st.fixed_dictionaries({"id": st.integers(0, 9)}), max_size=3
            ),
            "value": JSON_VALUES,
        },
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elements=RECORDS, data=st.data())
async def test_records_match_json_loads_for_any_chunking(
    elements: list[dict[str, Any]], data: st.DataObject
) -> None:
    doc = compact(elements)
    cuts = sorted(
        data.draw(st.lists(st.integers(min_value=0, max_value=len(doc)), max_size=8))
    )
    assert await parse(split_at(doc, *cuts)) == json.loads(doc)


async def test_concurrent_parsers_share_the_time_slice() -> None:
    doc = compact(records(4000))
    parts = [doc[i : i + 65536] for i in range(0, len(doc), 65536)]
    seen_active: list[int] = []

    def project(element: dict[str, Any]) -> int:
        seen_active.append(streaming._active_parsers)
        return int(element["Id"])

    first, second = await asyncio.gather(
        parse_json_array(chunks_of(parts), project, time_slice=0.0001),
        parse_json_array(chunks_of(parts), project, time_slice=0.0001),
    )
    assert first == second == list(range(4000))
    # Both ran at once, so each yielded after half the slice.
    assert max(seen_active) == 2
    assert streaming._slice(0.004) == 0.004
    with pytest.raises(JsonStreamError):
        await parse([b"[1, oops]"])
    # The count goes back down whatever way a parse ends.
    assert streaming._active_parsers == 0


# ---------------------------------------------------------------- hostile bodies


async def endless_chunks(
    head: bytes, piece: bytes, counter: list[int] | None = None
) -> AsyncIterator[bytes]:
    """A body that never ends: `head`, then `piece` forever."""
    yield head
    while True:
        if counter is not None:
            counter[0] += 1
        yield piece


async def test_a_body_larger_than_the_limit_is_refused_as_it_arrives() -> None:
    sent = [0]
    with pytest.raises(JsonStreamError, match="larger than 1 MiB"):
        await parse_json_array(
            endless_chunks(b"[", b'{"id": 1}, ' * 1000, sent),
            boxed,
            max_size=1024 * 1024,
        )
    # Refused within a chunk of the limit, not at the end of the body.
    assert sent[0] * 11_000 < 1024 * 1024 + 2 * 11_000
    with pytest.raises(JsonStreamError, match="larger than 1 MiB"):
        await parse_json_value(
            endless_chunks(b'{"a": [', b"1, " * 1000), max_size=1024 * 1024
        )
    # The same body under the limit is read whole.
    doc = b"[" + b'{"id": 1}, ' * 1000 + b'{"id": 2}]'
    assert len(await parse([doc], max_size=len(doc))) == 1001
    with pytest.raises(JsonStreamError, match="larger than"):
        await parse([doc], max_size=len(doc) - 1)


class Row:
    """A kept row that can be watched for being freed."""

    __slots__ = ("__weakref__", "value")

    def __init__(self, value: Any) -> None:
        self.value = value


async def test_rows_are_let_go_when_the_list_fails() -> None:
    rows: list[weakref.ref[Row]] = []

    def project(element: Any) -> Row:
        row = Row(element)
        rows.append(weakref.ref(row))
        return row

    doc = b"[" + b'{"id": 1},' * 10_000
    with pytest.raises(JsonStreamError) as caught:
        await parse_json_array(chunks_of([doc, b"oops"]), project)
    assert len(rows) == 10_000
    # The error (and its traceback) is still held, the rows are not.
    assert caught.value is not None
    assert all(ref() is None for ref in rows)


async def test_rows_are_let_go_when_the_task_is_cancelled() -> None:
    rows: list[weakref.ref[Row]] = []
    all_read = asyncio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield b"[" + b'{"id": 1},' * 10_000
        await asyncio.Event().wait()

    def project(element: Any) -> Row:
        row = Row(element)
        rows.append(weakref.ref(row))
        if len(rows) == 10_000:
            all_read.set()
        return row

    task = asyncio.create_task(parse_json_array(stalled(), project))
    await all_read.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert all(ref() is None for ref in rows)


async def test_release_frees_a_slice_at_a_time() -> None:
    rows = list(range(10 * streaming._RELEASE_SLICE))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    start = ticks
    await streaming.release(rows)
    assert rows == []
    # Other tasks ran in between.
    assert ticks - start >= 5
    task.cancel()
    # Cancelled halfway, the rest goes at once.
    rows = list(range(10 * streaming._RELEASE_SLICE))
    releasing = asyncio.create_task(streaming.release(rows))
    await asyncio.sleep(0)
    releasing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await releasing
    assert rows == []


@pytest.mark.parametrize("size", [5 * 1024 * 1024, 60_000_000])
async def test_a_string_longer_than_any_real_field_is_refused(size: int) -> None:
    text = b'"' + b"x" * size + b'"'
    element = b'{"id": 1, "overview": ' + text + b"}"
    for doc in (b"[" + element + b"]", b"[" + text + b"]"):
        # Whole, or as it arrives.
        with pytest.raises(JsonStreamError, match="larger than 1 MiB"):
            await parse([doc])
        parts = (doc[i : i + 65536] for i in range(0, len(doc), 65536))
        with pytest.raises(JsonStreamError, match="larger than 1 MiB"):
            await parse(parts)
    with pytest.raises(JsonStreamError, match="larger than 1 MiB"):
        await parse_json_value(chunks_of([element]), max_size=len(element))
    # A long but real string is fine.
    doc = b'[{"overview": "' + b"x" * 100_000 + b'"}]'
    assert await parse([doc]) == [{"overview": "x" * 100_000}]


async def test_an_element_larger_than_the_limit_is_refused() -> None:
    # Made of small values: no one string is long.
    element = b'{"id": 1, "values": [' + b"1," * 2_500_000 + b"1]}"
    assert len(element) > streaming.MAX_ELEMENT_SIZE
    doc = b"[" + element + b"]"
    with pytest.raises(JsonStreamError, match="element is larger than 4 MiB"):
        await parse([doc])
    parts = [doc[i : i + 65536] for i in range(0, len(doc), 65536)]
    with pytest.raises(JsonStreamError, match="element is larger than 4 MiB"):
        await parse(parts)
    # The same element under a larger limit.
    assert await parse(parts, max_element_size=len(element)) == [
        {"id": 1, "values": [1] * 2_500_001}
    ]


async def test_an_endless_list_of_small_values_is_refused_quickly() -> None:
    # Runs of numbers, strings or empty objects are decoded many at a time,
    # like runs of objects; a list longer than any real one is refused (its
    # rows would take far more memory than its bytes).
    for piece in (b"1,", b'"a",', b"{},", b"[],", b'{"id": 1},'):
        sent = [0]
        with pytest.raises(JsonStreamError, match="more than 100,000 elements"):
            await parse_json_array(
                endless_chunks(b"[", piece * (65536 // len(piece)), sent),
                boxed,
                max_length=100_000,
            )
        assert sent[0] * 65536 < 100_000 * len(piece) + 2 * 65536
        sent = [0]
        with pytest.raises(JsonStreamError, match="larger than 1 MiB"):
            await parse_json_array(
                endless_chunks(b"[", piece * (65536 // len(piece)), sent),
                boxed,
                max_size=1024 * 1024,
            )
    # A list exactly that long is fine.
    doc = b"[" + b"1," * 99_999 + b"1]"
    assert len(await parse([doc], max_length=100_000)) == 100_000


NESTED = 100_000


@pytest.mark.parametrize(
    ("doc", "member"),
    [
        # In an element, alone or among others, small or large.
        (b"[" + b"[" * NESTED + b"]" * NESTED + b"]", None),
        (b'[{"id": 1}, {"deep": ' + b"[" * NESTED + b"]" * NESTED + b"}]", None),
        (b'[{"deep": ' + b'{"a": ' * NESTED + b"1" + b"}" * NESTED + b"}]", None),
        # Beside the list of an object, and in it.
        (b'{"Items": [], "Other": ' + b"[" * NESTED + b"]" * NESTED + b"}", "Items"),
        (b'{"Items": [' + b"[" * NESTED + b"]" * NESTED + b"]}", "Items"),
        # Cut off: the nesting alone is enough.
        (b"[" + b"[" * NESTED, None),
        # Deeper than orjson reads, but not deep enough for the standard
        # library to give up.
        (b"[" + b"[" * 2000 + b"]" * 2000 + b"]", None),
    ],
)
async def test_absurd_nesting_is_an_error(doc: bytes, member: str | None) -> None:
    for parts in ([doc], [doc[i : i + 4096] for i in range(0, len(doc), 4096)]):
        with pytest.raises(JsonStreamError) as caught:
            await parse(parts, member=member)
        assert "nested too deeply" in str(caught.value) or "recursion" in str(
            caught.value
        )
    if member is None:
        with pytest.raises(JsonStreamError):
            await parse_json_value(chunks_of([doc[1:]]), max_size=len(doc))


async def test_nesting_of_large_values_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Taken apart level by level: each level is a few frames, so the levels
    # are counted too.
    monkeypatch.setattr(streaming, "_DESCEND_AFTER", 16)
    padding = b'"' + b"x" * 64 + b'"'
    deep = b"[" * 200 + padding + b"]" * 200
    with pytest.raises(JsonStreamError, match="nested too deeply"):
        await parse([b"[" + deep + b"]"])
    shallow = b"[" * 20 + padding + b"]" * 20
    assert await parse([b"[" + shallow + b"]"]) == [json.loads(shallow)]


async def test_a_number_with_too_many_digits_is_refused() -> None:
    digits = b"1" * 5000
    for doc in (b"[" + digits + b"]", b'[{"a": ' + digits + b"}]"):
        for parts in ([doc], split_at(doc, len(doc) // 2)):
            with pytest.raises(JsonStreamError, match="malformed"):
                await parse(parts)
    with pytest.raises(JsonStreamError, match="malformed"):
        await parse_json_value(chunks_of([digits]), max_size=10_000)


def root_folders(count: int) -> list[dict[str, Any]]:
    """Root folders that list many folders not in the library (a real answer)."""
    return [
        {
            "id": 1,
            "path": "/movies",
            "accessible": True,
            "freeSpace": 123456789,
            "unmappedFolders": [
                {
                    "name": f"Movie {i} (2001)",
                    "path": f"/movies/Movie {i} (2001)",
                    "relativePath": f"Movie {i} (2001)",
                }
                for i in range(count)
            ],
        }
    ]


async def test_a_large_answer_is_read_piece_by_piece_and_yields() -> None:
    # About 2.6 MB in one chunk: decoded member by member and element by
    # element, with the event loop getting control in between.
    value = root_folders(20_000)
    doc = compact(value)
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    start = ticks
    result = await parse_json_value(
        chunks_of([doc]), max_size=len(doc), time_slice=0.0001
    )
    done = True
    await task
    assert result == value
    # At least once per run of a few hundred KB.
    assert ticks - start >= 5
    # As a list element too.
    assert await parse([doc], time_slice=0.0001) == value


async def test_value_of_a_whole_body() -> None:
    assert await parse_json_value(chunks_of([b""]), max_size=10) is streaming.EMPTY
    assert await parse_json_value(chunks_of([b" \n "]), max_size=10) is streaming.EMPTY
    assert await parse_json_value(chunks_of([b"12", b"3 "]), max_size=10) == 123
    assert await parse_json_value(chunks_of([SMALL_DOC]), max_size=10_000) == (
        orjson.loads(SMALL_DOC)
    )
    with pytest.raises(JsonStreamError, match="HTML"):
        await parse_json_value(chunks_of([b"<html></html>"]), max_size=100)
    with pytest.raises(JsonStreamError, match="HTML"):
        await parse([b"<html></html>"])
    with pytest.raises(JsonStreamError, match="extra data"):
        await parse_json_value(chunks_of([b"{} {}"]), max_size=100)
    with pytest.raises(JsonStreamError, match="malformed"):
        await parse_json_value(chunks_of([b'{"a": ', b"]"]), max_size=100)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=ORJSON_VALUES,
    elements=st.lists(ORJSON_VALUES, max_size=8),
    descend_after=st.sampled_from([0, 1, 8, 64]),
    data=st.data(),
)
async def test_values_taken_apart_read_as_orjson_reads_them(
    value: Any, elements: list[Any], descend_after: int, data: st.DataObject
) -> None:
    # With a tiny threshold nearly every object and list is taken apart
    # member by member; the result must not show it.
    with unittest.mock.patch.object(streaming, "_DESCEND_AFTER", descend_after):
        for doc, whole in (
            (compact(value), True),
            (compact(elements), False),
            (compact({"Items": elements, "Other": value}), False),
        ):
            cuts = sorted(
                data.draw(
                    st.lists(st.integers(min_value=0, max_value=len(doc)), max_size=6)
                )
            )
            parts = split_at(doc, *cuts)
            expected = orjson.loads(doc)
            if whole:
                result = await parse_json_value(chunks_of(parts), max_size=len(doc))
            elif isinstance(expected, dict):
                result = await parse(parts, member="Items")
                expected = expected["Items"]
            else:
                result = await parse(parts)
            assert orjson.dumps(result) == orjson.dumps(expected)
