"""Content-Encoding undone in bounded steps, however many layers a server stacks.

httpx decodes a whole received chunk per layer at once, so ``gzip, gzip`` of
1.8 KB on the wire becomes a gigabyte in memory before any byte limit is
seen. Here every layer hands on at most :data:`STEP` bytes at a time and the
caller counts decoded bytes as they are produced, so the limit holds on what
is decoded, whatever the number of layers.
"""

from __future__ import annotations

import zlib
from typing import Iterator

STEP = 64 * 1024  # most bytes one layer hands on per step
CODINGS = ("gzip", "x-gzip", "deflate", "identity")
ACCEPTED = "gzip, deflate"  # what we ask servers for: the codings undone here


class BadEncoding(Exception):
    """The body is not what its Content-Encoding says (or names a coding we do not undo)."""


class _Layer:
    """One coding layer: zlib with a cap on the output of each call."""

    def __init__(self, coding: str):
        self.coding = coding
        self._inflate = None

    def _start(self, data: bytes):
        if self.coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is zlib-wrapped by the standard, raw in some servers' practice
        wrapped = data[:1] == b"\x78"
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def pieces(self, data: bytes) -> Iterator[bytes]:
        if self._inflate is None:
            if not data:
                return
            self._inflate = self._start(data)
        while True:
            try:
                out = self._inflate.decompress(data, STEP)
            except zlib.error as exc:
                raise BadEncoding(f"{self.coding}: {exc}") from None
            data = self._inflate.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < STEP:
                return


class BoundedDecoder:
    """Undo ``Content-Encoding`` layers; :meth:`decode` yields pieces of at most STEP bytes."""

    def __init__(self, content_encoding: str):
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        unknown = [c for c in codings if c not in CODINGS]
        if unknown:
            raise BadEncoding(f"unsupported Content-Encoding {', '.join(unknown)}")
        # the last coding named was applied last: it is undone first
        self.layers = [_Layer(c) for c in reversed(codings) if c != "identity"]

    def decode(self, chunk: bytes) -> Iterator[bytes]:
        yield from self._through(0, chunk)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self.layers):
            if data:
                yield data
            return
        for piece in self.layers[index].pieces(data):
            yield from self._through(index + 1, piece)
