"""Offline validator for the GitOps tree: render as Argo CD would, schema-check, lint, report."""

__version__ = "0.1.0"

from validation import yaml_compat  # noqa: E402,F401  (before any module loads YAML)
