"""``cinerec build``, ``recommend``, ``similar``, ``recommend-batch`` and ``demo``.

Thin: parse arguments, call :mod:`cinerec.build` or :class:`cinerec.engine.Engine`,
print for a person (rich, plain when piped) or as JSON.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from cinerec.cli.arguments import positive_int, seed
from cinerec.errors import CinerecError, QueryError


def register(subparsers: argparse._SubParsersAction) -> None:
    _register_build(subparsers)
    _register_recommend(subparsers)
    _register_similar(subparsers)
    _register_batch(subparsers)
    _register_demo(subparsers)


# ------------------------------------------------------------------------ build
def _register_build(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build", help="build every recommender from MovieLens data into one model directory",
        description="Build the similar, also-liked, people-like-you and for-you recommenders from one "
                    "or more MovieLens folders (two or more are combined) into MODEL_DIR.")
    parser.add_argument("data", nargs="+", metavar="DATA", help="MovieLens folder or zip (several = combined)")
    parser.add_argument("--out", required=True, type=Path, metavar="MODEL_DIR", help="model directory to write")
    parser.add_argument("--similar-k", type=positive_int, default=100, metavar="K",
                        help="how many similar movies to keep for each movie (default 100)")
    parser.add_argument("--also-liked-k", type=positive_int, default=100, metavar="K",
                        help="how many movies its fans also liked to keep for each movie (default 100)")
    parser.add_argument("--clusters", type=positive_int, default=None,
                        help="number of demographic clusters (default: chosen automatically)")
    parser.add_argument("--seed", type=seed, default=0,
                        help="random seed of the demographic clustering; same seed, same model (default 0)")
    parser.add_argument("--no-report", action="store_true", help="skip the HTML build report")
    _add_engine_arguments(parser, "reads, checks and counts the ratings and runs the neighbour searches")
    parser.add_argument("--work", metavar="FOLDER", default=None,
                        help="with --engine spark: where Spark keeps the prepared ratings while it builds, a folder "
                        "or URI this machine and every worker reach (default: a temporary folder here in local mode, "
                        "the home folder of the cluster's file system on a cluster)")
    parser.set_defaults(handler=_build)


def _build(args: argparse.Namespace) -> int:
    from cinerec.build import BuildOptions, build_model

    from cinerec.reports.names import part_name

    _check_engine_arguments(args)
    options = BuildOptions(similar_k=args.similar_k, also_liked_k=args.also_liked_k, clusters=args.clusters,
                           random_state=args.seed, report=not args.no_report)
    if args.engine == "spark":
        from cinerec.spark.build import build_on_spark

        result = build_on_spark(args.data, args.out, options, args.master, args.work)
    else:
        result = build_model(args.data, args.out, options)

    slowest = sorted(result.timings.items(), key=lambda step: -step[1])[:3]
    steps = ", ".join(f"{_in_sentence(part_name(name))} {seconds:.1f} s" for name, seconds in slowest)
    print(f"Built {result.path} in {sum(result.timings.values()):.1f} s (longest: {steps})")
    if result.report is not None:
        print(f"Build report: {result.report}")
    return 0


# -------------------------------------------------------------------- recommend
def _register_recommend(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "recommend", help="recommend movies for a person",
        description="Recommend movies: similar to what you like, what fans of it also liked, what people "
                    "like you enjoy, and a blended list for you.")
    _add_model_argument(parser)
    parser.add_argument("--like", action="append", default=[], metavar="TITLE", help="a movie you like (repeatable)")
    parser.add_argument("--dislike", action="append", default=[], metavar="TITLE",
                        help="a movie you did not like (repeatable)")
    parser.add_argument("--gender", help="M or F")
    parser.add_argument("--age", help="your age in years")
    parser.add_argument("--occupation", help="what you do, e.g. programmer, student, nurse")
    parser.add_argument("--zip", help="your zip or postal code")
    parser.add_argument("--user-id", type=positive_int, help="a user id of the training data (uses their ratings)")
    _add_n_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a list")
    parser.set_defaults(handler=_recommend)


def _recommend(args: argparse.Namespace) -> int:
    from cinerec.engine import Engine
    from cinerec.profile import Profile

    engine = Engine.load(args.model)
    profile, notes = Profile.from_inputs(engine.catalogue, likes=args.like, dislikes=args.dislike,
                                         gender=args.gender, age=args.age, occupation=args.occupation,
                                         zip=args.zip, user_id=_known_user(engine, args.user_id))
    recommendations = engine.recommend(profile, n=args.n)
    if args.json:
        print(json.dumps({"notes": list(notes), "sections": [asdict(s) for s in recommendations.sections]},
                         indent=2, ensure_ascii=False))
        return 0
    from cinerec.cli.render import print_recommendations

    print_recommendations(recommendations, notes)
    return 0


def _known_user(engine, user_id: int | None) -> int | None:
    if user_id is not None and engine.user_index([user_id])[0] < 0:
        raise QueryError(f"--user-id {user_id}: no such user in this model's training data")
    return user_id


# ---------------------------------------------------------------------- similar
def _register_similar(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("similar", help="movies similar in content to one movie",
                                   description="Movies most similar in content (title, genres, era, tags) to TITLE.")
    _add_model_argument(parser)
    parser.add_argument("title", metavar="TITLE", help="a movie title, as you would type it")
    _add_n_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a list")
    parser.set_defaults(handler=_similar)


def _similar(args: argparse.Namespace) -> int:
    from cinerec.engine import Engine

    engine = Engine.load(args.model)
    match = engine.catalogue.resolve(args.title)
    items = engine.similar(match.movie_id, n=args.n)
    if args.json:
        print(json.dumps({"movie": match.label, "similar": [asdict(i) for i in items]}, indent=2, ensure_ascii=False))
        return 0
    from cinerec.cli.render import print_movie_list

    note = match.note(option="TITLE")
    print_movie_list(f"Movies like {match.label}", items, notes=[note] if note else [])
    return 0


# -------------------------------------------------------------- recommend-batch
def _register_batch(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "recommend-batch", help="recommendations for many people from a CSV file",
        description="Read PROFILES.csv (user_id and optional gender,age,occupation,zip,likes — likes are "
                    "MovieLens movie ids separated by |) and write RECS.csv with user_id,rank,movie_id,score.")
    _add_model_argument(parser)
    parser.add_argument("--input", required=True, metavar="PROFILES.csv",
                        help="the people: user_id, and optionally gender, age, occupation, zip, likes")
    parser.add_argument("--out", required=True, metavar="RECS.csv",
                        help="where to write the lists (a file this command wrote before is replaced)")
    _add_n_argument(parser)
    parser.add_argument("--kind", default="for-you", choices=["for-you", "similar", "also-liked", "people-like-you"],
                        help="which list: for-you (default), similar (to their likes), also-liked (by fans of "
                        "their likes) or people-like-you")
    _add_engine_arguments(parser, "scores the people in buckets; --input and --out may then be any path Spark "
                          "reads and writes (CSV or .parquet), and --out is a new folder of part files")
    parser.set_defaults(handler=_recommend_batch)


def _recommend_batch(args: argparse.Namespace) -> int:
    from cinerec.batch import RECOMMENDATION_COLUMNS, read_profiles, recommend_batch, write_recommendations
    from cinerec.engine import Engine
    from cinerec.outputs import check_output_file, starts_with_line

    _check_engine_arguments(args)
    if args.engine == "spark":
        return _recommend_batch_on_spark(args)

    out = check_output_file(Path(args.out), "the recommendations", starts_with_line(",".join(RECOMMENDATION_COLUMNS)))
    engine = Engine.load(args.model)
    profiles = read_profiles(Path(args.input), engine)
    recs = recommend_batch(engine, profiles, n=args.n, kind=args.kind)
    write_recommendations(recs, out)
    print(f"Wrote {len(recs):,} recommendations for {len(profiles):,} people to {args.out}")
    return 0


def _recommend_batch_on_spark(args: argparse.Namespace) -> int:
    from cinerec.spark.batch import recommend_batch_on_spark
    from cinerec.spark.session import spark_session

    if "://" not in args.out and Path(args.out).exists():
        raise CinerecError(f"{args.out} exists; with --engine spark --out is a new folder of part files")
    with spark_session(args.master) as spark:
        rows = recommend_batch_on_spark(spark, args.model, args.input, args.out, args.n, args.kind)
    print(f"Wrote {rows:,} recommendations to {args.out}")
    return 0


# ------------------------------------------------------------------------- demo
def _register_demo(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="fetch MovieLens 100K, build, and recommend for the seed's example person",
        description="Fetch MovieLens 100K (or fall back to synthetic data, loudly), build every model, and "
                    "recommend for Michael: M, 32, programmer, zip 87103, who likes Die Hard.")
    parser.add_argument("--dir", type=Path, default=None, help="where to keep data and the model (default: cache)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the model even if it is up to date")
    parser.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from cinerec.demo import run_demo

    return run_demo(args.dir, rebuild=args.rebuild)


# ---------------------------------------------------------------------- helpers
def _add_engine_arguments(parser: argparse.ArgumentParser, what_spark_does: str) -> None:
    parser.add_argument("--engine", choices=("local", "spark"), default="local",
                        help=f"local (default: this process, every core) or spark: Apache Spark {what_spark_does} "
                        "(needs pyspark and Java)")
    parser.add_argument("--master", metavar="URL", default=None,
                        help="with --engine spark: the cluster's master (spark://…, yarn, k8s://…; default: "
                        "this machine's cores)")


def _check_engine_arguments(args: argparse.Namespace) -> None:
    for given, what in (("master", "--master is a Spark cluster's address"),
                        ("work", "--work is where Spark keeps its files")):
        if getattr(args, given, None) and args.engine != "spark":
            raise CinerecError(f"{what}: add --engine spark")


def _in_sentence(name: str) -> str:
    """A name as it reads inside a sentence ("Liked together (EASE)" → "liked together (EASE)")."""
    return name[:1].lower() + name[1:]


def _add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, type=Path, metavar="DIR", help="model directory (cinerec build)")


def _add_n_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", type=positive_int, default=10, help="how many movies per list (default 10)")
