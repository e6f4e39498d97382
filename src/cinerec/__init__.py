"""cinerec: movie recommendations from MovieLens.

Nothing heavy happens at import; subpackages are imported on use.
"""

__version__ = "0.1.0"
