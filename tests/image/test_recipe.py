"""The image's recipe, acted out without Docker: what the Dockerfile installs, into a clean venv, runs the pipeline.

The Dockerfile is read instruction by instruction. COPY copies from the repository (through .dockerignore) into a
directory that stands in for the image's /; the RUNs that install Python packages or compile the code run with a
fresh venv's python (made from the interpreter this suite runs on, which is CPython 3.11 like the base image);
ENV is collected. A RUN of any other kind is only allowed if it is one of the system steps listed below (apt-get
for git, the user), which need root and the base image and are checked in test_dockerfile.py instead. Then the five
steps run as dev's ml-pipeline template runs them: its command lines, its env, the Dockerfile's ENV, and nothing of
this suite's venv. Two values that point into a cluster are swapped for local ones (the S3 bucket for DVC's local
remote, the MLflow server for a SQLite store), as in test_dag_runs_locally.py.

It installs ~160 packages (about 1 GB) from the package index, so it is marked `image_recipe`: the default test run
skips it, and `.ci/run` runs it as its own step (`python -m pytest -q -m image_recipe`).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.manifests.conftest import STEPS, one, parameters, rendered, template
from tests.manifests.test_step_commands import _resolve

from .dockerfile import DOCKERFILE, REPO, copy_sources, dockerignore_allows, dockerignore_patterns, env_of, instructions

pytestmark = pytest.mark.image_recipe

# RUN instructions the recipe test does not act out, and why that is safe: they install nothing Python imports.
SYSTEM_STEPS = ("apt-get update", "groupadd ")
LOCAL = {"dvc-s3-bucket": "", "s3-endpoint-url": ""}
_IMAGE_PATH = re.compile(r"(?<![\w/.-])(/(?:opt/ml|tmp|work)(?:/[^\s:\"']*)?)")


class Image:
    """A directory standing in for the image's filesystem, and the venv standing in for its Python."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.python = root / "venv" / "bin" / "python"
        self.env: dict[str, str] = {}
        self.workdir = root

    def path(self, image_path: str) -> Path:
        return self.root / image_path.lstrip("/")

    def rewrite(self, text: str) -> str:
        """Image paths in a command or a value (an absolute path at a word's start), moved under the stand-in root."""
        return _IMAGE_PATH.sub(lambda m: str(self.path(m.group(1))), text)


def build(root: Path) -> Image:
    image = Image(root)
    venv.EnvBuilder(with_pip=True, clear=True).create(root / "venv")  # no system site-packages: clean
    patterns = dockerignore_patterns()
    for ins in instructions(DOCKERFILE.read_text()):
        if ins.keyword == "COPY":
            sources, dest = copy_sources(ins)
            target = image.path(dest)
            target.mkdir(parents=True, exist_ok=True)
            for pattern in sources:
                matches = sorted(REPO.glob(pattern))
                assert matches, f"COPY {pattern} matches nothing"
                for src in matches:
                    rel = src.relative_to(REPO).as_posix()
                    assert dockerignore_allows(rel, patterns), f"{rel} is not in the build context"
                    shutil.copy2(src, target / src.name)
        elif ins.keyword == "RUN":
            if ins.args.startswith(SYSTEM_STEPS):
                continue
            assert ins.args.startswith("python "), f"line {ins.line}: a RUN this test does not know: {ins.args}"
            # Cache flags change where pip keeps downloads, not what it installs; the rest is the Dockerfile's.
            argv = [a for a in shlex.split(image.rewrite(ins.args)) if a != "--no-cache-dir"]
            done = subprocess.run([str(image.python), *argv[1:]], capture_output=True, text=True, timeout=1800,
                                  env={"PATH": os.environ["PATH"], "HOME": str(root)})
            assert done.returncode == 0, f"line {ins.line}: {ins.args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        elif ins.keyword in ("ENV", "ARG"):
            values = env_of(ins)
            if ins.keyword == "ARG":
                values = {k: v for k, v in values.items() if k not in image.env}
            image.env.update({k: image.rewrite(v.replace("${GIT_COMMIT}", "0123abc")) for k, v in values.items()})
        elif ins.keyword == "WORKDIR":
            image.workdir = image.path(ins.args)
            image.workdir.mkdir(parents=True, exist_ok=True)
    return image


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    if sys.version_info[:2] != (3, 11):
        pytest.skip("the image runs CPython 3.11; this interpreter is another version")
    return build(tmp_path_factory.mktemp("image"))


def test_the_clean_venv_has_exactly_the_locked_packages(image: Image) -> None:
    freeze = subprocess.run([str(image.python), "-m", "pip", "freeze", "--all"], capture_output=True, text=True,
                            check=True).stdout
    installed = {line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
                 for line in freeze.splitlines() if "==" in line}
    locked = {}
    for line in (REPO / "pipeline" / "requirements-constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            locked[name.lower().replace("_", "-")] = version
    unpinned = {n: v for n, v in installed.items() if n not in locked and n not in ("pip",)}
    assert not unpinned, f"installed without a pin in requirements-constraints.txt: {unpinned}"
    wrong = {n: (v, locked[n]) for n, v in installed.items() if n in locked and locked[n] != v}
    assert not wrong, f"installed at another version than pinned: {wrong}"
    assert {"mlflow", "dvc", "scikit-learn", "boto3"} <= installed.keys()


def test_the_five_steps_run_from_the_image_recipe(image: Image, tmp_path: Path) -> None:
    wft = one(rendered("overlays/dev"), "WorkflowTemplate", "ml-pipeline")
    work = image.path("/work")
    work.mkdir(exist_ok=True)
    image.path("/tmp").mkdir(exist_ok=True)
    workflow = {**parameters(wft), **LOCAL, "mlflow-tracking-uri": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    dag = {task["name"]: task for task in template(wft, "pipeline")["dag"]["tasks"]}
    outputs: dict[str, str] = {}
    for step in STEPS:
        task = dag[step]
        if "when" in task:
            condition = task["when"].replace("{{tasks.evaluate-model.outputs.parameters.gate}}", outputs["gate"])
            left, right = (side.strip() for side in condition.split("=="))
            assert left == right, f"{step} would be skipped: {condition}"
        inputs = {p["name"]: p["value"] for p in task["arguments"]["parameters"]}
        container = template(wft, step)["container"]
        assert container["command"][0] == "python"
        # The pod's environment: the image's ENV, then the container's env over it (as Kubernetes does).
        env = {"PATH": f"{image.python.parent}{os.pathsep}/usr/bin:/bin", **image.env}
        env.update({e["name"]: image.rewrite(_resolve(e["value"], workflow, inputs)) for e in container["env"]})
        args = [image.rewrite(_resolve(a, workflow, inputs)) for a in container["args"]]
        proc = subprocess.run([str(image.python), *container["command"][1:], *args], cwd=image.workdir, env=env,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{step} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        assert "Traceback" not in proc.stderr
        for spec in template(wft, step).get("outputs", {}).get("parameters", []):
            outputs[spec["name"]] = Path(image.rewrite(spec["valueFrom"]["path"])).read_text().removesuffix("\n")
    assert outputs["gate"] == "passed" and outputs["run-id"]
    # The code that ran is the image's copy, not this checkout: PYTHONPATH pointed only there.
    assert image.env["PYTHONPATH"] == str(image.path("/opt/ml/code"))
    # With git-commit left empty, the run is tagged with the commit the image was built from (its GIT_COMMIT).
    probe = subprocess.run(
        [str(image.python), "-c", "import mlflow, sys; print(mlflow.MlflowClient(sys.argv[1])"
         ".get_run(sys.argv[2]).data.tags.get('git_commit', ''))", workflow["mlflow-tracking-uri"], outputs["run-id"]],
        env={"PATH": os.environ["PATH"], **image.env}, capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == image.env["GIT_COMMIT"] == "0123abc"
