"""``cinerec serve``: the REST API and the web page, under uvicorn.

The model is opened before the server starts listening, so a missing or altered model
directory is a one-line ``cinerec: error: …`` rather than a failed start-up traceback.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cinerec.cli.arguments import positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve recommendations as a web page and a JSON API",
        description="Serve the model in DIR: a web page at http://HOST:PORT/, the JSON API under /api, "
                    "and its documentation at /docs. Profiles people create are kept in a SQLite file.")
    parser.add_argument("--model", required=True, type=Path, metavar="DIR", help="model directory (cinerec build)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--db", type=Path, default=None, metavar="PATH",
                        help="SQLite file for stored profiles (default: profiles.sqlite3 in cinerec's cache)")
    parser.add_argument("--workers", type=positive_int, default=1,
                        help="server processes (default 1); recommending is CPU-bound, so up to one per core helps")
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from cinerec.progress import note
    from cinerec.service.app import create_app, default_db_path
    from cinerec.service.connections import UVICORN_OPTIONS, raise_descriptor_limit, serve_in_process

    db_path = args.db or default_db_path()
    # Opened here even with several workers: a bad model or database fails now, in one line.
    app = create_app(args.model, db_path)
    raise_descriptor_limit()  # every connection is a descriptor; workers inherit the limit
    note(f"cinerec: serving {args.model} at http://{args.host}:{args.port}/ (API docs at /docs; "
         f"profiles in {db_path}; {args.workers} worker{'s' if args.workers > 1 else ''})")
    options = {"host": args.host, "port": args.port, "log_level": "warning", "access_log": False, **UVICORN_OPTIONS}
    if args.workers == 1:
        serve_in_process(uvicorn.Config(app, **options))
        return 0
    del app  # each worker opens its own; the arrays are memory-mapped, so shared in the page cache
    _export_for_workers(args.model, db_path, args.workers)
    from cinerec.service import workers  # uvicorn's own --workers would pile connections into one process

    workers.serve(uvicorn.Config("cinerec.service.app:app_from_environment", factory=True, **options), args.workers)
    return 0


def _export_for_workers(model: Path, db_path: Path, workers: int) -> None:
    import os

    from cinerec.service.app import DB_ENV, MODEL_ENV, WORKERS_ENV

    os.environ[MODEL_ENV] = str(model.resolve())
    os.environ[DB_ENV] = str(db_path.resolve())
    os.environ[WORKERS_ENV] = str(workers)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0–65535, got {port}")
    return port
