"""The schema check side by side with kubeconform, kubernetes-validate and bare kustomize, in one run.

    .venv/bin/python benchmarks/check_speed.py [--sizes 1000 10000 50000] [--rounds 3] [--kubeconform PATH]

Sections (every number measured in this run, on this machine; nothing is asserted):
1. `python -m validation check PATH --select schema`, start-up included, against the real kubeconform
   (`-strict -summary`, one worker and two) on generated corpora of 1k, 10k and 50k resources, valid and 10%
   broken, in both layouts: one multi-document file, and a directory with a file per resource. The time is the
   fastest of interleaved rounds (and the least CPU time, which load on a shared machine disturbs less); peak
   memory comes from a separate run of each (see peak_mb: the process tree's
   summed PSS, sampled, and at least the command's own high-water RSS). Every tool must flag the same broken
   resources. The table is printed as markdown, for benchmarks/README.md.
2. Start-up: a 5-resource file, ours against kubeconform and a bare Python start-up.
3. `kubernetes-validate --strict` on the 1,000 corpora: its time, and every error it reports is reported by us too.
4. `python -m validation check` on this repository, warm, against bare `kubectl kustomize` on its distinct targets
   plus one Python start-up (target <= 1.5x), in interleaved rounds, wall and CPU seconds; also against every
   target, the distinct builds in parallel, and the distinct builds with the engine's Go GC setting.

kubeconform is a Go program, not a Python package: it is used when it is on PATH or given with --kubeconform, with
strict Kubernetes schemas from --kubeconform-schemas (default: the `schemas` folder next to the binary).
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
KV_TARGET_RATIO = 25.0
ENGINE_TARGET_RATIO = 1.5
STARTUP_TARGET_MS = 60.0
MEMORY_TARGET_MB = 250.0
BUILD_HINT = ("kubeconform is not on PATH. Build it from source with Debian's Go (bookworm: `apt-get install -t "
              "bookworm-backports golang-1.23-go`), from a clone of https://github.com/yannh/kubeconform: "
              "`GOFLAGS=-mod=vendor GOTOOLCHAIN=local /usr/lib/go-1.23/bin/go build -o OUT/kubeconform "
              "./cmd/kubeconform`; give it the same Kubernetes strict schemas we use, kubernetes-validate's "
              "v1.37.0-local-strict made standalone (each file with the $defs it references), in "
              "OUT/schemas/v1.37.0-standalone-strict/; then pass --kubeconform OUT/kubeconform")

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


def corpus_objects(size: int, broken: bool) -> tuple[list[dict[str, Any]], set[str]]:
    """size resources, every tenth one broken when asked; and the kind/name of each broken one."""
    docs, bad = [], set()
    for n in range(size):
        obj = _resource(n)
        if broken and n % 10 == 5:
            _break(obj, n // 10, n)
            bad.add(f"{obj['kind'].lower()}/{obj['metadata']['name']}")
        docs.append(obj)
    return docs, bad


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def write_corpus(path: Path, size: int, broken: bool) -> set[str]:
    """One multi-document file (kustomize's output, or a `kubectl get -o yaml` dump)."""
    docs, bad = corpus_objects(size, broken)
    path.write_text(yaml.dump_all(docs, Dumper=_DUMPER, sort_keys=False), encoding="utf-8")
    return bad


def write_corpus_dir(path: Path, size: int, broken: bool) -> set[str]:
    """The same resources, a file per resource (how most repositories keep them)."""
    docs, bad = corpus_objects(size, broken)
    path.mkdir(parents=True, exist_ok=True)
    for n, doc in enumerate(docs):
        text = yaml.dump(doc, Dumper=_DUMPER, sort_keys=False)
        (path / f"{str(doc['kind']).lower()}-{n:05d}.yaml").write_text(text, encoding="utf-8")
    return bad


# ---- running the tools -------------------------------------------------------------------------------------


def ours_argv(path: Path, version: str, *extra: str) -> list[str]:
    return [PYTHON, "-m", "validation", "check", str(path), "--select", "schema", "--kubernetes-version", version,
            *extra]


def kubeconform_argv(exe: str, schemas: Path, path: Path, version: str, workers: int) -> list[str]:
    location = f"{schemas}/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}/" \
               "{{ .ResourceKind }}{{ .KindSuffix }}.json"
    return [exe, "-strict", "-summary", "-n", str(workers), "-kubernetes-version", f"{version}.0",
            "-schema-location", location, str(path)]


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    return timed_cpu(argv, cwd, env)[0]


def timed_cpu(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds, and CPU seconds (user + system) of the command and the workers it waited for (wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=env)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped above
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def peak_mb(argv: list[str], cwd: Path) -> float:
    """Peak memory of the command and the processes it starts, in MB: the largest sum of their proportional set
    sizes (PSS: a page shared by a forked worker and its parent counts once, split between them), sampled every
    10 ms, and never less than the command's own high-water RSS (VmHWM, as last sampled). Not wait4's ru_maxrss:
    Linux carries the RSS of the process that spawned the command (this script, holding a corpus) across exec."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    peak_kb = 0
    while proc.poll() is None:
        tree = sum(_status_kb(p, "Pss:", "smaps_rollup") for p in [proc.pid, *_descendants(proc.pid)])
        peak_kb = max(peak_kb, tree, _status_kb(proc.pid, "VmHWM:", "status"))
        time.sleep(0.01)
    return peak_kb / 1024


def _status_kb(pid: int, field: str, name: str) -> int:
    """A kB field of /proc/PID/<name>; 0 when the process is gone (or there is no /proc)."""
    try:
        with open(f"/proc/{pid}/{name}") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            for task in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{task}/children") as fh:
                    found = [int(c) for c in fh.read().split()]
                out.extend(found)
                todo.extend(found)
        except OSError:  # gone, or no /proc (then the workers are not counted: say so in the notes)
            pass
    return out


def flagged_by_us(path: Path, version: str, cwd: Path) -> dict[str, list[str]]:
    """kind/name of every object with a schema finding -> the JSON paths found, from our JSON report."""
    out = cwd / "ours.json"
    subprocess.run(ours_argv(path, version, "--format", "json", "--output", str(out)), cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    report = json.loads(out.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for f in report["findings"]:
        if f["rule_id"].startswith("SCHEMA-") and f["object_ref"]:
            ref = f["object_ref"]
            found.setdefault(f"{ref.split('/')[0].lower()}/{ref.split('/')[-1]}", []).append(f["json_path"] or "")
    return found


def flagged_by_kubeconform(argv: list[str], cwd: Path) -> set[str]:
    """kind/name of every resource kubeconform calls invalid ("FILE - Kind name is invalid: ...")."""
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, check=False)
    found = set()
    for line in proc.stdout.splitlines():
        if " is invalid: " in line and " - " in line:
            kind, name = line.split(" - ", 1)[1].split(" is invalid: ", 1)[0].split(" ", 1)
            found.add(f"{kind.lower()}/{name}")
    return found


def find_kubeconform(given: str | None) -> tuple[str | None, Path | None, str]:
    exe = given or shutil.which("kubeconform")
    if not exe:
        return None, None, BUILD_HINT
    schemas = Path(exe).resolve().parent / "schemas"
    return exe, schemas, ""


# ---- section 1: the table ----------------------------------------------------------------------------------


def kubeconform_section(sizes: list[int], version: str, rounds: int, exe: str | None, schemas: Path | None,
                        tmp: Path) -> dict[tuple[int, bool, str], Path]:
    print(f"== `python -m validation check PATH --select schema` vs kubeconform -strict (Kubernetes {version}), "
          f"min of {rounds} interleaved rounds, start-up included")
    if exe is None:
        print(f"   kubeconform: not run. {BUILD_HINT}")
    elif schemas is None or not schemas.is_dir():
        print(f"   kubeconform: no strict schemas at {schemas}; pass --kubeconform-schemas. {BUILD_HINT}")
        exe = None
    corpora: dict[tuple[int, bool, str], Path] = {}
    rows = []
    for size in sizes:
        for layout in ("one file", "a file per resource"):
            for broken in (False, True):
                name = f"{size}-{'broken' if broken else 'valid'}"
                if layout == "one file":
                    path = tmp / f"{name}.yaml"
                    bad = write_corpus(path, size, broken)
                else:
                    path = tmp / name
                    bad = write_corpus_dir(path, size, broken)
                corpora[(size, broken, layout)] = path
                ours = set(flagged_by_us(path, version, tmp))
                agree = "same broken resources" if ours == bad else \
                    f"DIFFERENT: we flag {len(ours)}, expected {len(bad)}"
                if exe is not None and schemas is not None:
                    theirs = flagged_by_kubeconform(kubeconform_argv(exe, schemas, path, version, 2), tmp)
                    if theirs != bad:
                        agree += f"; kubeconform flags {len(theirs)}, expected {len(bad)}"
                times: dict[str, list[tuple[float, float]]] = {"ours": [], "n1": [], "n2": []}
                for _ in range(rounds):
                    times["ours"].append(timed_cpu(ours_argv(path, version), tmp))
                    if exe is not None and schemas is not None:
                        times["n1"].append(timed_cpu(kubeconform_argv(exe, schemas, path, version, 1), tmp))
                        times["n2"].append(timed_cpu(kubeconform_argv(exe, schemas, path, version, 2), tmp))
                mem = peak_mb(ours_argv(path, version), tmp)
                kmem = peak_mb(kubeconform_argv(exe, schemas, path, version, 2), tmp) if exe and schemas else None
                best = {k: min(w for w, _ in v) for k, v in times.items() if v}
                cpu = {k: min(c for _, c in v) for k, v in times.items() if v}
                row = {"size": size, "broken": broken, "layout": layout, "ours": best["ours"], "mem": mem,
                       "n1": best.get("n1"), "n2": best.get("n2"), "kmem": kmem, "agree": agree,
                       "cpu": cpu["ours"], "kcpu": cpu.get("n2")}
                rows.append(row)
                ratio = f"{row['n2'] / row['ours']:.2f}" if row["n2"] else "-"
                print(f"   {name:<13} {layout:<20} ours {row['ours']:6.2f} s {mem:6.0f} MB"
                      + (f" | kubeconform -n1 {row['n1']:6.2f} s, -n2 {row['n2']:6.2f} s {kmem:4.0f} MB"
                         if row["n2"] else "")
                      + f" | ours / -n2 speed {ratio} | CPU s ours {row['cpu']:.2f}"
                      + (f", -n2 {row['kcpu']:.2f}" if row["kcpu"] is not None else "") + f" | {agree}", flush=True)
    print("\n   | corpus | layout | ours res/s (peak MB) | kubeconform -n1 res/s | -n2 res/s (peak MB) | ours ÷ -n2 "
          "| CPU s ours / -n2 |")
    print("   | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        label = f"{r['size'] // 1000}k {'10% broken' if r['broken'] else 'valid'}"
        rps = r["size"] / r["ours"]
        theirs = (f"{r['size'] / r['n1']:,.0f} | {r['size'] / r['n2']:,.0f} ({r['kmem']:.0f}) | "
                  f"{r['n2'] / r['ours']:.2f} | {r['cpu']:.2f} / {r['kcpu']:.2f}" if r["n2"]
                  else f"- | - | - | {r['cpu']:.2f} / -")
        print(f"   | {label} | {r['layout']} | {rps:,.0f} ({r['mem']:.0f}) | {theirs} |")
    for layout in ("one file", "a file per resource"):
        by_size = {r["size"]: r["mem"] for r in rows if r["layout"] == layout and r["broken"]}
        if 10000 in by_size and 50000 in by_size:
            print(f"   memory, {layout}: {by_size[10000]:.0f} MB at 10k, {by_size[50000]:.0f} MB at 50k "
                  f"({by_size[50000] / by_size[10000]:.2f}x for 5x the resources; target < {MEMORY_TARGET_MB:.0f} MB)")
    slowest = [r for r in rows if r["n2"] and r["n2"] / r["ours"] < 1.0]
    if any(r["n2"] for r in rows):
        print(f"   at least as fast as kubeconform -n 2 everywhere: {'yes' if not slowest else 'NO'}"
              + ("" if not slowest else f" ({len(slowest)} rows below 1.00)"))
    return corpora


# ---- section 2: start-up -----------------------------------------------------------------------------------


def startup_section(version: str, exe: str | None, schemas: Path | None, tmp: Path, runs: int = 20) -> None:
    path = tmp / "five.yaml"
    write_corpus(path, 5, False)
    no_cache = {**os.environ, "VALIDATION_CACHE": "0"}  # the built-schema cache off: what a first run pays
    commands = {"python -m validation check FILE --select schema": (ours_argv(path, version), None),
                "the same, schema cache off (VALIDATION_CACHE=0)": (ours_argv(path, version), no_cache),
                "bare Python start-up (python -c pass)": ([PYTHON, "-c", "pass"], None)}
    if exe and schemas:
        commands["kubeconform -n 2"] = (kubeconform_argv(exe, schemas, path, version, 2), None)
    timed(ours_argv(path, version), tmp)  # warm: the schema cache holds this file's kinds, as after any run
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):
        for label, (argv, env) in commands.items():
            times[label].append(timed(argv, tmp, env))
    print(f"\n== start-up: a 5-resource file, {runs} interleaved runs (target < {STARTUP_TARGET_MS:.0f} ms for ours)")
    for label, ts in times.items():
        print(f"   {label:<50} min {1000 * min(ts):5.1f} ms, median {1000 * statistics.median(ts):5.1f} ms")


# ---- section 3: kubernetes-validate ------------------------------------------------------------------------


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




def kubernetes_validate_section(corpora: dict[tuple[int, bool, str], Path], version: str, tmp: Path) -> None:
    print("\n== vs kubernetes-validate --strict (its CLI, 1,000 resources in one file, start-up included for both)")
    for broken in (False, True):
        path = corpora.get((1000, broken, "one file"))
        if path is None:
            print("   skipped: no 1,000-resource corpus (--sizes)")
            return
        kv = measure_kubernetes_validate(path, version)
        if kv is None:
            print("   skipped: kubernetes-validate is not installed")
            return
        ours_s = min(timed(ours_argv(path, version), tmp) for _ in range(3))
        ratio = kv["seconds"] / ours_s
        label = "10% broken" if broken else "valid"
        print(f"   {label:<10} kubernetes-validate: {kv['seconds']:.2f} s ({1000 / kv['seconds']:.0f} res/s), "
              f"{len(kv['errors'])} resources flagged; ours: {ours_s:.3f} s ({1000 / ours_s:.0f} res/s) -> "
              f"{ratio:.1f}x ({'met' if ratio >= KV_TARGET_RATIO else 'NOT met'}, target >= {KV_TARGET_RATIO:.0f}x)")
        ours = flagged_by_us(path, version, tmp)
        missed = compare_errors(kv["errors"], ours)
        extra = sorted(set(ours) - set(kv["errors"]))
        status = "every error it finds, we find too" if not missed else f"MISSED {len(missed)}: {missed[:5]}"
        print(f"   {'':<10} {status}; we flag {len(extra)} resources it does not")


# ---- section 4: the repository, against bare kustomize ----------------------------------------------------


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

    go_gc = getattr(render, "GO_GC", {})  # the Go GC setting the engine runs kustomize with, if any

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # every process waited for, kustomize's included
        return usage.ru_utime + usage.ru_stime

    def build(d: Path, env: dict[str, str] | None = None) -> None:
        subprocess.run([*kengine.argv, str(d)], capture_output=True, check=False, env=env)

    def bare(which: list[Path], parallel: bool = False, env: dict[str, str] | None = None) -> tuple[float, float]:
        start, used = time.perf_counter(), cpu()
        subprocess.run([PYTHON, "-c", "pass"], check=True)
        if parallel:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                list(pool.map(build, which))
        else:
            for d in which:
                build(d, env)
        return time.perf_counter() - start, cpu() - used

    codes: set[int] = set()

    def ours() -> tuple[float, float]:
        start, used = time.perf_counter(), cpu()
        proc = subprocess.run([PYTHON, "-m", "validation", "check", "--format", "json", "--output", os.devnull],
                              capture_output=True, text=True, cwd=ROOT)
        codes.add(proc.returncode)
        return time.perf_counter() - start, cpu() - used

    baselines = {
        f"every target, one after another (x{len(dirs)})": lambda: bare(dirs),
        f"distinct builds, one after another (x{len(distinct)}; the target's baseline)": lambda: bare(distinct),
        f"distinct builds, {jobs} at a time (as the engine runs them)": lambda: bare(distinct, True),
    }
    distinct_label = list(baselines)[1]
    if go_gc:  # the engine's kustomize runs collect less garbage: the same setting for a baseline, to compare
        settings = " ".join(f"{k}={v}" for k, v in go_gc.items())
        baselines[f"distinct builds, one after another, with the engine's {settings}"] = \
            lambda: bare(distinct, False, {**os.environ, **go_gc})
    ours()  # warm: page cache, .pyc
    bare(dirs)
    # interleaved rounds: the load of a shared machine falls on every command alike
    times: dict[str, list[tuple[float, float]]] = {"ours": [], **{label: [] for label in baselines}}
    for _ in range(5):
        times["ours"].append(ours())
        for label, fn in baselines.items():
            times[label].append(fn())
    ours_s = statistics.median(w for w, _ in times["ours"])
    ours_cpu = min(c for _, c in times["ours"])
    print(f"   targets: {len(found)}, {len(dirs)} of them kustomizations, {len(distinct)} distinct directories "
          f"({kengine.description})")
    print(f"   python -m validation check: {ours_s:.2f} s (median of 5 interleaved), CPU {ours_cpu:.2f} s (least); "
          f"exit codes {sorted(codes)}")
    for label in baselines:
        base_s = statistics.median(w for w, _ in times[label])
        base_cpu = min(c for _, c in times[label])
        ratio = ours_s / base_s if base_s else float("inf")
        verdict = f" (target <= {ENGINE_TARGET_RATIO}x: {'met' if ratio <= ENGINE_TARGET_RATIO else 'NOT met'})"
        print(f"   bare kustomize, {label} + python start-up: {base_s:.2f} s -> ratio {ratio:.2f}x"
              f"{verdict if label == distinct_label else ''}; CPU {base_cpu:.2f} s -> {ours_cpu / base_cpu:.2f}x")
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
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000],
                        help="corpus sizes (default 1000 10000 50000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per command; the fastest counts (default 3)")
    parser.add_argument("--kubernetes-version", default="1.37", help="Kubernetes version (default 1.37)")
    parser.add_argument("--kubeconform", default=None, help="kubeconform binary (default: the one on PATH)")
    parser.add_argument("--kubeconform-schemas", type=Path, default=None,
                        help="kubeconform's strict schemas (default: the `schemas` folder next to the binary)")
    parser.add_argument("--skip-kubernetes-validate", action="store_true", help="skip the kubernetes-validate run")
    parser.add_argument("--skip-engine", action="store_true", help="skip the repository check timing")
    args = parser.parse_args(argv)

    version = args.kubernetes_version
    exe, schemas, _ = find_kubeconform(args.kubeconform)
    if args.kubeconform_schemas is not None:
        schemas = args.kubeconform_schemas
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at start")
    with tempfile.TemporaryDirectory(prefix="check-speed-") as tmp:
        corpora = kubeconform_section(sorted(args.sizes), version, args.rounds, exe, schemas, Path(tmp))
        startup_section(version, exe, schemas, Path(tmp))
        if not args.skip_kubernetes_validate:
            kubernetes_validate_section(corpora, version, Path(tmp))
    if not args.skip_engine:
        engine_section(version)
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
