"""Incremental parsing of large JSON lists from a response stream.

A 20,000 movie library is about 50 MB of JSON. Parsing it in one go holds the
whole body and every decoded dict at once and blocks the event loop for a
third of a second. Here the body is decoded as it arrives, a few dozen
elements at a time; each element is handed to a projection that keeps only
the fields LCARS uses, and dropped. The loop gives control back to the event
loop every few milliseconds.

Whatever a server sends, no single piece of work holds the event loop for
long, and what it can make LCARS hold is bounded: the whole body has a size
limit, so has one element of a list and one string or number, and a value
too large to decode in one go (a big object in a small answer, an element
beyond a few hundred KB) is decoded member by member and element by
element, giving control back in between. Nesting deeper than any real
answer is refused, never a RecursionError. Whole answers that are not a
list (`parse_json_value`) go the same way.

Values read exactly as `orjson.loads` reads them (integers beyond 64 bits
become floats; NaN is refused), and a body is refused whenever orjson would
refuse it, in the members beside the list too. Errors are raised as `JsonStreamError`; the
HTTP layer turns them into `BadResponseError` with the service name and URL. Errors of the byte stream
itself (`aiohttp.ClientPayloadError` for a connection closed halfway) pass
through untouched.
"""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import AsyncIterable, AsyncIterator, Callable
import json
import re
import time
from typing import Any

import orjson

# The largest body accepted by default (the HTTP layer sets its own limits).
MAX_SIZE = 512 * 1024 * 1024

# The largest single element of a list. A movie is about 2.5 KB, a Lidarr
# album listing hundreds of releases about 200 KB; the largest real elements
# are root folders that list every folder not in the library yet, about
# 120 bytes each, and this leaves room for some 30,000 of them. An element is
# kept whole until it is projected, and tiny values take up to some 25 times
# their size in memory, so this is not larger.
MAX_ELEMENT_SIZE = 4 * 1024 * 1024

# The most elements a list may have. The longest real lists, the episodes
# of a very large TV library or the movies of a very large Radarr, have a
# few hundred thousand. It bounds what a list of tiny elements can make
# LCARS hold (a row takes more memory than a tiny element takes bytes).
MAX_LIST_LENGTH = 1_000_000

# The longest string (or number) accepted. The longest real fields, overviews
# and paths, are a few KB. A string is decoded in one go, so this also bounds
# that piece of work (about a millisecond).
MAX_STRING_SIZE = 1024 * 1024

# Parse for at most this long before letting other tasks run (shared by the
# lists parsed at the same time).
TIME_SLICE = 0.005

# A decoding error this close to the end of what has arrived may only mean
# that the rest of the value has not arrived yet (for example `{"a": 1.` or a
# `\u` escape cut in half). Errors further back are real syntax errors.
_NEAR_END = 16

# The fast way decodes at most this many characters at once (a few
# milliseconds of work), and gives up on guessing boundaries after this many
# wrong guesses in a row (a list whose elements nest their own kind a lot).
_MAX_BATCH = 256 * 1024
_MAX_FAST_FAILURES = 32

# An object or list is decoded in one go only while the text it may span (the
# rest of the buffer) is at most this long, a few milliseconds of work;
# beyond, it is decoded member by member (see `_descend`).
_DESCEND_AFTER = 256 * 1024

# How many levels deep a value is taken apart that way. Real answers nest a
# handful of levels; each level is a few Python frames.
_MAX_DEPTH = 64

# Before decoding one element the slow way, a short rest of the buffer is
# moved to the front (see `_read_array`).
_COMPACT_AFTER = 4096
_COMPACT_BELOW = 16384

# Rows freed at a time when the rows of a failed list are let go (see
# `release`): a few milliseconds of work.
_RELEASE_SLICE = 2048

# How many lists are being parsed now (see `_slice`).
_active_parsers = 0

_DECODER = json.JSONDecoder()
_orjson_loads = orjson.loads
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_START = frozenset("-0123456789")
_CONTAINER_START = frozenset("{[")
_MIB = 1024 * 1024


class JsonStreamError(ValueError):
    """The body is not the JSON that was expected."""


def _size_text(size: int) -> str:
    if size >= _MIB and size % _MIB == 0:
        return f"{size // _MIB} MiB"
    return f"{size} characters"


class _Reader:
    """A text buffer over an async byte stream, refilled on demand."""

    __slots__ = (
        "_chunks",
        "_decoder",
        "_max_size",
        "_pending",
        "_pending_len",
        "buf",
        "eof",
        "last_yield",
        "max_string_size",
        "offset",
        "pos",
        "received",
        "time_slice",
    )

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        *,
        max_size: int,
        max_string_size: int,
        time_slice: float,
    ) -> None:
        self._chunks = chunks
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._max_size = max_size
        self._pending: list[str] = []
        self._pending_len = 0
        self.max_string_size = max_string_size
        self.time_slice = time_slice
        self.last_yield = time.perf_counter()
        self.buf = ""
        self.pos = 0
        # Characters dropped from the front of `buf` so far.
        self.offset = 0
        self.received = 0
        self.eof = False

    def position(self) -> int:
        """Characters read since the start of the body, up to `pos`."""
        return self.offset + self.pos

    def close(self) -> None:
        """Let go of the text read (the reader may outlive the parse in a traceback)."""
        self.buf = ""
        self.pos = 0
        self._pending.clear()

    async def more(self, want: int) -> bool:
        """Read at least `want` more characters (or to the end of the body).

        The consumed part of the buffer is dropped. Chunks are collected in a
        list and joined once, so waiting for a large element stays linear.
        Returns False when the body had nothing more to give. A body larger
        than the limit is refused as soon as that many bytes have arrived.
        """
        while self._pending_len < want and not self.eof:
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                self.eof = True
                text = self._decode(b"", final=True)
            else:
                self.received += len(chunk)
                if self.received > self._max_size:
                    raise JsonStreamError(
                        f"the answer is larger than {_size_text(self._max_size)}"
                    )
                text = self._decode(chunk)
            if text:
                self._pending.append(text)
                self._pending_len += len(text)
        if not self._pending:
            return False
        self.offset += self.pos
        self.buf = self.buf[self.pos :] + "".join(self._pending)
        self.pos = 0
        self._pending.clear()
        self._pending_len = 0
        return True

    def compact(self) -> None:
        """Drop the consumed part of the buffer."""
        self.offset += self.pos
        self.buf = self.buf[self.pos :]
        self.pos = 0

    def _decode(self, chunk: bytes, *, final: bool = False) -> str:
        try:
            return self._decoder.decode(chunk, final)
        except UnicodeDecodeError as err:
            raise JsonStreamError("the body is not valid UTF-8") from err

    async def peek(self) -> str:
        """Skip whitespace and return the next character, or "" at the end."""
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not await self.more(1):
                return ""

    async def pause_if_due(self) -> None:
        """Let other tasks run when this parser has had its time slice."""
        now = time.perf_counter()
        if now - self.last_yield >= _slice(self.time_slice):
            await asyncio.sleep(0)
            self.last_yield = time.perf_counter()

    async def wait_for_rest(
        self, err: json.JSONDecodeError | None, limit: int, too_large: str
    ) -> None:
        """Read more after a failed decode at `pos`, or say why it will never work.

        `limit` is the most the value may span; `too_large` says why not.
        """
        available = len(self.buf) - self.pos
        if self.eof:
            if err is None or err.pos >= len(self.buf) - _NEAR_END:
                raise JsonStreamError(
                    "malformed JSON: the body ends in the middle of a value"
                )
            raise JsonStreamError(f"malformed JSON: {err.msg}")
        if (
            err is not None
            and err.pos < len(self.buf) - _NEAR_END
            and not err.msg.startswith("Unterminated string")
        ):
            raise JsonStreamError(f"malformed JSON: {err.msg}")
        if available > limit:
            raise JsonStreamError(too_large)
        # Wait for as much again as is already there, so that a large value
        # is decoded a logarithmic number of times, not once per chunk.
        want = max(1, min(available, limit + 1 - available))
        # At the end of the body the caller decodes once more, now knowing
        # that nothing follows (a number at the very end is then complete).
        await self.more(want)


def _decode_error(err: RecursionError | ValueError) -> JsonStreamError:
    """Say why the standard library's scanner gave up on a value."""
    if isinstance(err, RecursionError):
        return JsonStreamError("the answer is nested too deeply")
    # Integers beyond Python's digit limit for conversions (which orjson
    # refuses as well, as an infinite float).
    return JsonStreamError("malformed JSON: a number with too many digits")


async def _read_value(reader: _Reader, depth: int, start: int, limit: int) -> Any:
    """Decode the value at the next non-space character, however large.

    `start` is where the element (or body) holding it begins and `limit`
    the most that element may span. Small values are decoded in one go; an
    object or list that may span more than `_DESCEND_AFTER` is taken apart.
    """
    while True:
        char = await reader.peek()
        if not char:
            raise JsonStreamError(
                "malformed JSON: the body ends where a value was expected"
            )
        used = reader.position() - start
        if used > limit:
            raise JsonStreamError(f"an element is larger than {_size_text(limit)}")
        buf = reader.buf
        pos = reader.pos
        container = char in _CONTAINER_START
        if container and len(buf) - pos > _DESCEND_AFTER:
            return await _descend(reader, depth, start, limit)
        # The most this value may span: what is left of the element, and for
        # a string or number the limit of one.
        most = limit - used
        too_large = f"an element is larger than {_size_text(limit)}"
        if not container and reader.max_string_size < most:
            most = reader.max_string_size
            too_large = f"a value is larger than {_size_text(most)}"
        try:
            _value, end = _DECODER.raw_decode(buf, pos)
        except json.JSONDecodeError as err:
            # Wait until it is complete (or, for an object or list, large
            # enough to take apart).
            await reader.wait_for_rest(
                err, min(most, _DESCEND_AFTER) if container else most, too_large
            )
            continue
        except (RecursionError, ValueError) as err:
            raise _decode_error(err) from None
        if not reader.eof and char in _NUMBER_START and end + _NEAR_END > len(buf):
            # A number at the end of the buffer may go on in the next chunk
            # (what follows it is counted in, hence the margin).
            await reader.wait_for_rest(None, most + _NEAR_END, too_large)
            continue
        if end - pos > most:
            raise JsonStreamError(too_large)
        reader.pos = end
        return _reread(buf, pos, end)


async def _descend(reader: _Reader, depth: int, start: int, limit: int) -> Any:
    """Decode the large object or list at `reader.pos` one member at a time."""
    if depth >= _MAX_DEPTH:
        raise JsonStreamError("the answer is nested too deeply")
    if reader.buf[reader.pos] == "[":
        values: list[Any] = []
        try:
            await _read_array(reader, values.append, depth + 1, start, limit)
        except BaseException:
            # Held by this frame in the error's traceback (or a cancelled
            # task's) otherwise.
            await release(values)
            raise
        return values
    obj: dict[str, Any] = {}
    try:
        await _read_object(reader, obj, depth, start, limit)
    except BaseException:
        obj.clear()
        raise
    return obj


async def _read_object(
    reader: _Reader, obj: dict[str, Any], depth: int, start: int, limit: int
) -> None:
    """Read the members of the object at `reader.pos` (on its "{") into `obj`."""
    reader.pos += 1  # the "{"
    if await reader.peek() == "}":
        reader.pos += 1
        return
    while True:
        if await reader.peek() != '"':
            raise JsonStreamError("malformed JSON: expected a member name")
        key = await _read_value(reader, depth + 1, start, limit)
        if await reader.peek() != ":":
            raise JsonStreamError("malformed JSON: expected ':'")
        reader.pos += 1
        obj[key] = await _read_value(reader, depth + 1, start, limit)
        await reader.pause_if_due()
        separator = await reader.peek()
        reader.pos += 1
        if separator == "}":
            return
        if separator != ",":
            raise JsonStreamError("malformed JSON: expected ',' or '}'")


async def parse_json_array[T](
    chunks: AsyncIterable[bytes],
    project: Callable[[Any], T | None],
    *,
    member: str | None = None,
    max_size: int = MAX_SIZE,
    max_length: int = MAX_LIST_LENGTH,
    max_element_size: int = MAX_ELEMENT_SIZE,
    max_string_size: int = MAX_STRING_SIZE,
    time_slice: float = TIME_SLICE,
) -> list[T]:
    """Parse a JSON list element by element, keeping only projected values.

    With `member`, the body is an object and the list is the value of that
    member (Jellyfin's `{"Items": [...], "TotalRecordCount": N}`); the other
    members are read and dropped. `project` turns one decoded element into
    the value to keep, or None to skip it; a KeyError, TypeError or
    ValueError from it means the element does not have the expected shape.

    A body beyond `max_size` bytes, a list of more than `max_length`
    elements, an element beyond `max_element_size` characters or a string
    beyond `max_string_size` is refused; so is nesting deeper than any real
    answer. On any error what was kept is let
    go at once.
    """
    global _active_parsers  # noqa: PLW0603  # shared by the event loop's parsers
    reader = _Reader(
        aiter(chunks),
        max_size=max_size,
        max_string_size=max_string_size,
        time_slice=time_slice,
    )
    out: list[T] = []
    count = 0

    def keep(element: Any) -> None:
        nonlocal count
        count += 1
        if count > max_length:
            raise JsonStreamError(f"the list has more than {max_length:,} elements")
        item = project(element)
        if item is not None:
            out.append(item)

    _active_parsers += 1
    try:
        await _read_list(reader, member, keep, max_element_size)
    except BaseException:
        # An error may be kept for long (as the last error of a refresh)
        # with this frame in its traceback: let the rows go first.
        await release(out)
        raise
    finally:
        _active_parsers -= 1
        reader.close()
    return out


async def release(rows: list[Any]) -> None:
    """Empty `rows`, a slice at a time, letting other tasks run in between.

    Freeing a few hundred thousand rows at once (the rows of a list cut off
    at the size limit) would hold the event loop for a good part of a
    second. Should this task be cancelled meanwhile, the rest goes at once.
    """
    try:
        while len(rows) > _RELEASE_SLICE:
            del rows[-_RELEASE_SLICE:]
            await asyncio.sleep(0)
    finally:
        rows.clear()


async def _read_list(
    reader: _Reader, member: str | None, add: Callable[[Any], None], limit: int
) -> None:
    """Read the whole body: the list, or the object with the list in `member`."""
    first = await reader.peek()
    if member is None:
        if first != "[":
            raise JsonStreamError(_shape_error(first, "a list"))
        await _read_array(reader, add, 0, None, limit)
    else:
        if first != "{":
            raise JsonStreamError(_shape_error(first, "an object"))
        await _read_member(reader, member, add, limit)
    if await reader.peek():
        raise JsonStreamError("malformed JSON: extra data after the value")


# What `parse_json_value` returns for an empty body.
EMPTY: Any = object()


async def parse_json_value(
    chunks: AsyncIterable[bytes],
    *,
    max_size: int,
    max_string_size: int = MAX_STRING_SIZE,
    time_slice: float = TIME_SLICE,
) -> Any:
    """Parse a whole JSON body (any value), as `orjson.loads` would read it.

    Returns `EMPTY` for a body that is empty or only whitespace. The same
    limits and the same care for the event loop apply as to lists: a large
    object is decoded member by member.
    """
    global _active_parsers  # noqa: PLW0603  # shared by the event loop's parsers
    reader = _Reader(
        aiter(chunks),
        max_size=max_size,
        max_string_size=max_string_size,
        time_slice=time_slice,
    )
    _active_parsers += 1
    try:
        first = await reader.peek()
        if not first:
            return EMPTY
        if first == "<":
            raise JsonStreamError(_shape_error(first, "JSON"))
        value = await _read_value(reader, 0, 0, max_size)
        if await reader.peek():
            raise JsonStreamError("malformed JSON: extra data after the value")
        return value
    finally:
        _active_parsers -= 1
        reader.close()


def _slice(time_slice: float) -> float:
    """Return this parser's share of the time slice.

    Parsers that run at once (a refresh streams six lists) each get back to
    the event loop in turn within one pass of the loop, so a timer waits for
    all their slices together; sharing the slice keeps that pass short.
    """
    return time_slice / (_active_parsers or 1)


def _reread(buf: str, start: int, end: int) -> Any:
    """Decode `buf[start:end]`, which the standard library found, with orjson.

    Every value then reads the same whichever way it was found, and the body
    is accepted exactly when orjson accepts it: the standard library differs
    on integers beyond 64 bits (orjson makes them floats), and accepts what
    is not JSON (NaN, Infinity, numbers too large for a float, escapes of
    lone surrogates), which orjson refuses.
    """
    try:
        return _orjson_loads(buf[start:end])
    except orjson.JSONDecodeError as err:
        raise JsonStreamError(f"malformed JSON: {err}") from None


def _shape_error(first: str, expected: str) -> str:
    if not first:
        return f"the body is empty, expected {expected}"
    if first == "<":
        return f"the body is an HTML page, expected {expected}"
    return f"expected {expected} in the body"


async def _read_member(
    reader: _Reader, member: str, add: Callable[[Any], None], max_element_size: int
) -> None:
    """Walk the members of an object, streaming the list in `member`."""
    reader.pos += 1  # the "{"
    found = False
    if await reader.peek() == "}":
        reader.pos += 1
    else:
        while True:
            if await reader.peek() != '"':
                raise JsonStreamError("malformed JSON: expected a member name")
            key = await _read_value(reader, 0, reader.position(), max_element_size)
            if await reader.peek() != ":":
                raise JsonStreamError("malformed JSON: expected ':'")
            reader.pos += 1
            if key == member and not found:
                if await reader.peek() != "[":
                    raise JsonStreamError(f"expected a list in {member}")
                await _read_array(reader, add, 0, None, max_element_size)
                found = True
            else:
                await _read_value(reader, 0, reader.position(), max_element_size)
            separator = await reader.peek()
            reader.pos += 1
            if separator == "}":
                break
            if separator != ",":
                raise JsonStreamError("malformed JSON: expected ',' or '}'")
    if not found:
        raise JsonStreamError(f"expected a list in {member}")


def _element_error(err: Exception) -> JsonStreamError:
    return JsonStreamError(
        f"an element does not have the expected shape ({type(err).__name__})"
    )


def _boundary_pattern(element: Any) -> tuple[str, int]:
    """Return the text between two elements shaped like `element`, and where it cuts.

    Objects of one list start with the same member (`{"title":` for every
    movie), so `},{"title":` marks where one element ends and the next
    begins, at least in most places where it occurs; the run of elements
    ends one character into it. Between other elements (numbers, strings,
    lists, empty objects) there is only the comma, and the run ends before
    it.
    """
    if isinstance(element, dict) and element:
        first_key = next(iter(element))
        return "},{" + json.dumps(first_key, ensure_ascii=False) + ":", 1
    return ",", 0


# Nothing decoded yet (None is a value).
_NOTHING: Any = object()


async def _read_array(
    reader: _Reader,
    add: Callable[[Any], None],
    depth: int,
    start: int | None,
    limit: int,
) -> None:
    """Read the list starting at `reader.pos` (on its "["), element by element.

    `add` takes each decoded element (a KeyError, TypeError, ValueError or
    AttributeError from it means the element does not have the expected
    shape; a JsonStreamError passes through). A list of the body has `start` None and each of its elements
    may span `limit`; a list inside an element (taken apart by `_descend`)
    has the start of that element, which may span `limit` in all.

    This is the hot loop: everything that does not need more bytes runs
    without awaiting, and the event loop gets control every time slice.

    Two ways to decode elements. The fast one takes the run of complete
    elements in the buffer, up to the last place that looks like a boundary
    between two elements, and decodes it with orjson as one small list. If
    orjson accepts `[` + that run + `]`, the run is exactly a sequence of
    whole elements (a cut inside an element would leave a bracket or a
    string open), so a wrong guess can only fail, never mislead. The slow
    way decodes one element with the standard library's scanner, which
    tells where the element ends; it is used for the first element (which
    teaches the boundary pattern), when no boundary is in sight, and after a
    guess fails. An element that may be large goes to `_read_value`, which
    waits for the rest of it or takes it apart.
    """
    raw_decode = _DECODER.raw_decode
    skip = _WHITESPACE.match
    clock = time.perf_counter
    time_slice = reader.time_slice
    reader.pos += 1  # the "["
    expect_value = True
    first = True
    pattern: str | None = None
    # How far into the pattern a run of elements ends, and the character an
    # element must start with for the pattern to be looked for ("" for any).
    pattern_cut = 0
    pattern_start = ""
    fast_failures = 0
    # Where in which buffer boundaries are still worth looking for.
    searched = ""
    search_end = 0
    while True:
        buf = reader.buf
        pos = skip(buf, reader.pos).end()  # type: ignore[union-attr]
        reader.pos = pos
        if start is not None and reader.offset + pos - start > limit:
            raise JsonStreamError(f"an element is larger than {_size_text(limit)}")
        if pos >= len(buf):
            if not await reader.more(1):
                raise JsonStreamError(
                    "malformed JSON: the body ends in the middle of the list"
                )
            continue
        char = buf[pos]
        if not expect_value:
            reader.pos = pos + 1
            if char == ",":
                expect_value = True
                continue
            if char == "]":
                return
            raise JsonStreamError("malformed JSON: expected ',' or ']'")
        if char == "]" and first:
            reader.pos = pos + 1
            return
        if (
            pattern is not None
            and char.startswith(pattern_start)
            and fast_failures < _MAX_FAST_FAILURES
        ):
            if buf is not searched:
                searched, search_end = buf, len(buf)
            cut = buf.rfind(pattern, pos, min(search_end, pos + _MAX_BATCH))
            if cut > pos:
                run_end = cut + pattern_cut
                try:
                    elements = _orjson_loads("[" + buf[pos:run_end] + "]")
                except orjson.JSONDecodeError:
                    # Not a boundary (the text is inside an element, or an
                    # element is malformed): try an earlier one.
                    fast_failures += 1
                    search_end = cut
                    continue
                else:
                    fast_failures = 0
                    try:
                        for element in elements:
                            add(element)
                    except JsonStreamError:
                        raise
                    except (KeyError, TypeError, ValueError, AttributeError) as err:
                        raise _element_error(err) from None
                    del elements
                    reader.pos = run_end
                    expect_value = False
                    first = False
                    now = clock()
                    if now - reader.last_yield >= _slice(time_slice):
                        await asyncio.sleep(0)
                        reader.last_yield = clock()
                    continue
        if pos > _COMPACT_AFTER and len(buf) - pos < _COMPACT_BELOW:
            # Usually the last, incomplete element of a chunk: move it to the
            # front so that the decoding error (which counts the lines before
            # it) stays cheap.
            reader.compact()
            buf, pos = reader.buf, 0
        obj = _NOTHING
        if char not in _CONTAINER_START or len(buf) - pos <= _DESCEND_AFTER:
            try:
                _value, end = raw_decode(buf, pos)
            except json.JSONDecodeError:
                # Incomplete or malformed: `_read_value` tells which.
                pass
            except (RecursionError, ValueError) as err:
                raise _decode_error(err) from None
            else:
                if (
                    (
                        reader.eof
                        or char not in _NUMBER_START
                        or end + _NEAR_END <= len(buf)
                    )
                    and end - pos <= limit
                    and (char != '"' or end - pos <= reader.max_string_size)
                ):
                    reader.pos = end
                    obj = _reread(buf, pos, end)
                del _value
        if obj is _NOTHING:
            element_start = reader.offset + pos if start is None else start
            obj = await _read_value(reader, depth, element_start, limit)
        if pattern is None:
            pattern, pattern_cut = _boundary_pattern(obj)
            pattern_start = "{" if pattern_cut else ""
        try:
            add(obj)
        except JsonStreamError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise _element_error(err) from None
        del obj
        expect_value = False
        first = False
        now = clock()
        if now - reader.last_yield >= _slice(time_slice):
            await asyncio.sleep(0)
            reader.last_yield = clock()
