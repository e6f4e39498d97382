"""cinerec's benchmarks: ``python -m benchmarks.run`` (or ``make bench``).

:mod:`benchmarks.harness` runs each measurement in fresh processes and writes the
tables; :mod:`benchmarks.datasets` makes synthetic releases of ML-25M's shape; each
``*_benchmark`` module defines one suite, registered by name in :mod:`benchmarks.run`.
"""
