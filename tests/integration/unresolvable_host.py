#!/usr/bin/env python3
"""A host name that cannot be resolved makes barrage exit 3 with a message that says it could
not resolve it."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    outcome = t.run(["run", "http://nothing.invalid/", "-d", "1s"], timeout_s=30)
    harness.exits_with(t, outcome, 3, "an unresolvable host")
    t.check("resolve" in outcome.stderr.lower(), "stderr says the host could not be resolved")
    t.check("nothing.invalid" in outcome.stderr, "stderr names the host")


harness.main(__doc__, body)
