"""One small reader per MovieLens file format, all ending in the canonical Dataset.

* :mod:`.ml100k`: ``u.data`` / ``u.item`` / ``u.user`` (tabs and ``|``).
* :mod:`.dat`: ml-1m and ml-10m ``*.dat`` files (``::``).
* :mod:`.csv_release`: ml-20m, ml-25m, ml-32m, ml-latest(-small) (CSV with headers, genome).
* :mod:`.recbole`: RecBole's atomic copy of ml-100k (``ml-100k.inter`` ...).

They share :mod:`.delimited` (fast pyarrow parsing that reports file and line) and
:mod:`.tables` (turning parsed columns into checked canonical tables).
"""
