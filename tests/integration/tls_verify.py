#!/usr/bin/env python3
"""https:// against nginx with a throw-away CA: verification is on by default and rejects the
unknown CA (tls errors, exit 3, the reason shown once); --cacert with the test CA and -k both
succeed, as does a profile with [target.tls] cacert; a wrong --sni, a self-signed and an expired certificate and a plain-HTTP port each
fail with their own reason. Skips when nginx or openssl is missing."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness
import tls_pki

LOAD = ["-c", "2", "-t", "1", "-d", "1s"]


def fails_handshakes(t, outcome, reason, what):
    harness.exits_with(t, outcome, 3, what)
    t.require(outcome.json is not None, f"{what}: the --json file was written")
    result = outcome.json
    t.check(tls_pki.tls_errors(result) > 0, f"{what}: tls errors are counted ({result['errors']})")
    t.check(result["requests"]["completed"] == 0, f"{what}: nothing completed")
    t.check(result["tls"]["handshakes"] == 0, f"{what}: no handshake finished ({result['tls']})")
    detail = tls_pki.first_tls_detail(result)
    t.check(reason in detail, f"{what}: the first tls error says '{reason}' ({detail!r})")
    t.check(outcome.stdout.count(reason) == 1,
            f"{what}: the summary shows the reason once, not once per handshake")
    t.check("every TLS handshake failed" in outcome.stdout,
            f"{what}: the summary says every handshake failed")
    t.check(f"barrage: every TLS handshake failed: {reason}" in outcome.stderr,
            f"{what}: stderr says why in one line under -q ({outcome.stderr[-300:]!r})")


def succeeds(t, outcome, what):
    harness.exits_with(t, outcome, 0, what)
    t.require(outcome.json is not None, f"{what}: the --json file was written")
    result = outcome.json
    harness.check_accounting(t, result)
    t.check(result["requests"]["completed"] > 0, f"{what}: requests completed")
    t.check(result["errors"]["total"] == 0, f"{what}: no errors ({result['errors']})")
    t.check(result["status"]["codes"] == {"200": result["requests"]["completed"]},
            f"{what}: every response is a 200")
    t.check(result["tls"]["enabled"] and result["tls"]["handshakes"] == 2,
            f"{what}: one handshake per connection ({result['tls']})")
    t.check(result["tls_handshake"]["count"] == 2,
            f"{what}: the tls_handshake histogram has both ({result['tls_handshake']})")
    t.check("Handshake" in outcome.stdout, f"{what}: the summary shows the handshake time")


def body(t):
    pki = tls_pki.make_pki(t)
    nginx = tls_pki.tls_nginx(t, pki)
    fails_handshakes(t, t.run(["run", nginx.url(), *LOAD]),
                     "certificate verify failed: unable to get local issuer certificate",
                     "default verification, unknown CA")
    succeeds(t, t.run(["run", nginx.url(), *LOAD, "--cacert", pki.path("ca.pem")]),
             "--cacert with the test CA")
    succeeds(t, t.run(["run", nginx.url(), *LOAD, "-k"]), "--insecure")
    # A profile's [target.tls] does what --cacert does; without it the unknown CA fails.
    profile = t.path("tls.toml")
    with open(profile, "w") as f:
        f.write(f'[target]\nurl = "{nginx.url()}"\nconnections = 2\n'
                f'[target.tls]\ncacert = "{pki.path("ca.pem")}"\n'
                '[[requests]]\nname = "home"\npath = "/"\n'
                '[[phases]]\nshape = "constant"\nrate = 50\nduration = "1s"\n')
    outcome = t.run(["run", profile, "-t", "1"])
    harness.exits_with(t, outcome, 0, "a profile with [target.tls] cacert")
    t.check(outcome.json is not None and outcome.json["tls"]["handshakes"] == 2,
            "the profile's run verified with the test CA")
    succeeds(t, t.run(["run", nginx.url(), *LOAD, "--cacert", pki.path("ca.pem"), "--sni",
                       "localhost"]), "--sni with a name the certificate has")
    fails_handshakes(t, t.run(["run", nginx.url(), *LOAD, "--cacert", pki.path("ca.pem"),
                               "--sni", "wrong.example"]),
                     "certificate verify failed: hostname mismatch", "wrong --sni")

    selfsigned = tls_pki.tls_nginx(t, pki, cert="selfsigned")
    fails_handshakes(t, t.run(["run", selfsigned.url(), *LOAD, "--cacert", pki.path("ca.pem")]),
                     "certificate verify failed: self-signed certificate",
                     "self-signed server certificate")
    expired = tls_pki.tls_nginx(t, pki, cert="expired")
    fails_handshakes(t, t.run(["run", expired.url(), *LOAD, "--cacert", pki.path("ca.pem")]),
                     "certificate verify failed: certificate has expired", "expired certificate")

    plain = t.nginx("location / { return 200 'plain\\n'; }")
    fails_handshakes(t, t.run(["run", f"https://127.0.0.1:{plain.port}/", *LOAD, "-k"]),
                     "wrong version number", "TLS spoken to a plain-HTTP port")


harness.main(__doc__, body)
