"""Worker processes change nothing but the time: the same findings, in the same order, with the same lines.

The corpora hold what could tell a cut stream or a worker apart from one process: schema errors of every kind,
tabs, duplicate keys, empty and non-object documents, document-end markers, a BOM, block scalars that look like
markers, suppressions, Kustomization documents, and files that do not parse (a cut that fails is read again whole).
Thresholds are lowered so that small corpora take the parallel path and a single file is cut into many pieces.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from validation import batch_read, config, engine
from validation.model import Finding

KINDS = ["Deployment", "Service", "ConfigMap", "Role", "Job"]


def _resource(n: int, broken: bool) -> str:
    kind = KINDS[n % len(KINDS)]
    api = {"Deployment": "apps/v1", "Role": "rbac.authorization.k8s.io/v1", "Job": "batch/v1"}.get(kind, "v1")
    head = f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {kind.lower()}-{n}\n  namespace: bench\n"
    pod = ("    spec:\n      containers:\n      - name: app\n        image: example.com/app:1.0\n"
           + ("        imagePullPolicee: Always\n" if broken else "")
           + "      restartPolicy: Never\n")
    body = {
        "Deployment": "spec:\n  replicas: " + ('"two"' if broken else "2") + "\n  selector:\n    matchLabels: {app: a}\n"
                      "  template:\n    metadata:\n      labels: {app: a}\n" + pod.replace("      restartPolicy: Never\n", ""),
        "Service": "spec:\n  ports:\n  - port: 80\n    protocol: " + ("TCPX" if broken else "TCP") + "\n",
        "ConfigMap": "data:\n  script: |\n    echo one\n     --- not a marker\n    echo two\n"
                     + ("  count: 3\n" if broken else ""),
        "Role": "rules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [get]\n" + ("  verbz: [list]\n" if broken else ""),
        "Job": "spec:\n  template:\n" + pod,
    }[kind]
    return head + body


def _odd(n: int) -> str:
    """Documents that are not plain objects, or carry lint findings."""
    return [
        "",  # an empty document
        "- just\n- a list\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n  name: dup-again\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: make}\ndata:\n  Makefile: |\n    all:\n    \techo hi\n",
        "kind: ConfigMap\nmetadata: {name: no-api-version}\n",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: suppressed\n  annotations:\n"
        "    ignore-check.argo-ml.io/SCHEMA-UNKNOWN-FIELD: generated upstream\nextra: 1\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ended\ndata: {a: b}\n...\n",
        "apiVersion: v1\nkind: Widget\nmetadata: {name: no-schema}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ünïcødé}\ndata: {k: \"\\u00e9\"}\n",
    ][n % 10]


def _stream(count: int, offset: int = 0) -> str:
    docs = []
    for n in range(offset, offset + count):
        docs.append(_odd(n) if n % 7 == 3 else _resource(n, broken=n % 3 == 1))
    return "---\n".join(d if d.endswith("\n") or not d else d + "\n" for d in docs)


@pytest.fixture
def tiny_pieces(monkeypatch) -> None:
    """Parallel from the first byte, and cut into pieces of a few documents."""
    monkeypatch.setattr(batch_read, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(batch_read, "PIECE_MIN_BYTES", 600)
    monkeypatch.setattr(batch_read, "PIECE_MAX_BYTES", 600)


@pytest.fixture(params=["sizes known", "many files"])
def parallel_plans(request, monkeypatch, tiny_pieces) -> None:
    """Both ways of planning: files whose sizes are read (and big ones cut), and so many that they are batched
    by count alone."""
    if request.param == "many files":
        monkeypatch.setattr(batch_read, "POOL_MIN_FILES", 0)


def _corpora(tmp_path: Path) -> dict[str, Path]:
    one = tmp_path / "one.yaml"
    one.write_text("\ufeff" + _stream(240), encoding="utf-8")
    many = tmp_path / "many"
    many.mkdir()
    for n in range(160):
        (many / f"r{n:04d}.yaml").write_text(_stream(1 + n % 3, offset=n * 3), encoding="utf-8")
    broken = tmp_path / "broken.yaml"  # a parse error half way: everything after it is unread, in both modes
    broken.write_text(_stream(60) + "---\nkey: [unclosed\n---\n" + _stream(60, offset=60), encoding="utf-8")
    tabs = tmp_path / "tabs.yaml"
    tabs.write_text(_stream(40) + "---\n" + _stream(40, 40).replace("  namespace: bench\n", "\t namespace: bench\n", 1),
                    encoding="utf-8")  # a tab in indentation stops the parse: findings up to it
    return {"one file": one, "a file per resource": many, "a parse error": broken, "tabs": tabs}


def _run(path: Path, root: Path, jobs: int, select: list[str] | None) -> tuple[list[Finding], list, dict]:
    result = engine.run(config.load(root), paths=[path], select=select, jobs=jobs)
    objects = [(rt.target.name, [(m.ref, m.source, m.source_line, m.index) for m in rt.manifests])
               for rt in result.rendered]
    return result.findings, objects, {"errors": result.errors, "counts": result.counts()}


@pytest.mark.parametrize("select", [["schema"], None], ids=["--select schema", "every rule"])
def test_one_and_two_workers_give_identical_findings_order_and_lines(tmp_path: Path, parallel_plans,
                                                                    select) -> None:
    for label, path in _corpora(tmp_path).items():
        one = _run(path, tmp_path, 1, select)
        two = _run(path, tmp_path, 2, select)
        assert one[0], f"{label}: the corpus should have findings"
        assert two[0] == one[0], label
        assert two[1:] == one[1:], label


@pytest.mark.parametrize("select", [["schema"], None], ids=["--select schema", "every rule"])
def test_checking_as_files_are_read_changes_no_finding_line_or_message(tmp_path: Path, monkeypatch, select) -> None:
    """The lines found from the node tree in hand are the lines the source map finds by parsing again."""
    for label, path in _corpora(tmp_path).items():
        read_checked = _run(path, tmp_path, 1, select)
        with monkeypatch.context() as m:
            m.setattr(batch_read, "_document_hook", lambda job, first_line: None)
            looked_up = _run(path, tmp_path, 1, select)
        assert read_checked == looked_up, label


def test_the_corpora_exercise_what_could_differ(tmp_path: Path, tiny_pieces) -> None:
    """Guard the test above: the parallel path is taken, streams are cut, and the findings cover the odd cases."""
    corpora = _corpora(tmp_path)
    reading = batch_read.Reading([_job(corpora["one file"])], _settings(), workers=2)
    assert reading.parallel and len(reading.tasks) > 10
    findings, _, _ = _run(corpora["one file"], tmp_path, 2, None)
    rules = {f.rule_id for f in findings}
    assert {"SCHEMA-UNKNOWN-FIELD", "SCHEMA-TYPE", "SCHEMA-MISSING", "YAML-DUPLICATE-KEY",
            "YAML-EMPTY-DOCUMENT", "YAML-NOT-OBJECT", "YAML-MISSING-KIND"} <= rules
    assert all(f.line for f in findings if f.rule_id.startswith("SCHEMA-"))
    assert not any("suppressed" in (f.object_ref or "") and f.rule_id == "SCHEMA-UNKNOWN-FIELD" for f in findings)
    parse = [f for f in _run(corpora["a parse error"], tmp_path, 2, ["schema"])[0] if f.rule_id == "YAML-PARSE"]
    assert len(parse) == 1 and parse[0].line and parse[0].line > 100
    tabs = [f for f in _run(corpora["tabs"], tmp_path, 2, None)[0] if f.rule_id in ("YAML-TAB", "YAML-PARSE")]
    assert [f.rule_id for f in tabs] == ["YAML-TAB"] and tabs[0].line > 100


def test_a_small_input_is_read_in_this_process(tmp_path: Path) -> None:
    small = tmp_path / "small.yaml"
    small.write_text(_stream(5), encoding="utf-8")
    assert not batch_read.Reading([_job(small)], _settings(), workers=2).parallel
    big = tmp_path / "big.yaml"
    big.write_text(_stream(3000), encoding="utf-8")
    assert batch_read.Reading([_job(big)], _settings(), workers=2).parallel
    assert not batch_read.Reading([_job(big)], _settings(), workers=1).parallel


def test_a_cut_lands_only_where_a_document_starts(tmp_path: Path, tiny_pieces) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(_stream(120), encoding="utf-8")
    raw = path.read_bytes()
    pieces = batch_read._cut(_job(path), 600)
    assert len(pieces) > 5
    for piece in pieces[1:]:
        assert raw[piece.start - 1:piece.start + 4] in (b"\n---\n", b"\n--- ")
        assert piece.first_line == raw.count(b"\n", 0, piece.start) + 1
    assert pieces[-1].end == len(raw) and pieces[-1].last
    crlf = tmp_path / "crlf.yaml"
    crlf.write_bytes(raw.replace(b"\n", b"\r\n"))  # libyaml counts lines its own way here: never cut
    assert batch_read._cut(_job(crlf), 600) == [_job(crlf)]


def _job(path: Path) -> batch_read.FileJob:
    return batch_read.FileJob(path, path.name, True)


def _settings() -> batch_read.Settings:
    from validation.schema_check import SchemaChecker

    return batch_read.Settings(SchemaChecker("1.37"), keep_objects=False)
