"""Small, consistently styled plots for reports.

Figures are built directly on matplotlib's Agg canvas, never through ``pyplot``: no
display is needed, no global backend is switched under the user's feet, and no figure
lingers in pyplot's registry. Each helper returns a :class:`~matplotlib.figure.Figure`
for :meth:`cinerec.reports.Report.add_figure`, which renders and releases it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

ACCENT = "#2f6f8f"
MUTED = "#616e7c"
WIDTH_INCHES = 7.5
HEIGHT_INCHES = 3.4
#: Beyond this many categories, or with long labels, bars are laid out horizontally.
MAX_VERTICAL_BARS = 12
MAX_VERTICAL_LABEL = 8

_STYLE = {
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.edgecolor": "#9aa5b1",
    "axes.labelcolor": "#1f2933",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e4e7eb",
    "grid.linewidth": 0.8,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
}
_THOUSANDS = FuncFormatter(lambda value, _position: f"{value:,.0f}")


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str,
              value_label: str = "count", category_label: str | None = None,
              horizontal: bool | None = None) -> Figure:
    """Bars for categories, in the order given, each labelled with its value.

    ``horizontal`` defaults to True when there are many categories or long names, so
    that every label stays legible.
    """
    labels = [str(label) for label in labels]
    values = np.asarray(values, dtype=float)
    if horizontal is None:
        horizontal = len(labels) > MAX_VERTICAL_BARS or max(map(len, labels), default=0) > MAX_VERTICAL_LABEL
    if horizontal:
        size = (WIDTH_INCHES, max(1.8, 0.28 * len(labels) + 1.0))
    else:
        size = (min(WIDTH_INCHES, 0.6 * len(labels) + 2.5), HEIGHT_INCHES)
    with _styled():
        figure, axes = _new_figure(*size)
        positions = np.arange(len(labels))
        if horizontal:
            bars = axes.barh(positions, values, color=ACCENT, height=0.7)
            axes.set_yticks(positions, labels)
            axes.invert_yaxis()  # first category on top, as in a table
            _count_axis(axes.xaxis)
            axes.grid(axis="y", visible=False)
            axes.set_xlabel(value_label)
            if category_label:
                axes.set_ylabel(category_label)
            axes.margins(x=0.12)
        else:
            bars = axes.bar(positions, values, color=ACCENT, width=0.7)
            axes.set_xticks(positions, labels)
            _count_axis(axes.yaxis)
            axes.grid(axis="x", visible=False)
            axes.set_ylabel(value_label)
            if category_label:
                axes.set_xlabel(category_label)
            axes.margins(y=0.12)
        axes.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=2, fontsize=7.5, color=MUTED)
        axes.set_title(title)
    return figure


def log_histogram(values: Sequence[float] | np.ndarray, *, title: str, value_label: str,
                  count_label: str = "count", bins_per_decade: int = 8) -> Figure:
    """Histogram of positive values with logarithmic bins and both axes on log scale,
    the honest picture of a long tail; the median is marked. Values ≤ 0 are left out
    (callers say how many)."""
    values = np.asarray(values, dtype=float)
    values = values[values > 0]
    with _styled():
        figure, axes = _new_figure(WIDTH_INCHES, HEIGHT_INCHES)
        axes.set_title(title)
        axes.set_xlabel(value_label)
        axes.set_ylabel(count_label)
        if values.size == 0:
            axes.text(0.5, 0.5, "nothing to show", transform=axes.transAxes, ha="center", color=MUTED)
            return figure
        axes.hist(values, bins=_log_bins(values, bins_per_decade), color=ACCENT, edgecolor="white", linewidth=0.5)
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_ylim(bottom=0.7)  # a bin holding one item stays visible
        for axis in (axes.xaxis, axes.yaxis):
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(_THOUSANDS)
            axis.set_minor_formatter(NullFormatter())
        median = float(np.median(values))
        axes.axvline(median, color="#c05621", linewidth=1.2, linestyle="--")
        axes.annotate(f"median {median:,.0f}", xy=(median, 1), xycoords=("data", "axes fraction"),
                      xytext=(4, -12), textcoords="offset points", color="#c05621", fontsize=8,
                      bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    return figure


def _count_axis(axis: matplotlib.axis.Axis) -> None:
    """Whole-number ticks with thousands separators: no "0, 0, 1, 1" for small counts."""
    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(_THOUSANDS)


def _log_bins(values: np.ndarray, bins_per_decade: int) -> np.ndarray:
    """Logarithmically spaced bin edges; for whole numbers (counts) the edges are
    whole too, so that no bin falls between two integers and shows as a gap."""
    low, high = np.log10(values.min()), np.log10(values.max())
    n_bins = max(1, int(np.ceil((high - low) * bins_per_decade)))
    edges = np.logspace(low, high, n_bins + 1)
    if np.all(values == np.round(values)):
        edges = np.unique(np.concatenate([np.ceil(edges[:-1]), [values.max() + 1]]))
    else:
        edges[-1] = np.nextafter(edges[-1], np.inf)
    return edges


@contextmanager
def _styled() -> Iterator[None]:
    with matplotlib.rc_context(_STYLE):
        yield


def _new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def line_chart(x: Sequence[float] | np.ndarray, series: dict[str, Sequence[float] | np.ndarray], *, title: str,
               x_label: str, y_label: str = "", marker_x: float | None = None) -> Figure:
    """One or more lines over a shared x axis; ``marker_x`` draws a dashed line at a chosen x."""
    with _styled():
        figure, axes = _new_figure(WIDTH_INCHES, HEIGHT_INCHES)
        for name, values in series.items():
            axes.plot(np.asarray(x), np.asarray(values, dtype=float), marker="o", markersize=3.5, label=name)
        if marker_x is not None:
            axes.axvline(marker_x, color="#c05621", linewidth=1.2, linestyle="--")
        axes.set_title(title)
        axes.set_xlabel(x_label)
        if y_label:
            axes.set_ylabel(y_label)
        if len(series) > 1 or y_label == "":
            axes.legend(frameon=False)
    return figure


def scatter_2d(points: np.ndarray, groups: Sequence[str], *, title: str, max_groups: int = 10,
               annotations: dict[int, str] | None = None) -> Figure:
    """A 2-D scatter coloured by group; the ``max_groups`` largest groups get their own colour.
    ``annotations`` names a few points (index → text), e.g. well-known movies as landmarks."""
    points = np.asarray(points, dtype=float)
    groups = np.asarray([str(g) for g in groups], dtype=object)
    names, counts = np.unique(groups, return_counts=True)
    shown = list(names[np.argsort(-counts, kind="stable")][:max_groups])
    with _styled():
        figure, axes = _new_figure(WIDTH_INCHES, WIDTH_INCHES * 0.62)
        others = ~np.isin(groups, shown)
        if others.any():
            axes.scatter(points[others, 0], points[others, 1], s=4, color="#cbd2d9", label="other", linewidths=0)
        palette = matplotlib.colormaps["tab10"]
        for i, name in enumerate(shown):
            members = groups == name
            axes.scatter(points[members, 0], points[members, 1], s=5, color=palette(i % 10), label=name,
                         linewidths=0, alpha=0.8)
        for index, text in (annotations or {}).items():
            axes.annotate(text, points[index], xytext=(3, 3), textcoords="offset points", fontsize=6.5,
                          color="#1f2933")
        axes.set_title(title)
        axes.set_xticks([])
        axes.set_yticks([])
        axes.legend(frameon=False, fontsize=7, markerscale=2.5, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


def grouped_bar_chart(categories: Sequence[str], series: dict[str, Sequence[float] | np.ndarray], *, title: str,
                      value_label: str, category_label: str | None = None, value_format: str = "{:.3f}") -> Figure:
    """Bars of fractional values (scores, rates) for categories, one bar per series
    side by side within each category; with one series, each bar is labelled with its
    value. Unlike :func:`bar_chart`, values are not counts: axes and labels keep decimals."""
    categories = [str(c) for c in categories]
    positions = np.arange(len(categories))
    width = 0.8 / max(len(series), 1)
    palette = matplotlib.colormaps["tab20"]
    with _styled():
        figure, axes = _new_figure(WIDTH_INCHES, HEIGHT_INCHES + 0.6)
        for i, (name, values) in enumerate(series.items()):
            color = ACCENT if len(series) == 1 else palette(i % 20)
            bars = axes.bar(positions + (i - (len(series) - 1) / 2) * width, np.asarray(values, dtype=float),
                            width=width * 0.95, color=color, label=name)
            if len(series) == 1:
                axes.bar_label(bars, labels=[value_format.format(v) if np.isfinite(v) else "" for v in values],
                               padding=2, fontsize=7.5, color=MUTED)
        long_labels = max(map(len, categories), default=0) > MAX_VERTICAL_LABEL
        axes.set_xticks(positions, categories, rotation=30 if long_labels else 0, ha="right" if long_labels else "center")
        axes.grid(axis="x", visible=False)
        axes.set_ylabel(value_label)
        if category_label:
            axes.set_xlabel(category_label)
        axes.margins(y=0.12)
        if len(series) > 1:
            axes.legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
        axes.set_title(title)
    return figure
