"""``cinerec serve``: the REST API and the web page, under uvicorn.

The model is opened before the server starts listening, so a missing or altered model
directory is a one-line ``cinerec: error: …`` rather than a failed start-up traceback.
"""

from __future__ import annotations

import argparse
from pathlib import Path


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
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from cinerec.progress import note
    from cinerec.service.app import create_app, default_db_path

    db_path = args.db or default_db_path()
    app = create_app(args.model, db_path)
    note(f"cinerec: serving {args.model} at http://{args.host}:{args.port}/ (API docs at /docs; "
         f"profiles in {db_path})")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0–65535, got {port}")
    return port
