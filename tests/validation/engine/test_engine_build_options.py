"""kustomize-build-options: Argo CD's kustomize.buildOptions, so a repository built with the load restrictor off
renders here as it does there (kube-components-stack: 42 RENDER-FAILED under kustomize's default)."""

from __future__ import annotations

from pathlib import Path

import pytest

from validation.config import ConfigError, from_table, parse_build_options

from .helpers import write

SHARED = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  a: \"1\"\n  bad: {x: 1}\n"
LIFTED = ("--load-restrictor", "LoadRestrictionsNone")


def shared_file_repo(root: Path, table: str = "") -> Path:
    """apps/web lists a file of another folder: kustomize refuses that unless its load restrictor is off."""
    write(root, {"pyproject.toml": f"[tool.validation]\n{table}\n",
                 "shared/cm.yaml": SHARED,
                 "apps/web/kustomization.yaml": "resources:\n  - ../../shared/cm.yaml\n"})
    return root


@pytest.mark.parametrize("value", ["--load-restrictor LoadRestrictionsNone", "--load-restrictor=LoadRestrictionsNone",
                                   "  --load_restrictor   LoadRestrictionsNone ",
                                   ["--load-restrictor", "LoadRestrictionsNone"],
                                   ["--load-restrictor LoadRestrictionsNone"]])
def test_argo_cds_spellings_of_the_load_restrictor_are_taken(value: object) -> None:
    assert parse_build_options(value, "here") == LIFTED
    assert parse_build_options("--load-restrictor LoadRestrictionsRootOnly", "here") == ("--load-restrictor",
                                                                                         "LoadRestrictionsRootOnly")
    assert parse_build_options("", "here") == () == parse_build_options([], "here")


@pytest.mark.parametrize("value, message", [
    ("--load-restrictor none", "--load-restrictor takes LoadRestrictionsRootOnly or LoadRestrictionsNone, not 'none'"),
    ("--load-restrictor", "not ''"),
    ("--enable-helm --load-restrictor LoadRestrictionsNone", "--enable-helm makes kustomize run another program"),
    ("--enable-alpha-plugins", "--enable-alpha-plugins makes kustomize run another program"),
    ("--helm-command=/usr/bin/helm", "--helm-command makes kustomize run another program"),
    ("--reorder none", "'--reorder' is not an option the validator takes"),
    ('--load-restrictor "LoadRestrictionsNone', "No closing quotation"),
    (3, "expected kustomize options as one string"),
    (["--load-restrictor", 3], "expected kustomize options as one string"),
])
def test_what_the_validator_cannot_honour_is_refused_by_name(value: object, message: str) -> None:
    with pytest.raises(ConfigError, match="^here: ") as refused:
        parse_build_options(value, "here")
    assert message in str(refused.value)


def test_the_config_key_sets_them() -> None:
    assert from_table({"kustomize-build-options": "--load-restrictor LoadRestrictionsNone"}).kustomize_build_options \
        == LIFTED
    assert from_table({}).kustomize_build_options == ()
    with pytest.raises(ConfigError, match=r"^\[tool.validation\] kustomize-build-options: --enable-helm"):
        from_table({"kustomize-build-options": "--enable-helm"})


def test_by_default_the_refusal_says_which_setting_would_lift_it(tmp_path: Path, run_cli) -> None:
    root = shared_file_repo(tmp_path)
    code, out, err = run_cli("check", "--root", str(root), str(root / "apps/web"))
    assert code == 1, out + err
    assert "RENDER-FAILED resources: ../../shared/cm.yaml is outside this kustomization's folder" in out
    assert "if Argo CD builds with kustomize.buildOptions --load-restrictor LoadRestrictionsNone, set " \
           "kustomize-build-options to the same" in out


def test_the_configured_options_render_it_and_its_objects_are_checked_at_their_file(tmp_path: Path, run_cli) -> None:
    root = shared_file_repo(tmp_path, 'kustomize-build-options = "--load-restrictor LoadRestrictionsNone"')
    code, out, err = run_cli("check", "--root", str(root), "--select", "SCHEMA,RENDER", str(root / "apps/web"))
    assert "RENDER-FAILED" not in out, out
    assert code == 1 and "shared/cm.yaml:7:" in out and "SCHEMA-TYPE" in out, out + err  # data.bad is no string


def test_the_flag_overrides_the_config_and_is_checked_like_it(tmp_path: Path, run_cli) -> None:
    root = shared_file_repo(tmp_path, 'kustomize-build-options = "--load-restrictor LoadRestrictionsRootOnly"')
    code, out, _ = run_cli("check", "--root", str(root), "--select", "RENDER", str(root / "apps/web"),
                           "--kustomize-build-options=--load-restrictor LoadRestrictionsNone")
    assert code == 0 and "rendered: " in out and "apps/web (" in out, out
    code, out, err = run_cli("check", "--root", str(root), str(root / "apps/web"),
                             "--kustomize-build-options=--enable-helm")
    assert code == 2 and "error: --kustomize-build-options: --enable-helm makes kustomize run" in err, out + err


def test_render_takes_them_too(tmp_path: Path, run_cli) -> None:
    root = shared_file_repo(tmp_path)
    write(root, {"overlays/dev/kustomization.yaml": "resources:\n  - ../../shared/cm.yaml\n"})
    code, _, err = run_cli("render", "dev", "--root", str(root))
    assert code == 2 and "is outside this kustomization's folder" in err
    code, out, err = run_cli("render", "dev", "--root", str(root),
                             "--kustomize-build-options=--load-restrictor LoadRestrictionsNone")
    assert code == 0 and "name: shared" in out, err
