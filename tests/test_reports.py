"""The shared HTML report writer and plot helpers."""

from __future__ import annotations

import base64
import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cinerec.reports import Report, html, plots
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


#: Component and model keys that must never reach a reader (single words such as
#: "popular" or "content" are ordinary English and cannot be told apart).
INTERNAL_KEYS = ("for-you", "also-liked", "seed-also-liked", "seed-people-like-you", "people-like-you", "item-knn")
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def visible_text(html: str) -> str:
    """What a reader of ``html`` sees or hears: element text, alt texts and labels, hover
    titles; no stylesheet, no comments."""
    html = re.sub(r"<style>.*?</style>|<!--.*?-->", " ", html, flags=re.S)
    labels = re.findall(r'(?:alt|aria-label)="([^"]*)"', html)
    return unescape(" ".join([re.sub(r"<[^>]+>", " ", html), *labels]))


def internal_names(html: str) -> list[str]:
    """The snake_case identifiers and internal keys in a report's visible text."""
    text = visible_text(html)
    keys = [key for key in INTERNAL_KEYS if re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text)]
    return SNAKE_CASE.findall(text) + keys


def test_internal_names_are_found_in_text_but_not_in_markup() -> None:
    html = ('<style>.num_x { }</style><p class="key_values">For you</p><!-- a_b -->'
            '<img alt="collaborative_seen weights"><p>seed-also-liked &amp; k-means</p>')
    assert internal_names(html) == ["collaborative_seen", "seed-also-liked"]


def test_dollar_signs_are_drawn_as_written() -> None:
    from matplotlib.text import Text

    titles = [r"Money $\Talks$ (1997)", "Money $ Talks $ (1997)", "x"]
    for figure in (plots.bar_chart(titles, [1, 2, 3], title=titles[0]),
                   plots.scatter_2d(np.eye(3, 2), titles, title="$", names=titles, renown=np.arange(3.0)),
                   plots.grouped_bar_chart(titles, {titles[1]: [0.1, 0.2, 0.3], "y": [0.2, 0.1, 0.3]}, title="t",
                                           value_label="$v$")):
        assert not any(text.get_parse_math() for text in figure.findobj(Text) if "$" in text.get_text())
        assert html.figure_to_png(figure).startswith(b"\x89PNG")  # r"$\Talks$" as mathtext would raise


def test_map_names_the_best_known_point_per_region_without_overlaps(rng: np.random.Generator) -> None:
    points = rng.normal(size=(2_000, 2))
    renown = rng.pareto(1.2, 2_000)
    names = [f"A rather long movie title number {i} (1999)" for i in range(2_000)]

    candidates = plots.landmarks(points, renown)
    figure = plots.scatter_2d(points, ["Drama"] * 2_000, title="Movies", names=names, renown=renown)

    assert len(set(candidates)) == len(candidates) and list(renown[candidates]) == sorted(renown[candidates])[::-1]
    assert np.all(renown[candidates] >= np.quantile(renown, plots.LANDMARK_QUANTILE))
    assert len(candidates) <= np.prod(plots.LANDMARK_GRID)
    labels = [text for text in figure.axes[0].texts]
    assert 0 < len(labels) <= plots.MAX_LANDMARKS
    assert {text.get_text() for text in labels} <= {names[i] for i in candidates}
    renderer = figure.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in labels]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_hover_figure_is_inline_svg_with_escaped_titles() -> None:
    points = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 1.0]])
    report = Report("Map")
    report.add_hover_figure(plots.scatter_2d(points, ["a", "b", "a"], title="Map"),
                            html.Hover(points, [SCRIPT, "Money $ Talks $ (1997)", "Heat (1995)"]),
                            caption="Rest the pointer on a dot", alt="a map")

    page = report.render()

    assert "<script" not in page and "<img" not in page and "<?xml" not in page
    assert "<title>&lt;script&gt;alert(&#39;boo&#39;)&lt;/script&gt;</title>" in page
    assert "<title>Money $ Talks $ (1997)</title>" in page
    view = [float(v) for v in re.search(r'viewBox="([^"]+)"', page).group(1).split()]
    centres = np.array([[float(x), float(y)] for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', page)])
    assert centres.shape == (3, 2)
    assert np.all((centres >= 0) & (centres <= view[2:]))
    # Data y grows upwards, SVG y downwards; x keeps its order.
    assert centres[1, 0] > centres[0, 0] and centres[1, 1] < centres[2, 1] < centres[0, 1]
    assert 'aria-label="a map"' in page


def test_estimates_show_their_interval_beneath_the_value() -> None:
    cells = format_column([html.Estimate(0.3951, 0.3784, 0.4121), html.Estimate(0.01, 0.008, 0.013), None])
    assert cells[0] == '0.395<span class="interval">0.378–0.412</span>'
    assert cells[1].startswith("0.010<") and cells[2] == "—"
    lead = format_column([html.Estimate(0.385, 0.367, 0.404, signed=True),
                          html.Estimate(0.017, -0.002, 0.03, signed=True)])[1]
    assert lead == '+0.017<span class="interval">[-0.002, +0.030]</span>'

    report = Report("Estimates")
    report.add_table([["For you", html.Estimate(0.4, 0.3, 0.5)]], columns=["Model", "NDCG"], row_headers=True)
    page = report.render()
    assert '<th scope="row">For you</th><td class="num">0.400<span class="interval">' in page


def test_line_chart_draws_intervals_and_keeps_its_legend_off_the_lines() -> None:
    intervals = {"For you": np.array([[0.1, 0.3], [0.3, 0.5]])}
    figure = plots.line_chart([1, 5], {"For you": [0.2, 0.4], "Popular": [0.1, 0.2]}, title="Recall",
                              x_label="list length", y_label="recall", intervals=intervals)

    axes = figure.axes[0]
    assert axes.get_legend() is None and len(figure.legends) == 1  # below the axes, not on them
    (bars,) = [c for c in axes.containers if c.has_yerr]
    segments = bars.lines[2][0].get_segments()
    assert [tuple(s[:, 1]) for s in segments] == [(0.1, 0.3), (0.3, 0.5)]


def test_time_and_concentration_plots() -> None:
    months = np.arange(np.datetime64("1997-09"), np.datetime64("1998-05"))
    figure = plots.area_over_time(months, np.arange(8) * 1000, title="Ratings per month", value_label="ratings")
    assert figure.axes[0].get_ylim()[0] == 0

    curve = plots.concentration_curve([50, 30, 10, 5, 5, 0, 0, 0, 0, 0], title="t", who="movies", what="ratings",
                                      marked=(0.1, 0.5))
    line = next(line for line in curve.axes[0].lines if line.get_label() == "movies, most ratings first")
    assert line.get_ydata()[1] == pytest.approx(0.5) and line.get_ydata()[-1] == pytest.approx(1.0)
    assert any("top 10% of movies get 50% of the ratings" in text.get_text() for text in curve.axes[0].texts)


def _dollar_release(folder: Path) -> Path:
    """A synthetic ml-100k whose two most rated movies, landmarks on the movie map, have
    "$" in their titles (as mathtext, the second would not even parse)."""
    from cinerec.data.synthetic import SynthConfig, generate

    generate(SynthConfig(users=150, movies=240, ratings=7_000, format="ml-100k", seed=4), folder)
    rated = pd.read_csv(folder / "u.data", sep="\t", header=None)[1].value_counts().index[:2]
    item = folder / "u.item"
    lines = item.read_text(encoding="latin-1").splitlines()
    for movie_id, title in zip(rated, (r"Ca$h \Grab$ (2001)", "Money $ Talks $ (1997)"), strict=True):
        i = next(i for i, line in enumerate(lines) if line.split("|")[0] == str(movie_id))
        fields = lines[i].split("|")
        lines[i] = "|".join([fields[0], title, *fields[2:]])
    item.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return folder


def test_build_report_draws_dollar_titles_and_names_movies_on_hover(tmp_path: Path) -> None:
    from cinerec.cli.main import main

    assert main(["build", str(_dollar_release(tmp_path / "ml-100k")), "--out", str(tmp_path / "model")]) == 0

    page = (tmp_path / "model" / "report" / REPORT_FILE).read_text()
    titles = re.findall(r"<title>([^<]*)</title>", page.split("<body>")[1])
    assert "Money $ Talks $ (1997)" in titles and r"Ca$h \Grab$ (2001)" in titles
    assert len(titles) == 240  # every movie of a small catalogue names itself on the map
    assert internal_names(page) == []
