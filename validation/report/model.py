"""What every reporter reads: the run's findings, targets, errors and notes, plus the failure threshold."""

from __future__ import annotations

from validation.model import Finding, Severity
from validation.records import record


@record
class TargetSummary:
    """A rendered target, as a report lists it."""

    name: str
    kind: str
    environment: str | None
    objects: int
    seconds: float
    error: str | None
    offline: str | None = None  # why it was not rendered, with no error (a Helm chart, a remote base): a note says so


class Report:
    """A run's findings and targets, as the reporters print them."""

    __slots__ = ("findings", "targets", "errors", "notes", "fail_on", "seconds", "timings", "objects")

    def __init__(self, findings: list[Finding], targets: list[TargetSummary] | None = None,
                 errors: list[str] | None = None, notes: list[str] | None = None, fail_on: Severity = Severity.ERROR,
                 seconds: float = 0.0, timings: dict[str, float] | None = None, objects: int | None = None) -> None:
        self.findings = findings
        self.targets = targets or []
        self.errors = errors or []
        self.notes = notes or []
        self.fail_on = fail_on
        self.seconds = seconds
        self.timings = timings or {}
        self.objects = objects  # distinct objects checked (an Application and its overlay share theirs)

    @classmethod
    def from_run(cls, result, fail_on: Severity = Severity.ERROR, seconds: float = 0.0) -> "Report":
        """Build from an engine RunResult."""
        return cls(
            findings=list(result.findings),
            targets=[TargetSummary(rt.target.name, rt.target.kind, rt.target.environment, len(rt.manifests),
                                   rt.render_seconds, rt.error, rt.offline) for rt in result.rendered],
            errors=list(result.errors),
            notes=list(result.notes),
            fail_on=fail_on,
            seconds=seconds,
            timings=dict(result.timings),
            objects=len({id(m.obj) for rt in result.rendered for m in rt.manifests}),
        )

    def counts(self) -> dict[str, int]:
        out = {str(s): 0 for s in sorted(Severity, reverse=True)}
        for f in self.findings:
            out[str(f.severity)] += 1
        return out

    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if any(f.severity >= self.fail_on for f in self.findings) else 0

    def summary_line(self) -> str:
        c = self.counts()
        parts = [f"{c['error']} error{'s' * (c['error'] != 1)}", f"{c['warning']} warning{'s' * (c['warning'] != 1)}",
                 f"{c['info']} info"]
        # a multi-source Application with one source not rendered offline still rendered the others
        noted = [t for t in self.targets if t.error is None and t.offline is not None and not t.objects]
        rendered = ", ".join(t.name for t in self.targets if t.error is None and t not in noted) or "none"
        offline = ", ".join(t.name for t in noted)
        failed = ", ".join(t.name for t in self.targets if t.error is not None)
        objects = self.objects if self.objects is not None else sum(t.objects for t in self.targets)
        status = {0: "passed", 1: "failed", 2: "could not finish"}[self.exit_code()]
        line = f"{status}: {', '.join(parts)} in {objects} objects; rendered: {rendered}"
        if offline:
            line += f"; not rendered (see the notes): {offline}"
        if failed:
            line += f"; failed to render: {failed}"
        if self.errors:
            line += f"; {len(self.errors)} tool error{'s' * (len(self.errors) != 1)}"
        if self.seconds:
            line += f" ({self.seconds:.2f}s)"
        return line
