#!/usr/bin/env python3
"""Bad TLS input is a clear error: unreadable --cacert/--cert/--key files, --key without
--cert, TLS flags on an http:// URL and --tls-min 1.1 exit 2 before any traffic; a file that is
not PEM exits 3 naming the option; a server that drops the connection mid-handshake is counted
as a tls error with its reason, and exit 3 says every handshake failed. Skips when openssl is
missing."""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness
import tls_pki


def refused(t, args, code, needle, what):
    outcome = t.run(["run", *args], json_out=False)
    harness.exits_with(t, outcome, code, what)
    t.check(needle in outcome.stderr, f"{what}: stderr says {needle!r} ({outcome.stderr!r})")
    t.check(outcome.elapsed_s < 5, f"{what}: fails at once")


def body(t):
    pki = tls_pki.make_pki(t)
    missing = t.path("no-such.pem")
    url = "https://127.0.0.1:9/"
    refused(t, [url, "--cacert", missing], 2, f"--cacert: cannot read '{missing}'",
            "missing --cacert file")
    refused(t, [url, "--cert", missing, "--key", pki.path("client.key")], 2,
            f"--cert: cannot read '{missing}'", "missing --cert file")
    refused(t, [url, "--cert", pki.path("client.pem"), "--key", missing], 2,
            f"--key: cannot read '{missing}'", "missing --key file")
    refused(t, [url, "--key", pki.path("client.key")], 2, "add --cert", "--key without --cert")
    refused(t, ["http://127.0.0.1:9/", "-k"], 2, "need an https:// URL", "-k on http://")
    refused(t, [url, "--tls-min", "1.1"], 2, "use 1.2 or 1.3", "--tls-min 1.1")
    not_pem = t.path("not.pem")
    with open(not_pem, "w") as f:
        f.write("this is not a certificate\n")
    refused(t, [url, "--cacert", not_pem], 3, "--cacert: cannot load", "--cacert not PEM")
    refused(t, [url, "--cert", not_pem, "--key", pki.path("client.key")], 3,
            "--cert: cannot load", "--cert not PEM")
    refused(t, [url, "--cert", pki.path("client.pem"), "--key", pki.path("server.key")], 3,
            "key values mismatch", "--key of another certificate")
    refused(t, [url, "--ciphers", "NO-SUCH-CIPHER"], 3, "--ciphers: no usable cipher",
            "--ciphers nobody knows")

    drop = tls_pki.DropServer()
    outcome = t.run(["run", drop.url(), "-c", "2", "-t", "1", "-d", "1s", "-k"])
    harness.exits_with(t, outcome, 3, "server drops mid-handshake")
    t.require(outcome.json is not None, "the --json file was written")
    t.check(tls_pki.tls_errors(outcome.json) > 0, f"mid-handshake drops are tls errors "
                                                  f"({outcome.json['errors']})")
    detail = tls_pki.first_tls_detail(outcome.json)
    t.check("during the TLS handshake" in detail, f"the reason names the handshake ({detail!r})")
    t.check("every TLS handshake failed" in outcome.stdout, "the summary says why it exits 3")
    os.remove(not_pem)


harness.main(__doc__, body)
