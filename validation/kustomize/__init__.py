"""What kustomize itself reads, checked before it runs and explained when it refuses.

- `kustomization.py`: kustomization.yaml against kustomize's own schema (`kustomization.schema.json`, generated from
  kustomize's Go types by `regen.py`), at the line of each mistake.
- `patches.py`: patch files and inline patches as what they are: JSON6902 operation lists or strategic-merge patches.
- `errors.py`: kustomize's error chain, read back to the kustomization entry or patch operation that caused it.
- `nodes.py`: YAML nodes with their positions in the file, also for text embedded in a block scalar.
"""
