"""`provider-orders serve` under cProfile, for bench/subscriptions.py --profile (not for production).

    python bench/profile_server.py REPORT serve --fd N

SIGUSR1 starts profiling; SIGUSR2 stops it and writes the statistics to REPORT (pstats format,
read it with `python -m pstats REPORT`) and a summary to REPORT.txt: the functions that took
the most time themselves, and the most time including what they called. Each answer is
signalled by creating REPORT.done.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPORT = Path(sys.argv[1])
DONE = REPORT.with_suffix(REPORT.suffix + ".done")
TOP = 45
profiler = cProfile.Profile()


def start(*_: object) -> None:
    profiler.enable()
    DONE.touch()


def report(*_: object) -> None:
    profiler.disable()
    profiler.dump_stats(REPORT)
    out = io.StringIO()
    stats = pstats.Stats(str(REPORT), stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(TOP)
    stats.sort_stats("cumulative").print_stats(TOP)
    REPORT.with_suffix(REPORT.suffix + ".txt").write_text(out.getvalue())
    DONE.touch()


signal.signal(signal.SIGUSR1, start)
signal.signal(signal.SIGUSR2, report)
sys.argv = [sys.argv[0], *sys.argv[2:]]
from app.cli import main

main()
