"""`python -m bench.versus REF [--rows N] [--repeats N] [--jobs N]`: classify throughput of this checkout against a git ref.

Both run `feedback classify` end to end on the same generated CSV, alternately (this checkout, then REF,
then this checkout ...), so that the machine's noise hits both alike; prints medians and their ratio. REF
is checked out into a temporary git worktree and run with its own bundled model.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from .speed import _classify_args
from .workload import ROOT, write_csv


def _run(checkout: Path, source: Path, target: Path, jobs: int) -> float:
    start = time.perf_counter()
    subprocess.run(_classify_args(source, target, jobs), check=True, cwd=checkout, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.versus", description=__doc__)
    parser.add_argument("ref", help="a commit, tag or branch to compare with, e.g. HEAD~3")
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1, help="classify --jobs N on both sides")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "ref"
        subprocess.run(["git", "worktree", "add", "--detach", str(other), args.ref], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            source = write_csv(Path(tmp) / "mixed.csv", args.rows)
            times: dict[str, list[float]] = {"this checkout": [], args.ref: []}
            for _ in range(args.repeats):
                times["this checkout"].append(_run(ROOT, source, Path(tmp) / "a.jsonl", args.jobs))
                times[args.ref].append(_run(other, source, Path(tmp) / "b.jsonl", args.jobs))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], check=False, cwd=ROOT)
    rates = {name: args.rows / statistics.median(values) for name, values in times.items()}
    for name, rate in rates.items():
        print(f"{name:>20}: {rate:,.0f} texts/s (median of {args.repeats}, {args.rows:,} rows, --jobs {args.jobs}, start-up included)")
    print(f"{'ratio':>20}: {rates['this checkout'] / rates[args.ref]:.2f} x")


if __name__ == "__main__":
    main()
