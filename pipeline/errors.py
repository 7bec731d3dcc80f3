"""Errors a step raises on purpose; the CLI turns them into a message and an exit code, never a traceback."""

from __future__ import annotations


class PipelineError(Exception):
    """A step could not do its job (exit 1)."""

    exit_code = 1


class UsageError(PipelineError):
    """Bad input from the caller (exit 2); raised before anything is written or uploaded."""

    exit_code = 2


class DataError(UsageError):
    """Data a step cannot use (exit 2): a bad --input, a clash with an existing data version, a one-class split,
    or a damaged file between steps. Retrying the step cannot help, so Argo's retry strategy skips exit 2."""


class GateFailed(PipelineError):
    """The evaluation gate refused the model (exit 1)."""
