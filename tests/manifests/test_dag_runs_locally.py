"""Run dev's rendered DAG as the pods would: the package copied as the Dockerfile copies it, the rendered commands.

No cluster and no image: pipeline/*.py is copied to a directory that stands in for the image's /opt/ml/code, this
suite's venv stands in for the image's packages (tests/image/test_recipe.py builds those from the Dockerfile), the
workspace is a temp directory instead of the claim, and two values that point into the cluster are swapped for
local ones (the S3 bucket becomes DVC's local remote, the MLflow URI a SQLite file). Everything else is rendered.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, STEPS, one, parameters, rendered, template
from .test_step_commands import _resolve

LOCAL = {"dvc-s3-bucket": "", "s3-endpoint-url": ""}


def _image_code(root: Path) -> Path:
    """What `COPY pipeline/*.py /opt/ml/code/pipeline/` puts in the image, under root."""
    package = root / "opt" / "ml" / "code" / "pipeline"
    package.mkdir(parents=True)
    for path in (REPO / "pipeline").glob("*.py"):
        shutil.copy2(path, package / path.name)
    return package.parent


@pytest.mark.timeout(900)
def test_the_rendered_dev_dag_runs_end_to_end_from_the_images_code(tmp_path: Path) -> None:
    wft = one(rendered("overlays/dev"), "WorkflowTemplate", "ml-pipeline")
    code = _image_code(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    workflow = {**parameters(wft), **LOCAL, "mlflow-tracking-uri": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(code),  # only the image's copy: a module the COPY missed fails here
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    probe = subprocess.run(
        [sys.executable, "-c", "import pipeline; print(pipeline.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip().startswith(str(code))

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
        args = [_resolve(a, workflow, inputs) for a in container["args"]]
        args = [f"--workdir={work}" if a.startswith("--workdir=") else a for a in args]
        proc = subprocess.run(
            [sys.executable, *container["command"][1:], *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, f"{step} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        assert "Traceback" not in proc.stderr
        for spec in template(wft, step).get("outputs", {}).get("parameters", []):
            path = Path(spec["valueFrom"]["path"].replace("/work", str(work), 1))
            outputs[spec["name"]] = path.read_text().removesuffix("\n")  # Argo trims one trailing newline
    assert outputs["gate"] == "passed"
    assert 0.0 <= float(outputs["accuracy"]) <= 1.0
    assert outputs["run-id"]
