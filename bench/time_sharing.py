"""What time-sharing a core costs Python on this machine: the ceiling of the load test's ratio.

    .venv/bin/python bench/time_sharing.py            # about 25 s
    .venv/bin/python bench/time_sharing.py --rounds 3 --keys 30000

The same pure-Python work (dictionary updates over a few MB, like a server's request handling:
no I/O, no system calls) runs in processes pinned with `sched_setaffinity`: one alone on a core,
two sharing one core, and two on two cores. It prints the CPU seconds each process used. Sharing
a core costs only what the scheduler's switches cost the caches, so CPU seconds above those of
the process alone are the machine's time-sharing penalty; 4 server workers on 2 cores pay it on
every core, 1 worker (with PostgreSQL and the load generator on the other core) hardly at all.
Linux only.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import time


def work(keys: int, passes: int, cpu: int, results: multiprocessing.Queue) -> None:
    os.sched_setaffinity(0, {cpu})
    rng = random.Random(cpu)
    names = [str(i) * 3 for i in range(keys)]
    order = [rng.randrange(keys) for _ in range(1_000_000)]
    counts = dict.fromkeys(names, 0)
    started = time.process_time()
    for _ in range(passes):
        for i in order:
            counts[names[i]] += 1
    results.put(time.process_time() - started)


def run(cpus: list[int], keys: int, passes: int) -> list[float]:
    """CPU seconds of one process per entry of `cpus`, started together, each pinned there."""
    results: multiprocessing.Queue = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=work, args=(keys, passes, cpu, results)) for cpu in cpus]
    for process in processes:
        process.start()
    used = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=30_000, help="dictionary size: the working set (default 30000)")
    parser.add_argument("--passes", type=int, default=15, help="passes over a million updates (default 15)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("needs two cores")
    first, second = cpus[:2]
    layouts = {
        "alone on a core": [first],
        "two sharing one core": [first, first],
        "two on two cores": [first, second],
    }
    seconds: dict[str, list[float]] = {name: [] for name in layouts}
    for _ in range(args.rounds):  # alternated, so that a change in the machine's load hits each layout
        for name, layout in layouts.items():
            seconds[name].extend(run(layout, args.keys, args.passes))
    alone = statistics.median(seconds["alone on a core"])
    print(f"{args.keys} keys, {args.passes} x 1,000,000 updates per process; CPU seconds per process:")
    for name, values in seconds.items():
        median = statistics.median(values)
        print(
            f"  {name:<22} median {median:.2f} s ({median / alone:.2f}x alone)  all "
            + " ".join(f"{v:.2f}" for v in values)
        )


if __name__ == "__main__":
    main()
