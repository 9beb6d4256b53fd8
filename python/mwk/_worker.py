"""``mwk worker --scheduler ADDRESS [--spot-watch]``: a Dask worker for ``mwk reduce --dask``."""
from __future__ import annotations

import argparse
from typing import Any


def add_worker_parser(sub: Any, prog: str) -> None:
    w = sub.add_parser("worker", prog=f"{prog} worker",
                       help="start Dask workers for mwk reduce --dask (one process per core)")
    w.add_argument("--scheduler", required=True, metavar="ADDRESS", help="the scheduler, tcp://host:8786")


def cmd_worker(a: argparse.Namespace) -> int:
    raise NotImplementedError
