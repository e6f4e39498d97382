"""``cinerec evaluate DATA...``: measure every recommender side by side on held-out ratings."""

from __future__ import annotations

import argparse
from pathlib import Path

from cinerec.cli.arguments import positive_int
from cinerec.errors import CinerecError


def register(subparsers: argparse._SubParsersAction) -> None:
    from cinerec.evaluation.scorers import CONTENDERS
    from cinerec.evaluation.splits import PROTOCOLS

    parser = subparsers.add_parser(
        "evaluate", help="measure how well each recommender predicts held-out ratings",
        description="Hold out part of the ratings (or of the people), fit every recommender on the rest as "
                    "'cinerec build' would, and measure side by side how well each predicts what people liked "
                    "(NDCG, recall, precision, MAP, hit rate, coverage, novelty). The For you blend and EASE are "
                    "tuned on a validation split carved out of the training part, never on the test.")
    parser.add_argument("data", nargs="+", metavar="DATA", help="MovieLens folder or zip (several = combined)")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="random",
                        help="random: 20%% of each person's ratings; temporal: each person's latest 20%%; "
                             "new-users: 20%% of the people, known only by demographics (default: random)")
    parser.add_argument("--k", type=positive_int, default=10, help="length of the recommended lists (default 10)")
    parser.add_argument("--models", type=_model_list, default=CONTENDERS, metavar="LIST",
                        help=f"comma-separated models to compare (default all: {','.join(CONTENDERS)})")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the split and the models (default 0)")
    parser.add_argument("--no-tune", action="store_true",
                        help="use the current defaults instead of tuning on a validation split (faster)")
    parser.add_argument("--max-people", type=positive_int, default=None, metavar="N",
                        help="ask at most N held-out people (a seeded sample; for large releases)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="write DIR/results.json and the HTML report DIR/index.html")
    parser.set_defaults(handler=_evaluate)


def _model_list(text: str) -> tuple[str, ...]:
    from cinerec.evaluation.scorers import CONTENDERS

    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in CONTENDERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown model '{unknown[0] if unknown else text}'; "
                                         f"choose from {', '.join(CONTENDERS)}")
    return names


def _evaluate(args: argparse.Namespace) -> int:
    from cinerec.data.readers import load_datasets
    from cinerec.evaluation.report import build_report, print_result, write_json
    from cinerec.evaluation.runner import evaluate

    dataset, _ = load_datasets(args.data)
    result = evaluate(dataset, args.protocol, k=args.k, models=args.models, seed=args.seed,
                      tuned=not args.no_tune, max_people=args.max_people)
    print_result(result)
    if args.out is not None:
        try:
            json_path = write_json(result, args.out)
            report_path = build_report(result).write(args.out)
        except OSError as exc:
            raise CinerecError(f"cannot write the results to {args.out}: {exc.strerror or exc}") from None
        print(f"Results: {json_path}\nReport: {report_path}")
    return 0
