"""Fast parsing of delimited text that still points at the offending line.

Ratings files have up to 32 million lines, so they are parsed by ``pyarrow.csv`` with
explicit column types, never line by line in Python. pyarrow reports a bad row
only when it parses on one thread, so a failed read is repeated single-threaded to
learn the row, and the row is mapped back to a physical line (pyarrow skips blank
lines when counting). The slow path runs only when there is an error to report.
"""

from __future__ import annotations

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

UTF8 = "utf8"
LATIN1 = "latin1"


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
        """Column ``name`` as a numpy array, refusing a missing value with its line."""
        column = self.table.column(name)
        if column.null_count:
            row = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
            raise self.error(row, f"missing {name}")
        return column.to_numpy().astype(dtype, copy=False)

    def strings(self, name: str) -> list[str]:
        """Column ``name`` as Python strings (for small tables such as catalogues)."""
        return self.table.column(name).to_pylist()

    def line_of(self, row: int) -> int:
        """The 1-based physical line (counting the header) that row ``row`` came from."""
        data = self.data if self.data is not None else self.path.read_bytes()
        return physical_line(data, row + 1 + self.header_lines)

    def error(self, row: int, message: str) -> DataError:
        return DataError(message, self.path, self.line_of(row))


def release_file(folder: Path, name: str, release_format: str) -> Path:
    """``folder / name``, or a DataError saying the release lacks that file."""
    path = folder / name
    if not path.is_file():
        raise DataError(f"{release_format} folder has no {name}", folder)
    return path


def physical_line(data: bytes, counted_line: int) -> int:
    """Map pyarrow's row number (1-based, blank lines not counted) to a physical line.

    Lines end in ``\n`` (``\r\n`` too); for a file with old Mac ``\r`` endings the
    row number is the best answer available and is returned as it is.
    """
    buffer = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buffer == ord("\n"))
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [buffer.size]))
    lengths = ends - starts
    carriage_return = np.zeros(lengths.size, dtype=bool)
    carriage_return[lengths > 0] = buffer[ends[lengths > 0] - 1] == ord("\r")
    non_blank = np.flatnonzero(lengths - carriage_return > 0)
    if counted_line - 1 >= non_blank.size:
        return counted_line
    return int(non_blank[counted_line - 1]) + 1


def header_fields(path: Path, delimiter: str) -> list[str]:
    """The first line of ``path`` split on ``delimiter`` (quotes honoured), stripped."""
    with path.open("rb") as handle:
        first = handle.readline().decode("utf-8", errors="replace").lstrip("\ufeff")
    return [name.strip() for name in next(csv.reader([first], delimiter=delimiter), [])]


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
    kept, with exactly those types. Any row pyarrow cannot parse or convert becomes a
    :class:`DataError` naming the file and line.
    """
    def parse(use_threads: bool) -> pa.Table:
        source = io.BytesIO(data) if data is not None else str(path)
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=list(names), skip_rows=header_lines, encoding=encoding,
                                           use_threads=use_threads),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"' if quoted else False),
            convert_options=pacsv.ConvertOptions(column_types=dict(types), include_columns=list(types),
                                                 strings_can_be_null=False),
        )

    try:
        table = parse(use_threads=True)
    except pa.ArrowInvalid as first_error:
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
    raw = path.read_bytes()
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
    row = _ROW_NUMBER.search(text)
    line = None
    if row is not None:
        line = physical_line(data if data is not None else path.read_bytes(), int(row.group(1)))
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
        kind = "a whole number" if target.startswith(("int", "uint")) else "a number"
        return f"{column}: {value!r} is not {kind}"
    return f"unreadable line ({text.splitlines()[0]})"
