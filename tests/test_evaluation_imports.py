"""Start-up cost: building the CLI must not import scikit-learn (about 2 s), which only
the evaluation's item-kNN needs."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_cli_parser_leaves_scikit_learn_unimported() -> None:
    code = ("import sys, cinerec.cli.main as cli; cli.build_parser(); "
            "print(sorted(name for name in sys.modules if name.split('.')[0] == 'sklearn'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
