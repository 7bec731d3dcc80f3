"""Random YAML streams through the whole checker: findings or a clean pass, never an exception."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validation import config, engine

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=12), st.sampled_from(["v1", "ConfigMap", "apps/v1", "Deployment", "argoproj.io/v1alpha1",
                                                          "WorkflowTemplate", "~", "&a", "*a", "- x", "{", "\t", "'"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                      max_leaves=12)
objects = st.fixed_dictionaries({}, optional={
    "apiVersion": st.sampled_from(["v1", "apps/v1", "argoproj.io/v1alpha1", "x/y", 3]),
    "kind": st.sampled_from(["ConfigMap", "Deployment", "WorkflowTemplate", "Application", "Role", "", None]),
    "metadata": st.one_of(values, st.fixed_dictionaries({"name": st.text(max_size=8)},
                                                        optional={"annotations": values})),
    "spec": values, "data": values,
})
raw_lines = st.lists(st.sampled_from(["a: 1", "a: 1", "- b", "  c: &x [1]", "d: *x", "\tkind: X", "---", "...",
                                      "key: [unclosed", "k: 'q", "? complex", ": v", "%YAML 1.1", "!!binary x",
                                      "apiVersion: v1", "kind: ConfigMap", "metadata: {name: n}", "<<: *x", ""]),
                     max_size=12).map("\n".join)


def _dump(docs) -> str:
    import yaml

    return "---\n".join(yaml.safe_dump(d) for d in docs)


texts = st.one_of(st.lists(st.one_of(objects, values), max_size=4).map(_dump), raw_lines)
# Bytes as they are on disk: valid YAML text with stray bytes spliced in (a Latin-1 é, a lone continuation
# byte, a truncated sequence, a BOM), and plain random bytes, most of them not UTF-8 at all.
streams = st.one_of(
    texts.map(lambda t: t.encode("utf-8")),
    st.tuples(texts, st.integers(min_value=0), st.sampled_from([b"\xe9", b"\x80", b"\xc3", b"\xff\xfe", b"\xef\xbb\xbf"]))
    .map(lambda x: (raw := x[0].encode("utf-8"))[: x[1] % (len(raw) + 1)] + x[2] + raw[x[1] % (len(raw) + 1):]),
    st.binary(max_size=200),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=streams)
def test_random_yaml_streams_never_crash_the_checker(tmp_path: Path, data: bytes) -> None:
    f = tmp_path / "fuzz.yaml"
    f.write_bytes(data)
    (tmp_path / "pyproject.toml").write_text("")
    result = engine.run(config.load(tmp_path), paths=[f])
    assert not result.errors, result.errors  # no rule crashed, nothing was an internal error
    assert result.exit_code() in (0, 1)
    for finding in result.findings:
        assert finding.rule_id and finding.message
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:  # bytes that are not UTF-8 are always a finding, never a clean pass
        assert [x.rule_id for x in result.findings] == ["YAML-ENCODING"], result.findings
