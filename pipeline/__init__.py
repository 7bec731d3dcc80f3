"""The ML pipeline's five steps as a package: `python -m pipeline <step>` or `python -m pipeline run`.

Kept import-light on purpose: the validator imports `pipeline.s3` and `pipeline.cli`, and must not pay for
sklearn, mlflow or dvc.
"""
