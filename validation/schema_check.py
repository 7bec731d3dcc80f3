"""Offline, strict schema checks of one rendered object, fast on the common (valid) path.

`SchemaChecker(kubernetes_version, config).check(obj)` returns `SchemaIssue`s. Validators are compiled once per
apiVersion/kind with jsonschema-rs; a valid object costs one `is_valid` call. Only an invalid object is walked
for errors, and anyOf/oneOf failures are descended (as jsonschema's best_match does) so that a message names the
deepest failing field and what was expected, never the whole object.
"""

from __future__ import annotations

import datetime
import json
import types
from _thread import allocate_lock  # threading's Lock, without importing threading
from collections.abc import Iterable, Iterator

from validation import import_with_stand_ins
from validation.model import JsonPath, Severity, format_path
from validation.records import record
from validation.schemas import Catalog, argo, kubernetes, strict, vendored

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

    from validation.config import Config
    from validation.schemas.crossplane import GeneratedCRD

UNKNOWN_FIELD = "SCHEMA-UNKNOWN-FIELD"
REQUIRED = "SCHEMA-REQUIRED"
TYPE = "SCHEMA-TYPE"
ENUM = "SCHEMA-ENUM"
INVALID = "SCHEMA-INVALID"
MISSING = "SCHEMA-MISSING"
DEPRECATED_API = "SCHEMA-DEPRECATED-API"
REMOVED_API = "SCHEMA-REMOVED-API"

MAX_ISSUES_PER_OBJECT = 50


def _stand_ins() -> dict[str, types.ModuleType]:
    """What jsonschema-rs's import uses of two modules a run would otherwise never load (import_with_stand_ins).

    - At import, jsonschema-rs turns its build date into a datetime for its `__build__` metadata with
      `email.utils.parsedate_to_datetime`, which loads socket, calendar, locale and more: about 12 ms. The stand-in
      leaves the date a string; nothing here reads it.
    - Its package reads `typing.TYPE_CHECKING`, and nothing else here imports typing: about 3 ms.
    """
    email_utils = types.ModuleType("email.utils", "stand-in for jsonschema-rs's import (schema_check.py)")
    email_utils.parsedate_to_datetime = str  # type: ignore[attr-defined]
    typing = types.ModuleType("typing", "stand-in for jsonschema-rs's import (schema_check.py)")
    typing.TYPE_CHECKING = False  # type: ignore[attr-defined]
    return {"email.utils": email_utils, "typing": typing}


jsonschema_rs = import_with_stand_ins("jsonschema_rs", _stand_ins())

UnsupportedVersionError = kubernetes.UnsupportedVersionError
UnsupportedArgoVersionError = argo.UnsupportedArgoVersionError


@record
class SchemaIssue:
    """A schema problem of one object, at a JSON path."""

    rule_id: str
    path: JsonPath
    message: str
    severity: Severity | None = None  # None: the rule's default (or the configured override)


@record
class _Compiled:
    """A kind's schema and its compiled validator."""

    schema: dict[str, Any]
    validator: Any  # jsonschema_rs validator


class SchemaChecker:
    """Checks objects against the schema of their apiVersion/kind for one Kubernetes version."""

    def __init__(self, kubernetes_version: str = "1.37", config: "Config | None" = None,
                 catalog: Catalog | None = None) -> None:
        self.config = config
        argo_version = getattr(config, "argo_version", None)  # None: the newest vendored release
        # raises UnsupportedVersionError / UnsupportedArgoVersionError (ValueErrors) early
        self.catalog = catalog or Catalog(kubernetes_version, argo_version)
        self.kubernetes_version = kubernetes.parse_version(kubernetes_version)
        self._compiled: dict[tuple[str, str], _Compiled | None] = {}
        self._other_schemas: dict[tuple[str, str, str], dict[str, Any] | None] = {}
        self._other_bundles: dict[str, argo.ArgoBundle] = {}
        self._crds: dict[tuple[str, str], Any] = {}
        self._hints: dict[tuple[str, str], dict[str, str]] = {}  # a kind's spec.<field> -> unknown-field hint
        self._lock = allocate_lock()

    def has_schema(self, api_version: str, kind: str) -> bool:
        return self.catalog.has(str(api_version), str(kind)) or (str(api_version), str(kind)) in self._crds

    def add_crds(self, crds: dict[tuple[str, str], Any]) -> list[tuple[str, str]]:
        """Kinds that no bundled schema knows, defined by CustomResourceDefinitions among the checked objects: checked
        against the CRD's openAPIV3Schema, made strict as the vendored Argo CRDs are. Returns the kinds added."""
        added = []
        with self._lock:
            for key, openapi in crds.items():
                if key not in self._crds and not self.catalog.has(*key):
                    self._crds[key] = openapi
                    self._compiled.pop(key, None)  # a "no schema" remembered before
                    added.append(key)
        return added

    def add_generated_crds(self, crds: Iterable["GeneratedCRD"]) -> list[tuple[str, str]]:
        """Kinds whose CRD a controller generates (Crossplane's composites and claims, validation/schemas/
        crossplane.py), checked as in-tree CRDs are, at the versions they serve. Such a CRD is made with all its
        versions or not at all, so a version whose schema does not compile leaves every version without one.
        Returns the kinds added."""
        added = []
        for crd in crds:
            compiled = [(v, self._from_crd(v.api_version, crd.kind, v.openapi)) for v in crd.versions]
            if any(c is None for _, c in compiled):
                continue
            with self._lock:
                for v, c in compiled:
                    key = (v.api_version, crd.kind)
                    if v.served and key not in self._crds and not self.catalog.has(*key):
                        self._crds[key] = v.openapi
                        self._compiled[key] = c
                        if crd.hints:
                            self._hints[key] = crd.hints
                        added.append(key)
        return added

    def _validator(self, api_version: str, kind: str) -> _Compiled | None:
        key = (api_version, kind)
        try:
            return self._compiled[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._compiled:
                schema = self.catalog.schema(api_version, kind)
                if schema is None and key in self._crds:
                    self._compiled[key] = self._from_crd(api_version, kind, self._crds[key])
                else:
                    self._compiled[key] = (
                        None if schema is None else _Compiled(schema, jsonschema_rs.Draft202012Validator(schema))
                    )
                    hints = self.catalog.hints(api_version, kind) if schema is not None else {}
                    if hints:
                        self._hints[key] = hints
            return self._compiled[key]

    def _from_crd(self, api_version: str, kind: str, openapi: Any) -> _Compiled | None:
        """None when the CRD's schema is no usable schema (not a mapping, a pattern that does not compile): the kind
        stays without one, as the API server would refuse that CRD."""
        if not isinstance(openapi, dict):
            return None
        try:
            schema = strict.crd_document(openapi, api_version, kind, self.catalog._object_meta())
            return _Compiled(schema, jsonschema_rs.Draft202012Validator(schema))
        except (ValueError, TypeError, RecursionError):
            return None

    def check(self, obj: Any) -> list[SchemaIssue]:
        if not isinstance(obj, dict):
            return [SchemaIssue(TYPE, (), f"document: expected a mapping (object), got {_json_type(obj)}")]
        issues: list[SchemaIssue] = []
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        for name, value in (("apiVersion", api_version), ("kind", kind)):
            if value is None or value == "":
                issues.append(SchemaIssue(REQUIRED, (), f'missing required field "{name}"'))
            elif not isinstance(value, str):
                issues.append(SchemaIssue(TYPE, (name,), f"{name}: expected string, got {_json_type(value)}"))
        if issues:
            return issues

        status = kubernetes.lifecycle(api_version, kind, self.kubernetes_version)
        if status is not None:
            state, row = status
            v = self.catalog.requested
            use = f"; use {row.replacement}" if row.replacement else ""
            if state == "removed":
                removed = f"{row.removed_in[0]}.{row.removed_in[1]}" if row.removed_in else "?"
                return [
                    SchemaIssue(
                        REMOVED_API,
                        ("apiVersion",),
                        f"apiVersion: {api_version} {kind} was removed in Kubernetes {removed} "
                        f"(checking against {v}){use}",
                    )
                ]
            dep = f"{row.deprecated_in[0]}.{row.deprecated_in[1]}"
            when = f", removed in {row.removed_in[0]}.{row.removed_in[1]}" if row.removed_in else ""
            issues.append(
                SchemaIssue(
                    DEPRECATED_API,
                    ("apiVersion",),
                    f"apiVersion: {api_version} {kind} is deprecated since Kubernetes {dep}{when}{use}",
                )
            )

        compiled = self._validator(api_version, kind)
        if compiled is None:
            removed = self.catalog.removed(api_version, kind)
            if removed:
                return [*issues, SchemaIssue(MISSING, (), f"no schema for {api_version} {kind}: {removed}")]
            issues.append(
                SchemaIssue(
                    MISSING,
                    (),
                    f"no schema for {api_version} {kind} (Kubernetes {self.catalog.k8s.label}, Argo Workflows, "
                    "Argo CD, Argo Events, Argo Rollouts, Crossplane, CRDs and Crossplane XRDs among the checked "
                    "objects); list the kind in missing-schema-kinds or pass --ignore-missing-schemas if it is "
                    "checked elsewhere",
                )
            )
            return issues

        try:
            found = _validate(compiled, obj)
        except (ValueError, TypeError, OverflowError):
            # YAML timestamps and non-string keys: Kubernetes sees them as JSON strings
            found = _validate(compiled, _jsonable(obj))
        if api_version.startswith(argo.API_VERSION.split("/")[0] + "/") and any(
                i.rule_id == UNKNOWN_FIELD for i in found):
            found = [self._other_release(api_version, kind, i) if i.rule_id == UNKNOWN_FIELD else i for i in found]
        hints = self._hints.get((api_version, kind))
        if hints:
            found = [_hinted(i, hints) for i in found]
        issues.extend(found)
        return issues

    def _other_release(self, api_version: str, kind: str, issue: SchemaIssue) -> SchemaIssue:
        """An unknown field that another vendored Argo Workflows release has (3.x's synchronization.mutex in 4.1)
        says which: the manifest is likely written for that release."""
        selected = self.catalog.argo.release
        if not self.catalog.argo.has(api_version, kind):
            return issue
        lines: dict[str, vendored.Release] = {}
        for r in vendored.releases(argo.PROJECT):  # oldest first: the last of a line is its newest patch
            if r.line != selected.line:
                lines[r.line] = r
        # the nearest first: older releases newest first, then newer ones oldest first
        older = sorted((r for r in lines.values() if r.version < selected.version), key=lambda r: r.version,
                       reverse=True)
        newer = sorted((r for r in lines.values() if r.version > selected.version), key=lambda r: r.version)
        for release in older + newer:
            schema = self._release_schema(release, api_version, kind)
            if schema is not None and has_field(schema, issue.path):
                return SchemaIssue(issue.rule_id, issue.path, f"{issue.message}; Argo Workflows {release.line} has it, "
                                   f"{selected.line} does not: --argo-version {release.line} checks against "
                                   f"{release.line}", issue.severity)
        return issue

    def _release_schema(self, release: vendored.Release, api_version: str, kind: str) -> dict[str, Any] | None:
        key = (release.line, api_version, kind)
        with self._lock:
            if key not in self._other_schemas:
                bundle = self._other_bundles.get(release.line)
                if bundle is None:  # one per release: each reads its release's payload once
                    bundle = self._other_bundles[release.line] = argo.ArgoBundle(release, self.catalog._object_meta)
                self._other_schemas[key] = bundle.schema(api_version, kind) if bundle.has(api_version, kind) else None
            return self._other_schemas[key]


def _hinted(issue: SchemaIssue, hints: dict[str, str]) -> SchemaIssue:
    """An unknown spec.<field> that the hints name says why (another generation of the controller has it)."""
    path = issue.path
    if issue.rule_id != UNKNOWN_FIELD or len(path) != 2 or path[0] != "spec" or path[1] not in hints:
        return issue
    return SchemaIssue(issue.rule_id, path, f"{issue.message} ({hints[str(path[1])]})", issue.severity)


CRD_API_VERSIONS = ("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1")


def defined_kinds(objects: Iterable[Any]) -> dict[tuple[str, str], Any]:
    """(apiVersion, kind) -> openAPIV3Schema of every version the CustomResourceDefinitions among `objects` declare
    (v1: each version's schema; v1beta1: spec.validation, for every version without its own). The first CRD of a
    kind wins; a CRD without a schema declares nothing to check against."""
    out: dict[tuple[str, str], Any] = {}
    for obj in objects:
        if not (isinstance(obj, dict) and obj.get("kind") == "CustomResourceDefinition"
                and obj.get("apiVersion") in CRD_API_VERSIONS and isinstance(obj.get("spec"), dict)):
            continue
        spec = obj["spec"]
        names = spec.get("names")
        group, kind = spec.get("group"), names.get("kind") if isinstance(names, dict) else None
        if not (isinstance(group, str) and group and isinstance(kind, str) and kind):
            continue
        shared = spec.get("validation", {}).get("openAPIV3Schema") if isinstance(spec.get("validation"), dict) else None
        versions = spec.get("versions") if isinstance(spec.get("versions"), list) else []
        if not versions and isinstance(spec.get("version"), str):
            versions = [{"name": spec["version"]}]
        for v in versions:
            if not (isinstance(v, dict) and isinstance(v.get("name"), str)):
                continue
            own = v.get("schema", {}).get("openAPIV3Schema") if isinstance(v.get("schema"), dict) else None
            schema = own if own is not None else shared
            if schema is not None:
                out.setdefault((f"{group}/{v['name']}", kind), schema)
    return out


def has_field(schema: dict[str, Any], path: JsonPath) -> bool:
    """Whether the schema describes the field at `path` (its local $refs followed, any branch of a combinator)."""
    defs = schema.get("$defs") or {}

    def walk(node: Any, rest: JsonPath, depth: int = 0) -> bool:
        if not isinstance(node, dict) or depth > 64:
            return False
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return walk(defs.get(ref[len("#/$defs/"):]), rest, depth + 1)
        if any(walk(branch, rest, depth + 1) for key in ("allOf", "anyOf", "oneOf") for branch in node.get(key) or []):
            return True
        if not rest:
            return True
        part, tail = rest[0], rest[1:]
        if isinstance(part, int):
            return walk(node.get("items"), tail, depth + 1)
        props = node.get("properties") or {}
        if part in props:
            return walk(props[part], tail, depth + 1)
        extra = node.get("additionalProperties")
        return isinstance(extra, dict) and walk(extra, tail, depth + 1)

    return walk(schema, tuple(path))


def _validate(compiled: _Compiled, obj: Any) -> list[SchemaIssue]:
    if compiled.validator.is_valid(obj):
        return []
    found = explain(compiled.validator, compiled.schema, obj)
    return found or _explain_slowly(compiled.schema, obj)


def _explain_slowly(schema: dict[str, Any], obj: Any) -> list[SchemaIssue]:
    """Safety net should jsonschema-rs report invalid without a reason: ask the reference implementation."""
    import jsonschema

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(obj))
    if error is None:
        return [SchemaIssue(INVALID, (), "does not match its schema")]
    path = tuple(error.absolute_path)
    where = format_path(path)
    return [SchemaIssue(INVALID, path, f"{where + ': ' if where else ''}{_short(error.message)}")]


def explain(validator: Any, schema: dict[str, Any], obj: Any) -> list[SchemaIssue]:
    """Every distinct leaf error, each naming the deepest failing field."""
    seen: set[tuple[str, JsonPath, str]] = set()
    out: list[SchemaIssue] = []
    renamed: dict[tuple[JsonPath, str], int] = {}  # (object, the required field an unknown one was meant as) -> index
    missing: dict[int, tuple[JsonPath, str]] = {}
    for error in validator.iter_errors(obj):
        for issue, field in _issues(error, schema):
            key = (issue.rule_id, issue.path, issue.message)
            if key not in seen:
                seen.add(key)
                if field is not None:
                    if issue.rule_id == UNKNOWN_FIELD:
                        renamed.setdefault((issue.path[:-1], field), len(out))
                    else:
                        missing[len(out)] = (issue.path, field)
                out.append(issue)
            if len(out) >= MAX_ISSUES_PER_OBJECT:
                return _one_report_per_rename(out, renamed, missing)
    return _one_report_per_rename(out, renamed, missing)


def _one_report_per_rename(out: list[SchemaIssue], renamed: dict[tuple[JsonPath, str], int],
                           missing: dict[int, tuple[JsonPath, str]]) -> list[SchemaIssue]:
    """A field under an old or misspelt name (a CronWorkflow's `schedule`, now `schedules`) is unknown, and the
    required field it was meant as is missing: one mistake, told once, at the field to rename."""
    folded = {i for i, place in missing.items() if place in renamed}
    if not folded:
        return out
    told = {renamed[missing[i]] for i in folded}
    return [SchemaIssue(issue.rule_id, issue.path, issue.message.replace("?)", "? it is required)", 1), issue.severity)
            if i in told else issue for i, issue in enumerate(out) if i not in folded]


# --- error walking -----------------------------------------------------------------------------------------


def _leaves(error: Any) -> Iterator[Any]:
    """Descend anyOf/oneOf to the branch that explains the failure best."""
    kind = error.kind
    if isinstance(kind, (jsonschema_rs.ValidationErrorKind.AnyOf, jsonschema_rs.ValidationErrorKind.OneOfNotValid)):
        branches = [list(branch) for branch in kind.context]
        if not branches:
            yield error
            return
        here = list(error.instance_path)

        def type_only(branch: list[Any]) -> bool:
            return all(
                isinstance(e.kind, jsonschema_rs.ValidationErrorKind.Type) and list(e.instance_path) == here
                for e in branch
            )

        relevant = [b for b in branches if b and not type_only(b)]
        if not relevant:
            # every branch wants another type: one message listing them all
            yield _TypeUnion(error, [t for b in branches for e in b for t in e.kind.types])
            return
        # best_match's preference: the branch whose errors reach deepest, then the one with fewest errors
        best = max(relevant, key=lambda b: (max(len(e.instance_path) for e in b), -len(b)))
        for e in best:
            yield from _leaves(e)
        return
    yield error


class _TypeUnion:
    def __init__(self, error: Any, types: list[str]) -> None:
        self.instance_path = error.instance_path
        self.instance = error.instance
        self.types = types


def _issues(error: Any, schema: dict[str, Any]) -> Iterator[tuple[SchemaIssue, str | None]]:
    """Each leaf's issue, with the field it is about for an unknown field's closest known name or a missing one."""
    K = jsonschema_rs.ValidationErrorKind
    for leaf in _leaves(error):
        path: JsonPath = tuple(leaf.instance_path)
        where = format_path(path)
        prefix = f"{where}: " if where else ""
        if isinstance(leaf, _TypeUnion):
            yield SchemaIssue(TYPE, path, f"{prefix}expected {_types(leaf.types)}, got {_json_type(leaf.instance)}"), None
            continue
        kind = leaf.kind
        if isinstance(kind, K.AdditionalProperties):
            known = _known_properties(schema, list(leaf.schema_path))
            for name in kind.unexpected:
                field_path = path + (name,)
                hint = ""
                import difflib  # only when a field is unknown

                close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.75) if known else []
                if close:
                    hint = f" (did you mean {close[0]}?)"
                yield (SchemaIssue(UNKNOWN_FIELD, field_path, f"{format_path(field_path)}: unknown field{hint}"),
                       close[0] if close else None)
        elif isinstance(kind, K.Required):
            yield SchemaIssue(REQUIRED, path, f'{prefix}missing required field "{kind.property}"'), str(kind.property)
        elif isinstance(kind, K.Type):
            yield SchemaIssue(TYPE, path, f"{prefix}expected {_types(kind.types)}, got {_json_type(leaf.instance)}"), None
        elif isinstance(kind, K.Enum):
            options = ", ".join(_show(o) for o in kind.options if o is not None)
            yield SchemaIssue(ENUM, path, f"{prefix}must be one of {options} (got {_show(leaf.instance)})"), None
        elif isinstance(kind, K.Constant):
            yield (SchemaIssue(ENUM, path, f"{prefix}must be {_show(kind.expected_value)} (got {_show(leaf.instance)})"),
                   None)
        else:
            yield SchemaIssue(INVALID, path, f"{prefix}{_constraint(kind, leaf)}"), None


def _constraint(kind: Any, error: Any) -> str:
    K = jsonschema_rs.ValidationErrorKind
    simple = {
        K.MinItems: lambda k: f"must have at least {k.limit} item(s)",
        K.MaxItems: lambda k: f"must have at most {k.limit} item(s)",
        K.MinLength: lambda k: f"must be at least {k.limit} character(s) long",
        K.MaxLength: lambda k: f"must be at most {k.limit} character(s) long",
        K.MinProperties: lambda k: f"must have at least {k.limit} field(s)",
        K.MaxProperties: lambda k: f"must have at most {k.limit} field(s)",
        K.Minimum: lambda k: f"must be >= {k.limit} (got {_show(error.instance)})",
        K.Maximum: lambda k: f"must be <= {k.limit} (got {_show(error.instance)})",
        K.ExclusiveMinimum: lambda k: f"must be > {k.limit} (got {_show(error.instance)})",
        K.ExclusiveMaximum: lambda k: f"must be < {k.limit} (got {_show(error.instance)})",
        K.Pattern: lambda k: f"must match pattern {k.pattern} (got {_show(error.instance)})",
        K.UniqueItems: lambda k: "items must be unique",
        K.OneOfMultipleValid: lambda k: "matches more than one allowed form",
        K.FalseSchema: lambda k: "is not allowed here",
        K.Format: lambda k: f"is not a valid {k.format} (got {_show(error.instance)})",
    }
    for cls, make in simple.items():
        if isinstance(kind, cls):
            try:
                return make(kind)
            except AttributeError:
                break
    return _short(str(error.message))


def _known_properties(schema: dict[str, Any], schema_path: list[Any]) -> list[str]:
    """The property names declared next to the failing additionalProperties, for a did-you-mean hint."""
    node: Any = schema
    try:
        for part in schema_path[:-1]:  # last part is "additionalProperties"
            if isinstance(node, dict) and part == "$ref":
                node = _resolve(schema, node["$ref"])
                continue
            node = node[part]
        if isinstance(node, dict) and "$ref" in node and "properties" not in node:
            node = _resolve(schema, node["$ref"])
        return [str(p) for p in node.get("properties", {})]
    except (KeyError, IndexError, TypeError, AttributeError):
        return []


def _resolve(schema: dict[str, Any], ref: str) -> Any:
    node: Any = schema
    for part in ref.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


_PY_TO_JSON = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return _PY_TO_JSON.get(type(value), type(value).__name__)


def _types(types: list[str]) -> str:
    names = list(dict.fromkeys(str(t) for t in types))
    if len(names) > 1 and "null" in names:
        names.remove("null")
    if "integer" in names and "number" in names:
        names.remove("integer")
    return " or ".join(names)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return _short(json.dumps(value))
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return _short(json.dumps(value, default=str))


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, (str, int, float, bool)) or value is None:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            return float(value)
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
