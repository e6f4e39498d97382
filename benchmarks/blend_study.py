"""The blend study: how *For you*'s default weights were chosen, re-runnable on any datasets.

``cinerec evaluate`` tunes the blend per dataset; the build defaults must instead hold
on every dataset at once. This study scores settings around each dataset's defaults
(:func:`~cinerec.models.for_you.default_weights` and
:func:`~cinerec.models.for_you.blend_l2_scale` for its likings per movie): the signals
beside EASE scaled by one factor, the mainstream penalty by another, EASE's penalty
inside the blend by a third. Each dataset is split as ``cinerec evaluate`` splits it, a
validation split is carved from the training part the same way its tuning does, and
every setting is scored there as a relative NDCG@k lead over EASE alone at its default
penalty. Defaults that suit every dataset show as factors of 1 near the top.

Settings are ranked by their worst lead across the datasets, each counted by the worse
of itself and the same setting with the next stronger mainstream penalty
(:func:`~cinerec.evaluation.tuning.guard_mainstream`), among those whose lists cover at
least :data:`~cinerec.evaluation.tuning.MIN_COVERAGE` of the first dataset's catalogue.
``--check-test`` adds each setting's lead on the test split beside it — a check of how
the ranking transfers, never an input to it::

    python benchmarks/blend_study.py ../shared/datasets/ml-100k ../shared/datasets/ml-100k:temporal \\
        SYNTHETIC_DIR... [--seed 0] [--check-test] [--out study.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cinerec.data.readers import load_dataset
from cinerec.evaluation.names import PROTOCOLS
from cinerec.evaluation.splits import Split, split_dataset, validation_split
from cinerec.evaluation.tuning import MIN_COVERAGE, guard_mainstream, score_grid, training_facts, weights_key
from cinerec.models.ease import DEFAULT_L2_SCALE
from cinerec.models.for_you import UNSCALED, blend_l2_scale, default_weights

#: Factors, relative to each dataset's defaults, on the weights beside EASE, on the
#: mainstream penalty and on EASE's penalty inside the blend.
OTHER_FACTORS: tuple[float, ...] = (0.7, 0.85, 1.0, 1.2)
MAINSTREAM_FACTORS: tuple[float, ...] = (0.5, 0.67, 1.0, 1.33)
L2_FACTORS: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)

Setting = tuple[float, float, float]  # (l2 factor, other factor, mainstream factor)
DEFAULTS: Setting = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class Grid:
    """The factors a study tries (by default the ones above)."""

    others: tuple[float, ...] = OTHER_FACTORS
    mainstream: tuple[float, ...] = MAINSTREAM_FACTORS
    l2: tuple[float, ...] = L2_FACTORS

    def pairs(self) -> list[tuple[float, float]]:
        return [(others, mainstream) for others in self.others for mainstream in self.mainstream]


def candidates(grid: Grid = Grid(), likings_per_movie: float | None = None,
               arrival: float | None = None) -> list[dict[str, float]]:
    """The defaults for data with ``likings_per_movie`` and ``arrival`` with every pair
    of factors applied (EASE's weight stays 1)."""
    centre = default_weights(likings_per_movie, arrival)
    return [{name: _scaled(name, weight, others, mainstream) for name, weight in centre.items()}
            for others, mainstream in grid.pairs()]


def _scaled(name: str, weight: float, others: float, mainstream: float) -> float:
    if name == "mainstream":
        return weight * mainstream
    return weight if name in UNSCALED else weight * others


def study_split(path: str, protocol: str, seed: int, part: str) -> Split:
    """The test split ``cinerec evaluate --seed S`` makes, or the validation split its tuning carves from it."""
    split = split_dataset(load_dataset(path), protocol, seed=seed)
    return split if part == "test" else validation_split(split, seed)


def leads(split: Split, seed: int, k: int, grid: Grid = Grid(),
          max_people: int | None = None) -> dict[Setting, dict[str, float]]:
    """Each setting's guarded NDCG@k lead over EASE alone at its default, and its coverage."""
    likings, arrival = training_facts(split.train)
    weights = candidates(grid, likings, arrival)
    l2_factors = {blend_l2_scale(likings) * factor: factor for factor in grid.l2}
    tried, _ = score_grid(split, weights, sorted({*l2_factors, DEFAULT_L2_SCALE}), k=k, seed=seed,
                          max_people=max_people)
    ease = next(entry["ndcg"] for entry in tried if entry["weights"] is None and entry["l2_scale"] == DEFAULT_L2_SCALE)
    factors = {weights_key(w): pair for w, pair in zip(weights, grid.pairs(), strict=True)}
    blends = [entry for entry in tried if entry["weights"] is not None and entry["l2_scale"] in l2_factors]
    guarded = guard_mainstream(blends)
    return {(l2_factors[entry["l2_scale"]], *factors[weights_key(entry["weights"])]): {
        "lead": entry["ndcg"] / ease - 1.0, "own_lead": entry["validation_ndcg"] / ease - 1.0,
        "coverage": entry["coverage"]} for entry in guarded}


def rank(by_dataset: dict[str, dict[Setting, dict[str, float]]]) -> list[tuple[Setting, float]]:
    """Settings reaching the coverage floor on the first dataset, best worst-case lead first."""
    first = next(iter(by_dataset.values()))
    settings = [s for s in first if all(s in table for table in by_dataset.values())]
    wide = [s for s in settings if first[s]["coverage"] >= MIN_COVERAGE] or settings
    worst = {s: min(table[s]["lead"] for table in by_dataset.values()) for s in wide}
    return sorted(worst.items(), key=lambda item: item[1], reverse=True)


def parse_data(spec: str) -> tuple[str, str]:
    """``PATH`` or ``PATH:PROTOCOL`` (random by default)."""
    path, _, protocol = spec.rpartition(":")
    return (path, protocol) if path and protocol in PROTOCOLS else (spec, "random")


def labelled(specs: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Each ``(path, protocol)`` by a short label: the folder's name, or the whole path
    when two folders share a name."""
    short = [f"{Path(path).name}:{protocol}" for path, protocol in specs]
    labels = short if len(set(short)) == len(short) else [f"{path}:{protocol}" for path, protocol in specs]
    return dict(zip(labels, specs, strict=True))


def render(ranking: list[tuple[Setting, float]], validation: dict[str, Any], test: dict[str, Any] | None,
           top: int) -> str:
    names = list(validation)
    header = ["EASE l2 ×", "others ×", "mainstream ×", "worst", *names, *(f"{n} (test)" for n in (test or {}))]
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    for position, (setting, worst) in enumerate(ranking):
        is_default = setting == DEFAULTS
        if position >= top and not is_default:
            continue
        cells = [f"{setting[0]:g}", f"{setting[1]:g}", f"{setting[2]:g}", f"{worst * 100:+.2f}%"]
        cells += [f"{validation[n][setting]['lead'] * 100:+.2f}%" for n in names]
        cells += [f"{test[n][setting]['own_lead'] * 100:+.2f}%" for n in (test or {})]
        mark = " (defaults)" if is_default else ""
        lines.append("| " + " | ".join(cells) + f" |{mark}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="+", help="dataset directories, each optionally :random or :temporal")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--top", type=int, default=8, help="how many settings to print (the defaults always are)")
    parser.add_argument("--check-test", action="store_true", help="also score every setting on the test split")
    parser.add_argument("--out", type=Path, help="write every setting's leads to this JSON file")
    parser.add_argument("--others", type=_factors, default=OTHER_FACTORS,
                        help="comma-separated factors on the weights beside EASE")
    parser.add_argument("--mainstream", type=_factors, default=MAINSTREAM_FACTORS,
                        help="comma-separated factors on the mainstream penalty")
    parser.add_argument("--l2", type=_factors, default=L2_FACTORS,
                        help="comma-separated factors on EASE's penalty inside the blend")
    parser.add_argument("--max-people", type=int, help="score at most this many people per split (a seeded sample)")
    args = parser.parse_args(argv)
    specs = labelled(list(map(parse_data, args.data)))
    grid = Grid(args.others, args.mainstream, args.l2)
    parts = ("validation", "test") if args.check_test else ("validation",)
    by_part = {part: {name: leads(study_split(path, protocol, args.seed, part), args.seed, args.k, grid, args.max_people)
                      for name, (path, protocol) in specs.items()} for part in parts}
    validation, test = by_part["validation"], by_part.get("test")
    ranking = rank(validation)
    print(f"Worst NDCG@{args.k} lead over EASE alone (l2 {DEFAULT_L2_SCALE:g}×) across the validation splits, "
          f"guarded against a stronger mainstream penalty; coverage >= {MIN_COVERAGE:.0%} on {next(iter(specs))}.")
    print(render(ranking, validation, test, args.top))
    if args.out is not None:
        rows = [{"l2": s[0], "others": s[1], "mainstream": s[2], "worst": worst,
                 "validation": {n: validation[n][s] for n in validation},
                 **({"test": {n: test[n][s] for n in test}} if test else {})} for s, worst in ranking]
        args.out.write_text(json.dumps({"command": " ".join(sys.argv), "settings": rows}, indent=1))
    return 0


def _factors(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(value) for value in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


if __name__ == "__main__":
    sys.exit(main())
