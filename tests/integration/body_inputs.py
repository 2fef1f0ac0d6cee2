#!/usr/bin/env python3
"""Bodies as inputs. A binary --body-file that contains '{{' is sent byte for byte (it is not a
template; --body-template asks for one), and a bad --body-template is a usage error (exit 2)
that quotes only a short, escaped excerpt. A 60 MB --body-file with 8 connections is held once,
not once per copy made on the way (peak RSS under 250 MiB; it was 360 MiB). A template that
renders past 64 MiB (an 8 MiB data cell repeated 64 times: 512 MiB) is not sent: each request
fails as a 'template' error, the counts still add up, and memory stays bounded (it was 5.5 GB)."""

import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

ADDRESS_SPACE_LIMIT = 4 * 1024 ** 3  # a regression fails here, not in the OOM killer
OK_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def binary_body_is_sent_verbatim(t):
    rng = random.Random(7)
    body = bytes(rng.randrange(256) for _ in range(1 << 20))
    body = body[:1000] + b"{{bogus}} {{int}} {{" + body[1020:]
    path = t.path("random.bin")
    with open(path, "wb") as f:
        f.write(body)
    recorder = t.recorder(OK_RESPONSE)
    try:
        outcome = t.run(["run", recorder.url("/upload"), "-X", "POST", "--body-file", path,
                         "-c", "1", "-t", "1", "-d", "300ms"])
        harness.exits_with(t, outcome, 0, "a binary --body-file with '{{' runs")
        t.check(len(outcome.stderr) < 1000, f"stderr stays short ({len(outcome.stderr)} bytes)")
        t.require(len(recorder.requests) > 0, "the target received requests")
        received = recorder.requests[0]
        t.check(received.endswith(b"\r\n\r\n" + body),
                "the body on the wire is the file, byte for byte")
        t.check(b"Content-Length: %d\r\n" % len(body) in received, "Content-Length is the size")
        if outcome.json is not None:
            harness.check_accounting(t, outcome.json)
            t.check(outcome.json["config"]["body_bytes"] == len(body), "config.body_bytes")
    finally:
        recorder.close()

    bad = t.run(["run", "http://127.0.0.1:9/", "--body-template", path], json_out=False)
    harness.exits_with(t, bad, 2, "a --body-template that is not a template is a usage error")
    t.check(len(bad.stderr) < 400 and "--body-template: " in bad.stderr,
            f"the error names the flag and quotes a short excerpt ({len(bad.stderr)} bytes)")
    t.check(not any(c < 0x20 and c != 0x0A for c in bad.stderr.encode("utf-8", "replace")),
            "no control bytes reach the terminal")


def large_body_file_is_held_once(t, server):
    path = t.path("body60.bin")
    with open(path, "wb") as f:
        f.write(b"b" * 60_000_000)
    limited, peak_rss_mib = harness.peak_rss_wrapper(t, "body60", ADDRESS_SPACE_LIMIT)
    outcome = t.run(["run", server.url(), "-X", "POST", "--body-file", path, "-c", "8", "-t", "2",
                     "-d", "1s"], timeout_s=60, wrapper=limited)
    harness.exits_with(t, outcome, 0, "a 60 MB --body-file with 8 connections runs")
    peak = peak_rss_mib()
    t.check(peak < 250, f"peak RSS {peak:.0f} MiB < 250 MiB: the body is held once or twice, "
                        "not six times")
    if outcome.json is not None:
        harness.check_accounting(t, outcome.json)
        t.check(outcome.json["requests"]["completed"] > 0, "60 MB requests were answered")
    os.remove(path)


def oversized_render_is_a_template_error(t, server):
    cell = "c" * (8 << 20)
    data = t.path("cells.csv")
    with open(data, "w") as f:
        f.write(f"cell\n{cell}\n")
    del cell
    profile = t.path("oversized.toml")
    with open(profile, "w") as f:
        f.write(f'[target]\nurl = "{server.url("").rstrip("/")}"\nconnections = 8\nthreads = 1\n'
                f'[[data]]\npath = "{data}"\n'
                f'[[requests]]\nname = "huge"\nmethod = "POST"\npath = "/"\n'
                f'body = "{"{{cell}}" * 64}"\n'
                '[[phases]]\nname = "main"\nshape = "constant"\nrate = 20\nduration = "1s"\n')
    limited, peak_rss_mib = harness.peak_rss_wrapper(t, "oversized", ADDRESS_SPACE_LIMIT)
    outcome = t.run(["run", profile], timeout_s=60, wrapper=limited)
    # Exit 3: a run whose every request failed (not a crash: the counts follow).
    harness.exits_with(t, outcome, 3, "a run whose requests all render too large")
    result = outcome.json
    t.require(result is not None, "the run wrote its JSON")
    harness.check_accounting(t, result)
    requests = result["requests"]
    t.check(requests["sent"] > 0 and requests["completed"] == 0,
            f"no oversized request was sent ({requests})")
    t.check(result["errors"]["template"] == requests["errors"] == requests["sent"],
            f"each one failed as a 'template' error ({result['errors']})")
    t.check(result["requests_by_name"]["huge"]["errors"] == requests["errors"],
            "the errors are counted under the request's name")
    t.check("64 MiB" in outcome.output, "the summary says why")
    peak = peak_rss_mib()
    t.check(peak < 1024, f"peak RSS {peak:.0f} MiB stays under 1 GiB")


def body(t):
    binary_body_is_sent_verbatim(t)
    server = t.serve("--threads", "1")
    large_body_file_is_held_once(t, server)
    oversized_render_is_a_template_error(t, server)


harness.main(__doc__, body)
