"""The newcomer study: how *For you*'s newcomer settings were chosen, re-runnable on any data.

A newcomer gives a few facts about themselves and names a few movies they like.
*For you* ranks them by the fans' shares (:class:`~cinerec.models.fans.Fans`) times
their demographic lift, mixed with the history blend by how many movies they named
(:class:`~cinerec.models.for_you.ForYou`). This study scores settings of both on
**validation newcomers only**: each dataset is split as ``cinerec evaluate --protocol
new-users`` splits it (20% of the people held out), and a validation split is carved
from the training part the same way (with the next seed); the models are fitted on what
remains and the validation people are asked with 1, 2, 3, 5, 10 and 20 named movies, with
and without their demographics. The test people are never used.

Every setting's mean NDCG@10 per number of named movies is printed beside the single
lists (most popular, *also liked*, *people like you*, EASE, the history blend alone), the
settings ranked by their worst lead over the best single list across the numbers::

    python -m benchmarks.newcomer_study ../shared/datasets/ml-100k [SYNTHETIC_DIR...] [--seeds 5]
        [--named 1,2,3] [--feedback likes,seen] [--overlap 2,3] [--rarity 0,0.5] [--shrinkage 0,10] [--max-fans 1000]
        [--lift 0.5,1] [--half 10,20] [--pool 50]

Each option takes comma-separated values to try; left out, the build's default.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from cinerec.build import BuildOptions, fit_engine
from cinerec.data.readers import load_dataset
from cinerec.evaluation import metrics
from cinerec.evaluation.runner import People, newcomer_people
from cinerec.evaluation.splits import split_dataset, validation_split
from cinerec.models.base import QueryBatch, top_n
from cinerec.models.fans import Fans
from cinerec.models.for_you import ForYou

NAMED: tuple[int, ...] = (1, 2, 3, 5, 10, 20)
SINGLE_LISTS: dict[str, str] = {"popular": "popular", "also_liked": "also liked", "people_like_you": "people like you",
                                "collaborative": "EASE"}


@dataclass(frozen=True)
class Setting:
    """One point of the grid: the fans' model and how *For you* mixes it."""

    overlap: float
    rarity: float
    shrinkage: float
    feedback: str
    max_fans: int
    activity: float
    lift: float
    half: float
    pool: int

    @property
    def fans_key(self) -> tuple[float, float, float, str, int, float]:
        """What the fans model of this setting is fitted with."""
        return self.overlap, self.rarity, self.shrinkage, self.feedback, self.max_fans, self.activity

    def label(self) -> str:
        return (f"{self.feedback}, overlap {self.overlap:g}, rarity {self.rarity:g}, shrinkage {self.shrinkage:g}, "
                f"{self.max_fans:,} fans, activity {self.activity:g}, "
                f"lift {self.lift:g}, half {self.half:g}, pool {self.pool}")


def numbers(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(",") if part.strip())


def study(paths: Sequence[str], seeds: int, grid: Sequence[Setting], k: int = 10,
          named_counts: Sequence[int] = NAMED) -> dict[tuple, dict[str, list]]:
    """Per ``(dataset, demographics given, named)``: every list's per-person NDCG@k over all seeds."""
    results: dict[tuple, dict[str, list]] = {}
    for path in paths:
        dataset = load_dataset(path)
        for seed in range(seeds):
            split = split_dataset(dataset, "new-users", seed=seed)
            validation = validation_split(split, seed)
            engine = fit_engine(validation.train, BuildOptions(report=False, random_state=seed))
            described = validation.train.users_with_demographics() > 0
            fans_models = {key: Fans(overlap_power=key[0], rarity_power=key[1], shrinkage=key[2], feedback=key[3],
                                     max_fans=key[4], activity_power=key[5]).fit(validation.train)
                           for key in {setting.fans_key for setting in grid}}
            for demographics, named in itertools.product((True, False) if described else (False,), named_counts):
                people, _ = newcomer_people(validation, seed, named, demographics=demographics)
                if not people.profiles:
                    continue
                queries = engine.query_batch(people.profiles)
                scores = engine.component_scores(queries)
                row = results.setdefault((path, demographics, named), {})
                lists: dict[str, np.ndarray] = {}
                for key, label in SINGLE_LISTS.items():
                    if key in scores and (key != "people_like_you" or demographics):
                        lists[label] = scores[key]
                lists["history blend"] = engine.for_you.blend.combine(scores, queries.seen)
                lift = engine.people_like_you.lift(queries)
                fans = {key: model.score(queries) for key, model in fans_models.items()}
                for setting in grid:
                    signals = {"fans": fans[setting.fans_key],
                               "demographic_lift": lift}
                    for_you = replace(engine.for_you, lift_weight=setting.lift, named_half=setting.half,
                                      pool=setting.pool)
                    lists[setting.label()] = for_you.combine(scores, queries, lambda _q, s=signals: s)
                for name, values in lists.items():
                    row.setdefault(name, []).extend(person_ndcg(values, people, queries, k).tolist())
            print(f"{path} seed {seed} done", file=sys.stderr, flush=True)
    return results


def person_ndcg(scores: np.ndarray, people: People, queries: QueryBatch, k: int) -> np.ndarray:
    """Each person's NDCG@k of the top ``k`` unseen movies by ``scores``."""
    lists = top_n(np.array(scores, dtype=np.float32), k, exclude=queries.seen)[0]
    return metrics.person_metrics(metrics.hits(lists, people.relevant), people.n_relevant, k)["ndcg"]


def summarise(results: Mapping[tuple, Mapping[str, list]], top: int) -> None:
    """Print the single lists and the ``top`` settings by their worst lead over the best single list."""
    columns = sorted(results)
    means = {column: {name: float(np.nanmean(values)) for name, values in results[column].items()}
             for column in columns}
    singles = [*SINGLE_LISTS.values(), "history blend"]
    best_single = {column: max(v for name, v in means[column].items() if name in singles) for column in columns}
    settings = {name for column in columns for name in means[column] if name not in singles}
    worst = {name: min(means[column][name] - best_single[column] for column in columns) for name in settings}
    header = " ".join(f"{'D' if demo else 'L'}{named:<3d}" for _path, demo, named in columns)
    print(f"{'list':<70} {header}  worst lead")
    for name in singles + sorted(settings, key=lambda n: -worst[n])[:top]:
        cells = " ".join(f"{means[column].get(name, float('nan')):.3f}" for column in columns)
        print(f"{name:<70} {cells}  {worst.get(name, float('nan')):+.4f}")
    print("D = demographics and named movies, L = named movies only; columns by number named, per dataset.")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="+")
    parser.add_argument("--seeds", type=int, default=5)
    fans = Fans()
    parser.add_argument("--overlap", type=numbers, default=(fans.overlap_power,))
    parser.add_argument("--rarity", type=numbers, default=(fans.rarity_power,))
    parser.add_argument("--shrinkage", type=numbers, default=(fans.shrinkage,))
    parser.add_argument("--feedback", type=lambda text: tuple(text.split(",")), default=(fans.feedback,))
    parser.add_argument("--max-fans", type=lambda text: tuple(int(v) for v in text.split(",")),
                        default=(fans.max_fans,))
    parser.add_argument("--activity", type=numbers, default=(fans.activity_power,))
    parser.add_argument("--lift", type=numbers, default=(ForYou.lift_weight,))
    parser.add_argument("--half", type=numbers, default=(ForYou.named_half,))
    parser.add_argument("--pool", type=numbers, default=(float(ForYou.pool),))
    parser.add_argument("--named", type=lambda text: tuple(int(part) for part in text.split(",")), default=NAMED,
                        help="numbers of movies the newcomers name (default 1,2,3,5,10,20)")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    grid = [Setting(*values[:8], int(values[8])) for values in itertools.product(
        args.overlap, args.rarity, args.shrinkage, args.feedback, args.max_fans, args.activity, args.lift, args.half,
        args.pool)]
    summarise(study(args.data, args.seeds, grid, named_counts=args.named), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
