"""Starting Spark for cinerec: local mode on this machine, or a cluster's master."""

from __future__ import annotations

import os
import shutil
import sys
import threading
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
    (``spark://…``, ``yarn``, ``k8s://…``); without one, the session already running in
    this process (a notebook's, say), else Spark in this machine on every core
    (``local[*]``). The executors run this Python, so they import the same cinerec. A
    session cinerec did not start is used as it is and left running."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise CinerecError(REQUIREMENTS) from None
    if master is None and (running := SparkSession.getActiveSession()) is not None:
        yield running
        return
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise CinerecError(REQUIREMENTS)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if master is None or master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # this machine only: no network lookup
    quiet = f"-Dlog4j2.configurationFile={LOG_SETTINGS.as_uri()}"
    builder = (SparkSession.builder.appName("cinerec").master(master or "local[*]")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.extraJavaOptions", quiet)
               .config("spark.executor.extraJavaOptions", quiet)
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.memory", os.environ.get("CINEREC_SPARK_DRIVER_MEMORY", "4g")))
    try:
        with _java_start_up_notice_dropped():
            session = builder.getOrCreate()
    except Exception as exc:  # the JVM's own errors: no Java, no memory, an unreachable master
        raise CinerecError(f"Spark did not start ({first_line(exc)})") from None
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


#: What Java says on every start of Spark 4 (its launcher turns on an incubating module).
JAVA_START_UP_NOTICE = b"WARNING: Using incubator modules: jdk.incubator.vector"


@contextmanager
def _java_start_up_notice_dropped() -> Iterator[None]:
    """Start Spark's JVM with its error stream passed through a thread that drops Java's
    start-up notice and forwards everything else to this process's stderr: the notice
    speaks to Spark's developers, not to a person building a model. A JVM already
    running (a second session in one process) is left as it is."""
    from pyspark import SparkContext

    if SparkContext._gateway is not None:
        yield
        return
    sys.stderr.flush()
    reading, writing = os.pipe()
    own_stderr = os.dup(2)
    os.dup2(writing, 2)
    os.close(writing)
    try:
        yield  # the JVM inherits the pipe as its stderr
    finally:
        os.dup2(own_stderr, 2)
        threading.Thread(target=_forward, args=(reading, own_stderr), daemon=True,
                         name="spark-stderr").start()


def _forward(reading: int, target: int) -> None:
    with os.fdopen(reading, "rb") as source:
        for line in source:
            if not line.startswith(JAVA_START_UP_NOTICE):
                os.write(target, line)
