"""Movie features: what MovieLens says about each movie, turned into vectors."""

from cinerec.features.movie_features import DEFAULT_WEIGHTS, MovieFeaturizer, franchise_keys

__all__ = ["DEFAULT_WEIGHTS", "MovieFeaturizer", "franchise_keys"]
