"""Presenting an evaluation: the terminal table, ``results.json`` and the HTML report.

The terminal table speaks the command line's language (the ``--models`` names); the
HTML report speaks a reader's: each model by what it is, short column headings, and
for NDCG and recall a 95% interval from resampling the people (a bootstrap), so that
a gap between two models can be told from noise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from cinerec.atomic import atomic_file
from cinerec.evaluation.runner import REFERENCE, EvaluationResult, ModelResult
from cinerec.evaluation.tuning import SIGNIFICANCE, TOLERANCE, NewcomerTuning, Tuning
from cinerec.reports.html import Estimate, Report, format_column
from cinerec.reports.names import part_name
from cinerec.reports.plots import grouped_bar_chart, line_chart

RESULTS_FILE = "results.json"
#: Table columns: metric key → heading (the terminal adds ``@k``; the HTML report
#: states the cut-off once, in the caption).
COLUMNS: dict[str, str] = {
    "ndcg": "NDCG", "recall": "Recall", "precision": "Precision", "map": "MAP", "hit_rate": "Hit rate",
    "coverage": "Coverage", "novelty": "Novelty", "list_recall": "List recall",
}
#: The models as a reader knows them: ``--models`` name → (name, what it recommends).
#: Contenders from outside cinerec go by their own description.
MODELS: dict[str, tuple[str, str]] = {
    "random": ("Random", "movies in random order: the floor any model must clear"),
    "popular": ("Most popular", "the movies most people liked, the same list for everyone"),
    "seed-also-liked": ("Old also liked", "the first version's 'also liked': movies with the most high ratings "
                                          "from the fans of yours"),
    "seed-people-like-you": ("Old people like you", "the first version's groups of people by demographics"),
    "item-knn": ("Textbook neighbours", "the textbook method: movies liked by the same people as yours"),
    "similar": ("Similar", "movies like yours in series, genres, era, tags and audience"),
    "also-liked": ("Also liked", "what the fans of your movies also liked"),
    "people-like-you": ("People like you", "what people of your gender, age, occupation and region like more "
                                           "than everyone"),
    "ease": ("Liked together (EASE)", "EASE on its own: movies liked together with yours"),
    "for-you": ("For you", "the blend of all of these that cinerec serves"),
}
PROTOCOL_TEXT: dict[str, str] = {
    "random": "a random 20% of each person's ratings is held out (people with at least 5 ratings)",
    "temporal": "each person's latest 20% of ratings is held out (people with at least 5 ratings)",
}
#: The heading of the paired-difference column: in the terminal (with its standard
#: error) and in the HTML report (with its interval).
PAIRED_HEADING = "For you ahead by (± s.e.)"
LEAD_HEADING = "For you ahead by"
METRIC_NOTES = (
    "A hit is a held-out movie the person rated 4 stars or more; the candidates are every movie they did not "
    "rate in training. NDCG rewards hits near the top of the list; recall is the share of a person's hits their "
    "list finds, precision the share of the list that are hits, MAP the precision at each hit, and hit rate the "
    "share of people with at least one. Coverage is the share of the catalogue recommended to anyone; novelty "
    "the mean popularity rank of what is recommended (1 = the most liked movie). List recall: one hit is hidden; "
    "the share of the person's liked movies whose own list (similar, also liked) brings it back.")
#: Resamplings of the people behind each interval, and the intervals' coverage.
BOOTSTRAP_SAMPLES = 1_000
CONFIDENCE = 0.95
#: Resampling counts computed at once (people × resamplings), about 16 MB.
_BOOTSTRAP_CELLS = 2_000_000


def model_name(model: ModelResult) -> str:
    """How the HTML report names a model: ``For you``, ``Old also liked``."""
    return MODELS[model.name][0] if model.name in MODELS else model.description


def describe_protocol(result: EvaluationResult) -> str:
    """What was held out and what the people told the models, in a sentence."""
    if result.protocol != "new-users":
        return PROTOCOL_TEXT[result.protocol]
    named = result.given_likes or 0
    facts = "their gender, age, occupation and zip" if result.demographics else "no demographics"
    movies = {0: "no movie", 1: "one of their own movies"}.get(named, f"{named} of their own movies")
    text = (f"20% of the people are held out entirely and asked as newcomers who give {facts} and name {movies} "
            "rated 4 stars or more")
    if named:
        text += "; each is scored on their other liked movies"
    left_out = result.sizes.get("left_out", 0)
    if left_out:
        who = "1 held-out person is" if left_out == 1 else f"{left_out:,} held-out people are"
        liked = "no movie" if named == 0 else f"{named} movie{'' if named == 1 else 's'} or fewer"
        text += f" ({who} left out: they liked {liked})"
    return text


def table_rows(result: EvaluationResult) -> tuple[list[str], list[list[object]]]:
    """Header and rows of the terminal table (one row per model, missing = ``None``),
    ending with the paired difference to *For you* where it was measured."""
    keys = _metric_keys(result)
    header = ["model", *(f"{COLUMNS[key]}@{result.k}" for key in keys)]
    rows = [[m.name, *(m.metrics.get(key) for key in keys)] for m in result.models]
    if any(m.paired is not None for m in result.models):
        header.append(PAIRED_HEADING)
        for row, model in zip(rows, result.models, strict=True):
            row.append(_paired_text(model.paired) if model.paired is not None else
                       ("—" if model.name == REFERENCE else None))
    return header, rows


def _metric_keys(result: EvaluationResult) -> list[str]:
    return [key for key in COLUMNS if any(key in m.metrics for m in result.models)]


def _paired_text(paired: dict[str, float]) -> str:
    """"+0.012 ± 0.004" (NDCG, per person)."""
    return f"{paired['difference']:+.3f} ± {paired['standard_error']:.3f}"


@dataclass(frozen=True)
class Intervals:
    """A run's 95% bootstrap intervals by model name, each ``[..., 2]`` (low, high):
    NDCG@k ``(2,)``, recall at every cut-off of the curve ``(n_cutoffs, 2)`` and *For
    you*'s NDCG@k lead over the model ``(2,)`` (not for *For you* itself)."""

    ndcg: dict[str, np.ndarray]
    recall: dict[str, np.ndarray]
    lead: dict[str, np.ndarray]


def bootstrap_intervals(result: EvaluationResult) -> Intervals:
    """95% percentile intervals from :data:`BOOTSTRAP_SAMPLES` resamplings of the run's
    people (seeded by the run's seed): every model and cut-off sees the same resampled
    people, so For you's lead is a paired difference. Empty with fewer than two people."""
    models = [m for m in result.models if m.per_person and len(m.per_person["ndcg"]) > 1]
    if not models:
        return Intervals({}, {}, {})
    per_model = [np.column_stack([m.per_person["ndcg"], m.per_person["recall"]]) for m in models]
    width = per_model[0].shape[1]
    means = bootstrap_means(np.hstack(per_model), result.seed)
    ndcg = {m.name: means[:, i * width] for i, m in enumerate(models)}
    reference = ndcg.get(REFERENCE)
    return Intervals(
        ndcg={name: _percentiles(values) for name, values in ndcg.items()},
        recall={m.name: _percentiles(means[:, i * width + 1:(i + 1) * width]) for i, m in enumerate(models)},
        lead={} if reference is None else {name: _percentiles(reference - values) for name, values in ndcg.items()
                                          if name != REFERENCE},
    )


def bootstrap_means(scores: np.ndarray, seed: int, samples: int = BOOTSTRAP_SAMPLES) -> np.ndarray:
    """The mean of each column of ``scores`` (people × columns; NaN = not scored) in
    ``samples`` resamplings of the people with replacement: ``(samples, columns)``.

    A resampling is how often each person was drawn, so its means are one matrix
    product, a block of resamplings at a time whatever the number of people.
    """
    scores = np.asarray(scores, dtype=np.float64)
    n_people = scores.shape[0]
    scored = np.isfinite(scores)
    values = np.where(scored, scores, 0.0)
    rng = np.random.default_rng([seed, 13])
    block = max(1, _BOOTSTRAP_CELLS // max(n_people, 1))
    means = []
    for start in range(0, samples, block):
        size = min(block, samples - start)
        draws = rng.integers(0, n_people, size=(size, n_people)) + n_people * np.arange(size)[:, None]
        counts = np.bincount(draws.ravel(), minlength=size * n_people).reshape(size, n_people).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            means.append((counts @ values) / (counts @ scored))
    return np.vstack(means)


def _percentiles(samples: np.ndarray) -> np.ndarray:
    """The central :data:`CONFIDENCE` interval of bootstrap ``samples`` (along the first
    axis): ``[..., 2]``."""
    tail = (1 - CONFIDENCE) / 2 * 100
    return np.moveaxis(np.nanpercentile(samples, [tail, 100 - tail], axis=0), 0, -1)


def run_title(result: EvaluationResult) -> str:
    """"ml-100k · new-users protocol, 1 named movie · top 10 · seed 0"."""
    protocol = f"{result.protocol} protocol"
    if result.given_likes is not None:
        protocol += f", {result.given_likes} named movie{'' if result.given_likes == 1 else 's'}"
        protocol += "" if result.demographics else ", no demographics"
    return f"{result.dataset} · {protocol} · top {result.k} · seed {result.seed}"


def print_result(result: EvaluationResult, console: Console | None = None) -> None:
    """The results as a terminal table, with what was measured and how."""
    console = console or Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 170)  # a file or pipe gets the whole table, unwrapped
    header, rows = table_rows(result)
    table = Table(title=run_title(result), title_justify="left")
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i == 0 else "right")
    columns = [format_column([row[i] for row in rows]) for i in range(len(header))]
    for cells in zip(*columns, strict=True):
        table.add_row(*cells)
    console.print(f"Dataset fingerprint {result.fingerprint}: {describe_protocol(result)}.", soft_wrap=True)
    console.print(f"{result.sizes['people']:,} people asked, {result.sizes['relevant']:,} relevant held-out "
                  f"movies, {result.sizes['train_ratings']:,} training ratings.", soft_wrap=True)
    if result.tuning is not None:
        console.print(f"Tuned on validation ({result.tuning.validation_people:,} people, "
                      f"{len(result.tuning.tried)} settings): {result.tuning.describe()}", soft_wrap=True)
    for text in result.notes:
        console.print(f"note: {text}", soft_wrap=True)
    console.print(table)
    console.print(f"Evaluated in {result.seconds:.1f} s.")


def write_json(results: Sequence[EvaluationResult], directory: Path) -> Path:
    """``directory/results.json`` (``{"runs": [...]}``, one document per run, each
    model with its 95% ``intervals`` of NDCG@k and recall@k), written atomically."""
    target = directory / RESULTS_FILE
    with atomic_file(target, "w", encoding="utf-8") as stream:
        json.dump({"runs": [_json_run(result) for result in results]}, stream, indent=2, ensure_ascii=False)
    return target


def _json_run(result: EvaluationResult) -> dict[str, Any]:
    document = result.to_json()
    intervals = bootstrap_intervals(result)
    at_k = sorted(result.models[0].curve).index(result.k) if result.models else 0
    for model in document["models"]:
        if model["name"] in intervals.ndcg:
            model["intervals"] = {"ndcg": _finite(intervals.ndcg[model["name"]]),
                                  "recall": _finite(intervals.recall[model["name"]][at_k])}
    return document


def _finite(bounds: np.ndarray) -> list[float | None]:
    return [float(b) if np.isfinite(b) else None for b in bounds]


def build_report(results: Sequence[EvaluationResult]) -> Report:
    """The HTML report of one or more runs on one split: for several newcomer runs, NDCG
    by how many movies the newcomers named first; then each run's section (see
    :func:`add_run`)."""
    first = results[0]
    report = Report(f"Evaluation: {first.dataset}, {first.protocol} protocol",
                    f"top {first.k}, seed {first.seed}, dataset fingerprint {first.fingerprint}")
    intervals = [bootstrap_intervals(result) for result in results]
    if len(results) > 1 and all(r.given_likes is not None for r in results):
        _newcomer_summary(report, results, intervals)
    for result, run_intervals in zip(results, intervals, strict=True):
        add_run(report, result, heading=run_title(result) if len(results) > 1 else "Results",
                intervals=run_intervals, nested=len(results) > 1)
    return report


def _newcomer_summary(report: Report, results: Sequence[EvaluationResult], intervals: Sequence[Intervals]) -> None:
    """NDCG@k of every model by how many movies the newcomers named, one run per point."""
    k = results[0].k
    names = {m.name: model_name(m) for r in results for m in r.models}
    series = {shown: [next((m.metrics["ndcg"] for m in r.models if m.name == name), float("nan")) for r in results]
              for name, shown in names.items()}
    nan = np.full(2, np.nan)
    bands = {shown: np.array([run.ndcg.get(name, nan) for run in intervals]) for name, shown in names.items()}
    report.add_heading("The more a newcomer names, the better the lists")
    report.add_figure(line_chart([r.given_likes for r in results], series, title=f"NDCG@{k} by movies named",
                                 x_label="liked movies the newcomer named", y_label=f"NDCG@{k}", intervals=bands),
                      caption="Each point is a run below, with its 95% interval: the same held-out people, fewer "
                              "of them the more movies they must have liked.")


def add_run(report: Report, result: EvaluationResult, heading: str, intervals: Intervals | None = None, *,
            nested: bool = False) -> None:
    """One run's section: the table, then NDCG by model, by activity, the
    precision–recall curves and what tuning chose; ``nested`` puts those parts under
    the run's heading (level 3), so that a report of several runs lists only the runs
    in its contents."""
    intervals = intervals if intervals is not None else bootstrap_intervals(result)
    level = 3 if nested else 2
    k = result.k
    report.add_heading(heading)
    report.add_paragraph(f"Protocol: {describe_protocol(result)}. {METRIC_NOTES}")
    report.add_key_values({"people asked": result.sizes["people"], "liked held-out movies": result.sizes["relevant"],
                           "training ratings": result.sizes["train_ratings"], "seconds": result.seconds})
    header, rows = _report_rows(result, intervals)
    report.add_table(rows, columns=header, row_headers=True,
                     caption=f"Each measure on every person's top {k}. Beneath NDCG, recall and For you's lead: "
                             f"the 95% interval from {BOOTSTRAP_SAMPLES:,} resamplings of the people.")
    for text in result.notes:
        report.add_paragraph(text)
    report.add_table([{"Model": model_name(m), "what it recommends": MODELS.get(m.name, ("", m.description))[1]}
                      for m in result.models], caption="The models", row_headers=True)
    names = [model_name(m) for m in result.models]
    report.add_heading("Accuracy by model", level)
    ndcg = f"NDCG@{k}"
    report.add_figure(grouped_bar_chart(names, {ndcg: [m.metrics["ndcg"] for m in result.models]}, title=ndcg,
                                        value_label=ndcg,
                                        intervals={ndcg: _bands(result, intervals.ndcg)} if intervals.ndcg else None),
                      caption="How well each model ranks the movies people liked, with its 95% interval. "
                              "Higher is better.")
    coverage = f"Catalogue coverage@{k}"
    report.add_figure(grouped_bar_chart(names, {coverage: [m.metrics["coverage"] for m in result.models]},
                                        title=coverage, value_label=coverage),
                      caption="The share of the catalogue recommended to anyone. Higher is better.")
    if result.given_likes is None:  # newcomers have no training ratings
        report.add_heading("By how much people rated", level)
        buckets = list(dict.fromkeys(b for m in result.models for b in m.by_activity))
        report.add_figure(grouped_bar_chart(buckets, {model_name(m): [m.by_activity.get(b, float("nan"))
                                                                      for b in buckets] for m in result.models},
                                            title=f"NDCG@{k} by training ratings per person", value_label=ndcg,
                                            category_label="ratings in training"),
                          caption="People with long histories are easier to recommend for; the gap between models "
                                  "for newcomers is what matters most to them.")
    _curves_section(report, result, intervals, level)
    if result.tuning is not None:
        _tuning_section(report, result, level)


def _report_rows(result: EvaluationResult, intervals: Intervals) -> tuple[list[str], list[list[object]]]:
    """Header and rows of the HTML table: human names, NDCG and recall with their
    intervals, For you's lead with its interval."""
    keys = _metric_keys(result)
    at_k = sorted(result.models[0].curve).index(result.k)
    header = ["Model", *(COLUMNS[key] for key in keys)]
    rows: list[list[object]] = []
    for model in result.models:
        bounds = {"ndcg": intervals.ndcg.get(model.name),
                  "recall": None if model.name not in intervals.recall else intervals.recall[model.name][at_k]}
        rows.append([model_name(model), *(_estimate(model.metrics.get(key), bounds.get(key)) for key in keys)])
    if any(m.paired is not None for m in result.models):
        header.append(LEAD_HEADING)
        for row, model in zip(rows, result.models, strict=True):
            lead = None if model.paired is None else \
                _estimate(model.paired["difference"], intervals.lead.get(model.name), signed=True)
            row.append(lead)
    return header, rows


def _estimate(value: float | None, bounds: np.ndarray | None, *, signed: bool = False) -> object:
    """``value`` with its interval where there is one."""
    if value is None or bounds is None:
        return value
    return Estimate(value, float(bounds[0]), float(bounds[1]), signed=signed)


def _bands(result: EvaluationResult, bounds: dict[str, np.ndarray]) -> np.ndarray:
    """``(n_models, 2)`` intervals in the result's model order (NaN where there is none)."""
    return np.array([bounds.get(m.name, np.full(2, np.nan)) for m in result.models])


def _curves_section(report: Report, result: EvaluationResult, intervals: Intervals, level: int) -> None:
    report.add_heading("Precision and recall at several list lengths", level)
    cutoffs = sorted(result.models[0].curve)
    for metric, bands in (("precision", None), ("recall", intervals.recall)):
        report.add_figure(line_chart(cutoffs, {model_name(m): [m.curve[c][metric] for c in cutoffs]
                                               for m in result.models},
                                     title=f"{metric.capitalize()} by list length", x_label="list length",
                                     y_label=metric, marker_x=result.k,
                                     intervals=None if bands is None else
                                     {model_name(m): bands[m.name] for m in result.models if m.name in bands}),
                          caption=f"The dashed line marks the top {result.k} of the table."
                                  + (" Recall with its 95% interval." if bands else ""))


def _tuning_section(report: Report, result: EvaluationResult, level: int) -> None:
    k = result.k
    tuning = result.tuning
    if isinstance(tuning, NewcomerTuning):
        report.add_heading("Tuning on validation newcomers", level)
        report.add_paragraph(f"Chosen: {_describe_newcomer_tuning(tuning)}. Highest validation NDCG@{k} over "
                             f"{tuning.validation_people:,} validation newcomers, the build defaults unless "
                             f"that beats them by more than {SIGNIFICANCE:g} standard errors. The test people were "
                             "never used.")
        report.add_table([{"weight of what people like them favour": e["lift_weight"],
                           "named movies at which fellow fans count half": e["named_half"], f"NDCG@{k}": e["ndcg"]}
                          for e in sorted(tuning.tried, key=lambda entry: -entry["ndcg"])],
                         caption="Every setting on validation")
    elif isinstance(tuning, Tuning):
        report.add_heading("Tuning on the validation split", level)
        report.add_paragraph(f"Chosen: {_describe_tuning(tuning)}. Highest validation NDCG@{k}, each "
                             "setting counted at its worst with a stronger blockbuster penalty; among settings "
                             f"within {TOLERANCE:.2%} of it, the widest coverage; the build defaults unless that "
                             f"beats them by more than {SIGNIFICANCE:g} standard errors. The test split was never used.")
        best = sorted(tuning.tried, key=lambda entry: -entry["ndcg"])[:15]
        report.add_table([{"EASE smoothing": e["l2_scale"],
                           **{part_name(n): w for n, w in e["weights"].items() if n != "collaborative"},
                           f"NDCG@{k}": e["ndcg"], "coverage": e["coverage"]} for e in best],
                         caption="The 15 best settings on validation; each weight is relative to "
                                 f"{part_name('collaborative')}'s 1")


def _describe_tuning(tuning: Tuning) -> str:
    """The chosen blend in words: the weights by their parts' names, EASE's smoothing."""
    weights = ", ".join(f"{part_name(name)} {value:.3g}" for name, value in tuning.weights.items())
    chosen = f"weights {weights}"
    if tuning.l2_scale is not None:
        chosen += f"; EASE smoothing {tuning.l2_scale:.3g}"
    if tuning.defaults:
        chosen = f"the build defaults (at validation's density: {chosen})"
    if tuning.ease_l2_scale is not None:
        chosen += f"; EASE on its own: smoothing {tuning.ease_l2_scale:g}"
    return chosen


def _describe_newcomer_tuning(tuning: NewcomerTuning) -> str:
    chosen = (f"what people like them favour at weight {tuning.lift_weight:g}, their fellow fans counting half "
              f"once they name {tuning.named_half:g} movies")
    return f"the build defaults ({chosen})" if tuning.defaults else chosen
