"""`python -m validation`: one short run, with no cyclic GC, and no heap teardown at exit.

A big run holds millions of objects that form no cycles. A full collection walks them all (~0.4 s on a
10,000-object file, each time), and freeing them one by one at exit costs as much again (mypy's hard_exit skips
that too). The cyclic garbage a run makes is small (YAML loaders). Nothing is pending once main() returns:
reports are written and closed, scratch folders removed by the code that made them, and no atexit handlers.
"""

import gc
import os
import sys

gc.disable()  # before the imports too: they make no cycles worth collecting

from validation.cli import main  # noqa: E402

code = main()
if sys.getprofile() is not None or sys.gettrace() is not None:
    sys.exit(code)  # a profiler, coverage or a debugger is attached: let it write its results at exit
try:
    sys.stdout.flush()
    sys.stderr.flush()
except (BrokenPipeError, ValueError):  # a reader that went away, or a stream already closed
    pass
os._exit(code)
