"""`[tool.validation]` in pyproject.toml: targets, versions, severities and what is declared external."""

from __future__ import annotations

from pathlib import Path

from validation.model import Severity

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any


class ConfigError(ValueError):
    """The configuration cannot be used; the CLI turns this into exit 2."""


class External:
    """Objects that live in the cluster but not in the rendered set (created by hand, by another app, or by Argo)."""

    __slots__ = ("secrets", "configmaps", "serviceaccounts", "persistentvolumeclaims", "workflowtemplates",
                 "clusterworkflowtemplates", "clusterroles")

    def __init__(self, *, secrets: list[str] | None = None, configmaps: list[str] | None = None,
                 serviceaccounts: list[str] | None = None, persistentvolumeclaims: list[str] | None = None,
                 workflowtemplates: list[str] | None = None, clusterworkflowtemplates: list[str] | None = None,
                 clusterroles: list[str] | None = None) -> None:
        self.secrets = secrets or []
        self.configmaps = configmaps or []
        self.serviceaccounts = serviceaccounts or []
        self.persistentvolumeclaims = persistentvolumeclaims or []
        self.workflowtemplates = workflowtemplates or []  # "name" or "name/template"
        self.clusterworkflowtemplates = clusterworkflowtemplates or []
        self.clusterroles = clusterroles or []  # an operator's (the platform's own are known)


class Config:
    """The repository's [tool.validation] settings, with defaults."""

    def __init__(self, *, root: Path = Path("."), targets: list[str] | None = None, overlays_dir: str = "overlays",
                 argocd_dir: str = "argocd", repo_url: list[str] | None = None, kubernetes_version: str = "1.37",
                 argo_version: str | None = None, fail_on: Severity = Severity.ERROR, select: list[str] | None = None,
                 ignore: list[str] | None = None, policy: list[str] | None = None,
                 severity: dict[str, Severity] | None = None, ignore_missing_schemas: bool = False,
                 missing_schema_kinds: list[str] | None = None, external: External | None = None,
                 allow_shared_buckets: bool = False, allow_remote_bases: bool = False, closed_world: bool = False,
                 allow_prod_auto_prune: bool = False, production_environments: list[str] | None = None,
                 require_digest: list[str] | None = None, environment_label: str = "environment",
                 command_parsers: dict[str, str] | None = None,
                 kustomize_build_options: tuple[str, ...] = ()) -> None:
        self.root = root
        self.targets = targets or []  # extra target paths; overlays/* and argocd/ Applications are found anyway
        self.overlays_dir = overlays_dir
        self.argocd_dir = argocd_dir
        self.repo_url = repo_url or []  # this repository's URL(s), as Applications spell repoURL
        self.kubernetes_version = kubernetes_version
        # the Argo Workflows release line ("4.1"): its vendored schemas, and the executor permissions RBAC checks
        self.argo_version = _newest_argo() if argo_version is None else argo_version
        self.fail_on = fail_on
        self.select = select or []
        self.ignore = ignore or []  # rule IDs or prefixes switched off
        self.policy = policy or []  # policy rules (IDs or prefixes) this repository turns on
        self.severity = severity or {}  # rule ID -> severity override
        self.ignore_missing_schemas = ignore_missing_schemas
        self.missing_schema_kinds = missing_schema_kinds or []  # kinds allowed to have no schema
        self.external = external or External()
        self.allow_shared_buckets = allow_shared_buckets
        self.allow_remote_bases = allow_remote_bases  # let kustomize fetch remote bases (network); off: refused
        # Files and plain directories given as PATHs form a closed world: what they refer to must be among them.
        self.closed_world = closed_world
        self.allow_prod_auto_prune = allow_prod_auto_prune
        self.production_environments = ["prod"] if production_environments is None else production_environments
        self.require_digest = require_digest or []  # environments whose images must be pinned by digest
        self.environment_label = environment_label
        # command prefix ("python -m pipeline") -> "module:function" building that CLI's argparse parser (POD-CLI-ARGS)
        self.command_parsers = command_parsers or {}
        # Argo CD's kustomize.buildOptions (argocd-cm), for every build: parse_build_options says which are taken
        self.kustomize_build_options = kustomize_build_options


def _newest_argo() -> str:
    from validation.schemas import argo

    return argo.newest_version()


_SIMPLE = {
    "targets": list,
    "overlays-dir": str,
    "argocd-dir": str,
    "kubernetes-version": str,
    "argo-version": str,
    "select": list,
    "ignore": list,
    "policy": list,
    "ignore-missing-schemas": bool,
    "missing-schema-kinds": list,
    "allow-shared-buckets": bool,
    "allow-remote-bases": bool,
    "closed-world": bool,
    "allow-prod-auto-prune": bool,
    "production-environments": list,
    "require-digest": list,
    "environment-label": str,
}


def load(root: Path) -> Config:
    """Read `[tool.validation]` from root/pyproject.toml; a missing file or table gives the defaults."""
    cfg = Config(root=root.resolve())
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return cfg
    import tomllib  # here: a check of files outside any project (no pyproject.toml) does not need it

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{pyproject}: {exc}") from None
    table = data.get("tool", {}).get("validation", {})
    return from_table(table, cfg)


def from_table(table: dict[str, Any], cfg: Config | None = None) -> Config:
    cfg = cfg or Config()
    for key, value in table.items():
        attr = key.replace("-", "_")
        if key in _SIMPLE:
            if not isinstance(value, _SIMPLE[key]):
                raise ConfigError(f"[tool.validation] {key}: expected {_SIMPLE[key].__name__}, got {value!r}")
            setattr(cfg, attr, value)
        elif key == "repo-url":
            urls = [value] if isinstance(value, str) else value
            if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and u.strip() for u in urls):
                raise ConfigError(f"[tool.validation] repo-url: expected a URL or a list of URLs, got {value!r}")
            cfg.repo_url = list(urls)
        elif key == "fail-on":
            cfg.fail_on = _severity(key, value)
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError("[tool.validation] severity: expected a table of RULE-ID = \"error|warning|info\"")
            cfg.severity = {str(k).upper(): _severity(f"severity.{k}", v) for k, v in value.items()}
        elif key == "command-parsers":
            if not isinstance(value, dict) or not all(
                    isinstance(k, str) and k.split() and isinstance(v, str) and ":" in v for k, v in value.items()):
                raise ConfigError("[tool.validation.command-parsers]: expected \"command prefix\" = "
                                  "\"module:function\" entries, e.g. \"python -m pipeline\" = \"pipeline.cli:build_parser\"")
            cfg.command_parsers = {" ".join(k.split()): v for k, v in value.items()}
        elif key == "kustomize-build-options":
            cfg.kustomize_build_options = parse_build_options(value, f"[tool.validation] {key}")
        elif key == "external":
            if not isinstance(value, dict):
                raise ConfigError("[tool.validation] external: expected a table")
            for kind, names in value.items():
                field_name = kind.replace("-", "")
                if not hasattr(cfg.external, field_name) or not isinstance(names, list):
                    raise ConfigError(f"[tool.validation.external] {kind}: unknown kind or not a list")
                setattr(cfg.external, field_name, [str(n) for n in names])
        else:
            raise ConfigError(f"[tool.validation] unknown key {key!r}")
    return cfg


LOAD_RESTRICTIONS = ("LoadRestrictionsRootOnly", "LoadRestrictionsNone")
# Options Argo CD users set that make kustomize run another program: the validator runs none of them (such a target
# is noted, not rendered), so taking them would be accepting a setting and ignoring it.
_RUNS_TOOLS = ("--enable-helm", "--enable-alpha-plugins", "--enable-exec", "--enable-star-plugins", "--helm-command",
               "--helm-api-versions", "--helm-kube-version", "--mount", "--network", "--network-name", "--env", "-e",
               "--as-current-user")


def parse_build_options(value: Any, where: str) -> tuple[str, ...]:
    """Argo CD's kustomize.buildOptions, written as there (one string) or as a list: the kustomize arguments the
    validator adds to every build. Only what changes what kustomize reads offline is taken: --load-restrictor."""
    import shlex

    if isinstance(value, str):
        try:
            words = shlex.split(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        words = [w for v in value for w in v.split()]
    else:
        raise ConfigError(f"{where}: expected kustomize options as one string (Argo CD's kustomize.buildOptions) "
                          f"or a list of strings, got {value!r}")
    options: list[str] = []
    rest = iter(words)
    for word in rest:
        flag, eq, given = word.partition("=")
        if flag in ("--load-restrictor", "--load_restrictor"):
            restriction = given if eq else next(rest, "")
            if restriction not in LOAD_RESTRICTIONS:
                raise ConfigError(f"{where}: --load-restrictor takes {' or '.join(LOAD_RESTRICTIONS)}, "
                                  f"not {restriction!r}")
            options += ["--load-restrictor", restriction]
        elif flag in _RUNS_TOOLS:
            raise ConfigError(f"{where}: {flag} makes kustomize run another program (Helm, a plugin, a container), "
                              "which the validator never does: leave it out here (a target that needs it is noted, "
                              "not rendered)")
        else:
            raise ConfigError(f"{where}: {word!r} is not an option the validator takes; only --load-restrictor "
                              "changes what kustomize builds offline")
    return tuple(options)


def _severity(key: str, value: Any) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise ConfigError(f"[tool.validation] {key}: {exc}") from None
