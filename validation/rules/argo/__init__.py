"""Argo Workflows semantics: the mistakes that pass a schema and then fail in the cluster.

Covers Workflow, WorkflowTemplate, ClusterWorkflowTemplate and CronWorkflow (whose spec is spec.workflowSpec).
One module per concern, each imported only when a run needs its rules (validation/rules/index.py says which):

- references.py   entrypoint, `template:` and templateRef resolve (resolve.py finds the template a call names)
- dag.py          DAG dependencies, `depends` syntax, cycles
- names.py        names Argo requires to be unique (templates, steps, tasks, parameters, artifacts)
- variables.py    the ARGO-VAR rules; expressions.py checks one `{{...}}` tag against its scope
- inputs.py       callers supply required inputs and pass no unknown arguments
- objects.py      ServiceAccounts, ConfigMaps, Secrets and PVCs a workflow or pod names exist
- pods.py         resources and image tags of every container
- robustness.py   retries, deadlines, cleanup
- argocd_sync.py  Workflows that Argo CD syncs
- spec_walk.py    how every rule (Argo, RBAC, environment) reads a workflow spec: no rules of its own
- rule.py         how an Argo rule is declared
"""
