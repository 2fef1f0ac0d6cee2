#!/usr/bin/env python3
"""mTLS and resumption against nginx with TLS. With `ssl_verify_client on`, --cert/--key get
200s and no certificate gets none (nginx answers 400). With --new-conn every request has its
own connection (counted as opened, not as reconnects); with resumption on (nginx keeps a shared
session cache) nearly every handshake after the first ones resumes, with --no-tls-resume none
does. Plain http:// --new-conn opens one connection per request too. Skips when nginx or
openssl is missing."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness
import tls_pki


def check_mtls(t, pki):
    nginx = tls_pki.tls_nginx(t, pki, server_block=f"""
        ssl_client_certificate {pki.path("ca.pem")};
        ssl_verify_client on;""")
    trust = ["--cacert", pki.path("ca.pem")]
    load = ["-c", "2", "-t", "1", "-d", "1s"]
    with_cert = t.run(["run", nginx.url(), *load, *trust, "--cert", pki.path("client.pem"),
                       "--key", pki.path("client.key")])
    harness.exits_with(t, with_cert, 0, "mTLS with --cert/--key")
    t.require(with_cert.json is not None, "mTLS with --cert/--key: the --json file was written")
    completed = with_cert.json["requests"]["completed"]
    t.check(completed > 0 and with_cert.json["status"]["codes"] == {"200": completed},
            f"mTLS with a client certificate: every response is a 200 "
            f"({with_cert.json['status']['codes']})")
    without = t.run(["run", nginx.url(), *load, *trust])
    t.require(without.json is not None, "mTLS without --cert: the --json file was written")
    t.check(without.json["status"]["2xx"] == 0,
            f"mTLS without a client certificate: no 2xx ({without.json['status']})")
    t.check(without.json["status"]["codes"].get("400", 0) > 0 or
            tls_pki.tls_errors(without.json) > 0,
            f"mTLS without a client certificate: nginx refuses (400) or the handshake fails "
            f"({without.json['status']}, {without.json['errors']})")


def new_conn(t, url, *extra):
    outcome = t.run(["run", url, "-c", "2", "-t", "1", "-d", "1s", "--new-conn", *extra])
    harness.exits_with(t, outcome, 0, f"--new-conn {' '.join(extra)}")
    t.require(outcome.json is not None, "the --json file was written")
    result = outcome.json
    harness.check_accounting(t, result)
    completed = result["requests"]["completed"]
    t.check(completed >= 50, f"--new-conn completes requests ({completed})")
    t.check(result["errors"]["total"] == 0, f"--new-conn: no errors ({result['errors']})")
    opened = result["connections"]["opened"]
    t.check(completed <= opened <= completed + 2 * 2,
            f"--new-conn opens one connection per request (opened {opened}, "
            f"completed {completed})")
    t.check(result["connections"]["reconnects"] == 0,
            "--new-conn reopens by design: no reconnects counted")
    t.check(result["config"]["new_conn"] is True, "config.new_conn is true")
    return result


def check_resumption(t, pki):
    nginx = tls_pki.tls_nginx(t, pki)
    trust = ["--cacert", pki.path("ca.pem")]
    resumed = new_conn(t, nginx.url(), *trust)["tls"]
    t.check(resumed["handshakes"] >= 50, f"many handshakes ({resumed})")
    t.check(resumed["full"] <= 4,
            f"with resumption only the first handshakes are full ({resumed})")
    t.check(resumed["resumed"] >= 0.95 * (resumed["handshakes"] - 4),
            f"nearly every later handshake resumes ({resumed})")
    fresh = new_conn(t, nginx.url(), *trust, "--no-tls-resume")["tls"]
    t.check(fresh["handshakes"] >= 20 and fresh["resumed"] == 0,
            f"--no-tls-resume: every handshake is full ({fresh})")


def body(t):
    pki = tls_pki.make_pki(t)
    check_mtls(t, pki)
    check_resumption(t, pki)
    plain = t.nginx("location / { return 200 'plain\\n'; }")
    result = new_conn(t, plain.url("/"))
    t.check(result["tls"]["enabled"] is False and result["tls"]["handshakes"] == 0,
            f"plain http has no TLS handshakes ({result['tls']})")


harness.main(__doc__, body)
