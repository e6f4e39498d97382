"""The build report: how the models were made and what they learned, for a person.

It shows the curve that chose the number of demographic groups, what each group is
(who is in it, what it likes more than everyone else), a map of the movies and one of
the people, and how long each step took.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from cinerec.data.dataset import Dataset
from cinerec.data.inspect import GENDER_NAMES, OTHER_ZIP_REGION, US_ZIP_REGIONS
from cinerec.models.base import Recommender
from cinerec.reports import plots
from cinerec.reports.html import Hover, Report
from cinerec.reports.names import part_name

TOP_MOVIES_PER_CLUSTER = 5
#: The movie map names these many most-rated movies when the pointer rests on them
#: (every movie of a catalogue this size; beyond, the page would grow by megabytes).
HOVER_MOVIES = 3_000
#: Demographic fields as the group table names them.
FIELD_NAMES: dict[str, str] = {"gender": "gender", "age_band": "age", "occupation": "occupation",
                               "region": "zip code"}


def write_build_report(directory: Path, dataset: Dataset, fitted: Mapping[str, Recommender],
                       timings: Mapping[str, float]) -> Path:
    """Write ``directory/index.html`` describing a build of ``fitted`` on ``dataset``."""
    from cinerec.data.releases import release_label

    releases = " + ".join(map(release_label, dataset.releases)) or "data"
    report = Report(f"cinerec model built from {releases}",
                    subtitle=f"{dataset.n_users:,} users · {dataset.n_movies:,} movies · "
                             f"{len(dataset.ratings):,} ratings · fingerprint {dataset.fingerprint}")
    report.add_heading("How long each step took")
    report.add_table([{"step": part_name(step), "seconds": seconds} for step, seconds in timings.items()],
                     caption="Wall-clock seconds per build step")
    if "people_like_you" in fitted:
        _clusters_section(report, dataset, fitted["people_like_you"])
    if "content" in fitted:
        _movie_space_section(report, dataset, fitted["content"])
    return report.write(directory)


def _clusters_section(report: Report, dataset: Dataset, model: Recommender) -> None:
    report.add_heading("People like you: groups of similar people")
    n_clusters = int(model.n_clusters_)  # type: ignore[attr-defined]
    if n_clusters == 0:
        report.add_paragraph("No user in this data has demographics, so there are no groups and no one like "
                             "a person to ask: 'Popular with people like you' is left out, with a note saying so.")
        return
    k_values = np.asarray(model.k_values_)  # type: ignore[attr-defined]
    if k_values.size > 1:
        report.add_figure(plots.line_chart(
            k_values, {"separation": np.asarray(model.silhouettes_)},  # type: ignore[attr-defined]
            title=f"Choosing the number of groups: {n_clusters}", x_label="number of groups",
            y_label="how clearly the groups separate", marker_x=n_clusters),
            caption="How clearly people fall apart into groups by gender, age, occupation and zip code, for each "
                    "number of groups (the silhouette of k-means, higher is clearer); the clearest chose the number.")
        report.add_figure(plots.line_chart(
            k_values, {"spread": np.asarray(model.inertias_)},  # type: ignore[attr-defined]
            title="How tightly people fit their group", x_label="number of groups",
            y_label="spread within the groups", marker_x=n_clusters),
            caption="The spread always falls as groups are added; where it stops falling fast (the elbow) is a "
                    "natural number of groups.")
    report.add_table(_cluster_rows(dataset, model), caption="Each group: who is in it (the most common answers and "
                     "their share) and the movies it likes more than everyone else does")
    points = np.asarray(model.embedding_2d_)  # type: ignore[attr-defined]
    if points.shape[0] > 1:
        labels = [f"group {c + 1}" for c in np.asarray(model.embedding_labels_)]  # type: ignore[attr-defined]
        report.add_figure(plots.scatter_2d(points, labels, title="People by their demographics (a 2-D picture)",
                                           max_groups=20),
                          caption="Each dot is a person who gave demographics (a sample), coloured by group.")


def _cluster_rows(dataset: Dataset, model: Recommender) -> list[dict[str, object]]:
    titles = _labels(dataset)
    rows = []
    for cluster, profile in enumerate(model.cluster_profiles_):  # type: ignore[attr-defined]
        scores = np.asarray(model.cluster_scores_[cluster], dtype=float)  # type: ignore[attr-defined]
        everyone = np.asarray(model.cluster_scores_[-1], dtype=float)  # type: ignore[attr-defined]
        rows.append({
            "group": cluster + 1,
            "people": profile["size"],
            "who": "; ".join(_describe_field(name, values) for name, values in profile.items()
                             if name != "size" and values),
            "most liked in the group": "; ".join(titles[i] for i in _best(scores)),
            "liked far more here than by everyone (what the section shows first)":
                "; ".join(titles[i] for i in _best(scores - everyone)),
        })
    return rows


def _best(scores: np.ndarray) -> np.ndarray:
    """Indices of the highest finite scores, best first."""
    return np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")[:TOP_MOVIES_PER_CLUSTER]


def _describe_field(name: str, values: list[list[object]]) -> str:
    """``"gender: male 71%, female 29%"``: a field's two most common answers in a group."""
    shown = ", ".join(f"{_answer(name, str(value))} {float(share):.0%}"  # type: ignore[arg-type]
                      for value, share in values[:2])
    return f"{FIELD_NAMES.get(name, name.replace('_', ' '))}: {shown}"


def _answer(name: str, value: str) -> str:
    """An answer as a person reads it: ``male``, ``9xxxx (CA, WA, OR, AK, HI)``."""
    if name == "gender":
        return GENDER_NAMES.get(value, value)
    if name == "region":
        code, _, states = US_ZIP_REGIONS.get(value, OTHER_ZIP_REGION).partition(" ")
        return f"{code} ({states})" if states else code
    return value


def _movie_space_section(report: Report, dataset: Dataset, model: Recommender) -> None:
    points = np.asarray(model.embedding_2d_)  # type: ignore[attr-defined]
    if points.shape[0] < 2:
        return
    report.add_heading("The movie map")
    first_genre = [genres[0] if len(genres) else "(no genre)" for genres in dataset.movies["genres"]]
    counts = np.bincount(dataset.movie_vocab.index(dataset.ratings["movie_id"].to_numpy()), minlength=dataset.n_movies)
    titles = _labels(dataset)
    hovered = np.argsort(-counts, kind="stable")[:HOVER_MOVIES][::-1]  # the most rated on top
    every = "" if hovered.size == len(titles) else f" (one of the {hovered.size:,} most rated)"
    report.add_hover_figure(
        plots.scatter_2d(points, first_genre, title="Movies by what they are like (a 2-D picture)", names=titles,
                         renown=counts),
        Hover(points[hovered], [titles[i] for i in hovered]),
        caption="Each dot is a movie placed by what 'Similar' compares (its series, genres, era, tags and "
                "audience), coloured by its first genre; the best-known movie of each region is named. Rest the "
                f"pointer on a dot to see which movie it is{every}. Neighbours in this picture tend to be "
                "neighbours in 'Similar to what you like'.",
        alt="Map of the movies, coloured by genre, with a few well-known titles named.")


def _labels(dataset: Dataset) -> list[str]:
    movies = dataset.movies
    return [f"{t} ({int(y)})" if pd.notna(y) else str(t) for t, y in zip(movies["title"], movies["year"])]
