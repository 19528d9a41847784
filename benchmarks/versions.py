"""Compare seq-fn's own versions on the same input: CPU time of each commit, run in turn, median of ``--repeat``.

    python3 -m benchmarks.versions REV [REV ...] [--size 10000] [--repeat 7]

Each REV is checked out into a temporary git worktree and run as ``python -m krm_fn`` (KRM mode, then standalone
mode on the same documents) with this interpreter and its installed dependencies; the working tree itself runs as
``worktree``. The versions take turns (a, b, c, a, b, c...) so that load on the machine hits all alike, and the
figure is user + system CPU time from ``wait4``: on a shared machine it moves less than wall time. Not a test: it
reports (docs/performance.md quotes it when a change costs or saves throughput).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import resource_list
from benchmarks.run import standalone_text

ROOT = Path(__file__).parent.parent


def cpu_seconds(source: Path, args: list[str], stdin: bytes) -> float:
    """User + system CPU time of ``python -m krm_fn ARGS`` from ``source``, fed ``stdin``."""
    env = dict(os.environ, PYTHONPATH=str(source))
    with tempfile.TemporaryFile() as feed, open(os.devnull, "wb") as sink:
        feed.write(stdin)
        feed.seek(0)
        process = subprocess.Popen([sys.executable, "-m", "krm_fn", *args], stdin=feed, stdout=sink, stderr=sink,
                                   env=env, cwd=tempfile.gettempdir())  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{source}: seq-fn exited {os.waitstatus_to_exitcode(status)} on the benchmark input")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Check out each REV, run every version in turn, print a table of medians against the first REV."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("revs", nargs="+", help="commits to compare with the working tree")
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    krm = resource_list(options.size).encode()
    plain = standalone_text(krm.decode()).encode()
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"worktree": ROOT}
        for rev in options.revs:
            folder = Path(tmp) / rev.replace("/", "_")
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(folder), rev], check=True)
            sources[rev] = folder
        try:
            times: dict[tuple[str, str], list[float]] = {}
            for _ in range(options.repeat):
                for label, source in sources.items():
                    times.setdefault((label, "KRM mode"), []).append(cpu_seconds(source, [], krm))
                    times.setdefault((label, "standalone"), []).append(cpu_seconds(source, ["-"], plain))
        finally:
            for rev in options.revs:
                remove = ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(sources[rev])]
                subprocess.run(remove, check=False)
    print(f"CPU seconds on {options.size} resources, median of {options.repeat}, versions in turn")
    print("| version | KRM mode | standalone |\n|---|---|---|")
    base = options.revs[0]
    for label in sources:
        cells = []
        for mode in ("KRM mode", "standalone"):
            median = statistics.median(times[(label, mode)])
            ratio = median / statistics.median(times[(base, mode)])
            cells.append(f"{median:.2f} s ({ratio:.2f}x {base})")
        print(f"| {label} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
