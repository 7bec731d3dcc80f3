"""Argo CD consistency: Applications point at paths that exist, in repos and destinations their project allows."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from validation.model import JsonPath, Manifest, RenderedTarget, Severity
from validation.placeholders import holds_blank
from validation.rules import Check, Context, Problem, Rule, register
from validation.rules.argo.spec_walk import as_dict, as_list
from validation.targets import MOST_USED, is_placeholder_url, normalize_repo_url, this_repo

FAMILY = "argocd"
APP = ("Application",)

# Kinds that have no namespace; Argo CD only syncs them if the project's clusterResourceWhitelist allows them.
CLUSTER_SCOPED = {
    "Namespace", "Node", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "PriorityClass", "APIService", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "CSIDriver",
    "CSINode", "RuntimeClass", "IngressClass", "VolumeAttachment", "ClusterWorkflowTemplate", "ClusterIssuer",
    "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "ClusterRoleBindingList",
}


def _rule(id: str, name: str, severity: Severity, summary: str, remediation: str, passing: str, failing: str,
          closed_world: bool = False, *, check: Check) -> None:
    register(Rule(id=id, name=name, severity=severity, scope=APP, summary=summary, remediation=remediation,
                  passing=passing.strip("\n"), failing=failing.strip("\n"), check=check, family=FAMILY,
                  closed_world=closed_world))


def sources(m: Manifest) -> list[tuple[dict[str, Any], JsonPath]]:
    """The Application's sources with their JSON paths: spec.sources when given (Argo CD then ignores spec.source)."""
    spec = as_dict(m.obj.get("spec"))
    many = [(s, ("spec", "sources", i)) for i, s in enumerate(as_list(spec.get("sources"))) if isinstance(s, dict)]
    if many:
        return many
    return [(spec["source"], ("spec", "source"))] if isinstance(spec.get("source"), dict) else []


def _all_manifests(ctx: Context, kind: str) -> list[Manifest]:
    out: dict[tuple[str, str | None], Manifest] = {}
    for rt in [ctx.target, *ctx.targets]:
        for m in rt.manifests:
            if m.kind == kind:
                out.setdefault((str(m.metadata.get("name")), m.namespace), m)
    return list(out.values())


_this_repo_cache: dict[int, tuple[list[RenderedTarget], set[str]]] = {}


def _this_repo(ctx: Context) -> set[str]:
    """The normalised repoURL(s) of this repository, decided as target discovery decides it."""
    hit = _this_repo_cache.get(id(ctx.targets))
    if hit is not None and hit[0] is ctx.targets:
        return hit[1]
    apps = [(a.obj, [s for s, _ in sources(a) if s.get("path") is not None and not s.get("chart")])
            for a in _all_manifests(ctx, "Application")]
    local, decided_by = this_repo(ctx.config, apps)
    if decided_by == MOST_USED and len(local) > 1:
        local = set()  # a tie (a folder of examples, each of another repository): none is known to be this one
    if len(_this_repo_cache) > 64:
        _this_repo_cache.clear()
    _this_repo_cache[id(ctx.targets)] = (ctx.targets, local)
    return local


def _project(ctx: Context, name: str) -> Manifest | None:
    for p in _all_manifests(ctx, "AppProject"):
        if p.metadata.get("name") == name:
            return p
    return None


def app_target(ctx: Context, app: Manifest) -> RenderedTarget | None:
    """What this Application renders: its own target (every source it renders), else the overlay at its source path
    when that is its only source that makes objects (an overlay is not what several sources make together)."""
    name = app.metadata.get("name")
    for rt in ctx.targets:
        t = rt.target
        if t.kind == "application" and as_dict(as_dict(t.application).get("metadata")).get("name") == name:
            return rt
    making = [src for src, _ in sources(app) if src.get("chart") or src.get("path") is not None]
    if len(making) == 1 and making[0].get("path") and not making[0].get("chart"):
        path = (ctx.repo_root / str(making[0]["path"])).resolve()
        for rt in ctx.targets:
            if rt.target.kind == "overlay" and rt.target.path.resolve() == path:
                return rt
    return None


def check_source_path(m: Manifest, ctx: Context) -> Iterator[Problem]:
    for src, sp in sources(m):
        if src.get("chart") or "path" not in src:
            continue
        if src.get("repoURL") and normalize_repo_url(str(src["repoURL"])) not in _this_repo(ctx):
            continue  # a path in another repository
        rel = str(src.get("path") or ".")
        if holds_blank(rel):
            continue  # a template's path, filled in where it is installed: nothing to look for yet
        p = (ctx.repo_root / rel).resolve()
        if not Path(rel).is_absolute() and ".." not in Path(rel).parts and (p.is_dir() or _nested_repo(ctx, m, rel)):
            continue
        yield Problem(m, f"source path {rel!r} is not a directory in this repository", (*sp, "path"))


def _nested_repo(ctx: Context, app: Manifest, rel: str) -> bool:
    """Whether the path is there relative to a folder above the Application's file: a repository copied into this
    one (its Applications name their own repository, laid out from that folder), not a missing path. A file
    checked from outside the repository is looked at up to its own git checkout, or the filesystem's top."""
    if not app.source:
        return False
    root = ctx.repo_root.resolve()
    here = (root / app.source).resolve().parent
    inside = root in here.parents or here == root
    while here != root and here.parent != here:
        if (here / rel).is_dir():
            return True
        if not inside and (here / ".git").exists():
            return False
        here = here.parent
    return False


_rule("ARGOCD-SOURCE-PATH-MISSING", "source-path-missing", Severity.ERROR,
      "An Application's source path in this repository exists (whether it renders is RENDER-FAILED's job). A path "
      "of another repository (a multi-source Application's second repository) is not looked for here, nor is one "
      "that is there from a folder above the Application's file (a repository copied into this one), nor one with a "
      "blank to fill in (kubefirst's registry/clusters/<CLUSTER_NAME>/...: a template's path).",
      "Fix spec.source.path (it is relative to the repository root).",
      """
spec:
  source: {repoURL: "https://github.com/example/argo-ml-gitops.git", path: overlays/dev, targetRevision: main}
""", """
spec:
  source: {repoURL: "https://github.com/example/argo-ml-gitops.git", path: overlay/dev, targetRevision: main}
""", check=check_source_path)


def check_repo_url(m: Manifest, ctx: Context) -> Iterator[Problem]:
    counts: Counter[str] = Counter()
    for app in _all_manifests(ctx, "Application"):
        for src, _ in sources(app):
            if src.get("repoURL") and not src.get("chart"):
                counts[normalize_repo_url(str(src["repoURL"]))] += 1
    if len(counts) < 2:
        return
    for src, sp in sources(m):
        url = src.get("repoURL")
        if not url or src.get("chart"):
            continue
        mine = normalize_repo_url(str(url))
        meant = _meant(mine, counts, _this_repo(ctx))
        if meant is not None and is_placeholder_url(mine):
            yield Problem(m, f"repoURL {url!r} is a placeholder to fill in; {meant!r}, which {counts[meant]} other "
                             "source(s) use, is the repository meant", (*sp, "repoURL"))
        elif meant is not None:
            yield Problem(m, f"repoURL {url!r} looks like a fork or a misspelling of {meant!r}, which "
                             f"{counts[meant]} other source(s) use", (*sp, "repoURL"))


def _meant(url: str, counts: Counter[str], local: set[str]) -> str | None:
    """The repository `url` was likely meant to be: a near-miss of it (the same repository name under another
    owner, or a few characters off) that is this repository, or that more sources use (on a full tie, the first in
    order). A source naming this repository syncs its own code, however few do: in a fork
    (dkarpele/image-updater-examples) the upstream's URL left in most Applications is the stray one. Another
    repository altogether (Argo CD's own install, an app's repository) is on purpose."""
    import difflib

    def weight(u: str) -> tuple[bool, bool, int]:  # a placeholder (your-org/...) is never the one meant
        return not is_placeholder_url(u), u in local, counts[u]

    def near(u: str) -> bool:
        (owner, name), (my_owner, my_name) = (_split_repo(v) for v in (u, url))
        if name == my_name:
            return True
        if _sibling(u, url):
            return False
        if owner == my_owner and owner:
            # Under one owner only the names are compared: the shared host and owner would make any two names
            # alike (cybozu-go/neco-apps' maneki-apps and ept-apps, both of cybozu-private).
            return _edits(name, my_name) <= max(1, min(len(name), len(my_name)) // 6)
        return difflib.SequenceMatcher(None, url, u).ratio() >= 0.85

    likelier = [u for u in counts if u != url and (weight(u) > weight(url) or weight(u) == weight(url) and u < url)]
    candidates = sorted((u for u in likelier if near(u)), key=lambda u: (u not in local, -counts[u], u))
    return candidates[0] if candidates else None


def _split_repo(url: str) -> tuple[str, str]:
    """(host and owner, repository name) of a normalized repoURL; no owner for a bare name."""
    head, _, name = url.rpartition("/")
    return head, name


def _edits(a: str, b: str) -> int:
    """Letters inserted, deleted, changed or swapped with their neighbour to make `a` into `b` (a typo's distance)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(b)]


def _sibling(a: str, b: str) -> bool:
    """Whether one repository's name is the other's with whole words added (all-infrastructure and
    all-infrastructure-secrets): a sibling repository named after this one, not a typo of it."""
    x, y = (re.split(r"[-_.]", u.rsplit("/", 1)[-1]) for u in (a, b))
    short, long = sorted((x, y), key=len)
    return len(short) < len(long) and short in (long[:len(short)], long[-len(short):])


_rule("ARGOCD-REPO-URL-MISMATCH", "repo-url-mismatch", Severity.ERROR,
      "No Application names a near-miss of the repoURL the others use: the same repository under another owner (a "
      "stray fork) or a URL a few characters off (a typo; under one owner, a name a letter or so off in six) syncs "
      "someone else's code. An Application of another "
      "repository altogether (Argo CD's own install, an app's repository, a sibling named after this one such as "
      "its -secrets repository) is there on purpose. Where this repository is known (repo-url, git's origin, the app "
      "of apps), a source naming it is never the stray one, however few do: in a fork, the upstream's URL is. A "
      "placeholder owner (your-org/..., <org>/...) is never the "
      "repository meant, however many Applications name it: those are reported as blanks to fill in.",
      "Use the repoURL the other Applications use.",
      """
# every Application: repoURL: https://github.com/example/argo-ml-gitops.git
""", """
# dev: repoURL: https://github.com/example/argo-ml-gitops.git
# prod: repoURL: https://github.com/exmaple/argo-ml-gitops.git
""", check=check_repo_url)


def check_repo_allowed(m: Manifest, ctx: Context) -> Iterator[Problem]:
    project = _project(ctx, str(as_dict(m.obj.get("spec")).get("project", "")))
    if project is None:
        return
    allowed = [str(r) for r in as_list(as_dict(project.obj.get("spec")).get("sourceRepos"))]
    for src, sp in sources(m):
        url = src.get("repoURL")
        if not url:
            continue
        if not _source_permitted(str(url), allowed):
            same = [p for p in allowed if normalize_repo_url(p) == normalize_repo_url(str(url))]
            across = [p for p in allowed if not p.startswith("!") and _glob(_argocd_url(str(url)), _argocd_url(p))]
            why = (f"; Argo CD tells an SSH URL from an HTTPS one, so {same[0]!r} does not cover it" if same else
                   f"; in sourceRepos a * stops at a slash, so {across[0]!r} does not cover it (** does)" if across
                   else "")
            yield Problem(m, f"repoURL {url!r} is not in AppProject {project.metadata.get('name')!r} sourceRepos "
                             f"({', '.join(allowed) or 'none'}){why}", (*sp, "repoURL"))


def _source_permitted(url: str, patterns: list[str]) -> bool:
    """AppProject.IsSourcePermitted: some pattern matches, and no deny pattern (!url) names the repository, whatever
    else (*) allows it."""
    src, matched = _argocd_url(url), False
    for pattern in patterns:
        if _repo_glob(src, _argocd_url(pattern)):
            matched = True
        elif pattern.startswith("!"):
            return False
    return matched


_SSH_URL = re.compile(r"(?:ssh://)?[^/:]*?@[^@]+\Z")


def _argocd_url(url: str) -> str:
    """A repoURL or sourceRepos pattern as Argo CD compares them (util/git NormalizeGitURL): lower case, no .git,
    git@host:o/r as git@host/o/r; the scheme and user stay, so git@github.com:o/r is not https://github.com/o/r."""
    negate = url.startswith("!")
    url = url[1:].strip().lower() if negate else url.strip().lower()
    if _SSH_URL.match(url) and not url.startswith("ssh://"):
        url = "ssh://" + url.replace(":", "/", 1)
    url = url.removesuffix(".git").removeprefix("ssh://")
    return "!" + url if negate else url


_rule("ARGOCD-REPO-NOT-ALLOWED", "repo-not-allowed", Severity.ERROR,
      "The Application's repoURL matches one of its AppProject's sourceRepos, compared as Argo CD compares them: "
      "case and a .git suffix aside, but an SSH URL (git@github.com:o/r) is not its HTTPS twin, and a * in a pattern "
      "stops at a slash (** crosses it); and no deny pattern (!url) names it, whatever else (*) allows it.",
      "Add the repository to the AppProject's sourceRepos, or fix the repoURL.",
      """
# AppProject: sourceRepos: ["https://github.com/example/argo-ml-gitops.git"]
""", """
# AppProject: sourceRepos: ["https://github.com/example/other.git"]
""", check=check_repo_allowed)


def _glob(value: str, pattern: str) -> bool:
    negate = pattern.startswith("!")
    return fnmatch.fnmatchcase(value, pattern[1:] if negate else pattern) != negate


def _repo_glob(value: str, pattern: str) -> bool:
    """How IsSourcePermitted matches a sourceRepos pattern: util/glob with '/' as the separator (gobwas/glob), so `*`
    and `?` stop at a slash and `**` crosses it (`https://github.com/*` does not allow `https://github.com/o/r`); a
    bare `*` allows everything; a pattern that does not compile matches nothing."""
    negate = pattern.startswith("!")
    body = pattern[1:] if negate else pattern
    if body == "*" and not negate:
        return True
    compiled = _separator_glob(body)
    return (compiled is not None and compiled.fullmatch(value) is not None) != negate


@functools.lru_cache(maxsize=256)
def _separator_glob(pattern: str) -> re.Pattern[str] | None:
    """gobwas/glob's syntax with '/' as the separator, as a regular expression: * ** ? [abc] [!a-z] {a,b} and \\."""
    out: list[str] = []
    i, depth = 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if i + 1 == len(pattern):
                return None
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            double = pattern.startswith("**", i)
            out.append(".*" if double else "[^/]*")
            i += 2 if double else 1
            continue
        if c == "[":
            end = pattern.find("]", i + 1)
            body = pattern[i + 1:end] if end > 0 else ""
            negated = body.startswith("!")
            body = body[1:] if negated else body
            if not body:
                return None
            chars = "".join(ch if ch == "-" and 0 < k < len(body) - 1 else re.escape(ch) for k, ch in enumerate(body))
            out.append(f"[{'^' if negated else ''}{chars}]")
            i = end + 1
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "{":
            out.append("(?:")
            depth += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
        elif c == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    if depth:
        return None
    try:
        return re.compile("".join(out), re.S)
    except re.error:  # a range such as [z-a]
        return None


def check_project(m: Manifest, ctx: Context) -> Iterator[Problem]:
    name = str(as_dict(m.obj.get("spec")).get("project", ""))
    if not ctx.everything_rendered:
        return  # an unrendered source or target may hold the AppProject
    if name and name != "default" and _project(ctx, name) is None:
        known = sorted(str(p.metadata.get("name")) for p in _all_manifests(ctx, "AppProject"))
        yield Problem(m, f"AppProject {name!r} does not exist (rendered: {', '.join(known) or 'none'})",
                      ("spec", "project"))


_rule("ARGOCD-PROJECT-MISSING", "project-missing", Severity.ERROR,
      "The Application's project is an AppProject rendered in the run (or Argo CD's built-in `default`). The "
      "project may come from any target, so the rule is silent when any target of the run is not rendered in full "
      "(a remote source, a failed target) or its world is open.",
      "Fix spec.project, or add the AppProject.",
      """
spec: {project: ml-pipeline}   # AppProject ml-pipeline is in argocd/
""", """
spec: {project: ml-pipline}
""", closed_world=True, check=check_project)


# Argo CD's built-in local cluster: its server and its name.
_LOCAL_CLUSTER = ("https://kubernetes.default.svc", "in-cluster")


def _any_value(pattern: Any) -> bool:
    return isinstance(pattern, str) and pattern != "" and pattern.strip("*") == ""


def _destination_allowed(dest: dict[str, Any], allowed: list[Any]) -> bool:
    ns = str(dest.get("namespace") or "")
    server, name = dest.get("server"), dest.get("name")
    # Argo CD fills in the other half from its cluster list before it matches the project (ValidateDestination);
    # here only the local cluster's pair is known, and a pattern of stars matches whatever the other half is.
    if name == _LOCAL_CLUSTER[1] and not server:
        server = _LOCAL_CLUSTER[0]
    if server == _LOCAL_CLUSTER[0] and not name:
        name = _LOCAL_CLUSTER[1]
    for d in allowed:
        if not isinstance(d, dict):
            continue
        ns_ok = _glob(ns, str(d.get("namespace", "")))
        if server and d.get("server") and _glob(str(server), str(d["server"])) and ns_ok:
            return True
        if name and d.get("name") and _glob(str(name), str(d["name"])) and ns_ok:
            return True
        if (name or server) and (_any_value(d.get("server")) or _any_value(d.get("name"))) and ns_ok:
            return True
    return False


def check_project_destination(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec = as_dict(m.obj.get("spec"))
    project = _project(ctx, str(spec.get("project", "")))
    if project is None:
        return
    dest = as_dict(spec.get("destination"))
    allowed = as_list(as_dict(project.obj.get("spec")).get("destinations"))
    shown = ", ".join(f"{d.get('server') or d.get('name')}/{d.get('namespace')}" for d in allowed
                      if isinstance(d, dict)) or "none"
    if not _destination_allowed(dest, allowed):
        yield Problem(m, f"destination {dest.get('server') or dest.get('name')}/{dest.get('namespace')} is not "
                         f"permitted by AppProject {project.metadata.get('name')!r} ({shown})",
                      ("spec", "destination", "namespace") if dest.get("namespace") else ("spec", "destination"))
        return
    # Argo CD checks every object's own namespace too: an overlay may render into one the project forbids.
    rt = app_target(ctx, m)
    if rt is not None:
        rendered = sorted({str(o.namespace) for o in rt.manifests if o.namespace and o.kind not in CLUSTER_SCOPED})
        denied = [ns for ns in rendered if not _destination_allowed({**dest, "namespace": ns}, allowed)]
        if denied:
            yield Problem(m, f"the source renders into namespace(s) {', '.join(denied)}, which AppProject "
                             f"{project.metadata.get('name')!r} does not permit ({shown})",
                          _source_field(m))


_rule("ARGOCD-PROJECT-DESTINATION", "project-destination", Severity.ERROR,
      "The Application's destination (server or name, and namespace) is one its AppProject permits.",
      "Add the destination to the AppProject's spec.destinations, or fix the Application's destination.",
      """
# AppProject destinations: [{server: https://kubernetes.default.svc, namespace: "ml-*"}]
spec: {destination: {server: https://kubernetes.default.svc, namespace: ml-dev}}
""", """
# AppProject destinations: [{server: https://kubernetes.default.svc, namespace: "ml-*"}]
spec: {destination: {server: https://kubernetes.default.svc, namespace: default}}
""", check=check_project_destination)


def _source_field(m: Manifest) -> JsonPath:
    found = sources(m)
    return ("spec", "sources") if len(found) > 1 else (found[0][1] if found else ("spec", "source"))


def _kind_group(obj: Manifest) -> str:
    api = obj.api_version
    return api.split("/")[0] if "/" in api else ""


def _kind_listed(group: str, kind: str, entries: list[Any]) -> bool:
    for e in entries:
        if isinstance(e, dict) and _glob(group, str(e.get("group", ""))) and _glob(kind, str(e.get("kind", ""))):
            return True
    return False


def check_project_resources(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec = as_dict(m.obj.get("spec"))
    project = _project(ctx, str(spec.get("project", "")))
    rt = app_target(ctx, m)
    if project is None or rt is None:
        return
    pspec = as_dict(project.obj.get("spec"))
    cluster_ok = as_list(pspec.get("clusterResourceWhitelist"))
    cluster_deny = as_list(pspec.get("clusterResourceBlacklist"))
    ns_allow = pspec.get("namespaceResourceWhitelist")
    ns_deny = as_list(pspec.get("namespaceResourceBlacklist"))
    bad: set[str] = set()
    for obj in rt.manifests:
        group, kind = _kind_group(obj), obj.kind
        label = f"{group or 'core'}/{kind}"
        if kind in CLUSTER_SCOPED:
            if not _kind_listed(group, kind, cluster_ok) or _kind_listed(group, kind, cluster_deny):
                bad.add(f"cluster-scoped {label}")
        else:
            if (isinstance(ns_allow, list) and not _kind_listed(group, kind, ns_allow)) or _kind_listed(group, kind, ns_deny):
                bad.add(f"namespaced {label}")
    if bad:
        yield Problem(m, f"AppProject {project.metadata.get('name')!r} does not permit {', '.join(sorted(bad))}, which "
                         f"this Application renders", ("spec", "project"))


_rule("ARGOCD-PROJECT-CLUSTER-RESOURCE", "project-cluster-resource", Severity.ERROR,
      "Every cluster-scoped kind the Application renders is in its AppProject's clusterResourceWhitelist, and every "
      "namespaced kind passes the project's namespaceResourceWhitelist/Blacklist; otherwise the sync fails.",
      "Whitelist the kind in the AppProject, or stop rendering it from this path.",
      """
# renders only namespaced kinds; AppProject clusterResourceWhitelist: []
""", """
# renders a ClusterRole; AppProject clusterResourceWhitelist: []
""", check=check_project_resources)


def check_destination_namespace(m: Manifest, ctx: Context) -> Iterator[Problem]:
    dest_ns = as_dict(as_dict(m.obj.get("spec")).get("destination")).get("namespace")
    rt = app_target(ctx, m)
    if rt is None or rt.incomplete:
        return  # (an unrendered source may render into the destination)
    namespaced = [o.namespace for o in rt.manifests if o.kind not in CLUSTER_SCOPED]
    rendered = sorted({str(ns) for ns in namespaced if ns})
    if len(rendered) != 1 or None in namespaced:
        return  # objects that name their own namespaces: the destination is only the default for the rest
    if not dest_ns:
        yield Problem(m, f"no destination namespace, but the source renders into {', '.join(rendered)}",
                      ("spec", "destination"))
        return
    others = [ns for ns in rendered if ns != dest_ns]
    if others:
        yield Problem(m, f"destination namespace {dest_ns!r}, but the source renders into {', '.join(others)}",
                      ("spec", "destination", "namespace"))


_rule("ARGOCD-DESTINATION-NAMESPACE", "destination-namespace", Severity.ERROR,
      "The Application's destination namespace equals the namespace its sources render into (kustomize's "
      "`namespace:`), every source of a multi-source Application together. Objects that name several namespaces, "
      "or leave some to the destination, are deliberate and not checked.",
      "Make spec.destination.namespace and the overlay's `namespace:` agree.",
      """
# overlays/dev: namespace: ml-dev
spec: {destination: {namespace: ml-dev}}
""", """
# overlays/dev: namespace: ml-dev
spec: {destination: {namespace: ml-prod}}
""", closed_world=True, check=check_destination_namespace)


def check_target_revision(m: Manifest, ctx: Context) -> Iterator[Problem]:
    for src, sp in sources(m):
        if not str(src.get("targetRevision") or "").strip():
            yield Problem(m, "no targetRevision: Argo CD would follow the repository's default branch", sp)


_rule("ARGOCD-TARGET-REVISION", "target-revision", Severity.ERROR,
      "Every source sets targetRevision, so what syncs is a decision and not the repository's default branch.",
      "Set targetRevision to a branch, tag or commit.",
      """
source: {repoURL: "https://github.com/example/argo-ml-gitops.git", path: overlays/prod, targetRevision: v1.4.0}
""", """
source: {repoURL: "https://github.com/example/argo-ml-gitops.git", path: overlays/prod}
""", check=check_target_revision)


def app_environment(ctx: Context, m: Manifest) -> str | None:
    label = m.metadata.get("labels", {}) if isinstance(m.metadata.get("labels"), dict) else {}
    if label.get(ctx.config.environment_label):
        return str(label[ctx.config.environment_label])
    rt = app_target(ctx, m)
    if rt is not None and rt.target.environment:
        return rt.target.environment
    for src, _ in sources(m):
        parts = Path(str(src.get("path", ""))).parts
        if len(parts) >= 2 and parts[-2] == ctx.config.overlays_dir:
            return parts[-1]
    return None


def check_prod_prune(m: Manifest, ctx: Context) -> Iterator[Problem]:
    if ctx.config.allow_prod_auto_prune:
        return
    automated = as_dict(as_dict(as_dict(m.obj.get("spec")).get("syncPolicy")).get("automated"))
    if automated.get("prune") is True:
        env = app_environment(ctx, m)
        if env in ctx.config.production_environments:
            yield Problem(m, f"automated prune on production environment {env!r}",
                          ("spec", "syncPolicy", "automated", "prune"))


_rule("ARGOCD-PROD-AUTO-PRUNE", "prod-auto-prune", Severity.WARNING,
      "Automated sync with prune is off for production environments (a bad commit would delete live objects), "
      "unless `allow-prod-auto-prune` is set.",
      "Drop `prune: true` from prod's syncPolicy.automated, or set allow-prod-auto-prune = true in config.",
      """
# prod
syncPolicy: {automated: {prune: false, selfHeal: true}}
""", """
# prod
syncPolicy: {automated: {prune: true, selfHeal: true}}
""", check=check_prod_prune)
