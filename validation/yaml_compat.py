"""YAML read as kustomize and Argo CD read it, whichever PyYAML loader a module uses.

A plain `=` is YAML 1.1's "value" type: PyYAML resolves it but has no constructor for it, so `delimiter: =` in a
kustomization's replacements (kubeflow/pipelines) failed to load. Go's YAML reads it as the string it looks like.
"""

import yaml

yaml.constructor.SafeConstructor.add_constructor("tag:yaml.org,2002:value",
                                                 yaml.constructor.SafeConstructor.construct_yaml_str)
