"""How fast is the schema check, side by side with kubernetes-validate and against kubeconform's reference number?

    .venv/bin/python benchmarks/check_speed.py [--sizes 1000 10000] [--skip-kubernetes-validate] [--skip-engine]

Sections (all numbers measured in this run, on this machine):
1. Generated corpora of N valid core-kind resources in one file, plus copies with 10% broken: resources/s and peak
   memory (ru_maxrss of a fresh subprocess) of our path: libyaml's CSafeLoader + SchemaChecker.
2. `kubernetes-validate --strict` on the 1,000 corpora: its throughput, our ratio (target >= 25x), and a check that
   every error it reports, we report too (same resource, same or deeper path).
3. kubeconform's reference (~6,000 resources/s, one worker, 10,000 resources, < 400 MB): our ratio, for the
   in-process path of section 1 and for the real command (`check FILE --select schema`, start-up included).
4. `python -m validation check` on this repository, warm, against bare `kubectl kustomize` on every target plus
   one Python start-up (target <= 1.5x), with the render/check split. The engine renders an Application and the
   overlay it points at once, and in parallel, so two fairer baselines are printed too.

It prints; it asserts nothing a test suite would run.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
KUBECONFORM_RPS = 6000.0
KUBECONFORM_MB = 400.0
KV_TARGET_RATIO = 25.0
ENGINE_TARGET_RATIO = 1.5

# ---- corpus ------------------------------------------------------------------------------------------------


def _meta(kind: str, i: int) -> dict[str, Any]:
    return {
        "name": f"{kind.lower()}-{i}",
        "namespace": "bench",
        "labels": {"app.kubernetes.io/name": f"app-{i % 50}", "app.kubernetes.io/part-of": "bench"},
    }


def _pod_spec(i: int) -> dict[str, Any]:
    return {
        "serviceAccountName": "bench",
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "app",
                "image": f"registry.example.com/app:{i % 7}.0.1",
                "imagePullPolicy": "IfNotPresent",
                "args": ["--port", "8080"],
                "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                "env": [{"name": "MODE", "value": "bench"},
                        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "bench", "key": "token"}}}],
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": 1, "memory": "128Mi"}},
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10},
                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}],
            }
        ],
        "volumes": [{"name": "config", "configMap": {"name": f"configmap-{i}"}}],
    }


def _resource(n: int) -> dict[str, Any]:
    kinds = ["Deployment", "Service", "ConfigMap", "ServiceAccount", "Role", "RoleBinding", "PersistentVolumeClaim",
             "NetworkPolicy", "Job", "CronJob", "HorizontalPodAutoscaler", "Ingress", "PodDisruptionBudget",
             "StatefulSet", "Secret"]
    kind = kinds[n % len(kinds)]
    m = _meta(kind, n)
    sel = {"matchLabels": {"app.kubernetes.io/name": m["labels"]["app.kubernetes.io/name"]}}
    tmpl = {"metadata": {"labels": dict(m["labels"])}, "spec": _pod_spec(n)}
    if kind == "Deployment":
        return {"apiVersion": "apps/v1", "kind": kind, "metadata": m,
                "spec": {"replicas": 2, "selector": sel, "template": tmpl,
                         "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}}}
    if kind == "StatefulSet":
        return {"apiVersion": "apps/v1", "kind": kind, "metadata": m,
                "spec": {"replicas": 1, "serviceName": "svc", "selector": sel, "template": tmpl}}
    if kind == "Service":
        return {"apiVersion": "v1", "kind": kind, "metadata": m,
                "spec": {"type": "ClusterIP", "selector": sel["matchLabels"],
                         "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}}
    if kind == "ConfigMap":
        return {"apiVersion": "v1", "kind": kind, "metadata": m, "data": {"app.yaml": f"replicas: {n}\n", "MODE": "x"}}
    if kind == "Secret":
        return {"apiVersion": "v1", "kind": kind, "metadata": m, "type": "Opaque", "stringData": {"token": "dummy"}}
    if kind == "ServiceAccount":
        return {"apiVersion": "v1", "kind": kind, "metadata": m, "automountServiceAccountToken": False}
    if kind == "Role":
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": m,
                "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}]}
    if kind == "RoleBinding":
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": m,
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "role"},
                "subjects": [{"kind": "ServiceAccount", "name": "bench", "namespace": "bench"}]}
    if kind == "PersistentVolumeClaim":
        return {"apiVersion": "v1", "kind": kind, "metadata": m,
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    if kind == "NetworkPolicy":
        return {"apiVersion": "networking.k8s.io/v1", "kind": kind, "metadata": m,
                "spec": {"podSelector": sel, "policyTypes": ["Ingress"],
                         "ingress": [{"from": [{"podSelector": {}}], "ports": [{"port": 8080, "protocol": "TCP"}]}]}}
    if kind == "Job":
        job_tmpl = copy.deepcopy(tmpl)
        job_tmpl["spec"]["restartPolicy"] = "Never"
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": m,
                "spec": {"backoffLimit": 2, "ttlSecondsAfterFinished": 600, "template": job_tmpl}}
    if kind == "CronJob":
        job_tmpl = copy.deepcopy(tmpl)
        job_tmpl["spec"]["restartPolicy"] = "OnFailure"
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": m,
                "spec": {"schedule": "0 3 * * *", "concurrencyPolicy": "Forbid",
                         "jobTemplate": {"spec": {"template": job_tmpl}}}}
    if kind == "HorizontalPodAutoscaler":
        return {"apiVersion": "autoscaling/v2", "kind": kind, "metadata": m,
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"},
                         "minReplicas": 1, "maxReplicas": 5,
                         "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                                                       "target": {"type": "Utilization",
                                                                                  "averageUtilization": 70}}}]}}
    if kind == "Ingress":
        return {"apiVersion": "networking.k8s.io/v1", "kind": kind, "metadata": m,
                "spec": {"ingressClassName": "nginx",
                         "rules": [{"host": f"h{n}.example.com", "http": {"paths": [
                             {"path": "/", "pathType": "Prefix",
                              "backend": {"service": {"name": "svc", "port": {"number": 80}}}}]}}]}}
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": m,
            "spec": {"minAvailable": 1, "selector": sel}}


def _break(obj: dict[str, Any], n: int, index: int) -> None:
    """Four kinds of damage that both checkers must catch: unknown field, wrong type, bad nesting, bad name type."""
    mode = n % 4
    if mode == 0:
        obj["extraField"] = True
    elif mode == 1:
        obj["metadata"]["labels"]["replicas"] = 3
    elif mode == 2:
        obj["metadata"]["nmae"] = "typo"
    else:
        obj["metadata"]["name"] = index  # an integer: names must be strings


def write_corpus(path: Path, size: int, broken: bool) -> set[str]:
    """Write size resources to one file; return the set of kind/name that are broken."""
    docs, bad = [], set()
    for n in range(size):
        obj = _resource(n)
        if broken and n % 10 == 5:
            _break(obj, n // 10, n)
            bad.add(f"{obj['kind'].lower()}/{obj['metadata']['name']}")
        docs.append(obj)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump_all(docs, Dumper=dumper, sort_keys=False), encoding="utf-8")
    return bad


# ---- our path, in a fresh process ---------------------------------------------------------------------------


def worker(path: str, version: str, loader_name: str) -> None:
    """Load with libyaml, check every document; print one JSON line of measurements."""
    t0 = time.perf_counter()
    from validation.fastyaml import FastSafeLoader
    from validation.schema_check import SchemaChecker

    loader = FastSafeLoader if loader_name == "fast" else yaml.CSafeLoader

    checker = SchemaChecker(version)
    t1 = time.perf_counter()
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    docs = [d for d in yaml.load_all(text, Loader=loader) if d is not None]
    t2 = time.perf_counter()
    flagged: dict[str, list[str]] = {}
    issues = 0
    for doc in docs:
        found = checker.check(doc)
        if found:
            issues += len(found)
            name = doc.get("metadata", {}).get("name")
            key = f"{str(doc.get('kind')).lower()}/{name}"
            flagged[key] = [".".join(str(p) for p in issue.path) for issue in found]
    t3 = time.perf_counter()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "resources": len(docs), "issues": issues, "flagged": flagged,
        "import_init_s": t1 - t0, "load_s": t2 - t1, "check_s": t3 - t2, "peak_mb": rss_kb / 1024,
    }))


def measure_ours(path: Path, version: str, repeat: int = 3, loader: str = "fast") -> dict[str, Any]:
    """Best of `repeat` fresh processes (the machine is shared; the best run is the least disturbed)."""
    best = None
    for _ in range(repeat):
        out = subprocess.run([PYTHON, __file__, "--worker", str(path), "--kubernetes-version", version,
                              "--loader", loader],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        data = json.loads(out.stdout.strip().splitlines()[-1])
        data["total_s"] = data["load_s"] + data["check_s"]
        if best is None or data["total_s"] < best["total_s"]:
            best = data
    assert best is not None
    return best


def measure_cli(path: Path, version: str, repeat: int = 3) -> dict[str, Any]:
    """The user's command on one file, wall clock and peak RSS of the child; best of `repeat`."""
    best: dict[str, Any] | None = None
    for _ in range(repeat):
        code = (
            "import resource, subprocess, sys, time; t = time.perf_counter(); "
            "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)"
        )
        argv = [PYTHON, "-m", "validation", "check", str(path), "--select", "schema", "--kubernetes-version", version,
                "--format", "json", "--output", os.devnull]
        out = subprocess.run([PYTHON, "-c", code, *argv], capture_output=True, text=True, check=True, cwd=ROOT)
        seconds, rss_kb, rc = out.stdout.split()
        run = {"seconds": float(seconds), "peak_mb": int(rss_kb) / 1024, "returncode": int(rc)}
        if best is None or run["seconds"] < best["seconds"]:
            best = run
    assert best is not None
    return best


# ---- kubernetes-validate ------------------------------------------------------------------------------------


def measure_kubernetes_validate(path: Path, version: str) -> dict[str, Any] | None:
    exe = shutil.which("kubernetes-validate", path=str(Path(PYTHON).parent)) or shutil.which("kubernetes-validate")
    if not exe:
        return None
    start = time.perf_counter()
    proc = subprocess.run([exe, "--strict", "--quiet", "-k", version, str(path)], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    errors: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        # ERROR <file> did not validate for resource <kind/name> against version <v>: <path>: <message>
        if line.startswith("ERROR") and " did not validate for resource " in line:
            rest = line.split(" did not validate for resource ", 1)[1]
            ref, tail = rest.split(" against version ", 1)
            err_path = tail.split(": ", 2)[1] if tail.count(": ") >= 2 else ""
            errors[ref] = err_path
    return {"seconds": seconds, "errors": errors, "returncode": proc.returncode}


def compare_errors(theirs: dict[str, str], ours: dict[str, list[str]]) -> list[str]:
    """Resources (and paths) kubernetes-validate flags that we do not flag at the same or a deeper path."""
    missed = []
    for ref, their_path in theirs.items():
        paths = ours.get(ref)
        if paths is None:
            missed.append(f"{ref} ({their_path or 'document'})")
        elif their_path and not any(p == their_path or p.startswith(their_path + ".") for p in paths):
            missed.append(f"{ref} at {their_path} (we report {paths})")
    return missed


# ---- engine vs bare kustomize -------------------------------------------------------------------------------


def engine_section(version: str) -> None:
    print("\n== python -m validation check vs bare kubectl kustomize (this repository, warm)")
    try:
        from validation import config as config_mod
        from validation import engine, render, targets
        engine.run  # noqa: B018 - the contract this section needs
    except (ImportError, AttributeError) as exc:
        print(f"   skipped: the engine is not available yet ({exc})")
        return
    try:
        cfg = config_mod.load(ROOT)
        found = targets.discover(cfg).targets
        kengine = render.find_engine()
    except Exception as exc:  # a benchmark reports and moves on
        print(f"   skipped: cannot discover targets or kustomize ({type(exc).__name__}: {exc})")
        return
    dirs = [t.path for t in found if Path(t.path).is_dir()]
    if not dirs:
        print("   skipped: no kustomization targets in this repository yet")
        return
    distinct = sorted(set(dirs))  # an Application and its overlay render the same directory once in the engine
    jobs = min(os.cpu_count() or 2, len(distinct))

    def build(d: Path) -> None:
        subprocess.run([*kengine.argv, str(d)], capture_output=True, check=False)

    def bare(which: list[Path], parallel: bool = False) -> float:
        start = time.perf_counter()
        subprocess.run([PYTHON, "-c", "pass"], check=True)
        if parallel:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                list(pool.map(build, which))
        else:
            for d in which:
                build(d)
        return time.perf_counter() - start

    def ours() -> tuple[float, int]:
        start = time.perf_counter()
        proc = subprocess.run([PYTHON, "-m", "validation", "check", "--format", "json", "--output", os.devnull],
                              capture_output=True, text=True, cwd=ROOT)
        return time.perf_counter() - start, proc.returncode

    ours()  # warm: page cache, .pyc
    bare(dirs)
    runs = [ours() for _ in range(5)]
    ours_s = statistics.median(r[0] for r in runs)
    baselines = [
        (f"every target, one after another (x{len(dirs)}; the issue's baseline)", bare, (dirs,)),
        (f"distinct builds, one after another (x{len(distinct)})", bare, (distinct,)),
        (f"distinct builds, {jobs} at a time (as the engine runs them)", bare, (distinct, True)),
    ]
    codes = sorted({r[1] for r in runs})
    print(f"   targets: {len(found)}, {len(dirs)} of them kustomizations, {len(distinct)} distinct directories "
          f"({kengine.description})")
    print(f"   python -m validation check: {ours_s:.2f} s (median of 5, exit codes {codes})")
    for label, fn, fargs in baselines:
        base_s = statistics.median(fn(*fargs) for _ in range(5))
        ratio = ours_s / base_s if base_s else float("inf")
        verdict = f" (target <= {ENGINE_TARGET_RATIO}x: {'met' if ratio <= ENGINE_TARGET_RATIO else 'NOT met'})"
        print(f"   bare kustomize, {label} + python start-up: {base_s:.2f} s -> ratio {ratio:.2f}x"
              f"{verdict if fn is bare and fargs == (dirs,) else ''}")
    try:
        result = engine.run(cfg)
        t = result.timings
        total = sum(t.values()) or 1.0
        split = ", ".join(f"{k} {v:.3f} s ({100 * v / total:.0f}%)" for k, v in t.items())
        print(f"   in-process split: {split}")
    except Exception as exc:  # noqa: BLE001 - report, do not crash the benchmark
        print(f"   in-process split unavailable: {type(exc).__name__}: {exc}")


# ---- main ---------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    # Warm means bytecode cached on disk, as on any install; some shells here set PYTHONDONTWRITEBYTECODE.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="corpus sizes (default 1000 10000)")
    parser.add_argument("--kubernetes-version", default="1.37", help="Kubernetes version (default 1.37)")
    parser.add_argument("--skip-kubernetes-validate", action="store_true", help="skip the kubernetes-validate run")
    parser.add_argument("--skip-engine", action="store_true", help="skip the repository check timing")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--loader", choices=("fast", "plain"), default="fast", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.kubernetes_version, args.loader)
        return 0

    version = args.kubernetes_version
    with tempfile.TemporaryDirectory(prefix="check-speed-") as tmp:
        print(f"== schema check path: libyaml FastSafeLoader (CSafeLoader subclass) + SchemaChecker (Kubernetes {version}),"
              " best of 3 fresh processes")
        print(f"   {'corpus':<16} {'resources':>9} {'issues':>7} {'load s':>7} {'check s':>8} {'res/s':>8} {'peak MB':>8}")
        results: dict[tuple[int, bool], dict[str, Any]] = {}
        corpora: dict[tuple[int, bool], tuple[Path, set[str]]] = {}
        for size in args.sizes:
            for broken in (False, True):
                path = Path(tmp) / f"corpus-{size}{'-broken' if broken else ''}.yaml"
                bad = write_corpus(path, size, broken)
                corpora[(size, broken)] = (path, bad)
                r = measure_ours(path, version)
                results[(size, broken)] = r
                rps = r["resources"] / r["total_s"]
                r["rps"] = rps
                label = f"{size}{' 10% broken' if broken else ' valid'}"
                print(f"   {label:<16} {r['resources']:>9} {r['issues']:>7} {r['load_s']:>7.3f} {r['check_s']:>8.3f} "
                      f"{rps:>8.0f} {r['peak_mb']:>8.1f}")
                if broken:
                    caught = len(bad & set(r["flagged"]))
                    print(f"   {'':<16} broken resources caught: {caught}/{len(bad)}")
                elif r["issues"]:
                    print(f"   WARNING: {r['issues']} issues on the valid corpus: {list(r['flagged'].items())[:3]}")
        print("   (res/s counts YAML loading and checking; start-up and schema loading are excluded: "
              f"{results[(args.sizes[0], False)]['import_init_s']:.2f} s once per process)")
        biggest = max(args.sizes)
        plain = measure_ours(corpora[(biggest, False)][0], version, loader="plain")
        print(f"   for reference, plain CSafeLoader on {biggest} valid: load {plain['load_s']:.3f} s, "
              f"{plain['resources'] / plain['total_s']:.0f} res/s")

        if 10000 in args.sizes:
            r = results[(10000, False)]
            print(f"\n== vs kubeconform (~{KUBECONFORM_RPS:.0f} resources/s, one worker, 10,000 resources, < {KUBECONFORM_MB:.0f} MB)")
            ratio = r["rps"] / KUBECONFORM_RPS
            print(f"   ours: {r['rps']:.0f} resources/s, peak {r['peak_mb']:.0f} MB -> {ratio:.2f}x kubeconform "
                  f"({'met' if r['rps'] >= KUBECONFORM_RPS and r['peak_mb'] < KUBECONFORM_MB else 'NOT met'})")
            rb = results[(10000, True)]
            print(f"   with 10% broken: {rb['rps']:.0f} resources/s, peak {rb['peak_mb']:.0f} MB")
            for broken in (False, True):
                cli = measure_cli(corpora[(10000, broken)][0], version)
                label = "10% broken" if broken else "valid"
                rps = 10000 / cli["seconds"]
                ok = rps >= KUBECONFORM_RPS and cli["peak_mb"] < KUBECONFORM_MB
                print(f"   the real command, {label}: `python -m validation check FILE --select schema` end to end "
                      f"(start-up, source lint, schema): {cli['seconds']:.2f} s = {rps:.0f} resources/s, "
                      f"peak {cli['peak_mb']:.0f} MB, exit {cli['returncode']} -> {rps / KUBECONFORM_RPS:.2f}x "
                      f"({'met' if ok else 'NOT met'})")

        if not args.skip_kubernetes_validate and 1000 in args.sizes:
            print("\n== vs kubernetes-validate --strict (its CLI, 1,000 resources, same machine, same run)")
            for broken in (False, True):
                path, bad = corpora[(1000, broken)]
                kv = measure_kubernetes_validate(path, version)
                if kv is None:
                    print("   skipped: kubernetes-validate is not installed")
                    break
                ours = results[(1000, broken)]
                kv_rps = 1000 / kv["seconds"]
                # Its time includes its own start-up; ours excludes ours, so add it back for a fair ratio.
                ours_wall = ours["total_s"] + ours["import_init_s"]
                ratio = kv["seconds"] / ours_wall
                label = "10% broken" if broken else "valid"
                print(f"   {label:<10} kubernetes-validate: {kv['seconds']:.2f} s ({kv_rps:.0f} res/s), "
                      f"{len(kv['errors'])} resources flagged; ours incl. start-up: {ours_wall:.3f} s "
                      f"({1000 / ours_wall:.0f} res/s) -> {ratio:.1f}x "
                      f"({'met' if ratio >= KV_TARGET_RATIO else 'NOT met'}, target >= {KV_TARGET_RATIO:.0f}x)")
                missed = compare_errors(kv["errors"], ours["flagged"])
                extra = sorted(set(ours["flagged"]) - set(kv["errors"]))
                status = "every error it finds, we find too" if not missed else f"MISSED {len(missed)}: {missed[:5]}"
                print(f"   {'':<10} {status}; we flag {len(extra)} resources it does not")
                assert not missed, f"errors kubernetes-validate finds that we miss: {missed[:5]}"

    if not args.skip_engine:
        engine_section(version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
