# Makes the test folders `tests.pipeline`, `tests.validation`, ...: without it pytest imports tests/pipeline/ as the
# package `pipeline` and the code under test resolves through whatever install is first, not this checkout.
