"""Run `python -m validation ARGS` and SIGKILL it just before its K-th file-system step (fault injection).

    python crash_runner.py K [--fail-check] -- ARGS...

Counts calls to the os functions a write path goes through (write, fsync, replace, rename, unlink, ftruncate) and
kills the process with SIGKILL right before call K, so a test can stop a command at every step in turn, not by
timing luck. The check update-bucket runs is a stub (the real one is tested elsewhere): it passes, or with
--fail-check reports a new error after the write, so the roll-back path is killed at every step too. Prints
"COMPLETED <steps>" when the command ran to its end without reaching step K.
"""

from __future__ import annotations

import os
import signal
import sys
import types
from dataclasses import dataclass, field

STEPS = ("write", "fsync", "replace", "rename", "unlink", "ftruncate")


@dataclass
class _Result:
    findings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    rendered: list = field(default_factory=list)


def main() -> int:
    split = sys.argv.index("--")
    options, args = sys.argv[1:split], sys.argv[split + 1:]
    kill_at = int(options[0])
    fail_check = "--fail-check" in options
    count = 0

    def wrap(name: str) -> None:
        real = getattr(os, name)

        def step(*a, **kw):
            nonlocal count
            count += 1
            if count == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*a, **kw)

        setattr(os, name, step)

    calls = []

    def run(config, **kw):
        calls.append(kw.get("targets"))
        if fail_check and len(calls) == 2:
            return _Result(errors=["injected: the check after the write failed"])
        return _Result()

    import validation

    fake = types.ModuleType("validation.engine")
    fake.run = run
    sys.modules["validation.engine"] = fake
    validation.engine = fake

    from validation.cli import main as cli_main

    for name in STEPS:
        wrap(name)
    code = cli_main(args)
    sys.stdout.flush()
    sys.stderr.flush()
    print(f"COMPLETED {count}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
