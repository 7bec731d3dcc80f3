"""mlflow-server/: the tracking server the templates' default URI names, rendered, and its rendered command run for real."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.pipeline.conftest import FAKE_AWS, _start, _stop, _wait_http, clean_env, free_port

from .conftest import ENVIRONMENTS, REPO, find, one, parameters, rendered

NAMESPACE = "mlflow"
OFFICIAL = re.compile(r"ghcr\.io/mlflow/mlflow:v(\d+\.\d+\.\d+)-full@sha256:[0-9a-f]{64}")  # -full has boto3


@pytest.fixture(scope="module")
def mlflow() -> list[dict[str, Any]]:
    return rendered("mlflow-server")


def _container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (container,) = one(objects, "Deployment", "mlflow")["spec"]["template"]["spec"]["containers"]
    return container


def _args(objects: list[dict[str, Any]]) -> dict[str, str]:
    """The server's flags, with $(VAR) expanded from its ConfigMap as the kubelet expands them."""
    container = _container(objects)
    (configmap,) = find(objects, "ConfigMap")
    refs = [e["configMapRef"]["name"] for e in container["envFrom"] if "configMapRef" in e]
    assert refs == [configmap["metadata"]["name"]]
    env = {**configmap["data"], **{e["name"]: e["value"] for e in container["env"]}}
    out = {}
    for arg in container["args"]:
        arg = re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], arg)
        flag, _, value = arg.partition("=")
        out[flag] = value
    return out


def test_it_renders_a_server_its_store_its_service_and_its_fence(mlflow: list[dict[str, Any]]) -> None:
    kinds = sorted((o["kind"], o["metadata"]["name"].rsplit("-", 1)[0] if o["kind"] == "ConfigMap" else
                    o["metadata"]["name"]) for o in mlflow)
    assert kinds == sorted([("ConfigMap", "mlflow-config"), ("Deployment", "mlflow"), ("NetworkPolicy", "mlflow"),
                            ("PersistentVolumeClaim", "mlflow-store"), ("Service", "mlflow"),
                            ("ServiceAccount", "mlflow")])
    for obj in mlflow:
        assert obj["metadata"]["namespace"] == NAMESPACE
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "ml-pipeline"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_templates_default_uri_resolves_to_the_service(mlflow: list[dict[str, Any]], env: str) -> None:
    for name in ("ml-pipeline", "ml-pipeline-git"):
        uri = urlsplit(parameters(one(rendered(f"overlays/{env}"), "WorkflowTemplate", name))["mlflow-tracking-uri"])
        service_name, namespace, *rest = uri.hostname.split(".")
        assert rest == ["svc", "cluster", "local"] and namespace == NAMESPACE
        service = one(mlflow, "Service", service_name)
        (port,) = [p for p in service["spec"]["ports"] if p["port"] == uri.port]
        pod = one(mlflow, "Deployment", "mlflow")["spec"]["template"]
        assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
        container_ports = {p["name"]: p["containerPort"] for p in _container(mlflow)["ports"]}
        assert port["targetPort"] in container_ports
        assert container_ports[port["targetPort"]] == int(_args(mlflow)["--port"])
        # The server refuses Host headers it does not know: the clients' host:port must be one it knows.
        assert f"{uri.hostname}:{uri.port}" in _args(mlflow)["--allowed-hosts"].split(",")


def test_the_official_image_pinned_by_digest_with_s3_support(mlflow: list[dict[str, Any]]) -> None:
    assert OFFICIAL.fullmatch(_container(mlflow)["image"]), _container(mlflow)["image"]


def test_runs_survive_restarts_and_artifacts_go_to_the_bucket(mlflow: list[dict[str, Any]]) -> None:
    args = _args(mlflow)
    deployment = one(mlflow, "Deployment", "mlflow")
    spec = deployment["spec"]
    assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}  # one SQLite writer
    store = args["--backend-store-uri"]
    assert store.startswith("sqlite:////")
    mounts = {m["mountPath"]: m["name"] for m in _container(mlflow)["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    mount = next(path for path in mounts if store.removeprefix("sqlite:///").startswith(path + "/"))
    claim = volumes[mounts[mount]]["persistentVolumeClaim"]["claimName"]
    pvc = one(mlflow, "PersistentVolumeClaim", claim)
    assert pvc["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] == "Delete=false"
    assert "--serve-artifacts" in args
    bucket = re.fullmatch(r"s3://([a-z0-9.-]{3,63})/[\w/-]+", args["--artifacts-destination"])
    assert bucket, args["--artifacts-destination"]


def test_it_runs_as_non_root_read_only_with_limits(mlflow: list[dict[str, Any]]) -> None:
    pod = one(mlflow, "Deployment", "mlflow")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] > 0
    assert pod["automountServiceAccountToken"] is False
    container = _container(mlflow)
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/health"  # exempt from the Host check


def test_only_the_pipeline_namespaces_reach_it(mlflow: list[dict[str, Any]]) -> None:
    policy = one(mlflow, "NetworkPolicy", "mlflow")["spec"]
    (rule,) = policy["ingress"]
    (source,) = rule["from"]
    (expression,) = source["namespaceSelector"]["matchExpressions"]
    assert sorted(expression["values"]) == sorted(f"ml-{e}" for e in ENVIRONMENTS)


def test_argo_cd_syncs_it_without_ever_pruning_its_store() -> None:
    argocd = rendered("argocd")
    app = one(argocd, "Application", "mlflow")["spec"]
    assert app["source"]["path"] == "mlflow-server" and app["destination"]["namespace"] == NAMESPACE
    assert app["syncPolicy"]["automated"]["prune"] is False
    project = one(argocd, "AppProject", app["project"])["spec"]
    assert project["destinations"] == [{"server": "https://kubernetes.default.svc", "namespace": NAMESPACE}]
    allowed = {(k["group"], k["kind"]) for k in project["namespaceResourceWhitelist"]}
    groups = {"Deployment": "apps", "NetworkPolicy": "networking.k8s.io"}
    assert {(groups.get(o["kind"], ""), o["kind"]) for o in rendered("mlflow-server")} == allowed


def _get(url: str, host: str) -> int:
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.timeout(600)
def test_the_rendered_server_command_runs(mlflow: list[dict[str, Any]], tmp_path: Path) -> None:
    """The rendered command line with this venv's mlflow: the volume and S3 moved to loopback stand-ins."""
    import boto3

    args = _args(mlflow)
    port, moto_port = free_port(), free_port()
    store = tmp_path / "store"
    store.mkdir()
    mount = "/" + args["--backend-store-uri"].removeprefix("sqlite:////").split("/")[0]
    bucket, _, prefix = args["--artifacts-destination"].removeprefix("s3://").partition("/")
    argv = []
    for flag, value in args.items():
        value = value.replace(mount, str(store)) if flag == "--backend-store-uri" else value
        value = {"--host": "127.0.0.1", "--port": str(port), "--workers": "1"}.get(flag, value)
        argv.append(f"{flag}={value}" if value else flag)
    container = _container(mlflow)
    env = clean_env(**FAKE_AWS, **{e["name"]: e["value"] for e in container["env"]},
                    MLFLOW_S3_ENDPOINT_URL=f"http://127.0.0.1:{moto_port}")
    env["HOME"] = str(tmp_path)
    bindir = Path(sys.executable).parent
    moto = _start([str(bindir / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)], tmp_path / "moto.log", env)
    procs = [moto]
    try:
        _wait_http(f"http://127.0.0.1:{moto_port}/moto-api/", moto, tmp_path / "moto.log")
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{moto_port}", region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket=bucket)

        def start() -> subprocess.Popen[bytes]:
            proc = _start([str(bindir / "mlflow"), *container["command"][1:], *argv], tmp_path / "mlflow.log", env)
            procs.append(proc)
            _wait_http(f"http://127.0.0.1:{port}/health", proc, tmp_path / "mlflow.log", timeout=240)
            return proc

        server = start()
        base = f"http://127.0.0.1:{port}"
        uri = urlsplit(parameters(one(rendered("overlays/dev"), "WorkflowTemplate", "ml-pipeline"))["mlflow-tracking-uri"])
        cluster_host = f"{uri.hostname}:{uri.port}"
        search = f"{base}/api/2.0/mlflow/experiments/search?max_results=1"
        assert _get(search, cluster_host) == 200  # what the pipeline's pods send
        assert _get(search, "attacker.example:5000") == 403  # DNS rebinding is refused

        def api(path: str, body: dict[str, Any] | None = None, method: str = "POST") -> dict[str, Any]:
            import json

            data = None if body is None else json.dumps(body).encode()
            request = urllib.request.Request(f"{base}{path}", data=data, method=method,
                                             headers={"Host": cluster_host, "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
            return json.loads(text) if text else {}

        experiment = api("/api/2.0/mlflow/experiments/create", {"name": "restart-check"})["experiment_id"]
        run = api("/api/2.0/mlflow/runs/create", {"experiment_id": experiment})["run"]["info"]
        artifact_uri = run["artifact_uri"]
        assert artifact_uri.startswith("mlflow-artifacts:/")  # proxied: the server writes to S3
        artifact_path = artifact_uri.removeprefix("mlflow-artifacts:/").lstrip("/") + "/model.txt"
        put = urllib.request.Request(f"{base}/api/2.0/mlflow-artifacts/artifacts/{artifact_path}", data=b"weights",
                                     method="PUT", headers={"Host": cluster_host})
        with urllib.request.urlopen(put, timeout=30) as response:
            assert response.status == 200
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert keys == [f"{prefix}/{artifact_path}"]

        _stop(server)  # a restart (a new pod on the same volume) keeps the runs
        start()
        again = api(f"/api/2.0/mlflow/runs/get?run_id={run['run_id']}", None, method="GET")
        assert again["run"]["info"]["experiment_id"] == experiment
    finally:
        for proc in reversed(procs):
            _stop(proc)


def test_the_server_and_the_pipeline_run_the_same_mlflow_major(mlflow: list[dict[str, Any]]) -> None:
    """The server may lag the client by a little (3.15 vs 3.17 here); a major version apart is an error."""
    server = OFFICIAL.fullmatch(_container(mlflow)["image"]).group(1)
    client = next(line.split("==")[1] for line in (REPO / "pipeline" / "requirements.txt").read_text().splitlines()
                  if line.startswith("mlflow=="))
    assert server.split(".")[0] == client.split(".")[0], (server, client)
