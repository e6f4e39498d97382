"""Presenting an evaluation: the terminal table, ``results.json`` and the HTML report."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cinerec.atomic import atomic_file
from cinerec.evaluation.runner import EvaluationResult
from cinerec.evaluation.tuning import SIGNIFICANCE, TOLERANCE
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
    "new-users": "20% of the people who gave demographics are held out entirely and asked with their "
                 "gender, age, occupation and zip only",
}
METRIC_NOTES = (
    "Relevant = a held-out rating of 4 stars or more; candidates = every movie the person did not rate in "
    "training. Coverage is the share of the catalogue recommended to anyone; novelty the mean popularity rank "
    "of what is recommended (1 = most liked movie). List recall: one relevant held-out movie is hidden; the "
    "share of the person's liked movies whose top-k list (similar / also liked) brings it back.")


def table_rows(result: EvaluationResult) -> tuple[list[str], list[list[object]]]:
    """Header and rows of the results table (one row per model, missing = ``None``)."""
    keys = [key for key in COLUMNS if any(key in m.metrics for m in result.models)]
    header = ["model", *(COLUMNS[key].format(k=result.k) for key in keys)]
    rows = [[m.name, *(m.metrics.get(key) for key in keys)] for m in result.models]
    return header, rows


def print_result(result: EvaluationResult, console: Console | None = None) -> None:
    """The results as a terminal table, with what was measured and how."""
    console = console or Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 150)  # a file or pipe gets the whole table, unwrapped
    header, rows = table_rows(result)
    table = Table(title=f"{result.dataset} · {result.protocol} protocol · top {result.k} · seed {result.seed}",
                  title_justify="left")
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i == 0 else "right")
    columns = [format_column([row[i] for row in rows]) for i in range(len(header))]
    for cells in zip(*columns, strict=True):
        table.add_row(*cells)
    console.print(f"Dataset fingerprint {result.fingerprint}: {PROTOCOL_TEXT[result.protocol]}.", soft_wrap=True)
    console.print(f"{result.sizes['people']:,} people asked, {result.sizes['relevant']:,} relevant held-out "
                  f"movies, {result.sizes['train_ratings']:,} training ratings.", soft_wrap=True)
    if result.tuning is not None:
        console.print(f"Tuned on validation ({result.tuning.validation_people:,} people, "
                      f"{len(result.tuning.tried)} settings): {result.tuning.describe()}", soft_wrap=True)
    for text in result.notes:
        console.print(f"note: {text}", soft_wrap=True)
    console.print(table)
    console.print(f"Evaluated in {result.seconds:.1f} s.")


def write_json(result: EvaluationResult, directory: Path) -> Path:
    """``directory/results.json``, written atomically."""
    target = directory / RESULTS_FILE
    with atomic_file(target, "w", encoding="utf-8") as stream:
        json.dump(result.to_json(), stream, indent=2, ensure_ascii=False)
    return target


def build_report(result: EvaluationResult) -> Report:
    """The HTML report: the table, then NDCG by model, by activity, and the precision–recall curve."""
    report = Report(f"Evaluation: {result.dataset}, {result.protocol} protocol",
                    f"top {result.k}, seed {result.seed}, dataset fingerprint {result.fingerprint}")
    report.add_heading("Results")
    report.add_paragraph(f"Protocol: {PROTOCOL_TEXT[result.protocol]}. {METRIC_NOTES}")
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
    if result.tuning is not None:
        report.add_heading("Tuning on the validation split")
        report.add_paragraph(f"Chosen: {result.tuning.describe()}. Highest validation NDCG@{result.k}, each "
                             "setting counted at its worst with a stronger mainstream penalty; among settings "
                             f"within {TOLERANCE:.2%} of it, the widest coverage; the build defaults unless that "
                             f"beats them by more than {SIGNIFICANCE:g} standard errors. The test split was never used.")
        best = sorted(result.tuning.tried, key=lambda entry: -entry["ndcg"])[:15]
        report.add_table([{"EASE l2 scale": e["l2_scale"], **{n: w for n, w in e["weights"].items() if n != "collaborative"},
                           f"NDCG@{result.k}": e["ndcg"], "coverage": e["coverage"]} for e in best],
                         caption="The 15 best settings on validation")
    return report
