"""Synthetic MovieLens releases with a known, planted truth.

``generate(SynthConfig(users=943, movies=1682, ratings=100_000, format="ml-100k"), out)``
writes files that read exactly like the real release (same names, delimiters, encodings
and quirks), at any size up to and beyond ML-25M, in bounded memory. The data behave like
MovieLens: Zipf-like movie popularity and user activity, plausible titles and years, and
ratings driven by three signals a recommender should find (genre taste, latent taste beyond
genre, and demographics), recorded in ``synthetic.json`` so tests can check they are found.

Modules: ``_taste`` (how ratings arise), ``_catalogue`` (movies), ``_population`` (people),
``_sampling`` (who rates what), ``_tags``, ``_writers`` (file layouts), ``_truth``
(``synthetic.json``), ``_generate`` (configuration and the block loop), ``_words``.
"""

from cinerec.data.synthetic._generate import GENERATOR_VERSION, SynthConfig, SynthSummary, generate
from cinerec.data.synthetic._release import FORMATS
from cinerec.data.synthetic._truth import TRUTH_FILE

__all__ = ["FORMATS", "GENERATOR_VERSION", "TRUTH_FILE", "SynthConfig", "SynthSummary", "generate"]
