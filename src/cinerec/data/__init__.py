"""Reading, fetching, generating and combining MovieLens data.

Nothing is imported here: the command line imports this package's light modules
(release names, fetching) on every start, and pandas only where data are read.
"""
