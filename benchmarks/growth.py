"""The scale suite's growth plot: each cost's seconds against the number of ratings.

Log-log axes turn "grows like ratingsᵖ" into a straight line of slope ``p``, so a cost
that grows linearly runs parallel to the dashed reference line (slope 1), and the
seed's dense similarity (slope 2: movies grow with ratings) visibly bends away.
Called in a child process by :mod:`benchmarks.scale_benchmark` (matplotlib stays out
of the runner), or by hand to redraw from saved results::

    python -m benchmarks.growth bench-out 1m 5m 25m
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.scale_benchmark import GROWTH_FILE, ScaleRun, cost_labels, growth_exponent, growth_series

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Peers' costs (drawn dotted, with square markers) are named with these prefixes.
_PEER_PREFIXES = ("implicit", "seed")


def plot_growth(out_dir: str, *scales: str) -> dict[str, str]:
    """Draw ``<out_dir>/scale-growth.png`` from the ``scale-<scale>.json`` results."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = sorted((ScaleRun.read(Path(out_dir), scale) for scale in scales), key=lambda run: run.ratings)
    series, labels = growth_series(runs), cost_labels(runs[-1])
    figure, axes = plt.subplots(figsize=(12, 6.5), layout="constrained")
    axes.set_prop_cycle(color=plt.get_cmap("tab20").colors)
    for name, points in series.items():
        ratings, seconds = zip(*points)
        peer = name.startswith(_PEER_PREFIXES)
        exponent = growth_exponent(points)
        label = labels[name] + ("" if exponent is None else f" (slope {exponent:.2f})")
        axes.plot(ratings, seconds, marker="s" if peer else "o", linestyle=":" if peer else "-",
                  linewidth=2.2 if name == "build" else 1.2, label=label)
    _linear_reference(axes, series)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("ratings")
    axes.set_ylabel("seconds (median of fresh-process runs)")
    axes.set_title("How each cost grows with the number of ratings (log-log)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    path = Path(out_dir) / GROWTH_FILE
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return {"path": str(path)}


def _linear_reference(axes: Axes, series: dict[str, list[tuple[int, float]]]) -> None:
    """A dashed slope-1 line through the whole build's smallest-scale point."""
    anchor = series.get("build") or next(iter(series.values()), None)
    if not anchor:
        return
    (x0, y0), x1 = anchor[0], anchor[-1][0]
    axes.plot([x0, x1], [y0, y0 * x1 / x0], color="grey", linestyle="--", linewidth=1,
              label="linear reference (∝ ratings)")


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m benchmarks.growth OUT_DIR SCALE [SCALE ...]", file=sys.stderr)
        return 2
    print(plot_growth(argv[0], *argv[1:])["path"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
