"""Engine family: the validator itself failed on an object. The engine emits it (check=None)."""

from __future__ import annotations

from validation.model import Severity
from validation.rules import Rule, register

register(Rule(
    id="ENGINE-INTERNAL-ERROR", name="internal-error", severity=Severity.ERROR, scope=(), family="engine",
    summary="A rule's check raised an exception on an object. The run exits 2: this object was not fully checked.",
    remediation="Report it with the object named in the message; meanwhile `--ignore RULE-ID` skips the rule.",
    passing="# any object the rule handles\n",
    failing="# an object shape the rule's code did not expect\n",
))
