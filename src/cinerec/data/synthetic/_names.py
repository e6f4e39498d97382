"""The names the generator answers to, in a module without imports: the command line
reads them on every start to describe ``data synth``."""

from __future__ import annotations

#: The release layouts the generator writes.
FORMATS: tuple[str, ...] = ("ml-100k", "ml-1m", "ml-latest")
#: The file beside a synthetic release that records its planted truth.
TRUTH_FILE = "synthetic.json"
