"""The shared HTML report writer and plot helpers."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cinerec.reports import Report, plots
from cinerec.reports.html import REPORT_FILE, format_column, format_value

SCRIPT = "<script>alert('boo')</script>"


def _images(html: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)]


def test_every_string_is_escaped() -> None:
    report = Report(SCRIPT, subtitle=SCRIPT)
    report.add_heading(SCRIPT)
    report.add_paragraph(SCRIPT)
    report.add_key_values({SCRIPT: SCRIPT}, caption=SCRIPT)
    report.add_table([{SCRIPT: SCRIPT}], caption=SCRIPT)
    report.add_figure(plots.bar_chart([SCRIPT], [1], title="t"), caption=SCRIPT, alt=SCRIPT)

    html = report.render()

    assert "<script" not in html
    assert html.count("&lt;script&gt;") >= 10
    assert "<title>&lt;script&gt;alert(&#39;boo&#39;)&lt;/script&gt;</title>" in html


def test_figures_are_embedded_as_png_and_released(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    report = Report("Plots")
    report.add_figure(plots.bar_chart(["a", "b"], [3, 4], title="bars"), caption="Two bars", alt="two bars")
    pyplot_figure = plt.figure()
    pyplot_figure.add_subplot().plot([1, 2], [3, 4])
    report.add_figure(pyplot_figure, caption="A line")

    html = report.write(tmp_path).read_text()

    images = _images(html)
    assert len(images) == 2
    assert all(image.startswith(b"\x89PNG\r\n\x1a\n") for image in images)
    assert 'alt="two bars"' in html and 'alt="A line"' in html  # alt defaults to the caption
    assert "<figcaption>Two bars</figcaption>" in html
    assert pyplot_figure.number not in plt.get_fignums()
    assert "http" not in re.sub(r'content="[^"]*"', "", html.split("<body>")[0])  # no CDN: works offline


def test_write_is_atomic_and_replaces_the_previous_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Report("First").write(tmp_path / "out")
    assert first == tmp_path / "out" / REPORT_FILE
    Report("Second").write(tmp_path / "out")
    assert "Second" in first.read_text()

    def broken_render(self: Report) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Report, "render", broken_render)
    with pytest.raises(RuntimeError):
        Report("Third").write(tmp_path / "out")
    assert "Second" in first.read_text()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [REPORT_FILE]


def test_table_inputs_and_alignment() -> None:
    frame = pd.DataFrame({"movie": ["Toy Story (1995)", "Heat (1995)"], "ratings": [452, 12_345],
                          "mean rating": [3.8, 4.3625]})
    report = Report("Tables")
    report.add_table(frame, caption="from a frame")
    report.add_table(frame.to_dict("records"), caption="from records")
    report.add_table(frame.to_numpy().tolist(), caption="from rows", columns=list(frame.columns))

    tables = [block for block in report.blocks if block.kind == "table"]
    assert len(tables) == 3
    assert all(t.columns == ("movie", "ratings", "mean rating") for t in tables)
    assert all(t.numeric == (False, True, True) for t in tables)
    assert tables[0].rows == (("Toy Story (1995)", "452", "3.80"), ("Heat (1995)", "12,345", "4.36"))
    assert tables[1].rows == tables[2].rows == tables[0].rows
    assert '<td class="num">12,345</td>' in report.render()


def test_plain_rows_need_column_names() -> None:
    with pytest.raises(ValueError, match="columns"):
        Report("x").add_table([[1, 2]])


def test_headings_get_unique_anchors_and_a_table_of_contents() -> None:
    report = Report("Anchors")
    for text in ("Ratings", "Ratings", "Users & ages"):
        report.add_heading(text)
    report.add_heading("Detail", level=3)

    anchors = [block.anchor for block in report.blocks]
    html = report.render()

    assert anchors == ["ratings", "ratings-2", "users-ages", "detail"]
    assert '<a href="#ratings-2">Ratings</a>' in html
    assert '<a href="#detail">' not in html  # level-3 headings stay out of the contents
    with pytest.raises(ValueError):
        report.add_heading("Too deep", level=5)


@pytest.mark.parametrize(("value", "expected"), [
    (None, "—"), (pd.NA, "—"), (float("nan"), "—"), (np.int64(1_234_567), "1,234,567"), (4.0, "4"),
    (3.529, "3.53"), (0.0631, "0.0631"), (12_345.6, "12,346"), (True, "yes"), ("Heat", "Heat"),
])
def test_format_value(value: object, expected: str) -> None:
    assert format_value(value) == expected


def test_format_column_aligns_decimals() -> None:
    assert format_column([4.0, 3.8, 4.3625, None, 7]) == ["4.00", "3.80", "4.36", "—", "7"]
    assert format_column([1, 22, 333]) == ["1", "22", "333"]


def test_bar_chart_draws_one_bar_per_category_in_order() -> None:
    labels = [f"genre {i}" for i in range(15)]
    values = list(range(15, 0, -1))
    figure = plots.bar_chart(labels, values, title="Genres")

    axes = figure.axes[0]
    widths = [patch.get_width() for patch in axes.patches]
    assert widths == values  # many categories: horizontal bars, lengths are the values
    assert [t.get_text() for t in axes.get_yticklabels()] == labels

    few = plots.bar_chart(["F", "M"], [273, 670], title="Gender").axes[0]
    assert [patch.get_height() for patch in few.patches] == [273, 670]


def test_log_histogram_counts_every_positive_value_once(rng: np.random.Generator) -> None:
    values = np.concatenate([[0, 0], np.ceil(rng.pareto(1.1, 2_000) * 5)])

    axes = plots.log_histogram(values, title="Ratings per movie", value_label="ratings").axes[0]

    heights = np.array([patch.get_height() for patch in axes.patches])
    assert heights.sum() == np.count_nonzero(values)
    assert axes.get_xscale() == axes.get_yscale() == "log"


def test_log_bins_leave_no_gap_between_whole_numbers() -> None:
    counts = np.arange(1, 40)
    edges = plots._log_bins(counts.astype(float), bins_per_decade=8)
    hist, _ = np.histogram(counts, edges)
    assert np.all(hist > 0)
    assert np.all(edges == np.round(edges))
