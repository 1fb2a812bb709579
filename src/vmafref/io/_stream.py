"""A byte source over a path, standard input or a binary file object.

It reads exactly as many bytes as asked for (pipes return short reads), can push back the
few bytes read to sniff the format on streams that cannot seek, and knows how many bytes
remain when the underlying file can seek. See specs/io.md §4.
"""

from __future__ import annotations

import io
import os
import sys

__all__ = ["ByteSource", "open_source"]


class ByteSource:
    """Sequential reader over a binary stream with an optional pushed-back prefix."""

    def __init__(self, stream, name: str, *, owns_stream: bool):
        self._stream = stream
        self.name = name
        self._owns_stream = owns_stream
        self._prefix = b""
        try:
            self.seekable = bool(stream.seekable())
        except (AttributeError, OSError, ValueError):
            self.seekable = False

    def push_back(self, data: bytes) -> None:
        self._prefix = bytes(data) + self._prefix

    def read_into(self, view: memoryview) -> int:
        """Fill ``view`` as far as the data goes; return the number of bytes written."""
        view = view.cast("B")
        filled = 0
        if self._prefix:
            take = min(len(self._prefix), len(view))
            view[:take] = self._prefix[:take]
            self._prefix = self._prefix[take:]
            filled = take
        readinto = getattr(self._stream, "readinto", None)
        while filled < len(view):
            if readinto is not None:
                got = readinto(view[filled:])
            else:
                chunk = self._stream.read(len(view) - filled)
                got = len(chunk) if chunk else 0
                view[filled:filled + got] = chunk if chunk else b""
            if not got:
                break
            filled += got
        return filled

    def read(self, size: int) -> bytes:
        buffer = bytearray(size)
        got = self.read_into(memoryview(buffer))
        return bytes(buffer[:got])

    def read_line(self, limit: int) -> tuple[bytes, bool]:
        """Read up to and including ``\\n``, at most ``limit`` bytes.

        Returns ``(line_without_newline, found_newline)``; ``found_newline`` is False at end
        of data or when ``limit`` bytes came without a newline.
        """
        line = bytearray()
        while len(line) < limit:
            byte = self.read(1)
            if not byte:
                return bytes(line), False
            if byte == b"\n":
                return bytes(line), True
            line += byte
        return bytes(line), False

    def tell(self) -> int:
        return self._stream.tell() - len(self._prefix)

    def seek(self, offset: int) -> None:
        self._prefix = b""
        self._stream.seek(offset)

    def size(self) -> int | None:
        """Total size in bytes when the stream can seek, else None."""
        if not self.seekable:
            return None
        try:
            fileno = self._stream.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            fileno = None
        if fileno is not None:
            return os.fstat(fileno).st_size
        here = self._stream.tell()
        end = self._stream.seek(0, io.SEEK_END)
        self._stream.seek(here)
        return end

    def remaining(self) -> int | None:
        size = self.size()
        return None if size is None else size - self.tell()

    def close(self) -> None:
        if self._owns_stream:
            self._stream.close()


def open_source(source) -> ByteSource:
    """Open a path (``"-"`` is standard input) or wrap a binary file object."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if path == "-":
            return ByteSource(sys.stdin.buffer, "<stdin>", owns_stream=False)
        stream = open(path, "rb")  # noqa: SIM115 -- closed by ByteSource.close
        is_regular = os.path.isfile(path)
        source_obj = ByteSource(stream, path, owns_stream=True)
        if not is_regular:
            source_obj.seekable = False
        return source_obj
    if hasattr(source, "readinto") or hasattr(source, "read"):
        name = getattr(source, "name", None)
        return ByteSource(source, str(name) if isinstance(name, (str, os.PathLike)) else "<stream>",
                          owns_stream=False)
    raise TypeError(f"expected a path, '-' or a binary file object, got {type(source).__name__}")
