"""cinerec on Apache Spark: for ratings that outgrow one machine.

Spark reads, checks and de-duplicates the ratings into a prepared Parquet, counts over
them what the components share (likings, per-movie and per-period counts, per-group
likings), and runs the blocks of cinerec's own neighbour kernels as Spark tasks; the result is the same model directory
the local engine writes, which ``recommend``, ``serve`` and ``evaluate`` read as they
are. Nothing here is imported unless ``--engine spark`` is asked for: pyspark and a
Java runtime are optional (``pip install 'cinerec[spark]'``).
"""
