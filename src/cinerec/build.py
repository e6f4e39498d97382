"""``cinerec build``: fit every recommender on a dataset and write one model directory.

The steps are independent fits over the same dataset — content neighbours, *also
liked* neighbours, demographic clusters, popularity and (where the catalogue allows)
the strong collaborative model — followed by what the query engine needs to answer
without the dataset: the catalogue, the users' demographics and the training
history of every known user. Everything goes through :class:`~cinerec.artifacts.ModelWriter`,
so the directory appears complete or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cinerec.artifacts import ModelWriter
from cinerec.data.dataset import Dataset
from cinerec.models.base import DEMOGRAPHIC_COLUMNS, Recommender, misaligned
from cinerec.models.for_you import ForYou
from cinerec.progress import note, status

if TYPE_CHECKING:
    from cinerec.engine import Engine

CATALOGUE_FILE = "catalogue.parquet"
USERS_FILE = "users.parquet"


@dataclass(frozen=True)
class BuildOptions:
    """Hyper-parameters of a build; ``None`` means the component's own default (for the
    blend's EASE, :func:`~cinerec.models.for_you.blend_l2_scale` of the data's likings
    per movie)."""

    similar_k: int = 100
    also_liked_k: int = 100
    ease_l2: float | None = None
    ease_l2_scale: float | None = None
    clusters: int | None = None
    random_state: int = 0
    report: bool = True

    def components(self, dataset: Dataset) -> dict[str, Recommender]:
        """The unfitted recommenders this build fits, by model-directory name."""
        from cinerec.models.also_liked import AlsoLiked
        from cinerec.models.content import ContentSimilarity
        from cinerec.models.demographic import PeopleLikeYou
        from cinerec.models.fans import Fans
        from cinerec.models.mainstream import Mainstream
        from cinerec.models.popular import MostPopular
        from cinerec.models.rising import Rising

        components: dict[str, Recommender] = {
            "popular": MostPopular(),
            "content": ContentSimilarity(k=self.similar_k),
            "also_liked": AlsoLiked(k=self.also_liked_k),
            "people_like_you": PeopleLikeYou(**_given(k=self.clusters, random_state=self.random_state)),
        }
        from cinerec.models.aggregates import movie_counts
        from cinerec.models.ease import EASE, likings_per_movie
        from cinerec.models.for_you import blend_l2_scale

        blend_scale = blend_l2_scale(likings_per_movie(movie_counts(dataset).likings)) if self.ease_l2_scale is None \
            else self.ease_l2_scale
        components["collaborative"] = EASE(**_given(l2=self.ease_l2), l2_scale=blend_scale)
        # 10× the mean ratings per movie: λ≈500 on ml-100k's training split, the best of
        # 250 / 500 / 1,000 inside the For you blend on ml-100k validation.
        components["collaborative_seen"] = EASE(l2_scale=10.0, feedback="seen")
        components["mainstream"] = Mainstream()
        components["rising"] = Rising()
        components["fans"] = Fans()
        return components


def _given(**kwargs: Any) -> dict[str, Any]:
    """Keyword arguments that were actually set (so components keep their defaults)."""
    return {k: v for k, v in kwargs.items() if v is not None}


@dataclass
class BuildResult:
    path: Path
    timings: dict[str, float] = field(default_factory=dict)
    report: Path | None = None


@contextmanager
def _timed(timings: dict[str, float], step: str, message: str) -> Iterator[None]:
    start = time.perf_counter()
    with status(message):
        yield
    timings[step] = round(time.perf_counter() - start, 3)


@contextmanager
def copy_on_write() -> Iterator[None]:
    """pandas 3's copy-on-write under pandas 2 as well (which PySpark still requires):
    without it pandas 2 copies frames defensively, a fifth more peak memory in a build
    at 25M ratings. pandas 3 always copies on write, and warns when asked to."""
    if int(pd.__version__.split(".")[0]) >= 3:
        yield
        return
    with pd.option_context("mode.copy_on_write", True):
        yield


def build_model(paths: Sequence[str | Path], out: str | Path, options: BuildOptions = BuildOptions(),
                load: Callable[[str | Path], Dataset] | None = None) -> BuildResult:
    """Read one or more releases (several = combined; ``load`` reads each another way
    than the local readers) and build a model directory."""
    from cinerec.artifacts import check_model_target
    from cinerec.data.readers import load_datasets

    check_model_target(out)  # before any reading or fitting: never after minutes of work
    timings: dict[str, float] = {}
    with copy_on_write(), _timed(timings, "read", "Reading MovieLens…"):
        dataset, combined = load_datasets(paths, load=load)
    if combined is not None:  # how the releases were joined is the person's to know
        for line in combined.lines():
            note(line)
    result = build_from_dataset(dataset, out, options)
    result.timings = {**timings, **result.timings}
    return result


def fit_components(dataset: Dataset, options: BuildOptions = BuildOptions(),
                   on_step: Callable[[str, float], None] | None = None) -> tuple[dict[str, Recommender], dict[str, float]]:
    """Fit every component on ``dataset``: ``(fitted by name, seconds by name)``."""
    timings: dict[str, float] = {}
    fitted: dict[str, Recommender] = {}
    from cinerec.models.aggregates import movie_counts, person_means
    from cinerec.reports.names import part_name

    with _timed(timings, "count", "Counting ratings and likes…"):  # what every component reads, taken once
        movie_counts(dataset)
        person_means(dataset)
    components = options.components(dataset)
    for step, (name, model) in enumerate(components.items(), start=1):
        with _timed(timings, name, f"{step}/{len(components)} {part_name(name)}…"):
            fitted[name] = model.fit(dataset)
        if on_step is not None:
            on_step(name, timings[name])
    if (name := misaligned(fitted, dataset.movie_vocab.ids)) is not None:
        raise AssertionError(f"component '{name}' indexes movies in another order than the dataset")
    return fitted, timings


def fit_engine(dataset: Dataset, options: BuildOptions | None = None) -> Engine:
    """Fit every component on ``dataset`` in memory and answer from them, without a model
    directory (as the evaluation does)."""
    from cinerec.engine import Engine

    fitted, _ = fit_components(dataset, options or BuildOptions(report=False))
    return Engine(fitted, catalogue_table(dataset), users_table(dataset), dataset.rating_matrix())


def build_from_dataset(dataset: Dataset, out: str | Path, options: BuildOptions = BuildOptions(),
                       on_step: Callable[[str, float], None] | None = None) -> BuildResult:
    """Fit every component on ``dataset`` and write the model directory ``out``, with the
    *For you* settings the fitted components call for."""
    from cinerec.artifacts import check_model_target

    check_model_target(out)  # before fitting: a refused target must not cost the fit
    with copy_on_write():
        fitted, timings = fit_components(dataset, options, on_step)
    with ModelWriter(out) as writer:
        with _timed(timings, "write", "Writing the model directory…"):
            for name, model in fitted.items():
                writer.add_component(name, model)
            pq.write_table(pa.Table.from_pandas(catalogue_table(dataset), preserve_index=False),
                           writer.path(CATALOGUE_FILE))
            writer.add_array("movie_ids", dataset.movie_vocab.ids.astype(np.int32))
            pq.write_table(pa.Table.from_pandas(users_table(dataset), preserve_index=False), writer.path(USERS_FILE))
            history = dataset.rating_matrix()
            writer.add_array("history_indptr", history.indptr.astype(np.int64))
            writer.add_array("history_indices", history.indices.astype(np.int32))
            writer.add_array("history_ratings", history.data.astype(np.float32))
        writer.manifest["datasets"].append({
            "releases": list(dataset.releases), "fingerprint": dataset.fingerprint, "counts": dataset.counts(),
        })
        writer.manifest["build_options"] = asdict(options)
        writer.manifest["for_you"] = ForYou.for_components(fitted).to_json()
        report_path = None
        if options.report:
            from cinerec.reports.build_report import write_build_report

            with _timed(timings, "report", "Writing the build report…"):
                report_path = write_build_report(writer.path("report"), dataset, fitted, timings)
        writer.manifest["timings"] = timings
        path = writer.commit()
    report = path / report_path.relative_to(writer.staging) if report_path is not None else None
    return BuildResult(path=path, timings=timings, report=report)


def catalogue_table(dataset: Dataset) -> pd.DataFrame:
    """The movies table with rating counts: enough to name, describe and find movies."""
    from cinerec.models.aggregates import movie_counts

    return dataset.movies.assign(n_ratings=movie_counts(dataset).ratings.astype(np.int32))


def users_table(dataset: Dataset) -> pd.DataFrame:
    """Known users' ids and demographics (their training ratings are stored as arrays)."""
    return dataset.users[["user_id", "release", "release_user_id", *DEMOGRAPHIC_COLUMNS]]
