"""`python -m validation check`: formats and outputs, GitHub mode, --changed, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from .helpers import write


def test_clean_repo_exits_0_and_says_what_it_rendered(repo: Path, run_cli) -> None:
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML,SCHEMA,RENDER,SUPPRESS")
    assert code == 0, out + err
    assert out.splitlines()[-1].startswith("passed: 0 errors, 0 warnings, 0 info")
    assert "rendered: dev, prod, app/demo-dev" in out


def test_findings_exit_1_and_fail_on_moves_the_threshold(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "x.yaml": "---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--select", "YAML,SCHEMA", str(tmp_path / "x.yaml"))
    assert code == 0 and "info YAML-EMPTY-DOCUMENT" in out
    code, _, _ = run_cli("check", "--root", str(tmp_path), "--select", "YAML,SCHEMA", "--fail-on", "info",
                         str(tmp_path / "x.yaml"))
    assert code == 1


def test_formats_and_outputs_pair_up(repo: Path, tmp_path: Path, run_cli) -> None:
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML", "--format", "sarif", "--output",
                             str(sarif), "--format", "junit", "--output", str(junit), "--format", "json")
    assert code == 0, err
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert ET.parse(junit).getroot().tag == "testsuites"
    assert json.loads(out)["exit_code"] == 0  # the unpaired format goes to stdout


def test_file_only_outputs_still_print_a_summary(repo: Path, tmp_path: Path, run_cli) -> None:
    code, out, _ = run_cli("check", "--root", str(repo), "--select", "YAML", "--output", str(tmp_path / "r.json"))
    assert json.loads((tmp_path / "r.json").read_text())["exit_code"] == 0  # format from the suffix
    assert out.startswith("passed:")


def test_github_actions_gets_annotations(tmp_path: Path, run_cli, monkeypatch) -> None:
    write(tmp_path, {"pyproject.toml": "", "x.yaml": "a: 1\na: 2\n"})
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--select", "YAML", str(tmp_path / "x.yaml"))
    assert code == 1
    assert "::error file=x.yaml,line=2,col=1,title=YAML-DUPLICATE-KEY::" in out


def test_usage_errors_exit_2_without_traceback(repo: Path, run_cli) -> None:
    for argv, message in [
        (["--select", "BOGUS"], "'BOGUS' is not a rule ID"),
        (["--env", "qa"], "unknown target 'qa'"),
        (["--kubernetes-version", "0.1"], "--kubernetes-version 0.1"),
        (["--output", "/nonexistent/dir/x.json"], "does not exist"),
        (["--output", "report.weird"], "no --format for it"),
        ([str(repo / "missing.yaml")], "no such file"),
    ]:
        code, out, err = run_cli("check", "--root", str(repo), *argv)
        assert code == 2, argv
        assert message in err, (argv, err)
        assert "Traceback" not in out + err


def test_env_selects_one_environment(repo: Path, run_cli) -> None:
    code, out, _ = run_cli("check", "--root", str(repo), "--select", "YAML", "--env", "prod")
    assert code == 0 and "rendered: prod (" in out


def test_changed_overlay_file_renders_only_that_environment(repo: Path, run_cli) -> None:
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML", "--verbose",
                             "--changed", "overlays/prod/bucket.yaml")
    assert code == 0, err
    assert "rendered: prod (" in out
    assert "rendered prod (overlay)" in err and "rendered dev" not in err


def test_changed_unrelated_file_renders_nothing(repo: Path, run_cli) -> None:
    write(repo, {"docs/notes.md": "hello\n"})
    code, out, _ = run_cli("check", "--root", str(repo), "--select", "YAML", "--changed", "docs/notes.md")
    assert code == 0 and "rendered: none" in out


def test_real_process_prints_no_traceback_on_bad_input(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "bad.yaml": b"\xff\xfe\x00garbage: [\n"})
    proc = subprocess.run([sys.executable, "-m", "validation", "check", "--root", str(tmp_path),
                           str(tmp_path / "bad.yaml")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "YAML-ENCODING" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_path_with_a_kustomization_is_rendered_and_mapped(repo: Path, run_cli) -> None:
    code, out, err = run_cli("check", "--root", str(repo), "--format", "json", "--select", "YAML,SCHEMA",
                             str(repo / "overlays/dev"), str(repo / "base/serviceaccount.yaml"))
    assert code == 0, err
    data = json.loads(out)
    assert [(t["kind"], t["objects"]) for t in data["targets"]] == [("path", 3), ("path", 1)]


def test_application_of_a_plain_directory_reads_it_as_argo_cd_does(repo: Path) -> None:
    from validation import config, engine

    write(repo, {
        "argocd/apps/raw.yaml": """\
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: raw}
            spec:
              project: default
              source: {repoURL: https://example.com/repo.git, targetRevision: main, path: raw}
              destination: {server: https://kubernetes.default.svc, namespace: raw}
            """,
        "raw/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        "raw/sub/b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
    })
    result = engine.run(config.load(repo), targets=["raw"], select=["YAML"])
    [rt] = result.rendered
    assert [m.name for m in rt.manifests] == ["a"]  # no recurse unless spec.source.directory.recurse
    assert rt.manifests[0].source == "raw/a.yaml"
    text = (repo / "argocd/apps/raw.yaml").read_text().replace("path: raw}", "path: raw, directory: {recurse: true}}")
    write(repo, {"argocd/apps/raw.yaml": text})
    [rt] = engine.run(config.load(repo), targets=["raw"], select=["YAML"]).rendered
    assert sorted(m.name for m in rt.manifests) == ["a", "b"]


def test_progress_appears_only_on_a_terminal_after_a_while(capsys, monkeypatch) -> None:
    from validation.commands import check

    quiet = check._Progress(enabled=False)
    quiet("render", 1, 3, "dev")
    fresh = check._Progress(enabled=True)
    fresh("render", 1, 3, "dev")  # under a second in: nothing yet
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(check, "PROGRESS_AFTER", 0.0)
    slow = check._Progress(enabled=True)
    slow("render", 2, 3, "prod")
    slow.clear()
    err = capsys.readouterr().err
    assert "render 2/3: prod" in err and err.endswith("\r\033[K")


def test_summary_counts_shared_objects_once(repo: Path, run_cli) -> None:
    code, out, _ = run_cli("check", "--root", str(repo), "--select", "YAML")
    assert "in 6 objects; rendered: dev, prod, app/demo-dev" in out  # app/demo-dev reuses dev's 3 objects
