#!/usr/bin/env python3
"""The fault matrix: every misbehaving target, plain and TLS, closed and open loop. In every case
each request that was sent (started) ends exactly once, so sent = completed + errors +
unfinished, and the other relationships of check_accounting hold. Beyond the identity:
- a response that comes before the request's body is fully sent never lets the next request
  start in the middle of that body (nginx `return 200` over TLS answers every POST with 200,
  never 400), and the rest of the body is bounded by --timeout on the send side: a server that
  answers early and then never reads costs timeout errors and reconnects, not connections
  parked for the whole run, and is not blamed on the generator;
- bytes.sent counts the bytes of a body cut short by a 413 that closes the connection.
Skips the nginx and TLS cases (not the rest) when nginx or openssl is missing."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness
import tls_pki

CLOSED = ["-c", "4", "-t", "1", "-d", "1500ms"]
OPEN = ["-c", "4", "-t", "1", "-d", "1500ms", "-r", "40"]
MODES = (("closed loop", CLOSED), ("open loop", OPEN))
# Generous where nothing should time out (a busy machine must not fail those cases); short
# where the case is about what a timeout does, so it fires several times in a run.
TIMEOUT = "5s"
TIMEOUT_SHORT = "500ms"


def body_file(t, name, size):
    path = t.path(name)
    with open(path, "wb") as f:
        f.write(b"x" * size)
    return path


def post(path):
    return ["-X", "POST", "--body-file", path]


def run_case(t, what, url, args, expect, timeout=TIMEOUT):
    """Runs `url` in both modes; check_accounting on each, then expect(t, label, result,
    outcome)."""
    for mode, load in MODES:
        label = f"{what}, {mode}"
        outcome = t.run(["run", url, *load, "--timeout", timeout, *args], timeout_s=60)
        t.check(outcome.rc in (0, 3), f"{label}: barrage ends normally (exit {outcome.rc})")
        if not t.check(outcome.json is not None, f"{label}: the --json file was written"):
            continue
        result = outcome.json
        print(f"# {label}: requests {result['requests']} errors {result['errors']['total']} "
              f"bytes {result['bytes']} connections {result['connections']}", flush=True)
        harness.check_accounting(t, result)
        t.check(result["requests"]["sent"] > 0, f"{label}: requests were sent")
        expect(t, label, result, outcome)


def all_ok(t, label, result, outcome):
    requests = result["requests"]
    t.check(requests["completed"] > 0, f"{label}: requests completed")
    t.check(result["status"]["codes"] == {"200": requests["completed"]},
            f"{label}: every response is a 200 ({result['status']['codes']})")
    t.check(result["errors"]["total"] == 0, f"{label}: no errors ({result['errors']})")


def some_errors(kinds):
    def expect(t, label, result, outcome):
        errors = result["errors"]
        t.check(sum(errors[k] for k in kinds) > 0,
                f"{label}: failures are counted as {' or '.join(kinds)} ({errors})")
    return expect


def early_answer_never_reads(t, label, result, outcome):
    requests, errors = result["requests"], result["errors"]
    t.check(requests["completed"] > 0, f"{label}: the early answers complete")
    t.check(requests["sent"] >= requests["completed"],
            f"{label}: an answered request counts as sent ({requests})")
    t.check(errors["timeout"] > 0,
            f"{label}: a body the server never takes times out on the send side ({errors})")
    t.check(result["connections"]["reconnects"] > 0,
            f"{label}: its connection is replaced ({result['connections']})")
    t.check(result["bytes"]["sent"] > 0, f"{label}: bytes.sent counts the body ({result['bytes']})")
    # Not "GENERATOR SATURATED" as a whole: on a busy machine a few late dispatches may say so.
    blame = [w for w in result["warnings"]
             if "while connections were free" in w or "sent none of" in w]
    t.check(not blame, f"{label}: the target's stall is not blamed on the generator ({blame})")


def half_closed(t, label, result, outcome):
    # The FIN fails the next request (eof, reset) or, seen while idle, costs a reconnect.
    errors = result["errors"]
    t.check(errors["eof"] + errors["reset"] + result["connections"]["reconnects"] > 0,
            f"{label}: every half-close is seen ({errors}, {result['connections']})")


def status_413(t, label, result, outcome):
    t.check(result["status"]["codes"].get("413", 0) > 0,
            f"{label}: nginx answers 413 ({result['status']['codes']})")
    t.check(result["bytes"]["sent"] > 0,
            f"{label}: bytes.sent counts what went before the 413 ({result['bytes']})")


def plain_targets(t):
    small = body_file(t, "256k.bin", 256 * 1024)
    mb = body_file(t, "2M.bin", 2 * 1024 * 1024)
    big = body_file(t, "16M.bin", 16 * 1024 * 1024)
    server = t.serve("--threads", "1")
    run_case(t, "barrage serve", server.url(), [], all_ok)
    run_case(t, "early answer, never reads", t.target("early_answer", "--then", "never").url(),
             post(big), early_answer_never_reads, TIMEOUT_SHORT)
    run_case(t, "early answer, drops the body", t.target("early_answer", "--then", "discard")
             .url(), post(mb), all_ok)
    run_case(t, "half-closing server", t.target("half_close").url(), post(small), half_closed)
    run_case(t, "reset after the request", t.target("reset").url(), post(small),
             some_errors(["reset", "eof"]))
    run_case(t, "close mid-response", t.target("close_mid").url(), [], some_errors(["eof"]))
    run_case(t, "garbage answers", t.target("garbage").url(), [], some_errors(["protocol"]))
    run_case(t, "never answers", t.target("stall").url(), [], some_errors(["timeout"]),
             TIMEOUT_SHORT)
    run_case(t, "Connection: close", t.target("conn_close").url(), post(small), all_ok)


def nginx_targets(t):
    mb = body_file(t, "1M.bin", 1024 * 1024)
    big = body_file(t, "8M.bin", 8 * 1024 * 1024)
    nginx = t.nginx("location / { return 200 'ok'; }\n"
                    "        location /small { client_max_body_size 64k; return 200 'ok'; }")
    run_case(t, "nginx return 200, 1 MB POST", nginx.url(), post(mb), all_ok)
    run_case(t, "nginx 413, 8 MB POST", nginx.url("/small"), post(big), status_413)


def tls_targets(t):
    pki = tls_pki.make_pki(t)
    tls = ["--cacert", pki.path("ca.pem")]
    mb = body_file(t, "tls-1M.bin", 1024 * 1024)
    big = body_file(t, "tls-8M.bin", 8 * 1024 * 1024)
    early = t.target("early_answer", "--then", "never", "--cert", pki.path("server.pem"),
                     "--key", pki.path("server.key"))
    url = early.url().replace("http://", "https://")
    run_case(t, "TLS early answer, never reads", url, [*tls, *post(big)],
             early_answer_never_reads, TIMEOUT_SHORT)
    nginx = tls_pki.tls_nginx(t, pki, server_block=(
        "location / { return 200 'ok'; }\n"
        "        location /small { client_max_body_size 64k; return 200 'ok'; }"))
    run_case(t, "TLS nginx return 200, 1 MB POST", nginx.url(), [*tls, *post(mb)], all_ok)
    run_case(t, "TLS nginx 413, 8 MB POST", nginx.url("/small"), [*tls, *post(big)], status_413)


def body(t):
    plain_targets(t)
    skipped = []
    for part in (nginx_targets, tls_targets):
        try:
            part(t)
        except harness.Skip as skip:
            skipped.append(str(skip))
    for reason in skipped:
        print(f"note: some cases skipped: {reason}", flush=True)


harness.main(__doc__, body)
