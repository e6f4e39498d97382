"""Entry point: ``python -m benchmarks.run [--suite read] [--scale 25m] [--repeat 3] [--out DIR]``.

Runs the chosen suites, prints each one's Markdown table and writes it, with the JSON
of every run, under ``--out`` (default ``bench-out/``, which git ignores). A new suite
is one more entry in :data:`SUITES`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks import read_benchmark, scale_benchmark
from benchmarks.datasets import SCALES
from benchmarks.harness import DEFAULT_OUT_DIR, BenchmarkError, Suite, run_suite, write_results

SUITES: dict[str, Suite] = {suite.name: suite for suite in (read_benchmark.SUITE, scale_benchmark.SUITE)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                     description="Measure cinerec on synthetic MovieLens data of ML-25M's shape.")
    parser.add_argument("--suite", action="append", choices=sorted(SUITES),
                        help="suite to run; repeat the option for several (default: all)")
    parser.add_argument("--scale", choices=list(SCALES), default="25m",
                        help="number of ratings in the synthetic release (default: 25m)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process runs per measurement (default: 3)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR,
                        help=f"folder for the JSON and Markdown results (default: {DEFAULT_OUT_DIR}/)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = shlex.join(["python", "-m", "benchmarks.run", *(sys.argv[1:] if argv is None else argv)])
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
