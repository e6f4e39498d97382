"""The build report: how the models were made and what they learned, for a person.

It shows the curve that chose the number of demographic clusters, what each cluster
is (who is in it, what it likes more than everyone else), a 2-D picture of the movie
space and of the user space, and how long each step took.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from cinerec.data.dataset import Dataset
from cinerec.models.base import Recommender
from cinerec.reports import plots
from cinerec.reports.html import Report

TOP_MOVIES_PER_CLUSTER = 5
#: Well-known movies named on the movie-space picture as landmarks.
LANDMARK_MOVIES = 12


def write_build_report(directory: Path, dataset: Dataset, fitted: Mapping[str, Recommender],
                       timings: Mapping[str, float]) -> Path:
    """Write ``directory/index.html`` describing a build of ``fitted`` on ``dataset``."""
    releases = " + ".join(dataset.releases) or "data"
    report = Report(f"cinerec model built from {releases}",
                    subtitle=f"{dataset.n_users:,} users · {dataset.n_movies:,} movies · "
                             f"{len(dataset.ratings):,} ratings · fingerprint {dataset.fingerprint}")
    report.add_heading("Timings")
    report.add_table([{"step": step, "seconds": seconds} for step, seconds in timings.items()],
                     caption="Wall-clock seconds per build step")
    if "people_like_you" in fitted:
        _clusters_section(report, dataset, fitted["people_like_you"])
    if "content" in fitted:
        _movie_space_section(report, dataset, fitted["content"])
    return report.write(directory)


def _clusters_section(report: Report, dataset: Dataset, model: Recommender) -> None:
    report.add_heading("People like you: demographic clusters")
    n_clusters = int(model.n_clusters_)  # type: ignore[attr-defined]
    if n_clusters == 0:
        report.add_paragraph("No user in this data has demographics, so there are no clusters and no one like "
                             "a person to ask: 'Popular with people like you' is left out, with a note saying so.")
        return
    k_values = np.asarray(model.k_values_)  # type: ignore[attr-defined]
    if k_values.size > 1:
        report.add_figure(plots.line_chart(
            k_values, {"silhouette (higher is better)": np.asarray(model.silhouettes_)},  # type: ignore[attr-defined]
            title=f"Choosing the number of clusters: k = {n_clusters}", x_label="k (clusters)",
            marker_x=n_clusters), caption="Silhouette of k-means on the encoded demographics for each k; "
                                          "the highest silhouette chose k.")
        report.add_figure(plots.line_chart(
            k_values, {"inertia": np.asarray(model.inertias_)},  # type: ignore[attr-defined]
            title="Elbow: within-cluster sum of squares", x_label="k (clusters)", marker_x=n_clusters),
            caption="Inertia falls as k grows; a bend (elbow) suggests a natural k.")
    report.add_table(_cluster_rows(dataset, model), caption="Each cluster: who is in it (most common values and "
                     "their share) and the movies it likes more than everyone else does")
    points = np.asarray(model.embedding_2d_)  # type: ignore[attr-defined]
    if points.shape[0] > 1:
        labels = [f"cluster {c + 1}" for c in np.asarray(model.embedding_labels_)]  # type: ignore[attr-defined]
        report.add_figure(plots.scatter_2d(points, labels, title="The user space (PCA of demographics)"),
                          caption="Each dot is a user with demographics (a sample), coloured by cluster.")


def _cluster_rows(dataset: Dataset, model: Recommender) -> list[dict[str, object]]:
    titles = _labels(dataset)
    rows = []
    for cluster, profile in enumerate(model.cluster_profiles_):  # type: ignore[attr-defined]
        scores = np.asarray(model.cluster_scores_[cluster], dtype=float)  # type: ignore[attr-defined]
        everyone = np.asarray(model.cluster_scores_[-1], dtype=float)  # type: ignore[attr-defined]
        rows.append({
            "cluster": cluster + 1,
            "people": profile["size"],
            "who": "; ".join(_describe_field(name, values) for name, values in profile.items()
                             if name != "size" and values),
            "most liked in the cluster": "; ".join(titles[i] for i in _best(scores)),
            "liked far more than by everyone (what the section leads with)":
                "; ".join(titles[i] for i in _best(scores - everyone)),
        })
    return rows


def _best(scores: np.ndarray) -> np.ndarray:
    """Indices of the highest finite scores, best first."""
    return np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")[:TOP_MOVIES_PER_CLUSTER]


def _describe_field(name: str, values: list[list[object]]) -> str:
    shown = ", ".join(f"{value} {share:.0%}" for value, share in values[:2])  # type: ignore[str-format]
    return f"{name.replace('_', ' ')}: {shown}"


def _movie_space_section(report: Report, dataset: Dataset, model: Recommender) -> None:
    points = np.asarray(model.embedding_2d_)  # type: ignore[attr-defined]
    if points.shape[0] < 2:
        return
    report.add_heading("The movie space")
    first_genre = [genres[0] if len(genres) else "(none)" for genres in dataset.movies["genres"]]
    counts = np.bincount(dataset.movie_vocab.index(dataset.ratings["movie_id"].to_numpy()), minlength=dataset.n_movies)
    titles = _labels(dataset)
    landmarks = {int(i): titles[i] for i in np.argsort(-counts, kind="stable")[:LANDMARK_MOVIES]}
    report.add_figure(plots.scatter_2d(points, first_genre, title="Movies by content (2-D projection)",
                                       annotations=landmarks),
                      caption="Each dot is a movie placed by what 'Similar' compares (its series, genres, era, "
                              "tags, genome and audience), coloured by its first genre, with the most-rated movies named; neighbours in this picture tend "
                              "to be neighbours in 'Similar to what you like'.")


def _labels(dataset: Dataset) -> list[str]:
    movies = dataset.movies
    return [f"{t} ({int(y)})" if pd.notna(y) else str(t) for t, y in zip(movies["title"], movies["year"])]
