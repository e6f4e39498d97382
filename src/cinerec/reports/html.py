"""A small, reusable writer of self-contained HTML reports.

Every cinerec report (data inspection, model build, evaluation) is built the same way:
create a :class:`Report`, add blocks in reading order, :meth:`Report.write` it. Plots are
embedded as base64 PNG (or, for a map whose points name themselves on hover, as inline
SVG) and the stylesheet is inlined, so the single ``index.html`` works offline and
survives being copied anywhere. Jinja2 renders with autoescaping on: titles, tags and
other strings from the data can never inject markup.
"""

from __future__ import annotations

import base64
import io
import math
import numbers
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import jinja2
import matplotlib
import numpy as np
import pandas as pd
from markupsafe import Markup, escape
from matplotlib.figure import Figure

from cinerec import __version__
from cinerec.atomic import atomic_file

REPORT_FILE = "index.html"
#: Plots are rendered at this resolution and shown at CSS size, so they stay sharp on
#: high-density screens.
FIGURE_DPI = 150
_CSS_DPI = 96
#: SVG user units (points) per inch.
_SVG_DPI = 72
MISSING = "—"
#: Radius, in points, of the invisible circle that shows a map point's title on hover.
HOVER_RADIUS = 3.0
#: Text is drawn as written: a "$" in a title or tag never starts mathtext, not even in
#: the tick labels matplotlib makes while it draws.
_RENDER_STYLE = {"text.parse_math": False}


@dataclass(frozen=True)
class Heading:
    kind: ClassVar[str] = "heading"
    text: str
    level: int
    anchor: str


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    text: str


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    caption: str | None
    row_headers: bool = False


@dataclass(frozen=True)
class KeyValues:
    kind: ClassVar[str] = "key_values"
    items: tuple[tuple[str, str], ...]
    caption: str | None


@dataclass(frozen=True)
class EmbeddedFigure:
    kind: ClassVar[str] = "figure"
    data_uri: str
    width: int
    height: int
    caption: str | None
    alt: str


@dataclass(frozen=True)
class InlineFigure:
    kind: ClassVar[str] = "svg"
    markup: Markup
    caption: str | None
    alt: str


@dataclass(frozen=True)
class Estimate:
    """A table cell holding a mean and its 95% interval: shown as the value with
    ``low–high`` in small type beneath it. ``signed`` writes ``+`` before positive
    numbers (for differences) and the interval as ``[low, high]``."""

    value: float
    low: float
    high: float
    signed: bool = False


@dataclass(frozen=True)
class Hover:
    """Titles shown when the pointer rests on points of a figure's first axes:
    ``points`` ``(n, 2)`` in data coordinates, one title each."""

    points: np.ndarray
    titles: Sequence[str]


Block = Heading | Paragraph | Table | KeyValues | EmbeddedFigure | InlineFigure
TableData = pd.DataFrame | Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]]


class Report:
    """An HTML report assembled block by block, written as one self-contained file.

    >>> report = Report("Data inspection: ml-100k")
    >>> report.add_heading("Overview")
    >>> report.add_key_values({"users": 943, "movies": 1682})
    >>> path = report.write(directory)  # doctest: +SKIP
    """

    def __init__(self, title: str, subtitle: str | None = None):
        self.title = title
        self.subtitle = subtitle
        self.blocks: list[Block] = []

    def add_heading(self, text: str, level: int = 2) -> None:
        """A section heading; level-2 headings also appear in the table of contents."""
        if level not in (2, 3):
            raise ValueError(f"heading level must be 2 or 3, not {level}")
        taken = {block.anchor for block in self.blocks if isinstance(block, Heading)}
        self.blocks.append(Heading(text, level, _unique_anchor(text, taken)))

    def add_paragraph(self, text: str) -> None:
        self.blocks.append(Paragraph(text))

    def add_table(self, data: TableData, caption: str | None = None, *,
                  columns: Sequence[str] | None = None, row_headers: bool = False) -> None:
        """A table from a DataFrame (its columns, not its index), a list of mappings
        (keys of the first become the columns) or a list of rows with ``columns``.

        Numbers get thousands separators and numeric columns are right-aligned;
        :class:`Estimate` cells show their interval beneath the value. With
        ``row_headers`` the first cell of each row names the row and stays on one line.
        """
        header, rows = _table_rows(data, columns)
        cells_by_column = [[row[i] for row in rows] for i in range(len(header))]
        formatted = [format_column(cells) for cells in cells_by_column]
        self.blocks.append(Table(
            columns=tuple(str(c) for c in header),
            rows=tuple(zip(*formatted, strict=True)) if rows else (),
            numeric=tuple(_is_numeric_column(cells) for cells in cells_by_column),
            caption=caption,
            row_headers=row_headers,
        ))

    def add_key_values(self, items: Mapping[str, Any], caption: str | None = None) -> None:
        """Headline figures shown as a row of cards (label above a large value)."""
        self.blocks.append(KeyValues(tuple((str(k), format_value(v)) for k, v in items.items()), caption))

    def add_figure(self, figure: Figure, caption: str | None = None, alt: str = "") -> None:
        """Embed ``figure`` as a PNG and release it (the figure must not be reused).

        ``alt`` describes the plot for screen readers and when images are off;
        it defaults to the caption.
        """
        png = figure_to_png(figure)
        width, height = _png_size(png)
        scale = _CSS_DPI / FIGURE_DPI
        self.blocks.append(EmbeddedFigure(
            data_uri="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
            width=round(width * scale),
            height=round(height * scale),
            caption=caption,
            alt=alt or caption or "",
        ))

    def add_hover_figure(self, figure: Figure, hover: Hover, caption: str | None = None, alt: str = "") -> None:
        """Embed ``figure`` as inline SVG in which each of ``hover``'s points shows its
        title when the pointer rests on it (an image cannot: its titles would be dead
        pixels), and release the figure."""
        self.blocks.append(InlineFigure(figure_to_svg(figure, hover), caption, alt or caption or ""))

    def render(self) -> str:
        """The report as an HTML document."""
        contents = [block for block in self.blocks if isinstance(block, Heading) and block.level == 2]
        return _environment().get_template("report.html").render(
            title=self.title,
            subtitle=self.subtitle,
            blocks=self.blocks,
            contents=contents,
            generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
            version=__version__,
        )

    def write(self, directory: str | Path) -> Path:
        """Write ``directory/index.html`` atomically (temp file, then rename) and return its path.

        A reader never sees a half-written report, and a failed write leaves the previous
        report in place.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / REPORT_FILE
        html = self.render()
        with atomic_file(target, "w", encoding="utf-8") as stream:
            stream.write(html)
        return target


def format_value(value: Any) -> str:
    """How a cell reads in a report or terminal table: ``12,345``, ``3.53``, ``—`` for missing."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value.is_integer() and abs(value) >= 1:
            return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return str(value)


def format_column(cells: Sequence[Any]) -> list[str]:
    """Format one table column; fractional numbers (and :class:`Estimate` values) share
    one number of decimals so that they line up (``3.80`` under ``4.36``), chosen for
    three significant digits of the largest value."""
    fractional = [abs(value) for value in map(_fraction, cells) if value is not None]
    if not fractional and not any(isinstance(c, Estimate) for c in cells):
        return [format_value(c) for c in cells]
    largest = max(fractional, default=0.0)
    decimals = min(4, max(0, 2 - math.floor(math.log10(largest)))) if largest else 2
    return [_format_fixed(c, decimals) for c in cells]


def _fraction(cell: Any) -> float | None:
    """The cell's value if it is a finite, fractional float or any finite estimate."""
    value = cell.value if isinstance(cell, Estimate) else cell
    if not isinstance(value, (float, np.floating)) or _is_missing(value) or not math.isfinite(value):
        return None
    return None if float(value).is_integer() and not isinstance(cell, Estimate) else float(value)


def _format_fixed(cell: Any, decimals: int) -> str:
    """One cell of a column with ``decimals`` decimals; an estimate as its value over its interval."""
    if isinstance(cell, Estimate):
        if not math.isfinite(cell.value):
            return MISSING
        sign = "+" if cell.signed else ""
        value = f"{cell.value:{sign},.{decimals}f}"
        if not (math.isfinite(cell.low) and math.isfinite(cell.high)):
            return value
        low, high = f"{cell.low:{sign},.{decimals}f}", f"{cell.high:{sign},.{decimals}f}"
        interval = f"[{low}, {high}]" if cell.signed else f"{low}–{high}"  # a dash between signs would read as minus
        return Markup('{}<span class="interval">{}</span>').format(value, interval)
    if isinstance(cell, (float, np.floating)) and not _is_missing(cell) and math.isfinite(cell):
        return f"{float(cell):,.{decimals}f}"
    return format_value(cell)


def figure_to_png(figure: Figure) -> bytes:
    """Render ``figure`` to PNG bytes, then release it."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(_RENDER_STYLE):
        figure.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight", facecolor="white")
    _release(figure)
    return buffer.getvalue()


def figure_to_svg(figure: Figure, hover: Hover) -> Markup:
    """Render ``figure`` as SVG markup to inline in HTML, with an invisible circle over
    each of ``hover``'s points carrying its title (escaped), then release the figure.

    The figure keeps its full size (no tight bounding box), so a point's place in the
    figure, as a fraction of its width and height, is its place in the SVG.
    """
    buffer = io.StringIO()
    with matplotlib.rc_context(_RENDER_STYLE):
        figure.savefig(buffer, format="svg", dpi=FIGURE_DPI, facecolor="white", metadata={"Date": None})
    axes = figure.axes[0]
    fractions = figure.transFigure.inverted().transform(axes.transData.transform(np.asarray(hover.points, float)))
    width, height = figure.get_size_inches() * _SVG_DPI
    _release(figure)
    circles = "".join(f'<circle cx="{x * width:.1f}" cy="{(1 - y) * height:.1f}" r="{HOVER_RADIUS:g}">'
                      f"<title>{escape(title)}</title></circle>"
                      for (x, y), title in zip(fractions, hover.titles, strict=True))
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):svg.rindex("</svg>")]  # no XML prologue inside HTML
    svg = re.sub(r'width="[\d.]+pt" height="[\d.]+pt"',
                 f'width="{width * _CSS_DPI / _SVG_DPI:.0f}" height="{height * _CSS_DPI / _SVG_DPI:.0f}"', svg, count=1)
    return Markup(f'{svg}<g class="hover">{circles}</g></svg>')


def _release(figure: Figure) -> None:
    """Free a rendered figure, so a long report does not hold every plot in memory."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:  # only figures made through pyplot are registered there
        pyplot.close(figure)
    figure.clear()


def _png_size(png: bytes) -> tuple[int, int]:
    """Pixel width and height from the PNG header (IHDR is always the first chunk)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _table_rows(data: TableData, columns: Sequence[str] | None) -> tuple[list[Any], list[list[Any]]]:
    if isinstance(data, pd.DataFrame):
        header = list(columns) if columns is not None else [str(c) for c in data.columns]
        return header, [list(row) for row in data.itertuples(index=False, name=None)]
    rows = list(data)
    if rows and isinstance(rows[0], Mapping):
        header = list(columns) if columns is not None else list(rows[0].keys())
        return header, [[row.get(key) for key in header] for row in rows]  # type: ignore[union-attr]
    if columns is None:
        raise ValueError("add_table needs `columns` when rows are plain sequences")
    return list(columns), [list(row) for row in rows]


def _is_missing(value: Any) -> bool:
    return value is None or (np.ndim(value) == 0 and not isinstance(value, str) and bool(pd.isna(value)))


def _is_numeric_column(cells: Iterable[Any]) -> bool:
    present = [c for c in cells if not _is_missing(c)]
    return bool(present) and all(isinstance(c, Estimate) or (isinstance(c, numbers.Real) and not isinstance(c, bool))
                                 for c in present)


def _unique_anchor(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    anchor, suffix = base, 2
    while anchor in taken:
        anchor, suffix = f"{base}-{suffix}", suffix + 1
    return anchor


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("cinerec.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
