"""Reading, fetching, generating and combining MovieLens data."""

from cinerec.data.dataset import Dataset, Genome, Vocabulary

__all__ = ["Dataset", "Genome", "Vocabulary"]
