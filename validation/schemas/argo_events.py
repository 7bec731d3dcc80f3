"""Argo Events kinds: Sensor, EventSource and EventBus from the JSON schema Argo Events publishes at a release tag.

Argo Events' CRDs carry no schema (spec and status are `x-kubernetes-preserve-unknown-fields`): the API server
takes any spec, and the controller decodes it case-sensitively, dropping what it does not know. The schema is
`api/jsonschema/schema.json`, which Argo Events generates from its Go types (hack/jsonschema); vendored by
vendor/regenerate.py into validation/schemas/vendor/argo-events/<tag>.json.gz, the newest release used, made strict
as Argo Workflows' is (an unknown field is one the controller drops).

Loosened where the schema says more than anything enforces:
- `required` of Argo Events' own types lists every Go field without `omitempty`, not what is needed: a webhook
  without `url`, an Azure Service Bus source with a queue and no topic, a context filter on `source` alone are all
  valid (Argo Events' own examples). Nothing enforces it (the CRD is schemaless; the controller's validation is
  semantic and conditional), so it is dropped; the kinds' own `metadata`/`spec`, which the CRD requires, stay;
- Quantity takes numbers (`cpu: 1`), as for Argo Workflows.
"""

from __future__ import annotations

from typing import Any

from validation.schemas import argo, vendored

PROJECT = "argo-events"
_EVENTS = "io.argoproj.events."
_KINDS = frozenset(_EVENTS + "v1alpha1." + kind for kind in ("EventBus", "EventSource", "Sensor"))
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"


class Bundle(vendored.NewestBundle):
    PROJECT = PROJECT

    def adjust_definition(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        if name == _QUANTITY:
            return dict(argo._DEFINITION_OVERRIDES[_QUANTITY])
        if name.startswith(_EVENTS) and name not in _KINDS:
            schema.pop("required", None)
        return schema
