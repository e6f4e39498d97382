"""Small, consistently styled plots for reports.

Figures are built directly on matplotlib's Agg canvas, never through ``pyplot``: no
display is needed, no global backend is switched under the user's feet, and no figure
lingers in pyplot's registry. Each helper returns a :class:`~matplotlib.figure.Figure`
for :meth:`cinerec.reports.Report.add_figure`, which renders and releases it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter, PercentFormatter
from matplotlib.transforms import Bbox

ACCENT = "#2f6f8f"
MUTED = "#616e7c"
INK = "#1f2933"
HIGHLIGHT = "#c05621"
WIDTH_INCHES = 7.5
HEIGHT_INCHES = 3.4
#: Beyond this many categories, or with long labels, bars are laid out horizontally.
MAX_VERTICAL_BARS = 12
MAX_VERTICAL_LABEL = 8
#: Landmarks on a 2-D map: at most one per cell of this grid (columns, rows) ...
LANDMARK_GRID = (5, 4)
#: ... at most this many in all ...
MAX_LANDMARKS = 12
#: ... and only points at least this renowned (a quantile of every point's renown).
LANDMARK_QUANTILE = 0.9
#: Up to this many points, a line over time also marks each point.
MARKED_POINTS = 36

_STYLE = {
    # Titles and tags from the data are drawn as written: a "$" must never start mathtext.
    "text.parse_math": False,
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
        axes.axvline(median, color=HIGHLIGHT, linewidth=1.2, linestyle="--")
        axes.annotate(f"median {median:,.0f}", xy=(median, 1), xycoords=("data", "axes fraction"),
                      xytext=(4, -12), textcoords="offset points", color=HIGHLIGHT, fontsize=8,
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
               x_label: str, y_label: str = "", marker_x: float | None = None,
               intervals: Mapping[str, np.ndarray] | None = None) -> Figure:
    """One or more lines over a shared x axis; ``marker_x`` draws a dashed line at a chosen x.

    ``intervals`` gives some series a 95% interval per point (``(n, 2)``, low and high),
    drawn as error bars. Several series are named in a legend below the axes, where it
    hides no line.
    """
    with _styled():
        figure, axes = _new_figure(WIDTH_INCHES, HEIGHT_INCHES)
        for name, values in series.items():
            values = np.asarray(values, dtype=float)
            band = (intervals or {}).get(name)
            if band is None:
                axes.plot(np.asarray(x), values, marker="o", markersize=3.5, label=name)
            else:
                axes.errorbar(np.asarray(x), values, yerr=_error_lengths(values, band), marker="o", markersize=3.5,
                              capsize=2, elinewidth=0.8, label=name)
        if marker_x is not None:
            axes.axvline(marker_x, color=HIGHLIGHT, linewidth=1.2, linestyle="--")
        if np.all(np.mod(np.asarray(x, dtype=float), 1) == 0):  # counts: no "0.5 named movies" ticks
            axes.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
        axes.set_title(title)
        axes.set_xlabel(x_label)
        if y_label:
            axes.set_ylabel(y_label)
        if len(series) > 1 or y_label == "":
            _legend_below(figure, axes)
    return figure


def _error_lengths(values: np.ndarray, band: np.ndarray) -> np.ndarray:
    """Matplotlib's ``yerr`` (``(2, n)``: below, above) from ``(n, 2)`` low/high bounds."""
    band = np.asarray(band, dtype=float).reshape(-1, 2)
    lengths = np.vstack([values - band[:, 0], band[:, 1] - values])
    return np.nan_to_num(lengths, nan=0.0).clip(min=0.0)


def _legend_below(figure: Figure, axes: Axes) -> None:
    handles, labels = axes.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), frameon=False, fontsize=7.5)


def scatter_2d(points: np.ndarray, groups: Sequence[str], *, title: str, max_groups: int = 10,
               names: Sequence[str] | None = None, renown: np.ndarray | None = None) -> Figure:
    """A 2-D scatter coloured by group; the ``max_groups`` largest groups get their own colour.

    With ``names`` and ``renown`` (one each per point), a few well-known points are
    named as landmarks: the most renowned of each region of the map, as long as its
    label overlaps no other (see :func:`_name_landmarks`). The dots are rasterised, so
    that a map of many thousand points stays small in any format.
    """
    points = np.asarray(points, dtype=float)
    groups = np.asarray([str(g) for g in groups], dtype=object)
    distinct, counts = np.unique(groups, return_counts=True)
    shown = list(distinct[np.argsort(-counts, kind="stable")][:max_groups])
    palette = matplotlib.colormaps["tab10" if len(shown) <= 10 else "tab20"]
    with _styled():
        figure, axes = _new_figure(WIDTH_INCHES, WIDTH_INCHES * 0.62)
        others = ~np.isin(groups, shown)
        if others.any():
            axes.scatter(points[others, 0], points[others, 1], s=4, color="#cbd2d9", label="other", linewidths=0,
                         rasterized=True)
        for i, name in enumerate(shown):
            members = groups == name
            axes.scatter(points[members, 0], points[members, 1], s=5, color=palette(i % palette.N), label=name,
                         linewidths=0, alpha=0.8, rasterized=True)
        axes.set_title(title)
        axes.set_xticks([])
        axes.set_yticks([])
        axes.legend(frameon=False, fontsize=7, markerscale=2.5, loc="center left", bbox_to_anchor=(1.0, 0.5))
        if names is not None and renown is not None:
            _name_landmarks(figure, axes, points, names, np.asarray(renown, dtype=float))
    return figure


def _name_landmarks(figure: Figure, axes: Axes, points: np.ndarray, names: Sequence[str], renown: np.ndarray) -> None:
    """Label the candidates of :func:`landmarks`, most renowned first, leaving out any
    label that would overlap one already placed or leave the axes; named points get a ring.

    A label on the right half of the map runs leftwards from its point, so it stays inside.
    """
    figure.draw_without_rendering()  # lay the figure out: labels are measured where they will be drawn
    renderer = figure.canvas.get_renderer()
    frame = axes.get_window_extent(renderer)
    middle = np.mean(axes.get_xlim())
    placed: list[Bbox] = []
    for index in landmarks(points, renown):
        right = points[index, 0] > middle
        label = axes.annotate(names[index], points[index], xytext=(-4 if right else 4, 3), textcoords="offset points",
                              ha="right" if right else "left", fontsize=6.5, color=INK,
                              path_effects=[patheffects.withStroke(linewidth=2.2, foreground="white")])
        label.set_in_layout(False)
        box = label.get_window_extent(renderer).padded(2)
        if not _inside(box, frame) or any(box.overlaps(other) for other in placed):
            label.remove()
            continue
        placed.append(box)
        axes.scatter(*points[index], s=16, facecolors="none", edgecolors=INK, linewidths=0.7)
        if len(placed) == MAX_LANDMARKS:
            return


def landmarks(points: np.ndarray, renown: np.ndarray) -> np.ndarray:
    """Indices of the points worth naming on a map, most renowned first: per cell of a
    :data:`LANDMARK_GRID` over the points, the most renowned point, if it reaches the
    :data:`LANDMARK_QUANTILE` of all points' renown."""
    points = np.asarray(points, dtype=float)
    grid = np.asarray(LANDMARK_GRID)
    low, high = points.min(axis=0), points.max(axis=0)
    cells = np.floor((points - low) / np.where(high > low, high - low, 1.0) * grid).clip(0, grid - 1).astype(int)
    cell = cells[:, 0] * grid[1] + cells[:, 1]
    order = np.argsort(-renown, kind="stable")
    _, first = np.unique(cell[order], return_index=True)
    best = order[np.sort(first)]
    return best[renown[best] >= np.quantile(renown, LANDMARK_QUANTILE)]


def _inside(box: Bbox, frame: Bbox) -> bool:
    return bool(box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1)


def grouped_bar_chart(categories: Sequence[str], series: dict[str, Sequence[float] | np.ndarray], *, title: str,
                      value_label: str, category_label: str | None = None, value_format: str = "{:.3f}",
                      intervals: Mapping[str, np.ndarray] | None = None) -> Figure:
    """Bars of fractional values (scores, rates) for categories, one bar per series
    side by side within each category; with one series, each bar is labelled with its
    value. Unlike :func:`bar_chart`, values are not counts: axes and labels keep decimals.

    ``intervals`` gives some series a 95% interval per category (``(n, 2)``, low and
    high), drawn as error bars; a bar's label then sits above its error bar.
    """
    categories = [str(c) for c in categories]
    positions = np.arange(len(categories))
    width = 0.8 / max(len(series), 1)
    palette = matplotlib.colormaps["tab20"]
    with _styled():
        figure, axes = _new_figure(WIDTH_INCHES, HEIGHT_INCHES + 0.6)
        for i, (name, values) in enumerate(series.items()):
            values = np.asarray(values, dtype=float)
            color = ACCENT if len(series) == 1 else palette(i % 20)
            band = (intervals or {}).get(name)
            bars = axes.bar(positions + (i - (len(series) - 1) / 2) * width, values, width=width * 0.95, color=color,
                            label=name, yerr=None if band is None else _error_lengths(values, band),
                            error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": INK})
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
            _legend_below(figure, axes)
        axes.set_title(title)
    return figure


def area_over_time(dates: np.ndarray, values: Sequence[float] | np.ndarray, *, title: str,
                   value_label: str) -> Figure:
    """Counts over time (e.g. ratings per month) as a shaded line from zero; dates are
    ``datetime64`` and the axis names years and months concisely."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    values = np.asarray(values, dtype=float)
    with _styled():
        figure, axes = _new_figure(WIDTH_INCHES, HEIGHT_INCHES)
        axes.fill_between(dates, values, color=ACCENT, alpha=0.25, linewidth=0)
        axes.plot(dates, values, color=ACCENT, linewidth=1.3, marker="o" if values.size <= MARKED_POINTS else None,
                  markersize=3)
        locator = AutoDateLocator()
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        _count_axis(axes.yaxis)
        axes.set_ylim(bottom=0)
        axes.set_ylabel(value_label)
        axes.set_title(title)
    return figure


def concentration_curve(counts: Sequence[float] | np.ndarray, *, title: str, who: str, what: str,
                        marked: tuple[float, float] | None = None) -> Figure:
    """A Lorenz-style curve of how concentrated ``counts`` are: ``who`` (e.g. movies),
    busiest first, along x as a share of all of them; the share of all ``what`` (e.g.
    ratings) they account for up the y axis. The diagonal is what equal shares would
    look like; ``marked`` (x share, y share) is called out with guide lines."""
    ordered = np.sort(np.asarray(counts, dtype=float))[::-1]
    total = ordered.sum()
    shares_x = np.arange(ordered.size + 1) / max(ordered.size, 1)
    shares_y = np.concatenate([[0.0], np.cumsum(ordered) / total]) if total else shares_x
    with _styled():
        figure, axes = _new_figure(WIDTH_INCHES, HEIGHT_INCHES + 0.4)
        axes.plot([0, 1], [0, 1], color=MUTED, linewidth=1, linestyle=":", label=f"if all {who} got as many {what}")
        axes.fill_between(shares_x, shares_y, color=ACCENT, alpha=0.15, linewidth=0)
        axes.plot(shares_x, shares_y, color=ACCENT, linewidth=1.6, label=f"{who}, most {what} first")
        if marked is not None:
            x, y = marked
            axes.plot([x, x, 0], [0, y, y], color=HIGHLIGHT, linewidth=1, linestyle="--")
            axes.annotate(f"the top {x:.0%} of {who} get {y:.0%} of the {what}", (x, y), xytext=(6, -14),
                          textcoords="offset points", color=HIGHLIGHT, fontsize=8)
        for axis in (axes.xaxis, axes.yaxis):
            axis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1.02)
        axes.set_xlabel(f"share of {who}, most {what} first")
        axes.set_ylabel(f"share of all {what}")
        axes.legend(frameon=False, loc="lower right")
        axes.set_title(title)
    return figure
