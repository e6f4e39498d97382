"""``cinerec data synth``: write a synthetic MovieLens release with a known truth.

Useful where the real data cannot go (tests, CI, demos) and for scale tests: the files read
exactly like the chosen release, and ``synthetic.json`` says what a model should find.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cinerec.cli.arguments import count, seed
from cinerec.data.synthetic import FORMATS, TRUTH_FILE

#: Sizes of the real releases, the defaults for each format (ml-latest: ml-latest-small).
REAL_SIZES: dict[str, tuple[int, int, int]] = {
    "ml-100k": (943, 1_682, 100_000),
    "ml-1m": (6_040, 3_883, 1_000_209),
    "ml-latest": (610, 9_742, 100_836),
}


def register(data_subparsers: argparse._SubParsersAction) -> None:
    parser = data_subparsers.add_parser(
        "synth", help="generate a synthetic MovieLens release",
        description="Generate a synthetic MovieLens release whose files read exactly like the real one, "
        f"with the hidden truth (taste segments, demographic leanings) in {TRUTH_FILE}. "
        "Sizes default to the real release's.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder to write (replaced if it holds earlier synthetic data)")
    parser.add_argument("--format", choices=FORMATS, default="ml-latest", help="release layout (default: ml-latest)")
    parser.add_argument("--users", type=count, metavar="N", help="number of users")
    parser.add_argument("--movies", type=count, metavar="M", help="number of movies")
    parser.add_argument("--ratings", type=count, metavar="R", help="number of ratings")
    parser.add_argument("--tags", type=count, metavar="T",
                        help="tag applications (ml-latest; default about 4%% of ratings)")
    parser.add_argument("--demographics-share", type=float, metavar="F",
                        help="share of users whose demographics are written (ml-latest only; adds users.csv)")
    parser.add_argument("--seed", type=seed, default=0, metavar="S",
                        help="random seed (default 0); same seed, same files")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cinerec.data.synthetic import SynthConfig, generate

    users, movies, ratings = REAL_SIZES[args.format]
    config = SynthConfig(
        users=users if args.users is None else args.users,
        movies=movies if args.movies is None else args.movies,
        ratings=ratings if args.ratings is None else args.ratings,
        format=args.format, seed=args.seed, tags=args.tags, demographics_share=args.demographics_share,
    )
    summary = generate(config, args.out)
    print(f"Wrote a synthetic {summary.format} release to {summary.out_dir}: {summary.users:,} users, "
          f"{summary.movies:,} movies, {summary.ratings:,} ratings, {summary.tags:,} tags "
          f"in {summary.seconds:.1f} s.")
    return 0
