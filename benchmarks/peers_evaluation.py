"""Peers on the same split: adds `implicit`'s item-kNN (cosine, BM25) and ALS rows to ``cinerec evaluate``.

Optional and never part of cinerec's install: run it where ``implicit`` is importable,
for example after ``pip install --target /tmp/peers implicit``::

    PYTHONPATH=/tmp/peers python benchmarks/peers_evaluation.py /path/to/ml-100k --out /tmp/peers-eval

Every peer is fitted on the training split's likes matrix (the one cinerec's models
learn from) and ranked by :func:`cinerec.evaluation.runner.evaluate` on the same people,
candidates and exclusions as every cinerec row, in the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.data.readers import load_datasets
from cinerec.evaluation.report import build_report, print_result, write_json
from cinerec.evaluation.runner import evaluate
from cinerec.evaluation.scorers import Contender
from cinerec.evaluation.names import PROTOCOLS
from cinerec.models.likes import likes_matrix


def item_knn(kind: str, k: int = 50):
    """A contender factory for implicit's ``CosineRecommender`` or ``BM25Recommender``."""
    def make(train: Dataset) -> Contender:
        from implicit.nearest_neighbours import BM25Recommender, CosineRecommender

        model = (CosineRecommender if kind == "cosine" else BM25Recommender)(K=k)
        model.fit(likes_matrix(train), show_progress=False)
        similarity = sp.csr_matrix(model.similarity, dtype=np.float32)

        def score(queries, _components, _start):
            liked = queries.likes.multiply(queries.likes > 0).tocsr()
            return np.asarray((liked @ similarity).todense(), dtype=np.float32)
        return Contender(f"implicit-{kind}", f"implicit {kind} item-kNN, K={k}", "history", score)
    return make


def als(factors: int = 64, regularization: float = 0.05, iterations: int = 15, seed: int = 0):
    """A contender factory for implicit's ALS; people's factors are solved from their likes."""
    def make(train: Dataset) -> Contender:
        from implicit.cpu.als import AlternatingLeastSquares

        model = AlternatingLeastSquares(factors=factors, regularization=regularization, iterations=iterations,
                                        random_state=seed)
        model.fit(likes_matrix(train), show_progress=False)

        def score(queries, _components, _start):
            liked = sp.csr_matrix(queries.likes.multiply(queries.likes > 0), dtype=np.float32)
            people = np.arange(liked.shape[0])
            ids, values = model.recommend(people, liked, N=liked.shape[1], recalculate_user=True,
                                          filter_already_liked_items=False)
            scores = np.full(liked.shape, np.nan, dtype=np.float32)
            np.put_along_axis(scores, ids, values, axis=1)
            scores[np.diff(liked.indptr) == 0] = np.nan
            return scores
        return Contender("implicit-als", f"implicit ALS, {factors} factors", "history", score)
    return make


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="+")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="random")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if importlib.util.find_spec("implicit") is None:
        print("implicit is not installed: skipping the peers benchmark "
              "(pip install implicit into a separate environment to run it)", file=sys.stderr)
        return 0
    dataset, _ = load_datasets(args.data)
    result = evaluate(dataset, args.protocol, k=args.k, seed=args.seed,
                      extra=(item_knn("cosine"), item_knn("bm25"), als(seed=args.seed)))
    print_result(result)
    if args.out is not None:
        write_json(result, args.out)
        print(f"Report: {build_report(result).write(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
