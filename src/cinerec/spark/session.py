"""Starting Spark for cinerec: local mode on this machine, or a cluster's master."""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cinerec.errors import CinerecError, first_line

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Spark's own logging for cinerec's commands: errors only.
LOG_SETTINGS = Path(__file__).with_name("log4j2.properties")
#: What ``--engine spark`` needs and how to get it, in one line.
REQUIREMENTS = "--engine spark needs pyspark and a Java runtime (pip install 'cinerec[spark]'; Java 17 or newer)"


@contextmanager
def spark_session(master: str | None = None) -> Iterator[SparkSession]:
    """A Spark session for one command, stopped at the end. ``master`` is a cluster's URL
    (``spark://…``, ``yarn``, ``k8s://…``); without one, Spark runs in this process's
    machine on every core (``local[*]``). The executors run this Python, so they import
    the same cinerec."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise CinerecError(REQUIREMENTS) from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise CinerecError(REQUIREMENTS)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if master is None:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # this machine only: no network lookup
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    quiet = f"-Dlog4j2.configurationFile={LOG_SETTINGS.as_uri()}"
    builder = (SparkSession.builder.appName("cinerec").master(master or "local[*]")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.extraJavaOptions", quiet)
               .config("spark.executor.extraJavaOptions", quiet)
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.memory", os.environ.get("CINEREC_SPARK_DRIVER_MEMORY", "4g")))
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM's own errors: no Java, no memory, an unreachable master
        raise CinerecError(f"Spark did not start ({first_line(exc)})") from None
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
