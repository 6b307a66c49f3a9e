"""Incremental parsing of large JSON lists from a response stream.

A 20,000 movie library is about 50 MB of JSON. Parsing it in one go holds the
whole body and every decoded dict at once and blocks the event loop for a
third of a second. Here the body is decoded as it arrives, a few dozen
elements at a time; each element is handed to a projection that keeps only
the fields LCARS uses, and dropped. The loop gives control back to the event
loop every few milliseconds.

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

# The largest single element accepted. A movie is about 2.5 KB; anything this
# large is not an answer of the services LCARS talks to.
MAX_ELEMENT_SIZE = 64 * 1024 * 1024

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

# Before decoding one element the slow way, a short rest of the buffer is
# moved to the front (see `_read_array`).
_COMPACT_AFTER = 4096
_COMPACT_BELOW = 16384

# How many lists are being parsed now (see `_slice`).
_active_parsers = 0

_DECODER = json.JSONDecoder()
_orjson_loads = orjson.loads
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_START = frozenset("-0123456789")


class JsonStreamError(ValueError):
    """The body is not the JSON that was expected."""


class _Reader:
    """A text buffer over an async byte stream, refilled on demand."""

    __slots__ = (
        "_chunks",
        "_decoder",
        "_max_element_size",
        "_pending",
        "_pending_len",
        "buf",
        "eof",
        "pos",
    )

    def __init__(self, chunks: AsyncIterator[bytes], max_element_size: int) -> None:
        self._chunks = chunks
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._max_element_size = max_element_size
        self._pending: list[str] = []
        self._pending_len = 0
        self.buf = ""
        self.pos = 0
        self.eof = False

    async def more(self, want: int) -> bool:
        """Read at least `want` more characters (or to the end of the body).

        The consumed part of the buffer is dropped. Chunks are collected in a
        list and joined once, so waiting for a large element stays linear.
        Returns False when the body had nothing more to give.
        """
        while self._pending_len < want and not self.eof:
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                self.eof = True
                text = self._decode(b"", final=True)
            else:
                text = self._decode(chunk)
            if text:
                self._pending.append(text)
                self._pending_len += len(text)
        if not self._pending:
            return False
        self.buf = self.buf[self.pos :] + "".join(self._pending)
        self.pos = 0
        self._pending.clear()
        self._pending_len = 0
        return True

    def compact(self) -> None:
        """Drop the consumed part of the buffer."""
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

    async def wait_for_rest(self, err: json.JSONDecodeError | None) -> None:
        """Read more after a failed decode at `pos`, or say why it will never work."""
        available = len(self.buf) - self.pos
        if self.eof:
            if err is None or err.pos >= len(self.buf) - _NEAR_END:
                raise JsonStreamError("the body ends in the middle of a value")
            raise JsonStreamError(f"malformed JSON: {err.msg}")
        if (
            err is not None
            and err.pos < len(self.buf) - _NEAR_END
            and not err.msg.startswith("Unterminated string")
        ):
            raise JsonStreamError(f"malformed JSON: {err.msg}")
        if available > self._max_element_size:
            raise JsonStreamError(
                f"a value is larger than {self._max_element_size} characters"
            )
        # Wait for as much again as is already there, so that a large value
        # is decoded a logarithmic number of times, not once per chunk.
        want = max(1, min(available, self._max_element_size + 1 - available))
        # At the end of the body the caller decodes once more, now knowing
        # that nothing follows (a number at the very end is then complete).
        await self.more(want)

    async def value(self) -> Any:
        """Decode the complete value starting at the next non-space character."""
        while True:
            if not await self.peek():
                raise JsonStreamError("the body ends where a value was expected")
            buf = self.buf
            try:
                obj, end = _DECODER.raw_decode(buf, self.pos)
            except json.JSONDecodeError as err:
                await self.wait_for_rest(err)
                continue
            if (
                not self.eof
                and buf[self.pos] in _NUMBER_START
                and end + _NEAR_END > len(buf)
            ):
                # A number at the end of the buffer may go on in the next chunk.
                await self.wait_for_rest(None)
                continue
            obj = _reread(buf, self.pos, end)
            self.pos = end
            return obj


async def parse_json_array[T](
    chunks: AsyncIterable[bytes],
    project: Callable[[Any], T | None],
    *,
    member: str | None = None,
    max_element_size: int = MAX_ELEMENT_SIZE,
    time_slice: float = TIME_SLICE,
) -> list[T]:
    """Parse a JSON list element by element, keeping only projected values.

    With `member`, the body is an object and the list is the value of that
    member (Jellyfin's `{"Items": [...], "TotalRecordCount": N}`); the other
    members are read and dropped. `project` turns one decoded element into
    the value to keep, or None to skip it; a KeyError, TypeError or
    ValueError from it means the element does not have the expected shape.
    """
    global _active_parsers  # noqa: PLW0603  # shared by the event loop's parsers
    reader = _Reader(aiter(chunks), max_element_size)
    out: list[T] = []
    _active_parsers += 1
    try:
        first = await reader.peek()
        if member is None:
            if first != "[":
                raise JsonStreamError(_shape_error(first, "a list"))
            await _read_array(reader, project, out, time_slice)
        else:
            if first != "{":
                raise JsonStreamError(_shape_error(first, "an object"))
            await _read_member(reader, member, project, out, time_slice)
        if await reader.peek():
            raise JsonStreamError("malformed JSON: extra data after the value")
    finally:
        _active_parsers -= 1
    return out


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
    return f"expected {expected} in the body"


async def _read_member[T](
    reader: _Reader,
    member: str,
    project: Callable[[Any], T | None],
    out: list[T],
    time_slice: float,
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
            key = await reader.value()
            if await reader.peek() != ":":
                raise JsonStreamError("malformed JSON: expected ':'")
            reader.pos += 1
            if key == member and not found:
                if await reader.peek() != "[":
                    raise JsonStreamError(f"expected a list in {member}")
                await _read_array(reader, project, out, time_slice)
                found = True
            else:
                await reader.value()
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


def _boundary_pattern(element: Any) -> str | None:
    """Return the text between two elements shaped like `element` (compact JSON).

    Objects of one list start with the same member (`{"title":` for every
    movie), so `},{"title":` marks where one element ends and the next
    begins, at least in most places where it occurs.
    """
    if not isinstance(element, dict) or not element:
        return None
    first_key = next(iter(element))
    return "},{" + json.dumps(first_key, ensure_ascii=False) + ":"


async def _read_array[T](
    reader: _Reader,
    project: Callable[[Any], T | None],
    out: list[T],
    time_slice: float,
) -> None:
    """Read the list starting at `reader.pos` (on its "["), element by element.

    This is the hot loop: everything that does not need more bytes runs
    without awaiting, and the event loop gets control every `time_slice`.

    Two ways to decode elements. The fast one takes the run of complete
    elements in the buffer, up to the last place that looks like a boundary
    between two elements, and decodes it with orjson as one small list. If
    orjson accepts `[` + that run + `]`, the run is exactly a sequence of
    whole elements (a cut inside an element would leave a bracket or a
    string open), so a wrong guess can only fail, never mislead. The slow
    way decodes one element with the standard library's scanner, which
    tells where the element ends; it is used for the first element (which
    teaches the boundary pattern), when no boundary is in sight, and after a
    guess fails.
    """
    raw_decode = _DECODER.raw_decode
    skip = _WHITESPACE.match
    clock = time.perf_counter
    reader.pos += 1  # the "["
    expect_value = True
    first = True
    pattern: str | None = None
    fast_failures = 0
    # Where in which buffer boundaries are still worth looking for.
    searched = ""
    search_end = 0
    last_yield = clock()
    while True:
        buf = reader.buf
        pos = skip(buf, reader.pos).end()  # type: ignore[union-attr]
        reader.pos = pos
        if pos >= len(buf):
            if not await reader.more(1):
                raise JsonStreamError("the body ends in the middle of the list")
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
        if pattern is not None and char == "{" and fast_failures < _MAX_FAST_FAILURES:
            if buf is not searched:
                searched, search_end = buf, len(buf)
            cut = buf.rfind(pattern, pos, min(search_end, pos + _MAX_BATCH))
            if cut > pos:
                try:
                    elements = _orjson_loads("[" + buf[pos : cut + 1] + "]")
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
                            item = project(element)
                            if item is not None:
                                out.append(item)
                    except (KeyError, TypeError, ValueError, AttributeError) as err:
                        raise _element_error(err) from None
                    del elements
                    reader.pos = cut + 1
                    expect_value = False
                    first = False
                    now = clock()
                    if now - last_yield >= _slice(time_slice):
                        await asyncio.sleep(0)
                        last_yield = clock()
                    continue
        if pos > _COMPACT_AFTER and len(buf) - pos < _COMPACT_BELOW:
            # Usually the last, incomplete element of a chunk: move it to the
            # front so that the decoding error (which counts the lines before
            # it) stays cheap.
            reader.compact()
            buf, pos = reader.buf, 0
        try:
            obj, end = raw_decode(buf, pos)
        except json.JSONDecodeError as err:
            await reader.wait_for_rest(err)
            continue
        if not reader.eof and char in _NUMBER_START and end + _NEAR_END > len(buf):
            await reader.wait_for_rest(None)
            continue
        reader.pos = end
        obj = _reread(buf, pos, end)
        if pattern is None:
            pattern = _boundary_pattern(obj)
        try:
            item = project(obj)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise _element_error(err) from None
        if item is not None:
            out.append(item)
        expect_value = False
        first = False
        now = clock()
        if now - last_yield >= _slice(time_slice):
            await asyncio.sleep(0)
            last_yield = clock()
