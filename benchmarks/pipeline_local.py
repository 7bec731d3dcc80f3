"""How long a local embedded pipeline run takes, step by step, next to the floor it cannot beat.

    python benchmarks/pipeline_local.py [--runs 3]

Every run starts from a fresh temporary workdir (new DVC repo, new SQLite MLflow store), so first-time costs
such as MLflow's schema migration are included. Two ways of running are timed:
1. `python -m pipeline run`: all five steps in one process, as on a laptop. Per-step times come from the
   step lines the CLI prints; "start-up" is the rest (interpreter, imports, argument parsing).
2. One process per step, as Argo runs it (each step is its own pod): wall time of each `python -m pipeline <step>`.
Floor: one Python process importing what the steps need (sklearn, mlflow, dvc); no pipeline can start faster.
Target: the whole local run (1.) under 30 s on the 2-core reference machine. Medians of --runs are reported.
It prints; it asserts nothing a test suite would run.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("data-prep", "feature-eng", "train-model", "evaluate-model", "register-model")
TARGET_S = 30.0
STEP_LINE = re.compile(r"^(?P<step>[a-z-]+): .* \[(?P<seconds>[\d.]+) s\]$", re.M)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "PIPELINE_", "AWS_"))}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _timed(args: list[str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return elapsed, out.stdout


def one_process(tmp: Path) -> dict[str, float]:
    total, stdout = _timed([sys.executable, "-m", "pipeline", "run", "--workdir", str(tmp / "work")], tmp)
    times = {m["step"]: float(m["seconds"]) for m in STEP_LINE.finditer(stdout)}
    times["start-up"] = total - sum(times.values())
    times["total"] = total
    return times


def process_per_step(tmp: Path) -> dict[str, float]:
    times = {
        step: _timed([sys.executable, "-m", "pipeline", step, "--workdir", str(tmp / "work")], tmp)[0] for step in STEPS
    }
    times["total"] = sum(times.values())
    return times


def import_floor(tmp: Path) -> float:
    code = "import sklearn.linear_model, sklearn.feature_extraction.text, mlflow.sklearn, dvc.repo"
    return _timed([sys.executable, "-c", code], tmp)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per mode; medians are reported (default 3)")
    args = parser.parse_args()

    single: list[dict[str, float]] = []
    per_step: list[dict[str, float]] = []
    floors: list[float] = []
    for _ in range(max(1, args.runs)):
        with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as d:
            single.append(one_process(Path(d)))
        with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as d:
            per_step.append(process_per_step(Path(d)))
        with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as d:
            floors.append(import_floor(Path(d)))

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    print(
        f"Local embedded pipeline run (SQLite MLflow, local DVC remote), median of {len(single)}, {os.cpu_count()} CPUs"
    )
    print(f"{'step':<16}{'one process (s)':>18}{'process per step (s)':>24}")
    for step in (*STEPS, "start-up"):
        per = f"{med(per_step, step):.2f}" if step in STEPS else "-"
        print(f"{step:<16}{med(single, step):>18.2f}{per:>24}")
    print(f"{'total':<16}{med(single, 'total'):>18.2f}{med(per_step, 'total'):>24.2f}")
    floor = statistics.median(floors)
    print(f"floor: importing sklearn + mlflow + dvc in one process takes {floor:.2f} s")
    verdict = "meets" if med(single, "total") < TARGET_S else "MISSES"
    print(f"target: whole local run under {TARGET_S:.0f} s -> {verdict} ({med(single, 'total'):.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
