"""No false positives: a corpus of valid, realistic workflows produces no findings from the Argo rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_helpers import context, rendered, run_family

from validation.config import Config

CORPUS = Path(__file__).parent / "corpus"


def corpus_context():
    text = "\n---\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.yaml")))
    rt = rendered(text, "corpus", environment="dev")
    return context(rt, config=Config(root=CORPUS))


def test_corpus_is_what_it_claims():
    """The corpus really holds the features it exists to cover (so a trimmed corpus cannot pass silently)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in CORPUS.glob("*.yaml"))
    for feature in ("onExit:", "hooks:", "withItems:", "withParam:", "withSequence:", "when:", "valueFrom: {path:",
                    "valueFrom: {expression:", "valueFrom: {parameter:", "globalName:", "templateRef:", "suspend:",
                    "resource:", "http:", "containerSet:", "memoize:", "kind: CronWorkflow", "clusterScope: true",
                    "workflowTemplateRef:", "workflow.failures", "{{=", "serviceAccountName: default"):
        assert feature in text, feature
    ctx = corpus_context()
    libraries = [m.name for m in ctx.of_kind("WorkflowTemplate", "ClusterWorkflowTemplate")
                 if not any(m.obj["spec"].get(k) for k in ("entrypoint", "ttlStrategy", "podGC"))]
    assert libraries, "no library template (no entrypoint, no clean-up of its own)"


@pytest.mark.parametrize("prefix", ["ARGO-"])
def test_corpus_has_no_argo_findings(prefix):
    hits = run_family((prefix,), corpus_context())
    assert hits == [], "\n".join(f"{h.rule_id} {h.ref} {h.path}: {h.message}" for h in hits)


def test_corpus_objects_are_all_checked():
    ctx = corpus_context()
    kinds = {m.kind for m in ctx.target.manifests}
    assert {"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"} <= kinds


# The same corpus with one mistake each: proves the rules walk the constructs the corpus covers.
MUTATIONS = [
    ("templateref-chain.yaml", '{name: who, value: "{{workflow.parameters.who}}"}',
     '{name: whom, value: "{{workflow.parameters.who}}"}', "ARGO-ARGUMENT-UNKNOWN"),
    ("templateref-chain.yaml", "{{tasks.first.outputs.parameters.said}}", "{{tasks.first.outputs.parameters.say}}",
     "ARGO-VAR-OUTPUT-REF"),
    ("templateref-chain.yaml", "depends: first\n", "depends: second\n", "ARGO-DAG-SELF-DEPENDENCY"),
    ("templateref-chain.yaml", "{name: cluster-lib, template: noop, clusterScope: true}",
     "{name: cluster-lib, template: noop}", "ARGO-TEMPLATEREF-UNRESOLVED"),
    ("hooks-loops.yaml", 'command: [echo, "{{inputs.parameters.message}}"]', 'command: [echo, "{{item}}"]',
     "ARGO-VAR-ITEM-OUTSIDE-LOOP"),
    ("hooks-loops.yaml", "depends: list.Succeeded", "depends: list.Succeeded &&", "ARGO-DAG-DEPENDS-SYNTAX"),
    ("hooks-loops.yaml", "{{tasks.summary.status}}", "{{tasks.sumary.status}}", "ARGO-VAR-OUTPUT-REF"),
    ("hooks-loops.yaml", "    exit:\n      template: http-notify", "    exit:\n      template: http-notfy",
     "ARGO-TEMPLATE-MISSING"),
    ("outputs.yaml", 'valueFrom: {parameter: "{{tasks.evaluate.outputs.parameters.accuracy}}"}',
     'valueFrom: {parameter: "{{tasks.evaluate.outputs.parameters.acc}}"}', "ARGO-VAR-OUTPUT-REF"),
    ("outputs.yaml", "{{workflow.outputs.parameters.last-run-id}}", "{{workflow.outputs.parameters.run-id}}",
     "ARGO-VAR-UNDECLARED"),
    ("outputs.yaml", "                artifacts: [{name: model, from:", "                artifacts: [{name: mdl, from:",
     "ARGO-INPUT-MISSING"),
    ("outputs.yaml", "{{workflow.parameters.threshold}}\"\n", "{{workflow.parameters.treshold}}\"\n",
     "ARGO-VAR-WORKFLOW-PARAMETER"),
    ("exit-handlers.yaml", "{{steps.run.outputs.result}}", "{{steps.report.outputs.result}}", "ARGO-VAR-OUTPUT-REF"),
    ("exit-handlers.yaml", "  onExit: exit-handler", "  onExit: exit-handlr", "ARGO-TEMPLATE-MISSING"),
    ("exit-handlers.yaml", "{{node.name}}", "{{nodes.name}}", "ARGO-VAR-UNKNOWN-PREFIX"),
    ("exit-handlers.yaml", "{{node.name}}", "{{node.nmae}}", "ARGO-VAR-UNKNOWN"),
]


@pytest.mark.parametrize("file,old,new,rule_id", MUTATIONS, ids=[f"{m[3]}:{m[0]}:{i}" for i, m in enumerate(MUTATIONS)])
def test_a_mistake_in_the_corpus_is_caught(file, old, new, rule_id):
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.yaml"))}
    assert texts[file].count(old) >= 1, f"mutation anchor missing from {file}"
    texts[file] = texts[file].replace(old, new, 1)
    rt = rendered("\n---\n".join(texts.values()), "corpus", environment="dev")
    hits = run_family(("ARGO-",), context(rt, config=Config(root=CORPUS)))
    assert rule_id in {h.rule_id for h in hits}, [(h.rule_id, h.message) for h in hits]
