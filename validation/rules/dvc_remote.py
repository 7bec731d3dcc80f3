"""ENV-DVC-REMOTE: an environment's DVC remote in .dvc/config is on the bucket and region its overlay sets.

The pipeline reads the overlay's dvc-s3-bucket; `dvc push` from a laptop or CI writes where .dvc/config says. When the
two drift (a hand edit, a merge, an update-bucket killed half-way by an older version), data is pushed where the
pipeline never looks. The environment's remote is found exactly as update-bucket finds the one to edit
(validation.buckets.remotes_for_environment): a remote named for the environment ("dev", "dvc-dev", "dev_s3").
Repositories without .dvc/config, or without a remote named for the environment, get no finding.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterator

from validation import buckets
from validation.model import JsonPath, Manifest, Severity
from validation.rules import Context, Problem, Rule, register
from validation.rules.argo.spec_walk import WORKFLOW_KINDS, as_dict, as_list, workflow_spec

DVC_CONFIG = ".dvc/config"


@functools.lru_cache(maxsize=16)
def _remotes(path: str, mtime_ns: int, size: int) -> tuple[list[buckets.DvcRemote], str | None]:
    """(the remotes, why the file cannot be read); cached per file version."""
    try:
        raw = buckets.read_regular(Path(path), DVC_CONFIG)
        text = buckets.decode_utf8(raw, DVC_CONFIG, "; DVC refuses it too (config file error)")
    except buckets.BucketFileError as exc:
        return [], str(exc)
    return buckets.dvc_remotes(text), None


def _config(root: Path) -> tuple[list[buckets.DvcRemote], str | None] | None:
    path = root / DVC_CONFIG
    try:
        real = path.resolve()
        if not real.is_relative_to(root.resolve()):
            return [], f"{DVC_CONFIG} resolves to {real}, outside the repository; not read"
        st = real.stat()
    except (OSError, RuntimeError):
        return None
    return _remotes(str(real), st.st_mtime_ns, st.st_size)


def _arguments(m: Manifest, name: str) -> Iterator[tuple[str, JsonPath]]:
    spec, base = workflow_spec(m)
    for i, p in enumerate(as_list(as_dict(spec.get("arguments")).get("parameters"))):
        if isinstance(p, dict) and p.get("name") == name and isinstance(p.get("value"), str) and "{{" not in p["value"]:
            yield p["value"], (*base, "arguments", "parameters", i, "value")


def check_dvc_remote(m: Manifest, ctx: Context) -> Iterator[Problem]:
    env = ctx.target.target.environment
    if not env:
        return
    bucket_args = list(_arguments(m, buckets.BUCKET_PARAMETER))
    if not bucket_args:
        return
    found = _config(ctx.repo_root)
    if found is None:
        return
    remotes, unreadable = found
    if unreadable:
        yield Problem(m, f"cannot compare {env}'s bucket with its DVC remote: {unreadable}", bucket_args[0][1])
        return
    by_name = {r.name: r for r in remotes}
    for bucket, path in bucket_args:
        names = buckets.remotes_for_environment(remotes, env, bucket, old_bucket_shared=False)
        for r in (by_name[n] for n in names):
            if r.bucket != bucket:
                yield Problem(m, f"{env} uses bucket {bucket!r}, but its DVC remote {r.name!r} ({DVC_CONFIG} line "
                                 f"{r.line}) is {r.url}: `dvc push` writes where the pipeline does not read", path)
    for region, path in _arguments(m, buckets.REGION_PARAMETER):
        bucket = bucket_args[0][0]
        for n in buckets.remotes_for_environment(remotes, env, bucket, old_bucket_shared=False):
            r = by_name[n]
            if r.bucket == bucket and r.region is not None and r.region != region:
                yield Problem(m, f"{env} uses region {region!r}, but its DVC remote {r.name!r} ({DVC_CONFIG}) has "
                                 f"region = {r.region}", path)


register(Rule(
    id="ENV-DVC-REMOTE", name="dvc-remote-drift", severity=Severity.ERROR, scope=WORKFLOW_KINDS, family="env",
    summary="Each environment's DVC remote in .dvc/config (the remote named for it: dev, dvc-dev, dev_s3) is on "
            "the bucket and region its overlay sets in dvc-s3-bucket and dvc-s3-region; a .dvc/config DVC cannot "
            "read (not UTF-8) is reported too. A remote with no `region` line is compared by bucket only; "
            ".dvc/config.local (per user, not in git) is not read.",
    remediation="Run `python -m validation update-bucket BUCKET --env ENV [--region REGION]`: it sets the overlay "
                "and the remote together.",
    passing="# overlays/dev/bucket.yaml: dvc-s3-bucket = mlops-data-dev-1754148674\n"
            "# .dvc/config: ['remote \"dev\"'] url = s3://mlops-data-dev-1754148674/dvc\n",
    failing="# overlays/dev/bucket.yaml: dvc-s3-bucket = mlops-data-dev-1754148674\n"
            "# .dvc/config: ['remote \"dev\"'] url = s3://mlops-data-dev-retired/dvc\n",
    check=check_dvc_remote,
    policy=True,  # this repository's layout (one remote per environment): on where [tool.validation] policy says
))
