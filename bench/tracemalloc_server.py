"""`provider-orders serve` under tracemalloc, for bench/subscriptions.py --tracemalloc (not for production).

    python bench/tracemalloc_server.py REPORT serve --fd N

SIGUSR1 takes the baseline snapshot; SIGUSR2 writes to REPORT what was allocated since, still
alive after a full garbage collection, grouped by file and line, divided by the number of
subscribers the server holds. Each answer is signalled by creating REPORT.done.
"""

from __future__ import annotations

import gc
import signal
import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPORT = Path(sys.argv[1])
DONE = REPORT.with_suffix(REPORT.suffix + ".done")
TOP = 40
snapshots: dict[str, tracemalloc.Snapshot] = {}


def snapshot() -> tracemalloc.Snapshot:
    gc.collect()
    return tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])


def baseline(*_: object) -> None:
    snapshots["before"] = snapshot()
    DONE.touch()


def report(*_: object) -> None:
    from app.main import app

    subscribers = max(1, len(app.state.websockets))
    stats = snapshot().compare_to(snapshots["before"], "lineno")
    total = sum(stat.size_diff for stat in stats)
    lines = [
        f"  Python memory per open WebSocket ({subscribers} open, gc collected): "
        f"{total / subscribers / 1024:.1f} KB in {sum(s.count_diff for s in stats) / subscribers:.0f} blocks; "
        f"the top {TOP} lines:"
    ]
    for stat in stats[:TOP]:
        frame = stat.traceback[0]
        where = frame.filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        lines.append(
            f"  {stat.size_diff / subscribers:7.0f} B {stat.count_diff / subscribers:5.1f} blocks  "
            f"{where}:{frame.lineno}"
        )
    REPORT.write_text("\n".join(lines) + "\n")
    DONE.touch()


tracemalloc.start()
signal.signal(signal.SIGUSR1, baseline)
signal.signal(signal.SIGUSR2, report)
sys.argv = [sys.argv[0], *sys.argv[2:]]
from app.cli import main

main()
