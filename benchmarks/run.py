"""Entry point: ``python -m benchmarks.run [--suite read] [--scale 25m] [--repeat 3] [--out DIR]``.

Runs the chosen suites, prints each one's Markdown table and writes it, with the JSON
of every run, under ``--out`` (default ``bench-out/``, which git ignores). A new suite
is one more entry in :data:`SUITES`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from benchmarks import read_benchmark, scale_benchmark
from benchmarks.datasets import SCALES
from benchmarks.harness import BenchmarkError, Suite, add_run_options, command_line, run_suite, write_results

SUITES: dict[str, Suite] = {suite.name: suite for suite in (read_benchmark.SUITE, scale_benchmark.SUITE)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                     description="Measure cinerec on synthetic MovieLens data of ML-25M's shape.")
    parser.add_argument("--suite", action="append", choices=sorted(SUITES),
                        help="suite to run; repeat the option for several (default: all)")
    parser.add_argument("--scale", choices=list(SCALES), default="25m",
                        help="number of ratings in the synthetic release (default: 25m)")
    add_run_options(parser, "the JSON and Markdown results")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = command_line("benchmarks.run", argv)
    try:
        for name in args.suite or sorted(SUITES):
            result = run_suite(SUITES[name], SCALES[args.scale], repeat=args.repeat, command=command)
            json_path, markdown_path = write_results(result, args.out)
            print(result.to_markdown(), flush=True)
            print(f"(written to {markdown_path} and {json_path})", file=sys.stderr)
    except BenchmarkError as exc:
        print(f"benchmarks: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
