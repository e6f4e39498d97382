"""The peers' cost on the same data, in the same run as cinerec's build.

Two kinds of peer:

* implicit's item-kNN (``BM25Recommender``, K = 100; its cosine variant costs the same) and ALS
  (64 factors, 15 iterations), fitted on the very matrix cinerec's *also liked* learns
  from — the binary user × movie likes matrix of :mod:`cinerec.models.likes` — so the
  ratio *also liked* / item-kNN compares equal work. implicit is optional and never a
  dependency of cinerec: when the children cannot import it, its rows are left out and
  the suite says so (``pip install -e '.[bench]'``, or ``pip install --no-deps --target
  DIR implicit tqdm`` and ``PYTHONPATH=DIR``).
* the seed's approach: a *dense* movie × movie cosine-similarity matrix over the
  movies' rating columns. At 62,000 movies it is 15 GB of float32, more than is sensible
  to allocate on a 24 GB machine shared with other work, so it is computed for a random
  slice of movies against all movies and extrapolated linearly in the number of rows
  (each row costs the same: one sparse row against every movie). The extrapolated
  figures are labelled as such everywhere they appear.

Each fit runs in its own process (see :mod:`benchmarks.harness`); the child loads the
parsed dataset first and reports the fit alone as ``timed_seconds``.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.harness import JsonValue, Measurement, run_in_child

NEIGHBOURS = 100
ALS_FACTORS = 64
ALS_ITERATIONS = 15
#: Movies in the measured slice of the seed's dense similarity matrix.
DENSE_SLICE_MOVIES = 2_000
#: The fact every child reports: seconds of the measured work alone, data loading excluded.
TIMED = "timed_seconds"
#: implicit's models by measurement name: (label, class path).
IMPLICIT_MODELS: dict[str, tuple[str, str]] = {
    "implicit_bm25": (f"implicit `BM25Recommender(K={NEIGHBOURS})` fit (item-kNN)",
                      "implicit.nearest_neighbours:BM25Recommender"),
    "implicit_als": (f"implicit ALS fit ({ALS_FACTORS} factors, {ALS_ITERATIONS} iterations)",
                     "implicit.cpu.als:AlternatingLeastSquares"),
}
_PRELOAD = ("numpy", "scipy.sparse", "cinerec.data.readers", "cinerec.models.likes")


def implicit_unavailable() -> str | None:
    """Why the children cannot use implicit, or ``None`` when they can (asked in a child,
    with the children's import path, so the answer is theirs)."""
    facts = run_in_child(Measurement("probe_implicit", "can the children import implicit?",
                                     "benchmarks.peers_benchmark:probe_implicit")).facts
    return None if facts["importable"] else str(facts["reason"])


def measurements(folder: Path) -> tuple[tuple[Measurement, ...], tuple[str, ...]]:
    """The peers' measurements on the release in ``folder``, and notes for the table."""
    dense = Measurement(
        "seed_dense_cosine",
        f"seed: dense movie × movie cosine, {DENSE_SLICE_MOVIES:,}-movie slice (full matrix extrapolated)",
        "benchmarks.peers_benchmark:dense_cosine_slice", (str(folder), DENSE_SLICE_MOVIES),
        (*_PRELOAD, "sklearn.metrics.pairwise"))
    notes = [f"The seed's dense similarity is computed for {DENSE_SLICE_MOVIES:,} random movies against all "
             "movies (sklearn `cosine_similarity`, dense output, float32); its full-catalogue time and size "
             "are extrapolated (time × movies / slice; bytes = movies² × 4), never measured."]
    missing = implicit_unavailable()
    if missing is not None:
        notes.append(f"implicit rows skipped: the benchmark children cannot import implicit ({missing}). "
                     "It is optional: `pip install -e '.[bench]'`, or install it anywhere with "
                     "`pip install --no-deps --target DIR implicit tqdm` and run with `PYTHONPATH=DIR`.")
        return (dense,), tuple(notes)
    peers = tuple(Measurement(name, label, "benchmarks.peers_benchmark:fit_implicit", (str(folder), name),
                              (*_PRELOAD, "implicit", class_path.split(":")[0]))
                  for name, (label, class_path) in IMPLICIT_MODELS.items())
    notes.append("implicit is fitted on the binary likes matrix that cinerec's *also liked* learns from "
                 "(the same users, movies and non-zeros); ALS runs with BLAS limited to one thread, "
                 "as implicit recommends.")
    return (*peers, dense), tuple(notes)


# --------------------------------------------------------- run in child processes
def probe_implicit() -> dict[str, JsonValue]:
    try:
        import implicit
        from implicit.cpu.als import AlternatingLeastSquares  # noqa: F401 - the compiled parts load
        from implicit.nearest_neighbours import BM25Recommender  # noqa: F401
    except ImportError as exc:
        return {"importable": False, "reason": str(exc)}
    return {"importable": True, "version": implicit.__version__}


def fit_implicit(folder: str, name: str) -> dict[str, JsonValue]:
    """Fit one of :data:`IMPLICIT_MODELS` on the likes matrix; the fit alone is timed."""
    import importlib
    import time

    from threadpoolctl import threadpool_limits

    from cinerec.data.readers import load_dataset
    from cinerec.models.likes import likes_matrix

    likes = likes_matrix(load_dataset(folder))
    module_name, class_name = IMPLICIT_MODELS[name][1].split(":")
    model_class = getattr(importlib.import_module(module_name), class_name)
    als = name == "implicit_als"
    # implicit warns (on construction) that multithreaded BLAS slows its ALS down.
    with threadpool_limits(1 if als else None, "blas"):
        model = (model_class(factors=ALS_FACTORS, iterations=ALS_ITERATIONS, random_state=0) if als
                 else model_class(K=NEIGHBOURS))
        started = time.perf_counter()
        model.fit(likes, show_progress=False)
        seconds = time.perf_counter() - started
    return {TIMED: seconds, "likes": int(likes.nnz), "users": likes.shape[0], "movies": likes.shape[1]}


def dense_cosine_slice(folder: str, slice_movies: int) -> dict[str, JsonValue]:
    """The seed's dense cosine similarity for a random slice of movies against all
    movies (movie rows = rating columns), timed, with the full matrix extrapolated."""
    import time

    import numpy as np
    from sklearn.metrics.pairwise import cosine_similarity

    from cinerec.data.readers import load_dataset

    movie_ratings = load_dataset(folder).rating_matrix().T.tocsr()
    n_movies = movie_ratings.shape[0]
    rows = np.sort(np.random.default_rng(0).choice(n_movies, size=min(slice_movies, n_movies), replace=False))
    started = time.perf_counter()
    block = cosine_similarity(movie_ratings[rows], movie_ratings, dense_output=True)
    seconds = time.perf_counter() - started
    scale = n_movies / rows.size
    return {TIMED: seconds, "slice_movies": int(rows.size), "movies": n_movies,
            "extrapolated_seconds": seconds * scale, "slice_bytes": int(block.nbytes),
            "full_matrix_bytes": int(block.itemsize) * n_movies * n_movies}
