"""Fast parsing of delimited text that still points at the offending line.

Ratings files have up to 32 million lines, so they are parsed by ``pyarrow.csv`` with
explicit column types, never line by line in Python. pyarrow reports a bad row
only when it parses on one thread, so a failed read is repeated single-threaded to
learn the row, and the row is mapped back to a physical line (pyarrow skips blank
lines when counting). The slow path runs only when there is an error to report.

Before parsing, the first few kilobytes of a file are looked at once: a file saved as
UTF-16 or UTF-32 (a spreadsheet's "Unicode text") is read through a UTF-8 copy, and a
file of binary data (an image, a compressed file renamed) is refused by name instead
of failing on its header or its "lines".
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from cinerec.errors import DataError

#: Bytes that may stand in for a two-character ``::`` separator, tried in order.
_SEPARATOR_STAND_INS = (b"\x1f", b"\x1e", b"\x1d", b"\x1c")
_ROW_NUMBER = re.compile(r"Row #(\d+)")
_COLUMN_COUNT = re.compile(r"Expected (\d+) columns, got (\d+)")
_CONVERSION = re.compile(r"In CSV column #(\d+): .*conversion error to (\w+): invalid (?:value '(.*)'|UTF8)", re.DOTALL)
_WHOLE_NUMBER = re.compile(r"[-+]?\d+")
_LINE_BREAK = re.compile(r"\r\n?|\n")
#: What pyarrow says when one line does not fit in a parse block.
_STRADDLING = "straddling object straddles two block boundaries"
#: What it says for a file that is its header without a line break after it (no rows).
_HEADER_ONLY = "Could not skip initial"

UTF8 = "utf8"
LATIN1 = "latin1"
#: How much of a file's start is looked at to tell its encoding, or binary data, from text.
SNIFF_BYTES = 4096
#: pyarrow parses in blocks of this size; a line longer than a block cannot be parsed (nor
#: be a MovieLens row, which is at most a few hundred bytes).
BLOCK_BYTES = pacsv.ReadOptions().block_size
#: The longest first line read as a header; a MovieLens header is under 100 bytes.
HEADER_BYTES = 64 * 1024
#: Byte-order marks of the Unicode encodings besides UTF-8, longest first (UTF-32 LE starts like UTF-16 LE).
_BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
#: Starts of binary files people mistake for (or rename to) a MovieLens file.
_BINARY_KINDS = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"PK\x03\x04": "a zip archive",
                 b"\x1f\x8b": "a gzip-compressed file", b"PAR1": "a Parquet file"}


@dataclass(frozen=True)
class TextTable:
    """A parsed file plus what is needed to name one of its lines in an error.

    ``table`` holds the requested columns; row ``i`` came from the ``i``-th non-blank
    line after ``header_lines`` header lines.
    """

    path: Path
    table: pa.Table
    header_lines: int
    data: bytes | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return self.table.num_rows

    def numbers(self, name: str, dtype: type[np.generic]) -> np.ndarray:
        """Column ``name`` as a numpy array, refusing a missing value with its line, and
        a number read as a float (RecBole's timestamps) that no ``dtype`` integer holds."""
        column = self.table.column(name)
        if column.null_count:
            row = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
            raise self.error(row, f"missing {name}")
        values = column.to_numpy()
        if np.issubdtype(values.dtype, np.floating) and np.issubdtype(dtype, np.integer):
            limits = np.iinfo(dtype)
            outside = np.flatnonzero(~((values >= limits.min) & (values <= limits.max)))  # NaN too
            if outside.size:
                raise self.error(int(outside[0]), f"{name} {values[outside[0]]:g} is not a whole number "
                                                  f"from {limits.min:,} to {limits.max:,}")
        return values.astype(dtype, copy=False)

    def strings(self, name: str) -> list[str]:
        """Column ``name`` as Python strings (for small tables such as catalogues); a NUL
        byte past the start a reader sniffs means a damaged file, not text, and is refused."""
        values = self.table.column(name).to_pylist()
        if (row := next((row for row, value in enumerate(values) if value and "\0" in value), None)) is not None:
            raise self.error(row, "binary data (a NUL byte), not MovieLens text")
        return values

    def line_of(self, row: int) -> int:
        """The 1-based physical line (counting the header) that row ``row`` came from."""
        data = self.data if self.data is not None else file_bytes(self.path)
        return physical_line(data, row + 1 + self.header_lines)

    def error(self, row: int, message: str) -> DataError:
        return DataError(message, self.path, self.line_of(row))


def release_file(folder: Path, name: str, release_format: str) -> Path:
    """``folder / name``, or a DataError saying the release lacks that file."""
    path = folder / name
    if path.is_dir():
        raise DataError("is a folder, not a file", path)
    if not path.is_file():
        raise DataError(f"{release_format} folder has no {name}", folder)
    return path


def file_bytes(path: Path) -> bytes:
    """The bytes of text file ``path``, as UTF-8 when it was saved as UTF-16 or UTF-32
    (other files as they are: UTF-8 or a legacy encoding); DataError for binary data."""
    raw = path.read_bytes()
    encoding = _unicode_encoding(raw[:SNIFF_BYTES], path)
    return raw if encoding is None else _as_utf8(raw, encoding, path)


def needs_transcoding(path: Path) -> bool:
    """Whether ``path`` is UTF-16 or UTF-32 text (read through :func:`file_bytes`);
    looks only at the file's start, and refuses binary data."""
    with path.open("rb") as handle:
        return _unicode_encoding(handle.read(SNIFF_BYTES), path) is not None


def _unicode_encoding(head: bytes, path: Path) -> str | None:
    """The codec for a file starting with ``head`` when it is not UTF-8 or a legacy 8-bit
    encoding: UTF-16/32 by its byte-order mark, or UTF-16 without one by its NUL bytes
    (every other byte, as ASCII text in UTF-16 has). Other NUL bytes mean binary data."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return encoding
    if b"\0" not in head:
        return None
    pairs = head[: len(head) // 2 * 2]
    low, high = pairs[0::2], pairs[1::2]
    if b"\0" not in low and high.count(0) * 2 >= len(high):
        return "utf-16-le"
    if b"\0" not in high and low.count(0) * 2 >= len(low):
        return "utf-16-be"
    kind = next((kind for start, kind in _BINARY_KINDS.items() if head.startswith(start)), None)
    if kind is not None:
        raise DataError(f"{kind}, not MovieLens text", path, 1)
    raise DataError("binary data (a NUL byte), not MovieLens text", path, head[: head.index(0)].count(b"\n") + 1)


def _as_utf8(raw: bytes, encoding: str, path: Path) -> bytes:
    """``raw`` decoded from ``encoding`` and encoded as UTF-8, or a DataError at the bad line."""
    try:
        return raw.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise DataError(f"invalid {encoding[:6].upper()} text ({exc.reason}); save the file as UTF-8",
                        path, line) from None


def _line_spans(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of every line of ``data`` (ends exclude the ``\n``)."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buffer == ord("\n"))
    return np.concatenate(([0], newlines + 1)), np.concatenate((newlines, [buffer.size]))


def physical_line(data: bytes, counted_line: int) -> int:
    """Map pyarrow's row number (1-based, blank lines not counted) to a physical line.

    Lines end in ``\n`` (``\r\n`` too); for a file with old Mac ``\r`` endings the
    row number is the best answer available and is returned as it is.
    """
    buffer = np.frombuffer(data, dtype=np.uint8)
    starts, ends = _line_spans(data)
    lengths = ends - starts
    carriage_return = np.zeros(lengths.size, dtype=bool)
    carriage_return[lengths > 0] = buffer[ends[lengths > 0] - 1] == ord("\r")
    non_blank = np.flatnonzero(lengths - carriage_return > 0)
    if counted_line - 1 >= non_blank.size:
        return counted_line
    return int(non_blank[counted_line - 1]) + 1


def header_fields(path: Path, delimiter: str) -> list[str]:
    """The first line of ``path`` split on ``delimiter`` (quotes honoured), stripped.

    Only the first :data:`HEADER_BYTES` are read: a file whose first line is longer is
    refused, as is an empty file.
    """
    with path.open("rb") as handle:
        head = handle.read(HEADER_BYTES)
    if not head:
        raise DataError("the file is empty", path)
    encoding = _unicode_encoding(head[:SNIFF_BYTES], path)
    text = head.decode(encoding or UTF8, errors="replace")
    first = _LINE_BREAK.split(text, maxsplit=1)[0]
    if first == text and len(head) == HEADER_BYTES:
        raise _too_long(path, *(_overlong_line(file_bytes(path), HEADER_BYTES) or (1, len(head))), "header")
    return [name.strip() for name in next(csv.reader([first.lstrip("\ufeff")], delimiter=delimiter), [])]


def _overlong_line(data: bytes, limit: int) -> tuple[int, int] | None:
    """The 1-based number and byte length of the first line of ``data`` longer than ``limit``."""
    starts, ends = _line_spans(data)
    overlong = np.flatnonzero(ends - starts > limit)
    return (int(overlong[0]) + 1, int(ends[overlong[0]] - starts[overlong[0]])) if overlong.size else None


def _too_long(path: Path, line: int, length: int, what: str) -> DataError:
    """The error for a line of ``length`` bytes, too long to be a MovieLens ``what`` (row, header)."""
    return DataError(f"this line is {_size(length)} long: not a MovieLens {what}", path, line)


def _size(n_bytes: int) -> str:
    """``"10.0 MB"``, ``"70 KB"``."""
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1_000_000 else f"{n_bytes / 1e3:.0f} KB"


def read_delimited(
    path: Path,
    names: Sequence[str],
    types: Mapping[str, pa.DataType],
    *,
    delimiter: str,
    header_lines: int = 0,
    encoding: str = UTF8,
    quoted: bool = True,
    data: bytes | None = None,
) -> TextTable:
    """Parse ``path`` (or ``data``, its already-read bytes) into the columns of ``types``.

    ``names`` names every field of a line in order; only the columns in ``types`` are
    kept, with exactly those types. Only an empty field is missing ("NA" or "nan" is a
    value, refused or checked like any other). Any row pyarrow cannot parse or convert
    becomes a :class:`DataError` naming the file and line.
    """
    if data is None and needs_transcoding(path):
        data = file_bytes(path)

    def parse(use_threads: bool) -> pa.Table:
        source = io.BytesIO(data) if data is not None else str(path)
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=list(names), skip_rows=header_lines, encoding=encoding,
                                           use_threads=use_threads),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"' if quoted else False),
            convert_options=pacsv.ConvertOptions(column_types=dict(types), include_columns=list(types),
                                                 null_values=[""], strings_can_be_null=False),
        )

    try:
        table = parse(use_threads=True)
    except pa.ArrowInvalid as first_error:
        if _HEADER_ONLY in str(first_error):  # header_fields already refused a header too long to skip
            return TextTable(path, pa.schema(list(types.items())).empty_table(), header_lines, data)
        try:
            parse(use_threads=False)
        except pa.ArrowInvalid as located:
            raise _data_error(path, data, names, located) from None
        raise _data_error(path, data, names, first_error) from None
    return TextTable(path, table, header_lines, data)


def read_double_colon(path: Path, names: Sequence[str], types: Mapping[str, pa.DataType],
                      *, encoding: str | None = None) -> TextTable:
    """Parse a ``::``-separated MovieLens file (ml-1m, ml-10m).

    pyarrow only splits on one byte, so ``::`` is replaced by a control byte that the
    file does not contain; quotes are literal characters in these files. With no
    ``encoding``, text is read as UTF-8 when it decodes, else as Latin-1 (what
    GroupLens used).
    """
    raw = file_bytes(path)
    stand_in = next((byte for byte in _SEPARATOR_STAND_INS if byte not in raw), None)
    if stand_in is None:
        raise DataError("contains control characters where text was expected", path)
    return read_delimited(path, names, types, delimiter=stand_in.decode(), quoted=False,
                          encoding=encoding or guess_legacy_encoding(raw), data=raw.replace(b"::", stand_in))


def guess_legacy_encoding(raw: bytes) -> str:
    """UTF-8 if ``raw`` decodes as such, else Latin-1 (the old releases' ISO-8859-1)."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return LATIN1
    return UTF8


def _data_error(path: Path, data: bytes | None, names: Sequence[str], exc: pa.ArrowInvalid) -> DataError:
    """Turn pyarrow's message into a one-line DataError with the physical line."""
    text = str(exc)
    if _STRADDLING in text and (overlong := _overlong_line(data or file_bytes(path), BLOCK_BYTES)):
        return _too_long(path, *overlong, "row")
    row = _ROW_NUMBER.search(text)
    line = None
    if row is not None:
        line = physical_line(data if data is not None else file_bytes(path), int(row.group(1)))
    return DataError(_explain(text, names), path, line)


def _explain(text: str, names: Sequence[str]) -> str:
    if "Empty CSV file" in text:
        return "the file is empty"
    if counts := _COLUMN_COUNT.search(text):
        return f"expected {counts.group(1)} fields, found {counts.group(2)}"
    if conversion := _CONVERSION.search(text):
        column = names[int(conversion.group(1))]
        target, value = conversion.group(2), conversion.group(3)
        if value is None:
            return f"{column}: invalid UTF-8 text (this file must be UTF-8)"
        return not_a_value(column, value, target)
    return f"unreadable line ({text.splitlines()[0]})"


def not_a_value(column: str, value: str, target: str) -> str:
    """Why field ``value`` of ``column`` is not a ``target`` (a numpy type name: ``int32``,
    ``float32``…), as every reader words it."""
    whole = target.startswith(("int", "uint"))
    if whole and _WHOLE_NUMBER.fullmatch(value):
        limits = np.iinfo(target)
        bound = f"at least {limits.min:,}" if value.startswith("-") else f"at most {limits.max:,}"
        return f"{column} {_shown(value)} is out of range ({bound})"
    return f"{column}: {_shown(value)!r} is not {'a whole number' if whole else 'a number'}"


def _shown(value: str, limit: int = 40) -> str:
    """``value`` for a message: cut in the middle, with its length, when longer than ``limit``."""
    if len(value) <= limit:
        return value
    return f"{value[: limit // 2]}…{value[-limit // 4:]} ({len(value):,} characters)"
