#!/usr/bin/env python3
"""--pipeline N keeps N requests in flight per connection, closed and open loop, plain and TLS:
a target that answers only once 8 requests wait is served at --pipeline 8 (and starves at 1);
barrage serve and nginx (plain and https) complete every request, all 200s, with the
identities kept; nginx closing after keepalive_requests (plain and TLS) has the requests
behind the close re-sent, none lost; the JSON config and the summary header say the depth;
combinations that cannot pipeline are refused with exit 2."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness
import tls_pki

DEPTH = "8"


def check_clean(t, outcome, what, rate=None):
    harness.exits_with(t, outcome, 0, what)
    t.require(outcome.json is not None, f"{what}: the --json file was written")
    result = outcome.json
    requests = result["requests"]
    t.check(requests["completed"] > 0, f"{what}: requests completed ({requests})")
    t.check(result["errors"]["total"] == 0, f"{what}: no errors ({result['errors']})")
    t.check(result["status"]["codes"] == {"200": requests["completed"]},
            f"{what}: every response is a 200 ({result['status']['codes']})")
    t.check(requests["scheduled"] == requests["sent"] + requests["unsent"],
            f"{what}: scheduled = sent + unsent ({requests})")
    t.check(result["config"]["pipeline"] == int(DEPTH),
            f"{what}: config.pipeline is {DEPTH} ({result['config'].get('pipeline')})")
    if rate is not None:
        t.check(requests["completed"] == requests["sent"],
                f"{what}: open loop, every sent request completed ({requests})")
    harness.check_accounting(t, result)


def batched_target(t):
    target = t.target("pipeline_faults", "--batch", DEPTH)
    starved = t.run(["run", target.url(), "-c", "1", "-t", "1", "-d", "500ms", "--timeout",
                     "300ms"])
    if starved.json:  # the target is a real test: one request at a time gets no answer
        t.check(starved.json["requests"]["completed"] == 0,
                f"without --pipeline the batching target answers nothing "
                f"({starved.json['requests']})")
    closed = t.run(["run", target.url(), "-c", "2", "-t", "1", "-d", "1s", "--timeout", "2s",
                    "--pipeline", DEPTH])
    check_clean(t, closed, "closed loop, a target that answers 8 at a time")
    opened = t.run(["run", target.url(), "-r", "800", "-c", "1", "-t", "1", "-d", "1s",
                    "--timeout", "2s", "--pipeline", DEPTH])
    harness.exits_with(t, opened, 0, "open loop, a target that answers 8 at a time")
    if opened.json:
        requests = opened.json["requests"]
        # The last arrivals may not make a batch of 8: unanswered when the drain times out.
        t.check(requests["completed"] >= 700 and requests["errors"] <= 8,
                f"open loop: one connection carried 8 at a time ({requests})")
        harness.check_accounting(t, opened.json)


def against(t, url, what, extra=()):
    closed = t.run(["run", url, "-c", "4", "-t", "1", "-d", "1s", "--pipeline", DEPTH, *extra],
                   quiet=False)
    check_clean(t, closed, f"{what}, closed loop")
    t.check(f"pipeline {DEPTH}" in closed.stdout,
            f"{what}: the summary header says the depth ({closed.stdout[:300]!r})")
    opened = t.run(["run", url, "-r", "2000", "-c", "2", "-t", "1", "-d", "1s",
                    "--pipeline", DEPTH, *extra])
    check_clean(t, opened, f"{what}, open loop", rate=2000)


def refusals(t, url):
    for extra, words in ((["--new-conn"], "--new-conn"),
                         (["--pipeline", "0"], "--pipeline"),
                         (["--pipeline", "257"], "--pipeline")):
        args = ["run", url, "-d", "1s", *extra]
        if "--pipeline" not in extra:
            args += ["--pipeline", "4"]
        outcome = t.run(args, json_out=False)
        harness.exits_with(t, outcome, 2, f"refused: {' '.join(extra)}")
        t.check(words in outcome.stderr, f"the error names {words} ({outcome.stderr!r})")
    profile = t.path("captures.toml")
    with open(profile, "w") as f:
        f.write(f"""[target]
url = "{url}"
pipeline = 4
[[requests]]
name = "login"
path = "/"
capture = {{ token = {{ header = "Content-Type" }} }}

[[phases]]
shape = "users"
users = 2
duration = "1s"
""")
    outcome = t.run(["run", profile], json_out=False)
    harness.exits_with(t, outcome, 2, "refused: a profile whose request captures")
    t.check("captures" in outcome.stderr, f"the error says why ({outcome.stderr!r})")


def body(t):
    batched_target(t)
    serve = t.serve()
    against(t, serve.url(), "barrage serve")
    refusals(t, serve.url())
    nginx = t.nginx("location = / { return 200 'pipelined\\n'; }")
    against(t, nginx.url(), "nginx")
    pki = tls_pki.make_pki(t)
    tls = tls_pki.tls_nginx(t, pki)
    against(t, tls.url(), "nginx over TLS", ["-k"])
    # nginx closes after keepalive_requests with "Connection: close" on the last answer and
    # never processes the requests pipelined behind it: barrage sends them again.
    short = t.nginx("keepalive_requests 5; location = / { return 200 'pipelined\\n'; }")
    short_tls = tls_pki.tls_nginx(t, pki, server_block="keepalive_requests 5;")
    for url, extra, what in ((short.url(), [], "nginx, keepalive_requests 5"),
                             (short_tls.url(), ["-k"], "nginx over TLS, keepalive_requests 5")):
        outcome = t.run(["run", url, "-c", "2", "-t", "1", "-d", "1s", "--pipeline", DEPTH,
                         *extra])
        check_clean(t, outcome, what)
        if outcome.json:
            t.check(outcome.json["requests"]["resent"] > 0,
                    f"{what}: the requests behind each close were re-sent "
                    f"({outcome.json['requests']})")


harness.main(__doc__, body)
