"""Presenting an evaluation: the terminal table, ``results.json`` and the HTML report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cinerec.atomic import atomic_file
from cinerec.evaluation.runner import REFERENCE, EvaluationResult
from cinerec.evaluation.tuning import SIGNIFICANCE, TOLERANCE, NewcomerTuning
from cinerec.reports.html import Report, format_column
from cinerec.reports.plots import grouped_bar_chart, line_chart

RESULTS_FILE = "results.json"
#: Table columns: metric key → heading (``{k}`` is the run's cut-off).
COLUMNS: dict[str, str] = {
    "ndcg": "NDCG@{k}", "recall": "Recall@{k}", "precision": "Precision@{k}", "map": "MAP@{k}",
    "hit_rate": "Hit rate@{k}", "coverage": "Coverage@{k}", "novelty": "Novelty@{k}",
    "list_recall": "List recall@{k}",
}
PROTOCOL_TEXT: dict[str, str] = {
    "random": "a random 20% of each person's ratings is held out (people with at least 5 ratings)",
    "temporal": "each person's latest 20% of ratings is held out (people with at least 5 ratings)",
}
#: The heading of the paired-difference column.
PAIRED_HEADING = "For you ahead by (± s.e.)"
METRIC_NOTES = (
    "Relevant = a held-out rating of 4 stars or more; candidates = every movie the person did not rate in "
    "training. Coverage is the share of the catalogue recommended to anyone; novelty the mean popularity rank "
    "of what is recommended (1 = most liked movie). List recall: one relevant held-out movie is hidden; the "
    "share of the person's liked movies whose top-k list (similar / also liked) brings it back.")


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
        text += f" ({left_out:,} held-out people with fewer than {named + 1} liked movies are left out)"
    return text


def table_rows(result: EvaluationResult) -> tuple[list[str], list[list[object]]]:
    """Header and rows of the results table (one row per model, missing = ``None``),
    ending with the paired difference to *For you* where it was measured."""
    keys = [key for key in COLUMNS if any(key in m.metrics for m in result.models)]
    header = ["model", *(COLUMNS[key].format(k=result.k) for key in keys)]
    rows = [[m.name, *(m.metrics.get(key) for key in keys)] for m in result.models]
    if any(m.paired is not None for m in result.models):
        header.append(PAIRED_HEADING)
        for row, model in zip(rows, result.models, strict=True):
            row.append(_paired_text(model.paired) if model.paired is not None else
                       ("—" if model.name == REFERENCE else None))
    return header, rows


def _paired_text(paired: dict[str, float]) -> str:
    """"+0.012 ± 0.004" (NDCG, per person)."""
    return f"{paired['difference']:+.3f} ± {paired['standard_error']:.3f}"


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
    """``directory/results.json`` (``{"runs": [...]}``, one document per run), written atomically."""
    target = directory / RESULTS_FILE
    with atomic_file(target, "w", encoding="utf-8") as stream:
        json.dump({"runs": [result.to_json() for result in results]}, stream, indent=2, ensure_ascii=False)
    return target


def build_report(results: Sequence[EvaluationResult]) -> Report:
    """The HTML report of one or more runs on one split: for several newcomer runs, NDCG
    by how many movies the newcomers named first; then each run's section (see
    :func:`add_run`)."""
    first = results[0]
    report = Report(f"Evaluation: {first.dataset}, {first.protocol} protocol",
                    f"top {first.k}, seed {first.seed}, dataset fingerprint {first.fingerprint}")
    if len(results) > 1 and all(r.given_likes is not None for r in results):
        named = [r.given_likes for r in results]
        names = list(dict.fromkeys(m.name for r in results for m in r.models))
        series = {name: [next((m.metrics["ndcg"] for m in r.models if m.name == name), float("nan"))
                         for r in results] for name in names}
        report.add_heading("The more a newcomer names, the better the lists")
        report.add_figure(line_chart(named, series, title=f"NDCG@{first.k} by movies named",
                                     x_label="liked movies the newcomer named", y_label=f"NDCG@{first.k}"),
                          caption="Each point is a run below: the same held-out people, fewer of them the more "
                                  "movies they must have liked.")
    for result in results:
        add_run(report, result, heading=run_title(result) if len(results) > 1 else "Results")
    return report


def add_run(report: Report, result: EvaluationResult, heading: str) -> None:
    """One run's section: the table, then NDCG by model, by activity, the
    precision–recall curve and what tuning chose."""
    report.add_heading(heading)
    report.add_paragraph(f"Protocol: {describe_protocol(result)}. {METRIC_NOTES}")
    report.add_key_values({"people asked": result.sizes["people"], "relevant held-out": result.sizes["relevant"],
                           "training ratings": result.sizes["train_ratings"], "seconds": result.seconds})
    header, rows = table_rows(result)
    report.add_table(rows, columns=header)
    for text in result.notes:
        report.add_paragraph(text)
    names = [m.name for m in result.models]
    report.add_heading("Accuracy by model")
    for key, label in (("ndcg", f"NDCG@{result.k}"), ("coverage", f"Catalogue coverage@{result.k}")):
        report.add_figure(grouped_bar_chart(names, {label: [m.metrics[key] for m in result.models]},
                                            title=label, value_label=label), caption="Higher is better.")
    if result.given_likes is None:  # newcomers have no training ratings
        report.add_heading("By how much people rated")
        buckets = list(dict.fromkeys(b for m in result.models for b in m.by_activity))
        report.add_figure(grouped_bar_chart(buckets, {m.name: [m.by_activity.get(b, float("nan")) for b in buckets]
                                                      for m in result.models},
                                            title=f"NDCG@{result.k} by training ratings per person",
                                            value_label=f"NDCG@{result.k}", category_label="ratings in training"),
                          caption="People with long histories are easier to recommend for; the gap between models "
                                  "for newcomers is what matters most to them.")
    report.add_heading("Precision and recall at several cut-offs")
    for metric in ("precision", "recall"):
        cutoffs = sorted(result.models[0].curve)
        report.add_figure(line_chart(cutoffs, {m.name: [m.curve[c][metric] for c in cutoffs]
                                                for m in result.models},
                                     title=f"{metric.capitalize()} at k", x_label="k (list length)",
                                     y_label=metric, marker_x=result.k))
    if isinstance(result.tuning, NewcomerTuning):
        report.add_heading("Tuning on validation newcomers")
        report.add_paragraph(f"Chosen: {result.tuning.describe()}. Highest validation NDCG@{result.k} over "
                             f"{result.tuning.validation_people:,} validation newcomers, the build defaults unless "
                             f"that beats them by more than {SIGNIFICANCE:g} standard errors. The test people were "
                             "never used.")
        report.add_table([{"demographic lift weight": e["lift_weight"], "fans weigh half at (named movies)":
                           e["named_half"], f"NDCG@{result.k}": e["ndcg"]}
                          for e in sorted(result.tuning.tried, key=lambda entry: -entry["ndcg"])],
                         caption="Every setting on validation")
    elif result.tuning is not None:
        report.add_heading("Tuning on the validation split")
        report.add_paragraph(f"Chosen: {result.tuning.describe()}. Highest validation NDCG@{result.k}, each "
                             "setting counted at its worst with a stronger mainstream penalty; among settings "
                             f"within {TOLERANCE:.2%} of it, the widest coverage; the build defaults unless that "
                             f"beats them by more than {SIGNIFICANCE:g} standard errors. The test split was never used.")
        best = sorted(result.tuning.tried, key=lambda entry: -entry["ndcg"])[:15]
        report.add_table([{"EASE l2 scale": e["l2_scale"], **{n: w for n, w in e["weights"].items() if n != "collaborative"},
                           f"NDCG@{result.k}": e["ndcg"], "coverage": e["coverage"]} for e in best],
                         caption="The 15 best settings on validation")
