"""``cinerec evaluate DATA...``: measure every recommender side by side on held-out ratings."""

from __future__ import annotations

import argparse
from pathlib import Path

from cinerec.cli.arguments import positive_int, seed
from cinerec.errors import CinerecError
from cinerec.evaluation.names import CONTENDERS, PROTOCOLS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="measure how well each recommender predicts held-out ratings",
        description="Hold out part of the ratings (or of the people), fit every recommender on the rest as "
                    "'cinerec build' would, and measure side by side how well each predicts what people liked "
                    "(NDCG, recall, precision, MAP, hit rate, coverage, novelty). The For you blend and EASE are "
                    "tuned on a validation split carved out of the training part, never on the test.")
    parser.add_argument("data", nargs="+", metavar="DATA", help="MovieLens folder or zip (several = combined)")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="random",
                        help="random: 20%% of each person's ratings; temporal: each person's latest 20%%; "
                             "new-users: 20%% of the people, asked as newcomers who give their demographics "
                             "and name a few movies they like (default: random)")
    parser.add_argument("--given-likes", type=_counts, default=(0,), metavar="K[,K...]",
                        help="new-users: how many of their own liked movies (4 stars or more, drawn with the "
                             "seed) each newcomer names; several give one table each, e.g. 0,1,3 (default 0)")
    parser.add_argument("--likes-only", action="store_true",
                        help="new-users: newcomers name movies but give no gender, age, occupation or zip")
    parser.add_argument("--k", type=positive_int, default=10, help="length of the recommended lists (default 10)")
    parser.add_argument("--models", type=_model_list, default=CONTENDERS, metavar="LIST",
                        help=f"comma-separated models to compare (default all: {','.join(CONTENDERS)})")
    parser.add_argument("--seed", type=seed, default=0, help="random seed of the split and the models (default 0)")
    parser.add_argument("--no-tune", action="store_true",
                        help="use the current defaults instead of tuning on a validation split (faster)")
    parser.add_argument("--max-people", type=positive_int, default=None, metavar="N",
                        help="ask at most N held-out people (a seeded sample; for large releases)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="write DIR/results.json and the HTML report DIR/index.html")
    parser.set_defaults(handler=_evaluate)


def _model_list(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in CONTENDERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown model '{unknown[0] if unknown else text}'; "
                                         f"choose from {', '.join(CONTENDERS)}")
    return names


def _counts(text: str) -> tuple[int, ...]:
    """``"0,1,3"`` → ``(0, 1, 3)``: distinct whole numbers of at least 0, in order."""
    try:
        values = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        values = [-1]
    if not values or values[0] < 0:
        raise argparse.ArgumentTypeError(f"expected whole numbers of 0 or more separated by commas, got {text!r}")
    return tuple(values)


def _evaluate(args: argparse.Namespace) -> int:
    from cinerec.data.readers import load_datasets
    from cinerec.evaluation.report import RESULTS_FILE, build_report, print_result, write_json
    from cinerec.evaluation.runner import evaluate_runs
    from cinerec.outputs import check_output_folder, is_cinerec_report

    if args.protocol != "new-users" and (args.given_likes != (0,) or args.likes_only):
        raise CinerecError("--given-likes and --likes-only describe newcomers: add --protocol new-users")
    if args.out is not None:
        check_output_folder(args.out, "the results", {"index.html": is_cinerec_report,
                                                       RESULTS_FILE: _is_results_file})
    dataset, _ = load_datasets(args.data)
    results = evaluate_runs(dataset, args.protocol, k=args.k, models=args.models, seed=args.seed,
                            tuned=not args.no_tune, max_people=args.max_people, given_likes=args.given_likes,
                            demographics=not args.likes_only)
    for result in results:
        print_result(result)
    if args.out is not None:
        try:
            json_path = write_json(results, args.out)
            report_path = build_report(results).write(args.out)
        except OSError as exc:
            raise CinerecError(f"cannot write the results to {args.out}: {exc.strerror or exc}") from None
        print(f"Results: {json_path}\nReport: {report_path}")
    return 0


def _is_results_file(path: Path) -> bool:
    """Whether ``path`` is a results.json that ``evaluate`` wrote (``{"runs": [...]}``)."""
    with path.open("rb") as handle:
        return handle.read(64).split()[:2] == [b"{", b'"runs":']
