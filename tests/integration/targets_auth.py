#!/usr/bin/env python3
"""Basic auth, as curl, hey and oha do it: a URL's user:password@ (percent-decoded) sends
`Authorization: Basic base64(user:password)` on every request; -u/--user wins over the URL's;
a request's own Authorization header (-H, or a profile's) wins over both. The password never
shows: not on stdout or stderr, not in the JSON (target.url and config.command_line show
user:***@), the HTML report or the --history line. A profile's [target] url takes userinfo
too, and `barrage run PROFILE URL` / --target URL replace the profile's target (its url or
urls), the requests keeping their paths."""

import base64
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
SECRET = "s3cr@t:x"  # written %-encoded in the URL: s3cr%40t%3Ax
LOAD = ["-c", "1", "--requests", "5"]


def header_values(recorder, name):
    """Every value of header `name` in every request `recorder` received."""
    values = []
    for raw in list(recorder.requests):
        for line in raw.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name:
                values.append(value.strip())
    return values


def request_lines(recorder):
    return [raw.split(b"\r\n", 1)[0].decode("latin-1") for raw in list(recorder.requests)]


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def run_against(t, args, what):
    """Runs barrage against a fresh recorder; returns (outcome, recorder)."""
    recorder = t.recorder(RESPONSE)
    try:
        outcome = t.run([arg.replace("PORT", str(recorder.port)) for arg in args])
    finally:
        recorder.close()
    harness.exits_with(t, outcome, 0, what)
    t.require(outcome.json is not None, f"{what}: the --json file was written")
    harness.check_accounting(t, outcome.json)
    t.check(len(recorder.requests) >= 5, f"{what}: the target got the requests "
                                         f"({len(recorder.requests)})")
    return outcome, recorder


def check_url_userinfo(t):
    html, history = t.path("auth.html"), t.path("auth.jsonl")
    outcome, recorder = run_against(
        t, ["run", "http://alice:s3cr%40t%3Ax@127.0.0.1:PORT/private", *LOAD, "--html", html,
            "--history", history], "a URL with user:password@")
    sent = header_values(recorder, "authorization")
    t.check(sent and set(sent) == {basic("alice", SECRET)},
            f"every request carries Basic auth of the percent-decoded userinfo ({set(sent)})")
    t.check(set(header_values(recorder, "host")) == {f"127.0.0.1:{recorder.port}"},
            "the Host header has no userinfo")
    t.check(set(request_lines(recorder)) == {"GET /private HTTP/1.1"}, "the path is the URL's")
    result = outcome.json
    shown = f"http://alice:***@127.0.0.1:{recorder.port}/private"
    t.check(result["target"]["url"] == shown, f"target.url masks the password "
                                              f"({result['target']['url']})")
    t.check(result["config"]["url"] == shown, "config.url masks the password")
    t.check("alice:***@" in result["config"]["command_line"],
            f"config.command_line masks it ({result['config']['command_line']})")
    with open(html) as f:
        page = f.read()
    with open(history) as f:
        line = f.read()
    with open(outcome.command[outcome.command.index("--json") + 1]) as f:
        raw_json = f.read()
    for where, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr),
                        ("the JSON", raw_json), ("the HTML report", page),
                        ("the --history line", line)):
        t.check("s3cr" not in text and base64.b64encode(SECRET.encode()).decode() not in text,
                f"{where} never shows the password")
    t.check(f"http://alice:***@127.0.0.1:{recorder.port}/private" in outcome.stdout,
            "the run header shows the URL as user:***@")


def check_precedence(t):
    _, recorder = run_against(
        t, ["run", "http://alice:one@127.0.0.1:PORT/", *LOAD, "-u", "bob:two:2"],
        "--user over a URL's userinfo")
    t.check(set(header_values(recorder, "authorization")) == {basic("bob", "two:2")},
            "-u wins over the URL's user:password (split at its first ':', not decoded)")
    outcome, recorder = run_against(
        t, ["run", "http://127.0.0.1:PORT/", *LOAD, "--user=carol"], "--user without password")
    t.check(set(header_values(recorder, "authorization")) == {basic("carol", "")},
            "--user USER sends an empty password")
    t.check("--user=carol" in outcome.json["config"]["command_line"], "a bare user is shown")
    outcome, recorder = run_against(
        t, ["run", "http://alice:one@127.0.0.1:PORT/", *LOAD, "-u", "bob:two", "-H",
            "Authorization: Bearer tok"], "-H Authorization with credentials")
    t.check(header_values(recorder, "authorization") == ["Bearer tok"] * len(recorder.requests),
            "a request's own Authorization header wins over both, and is sent once")
    t.check("'bob:***'" in outcome.json["config"]["command_line"], "-u's password is masked")


PROFILE = """
[target]
{target}

[[requests]]
name = "mine"
path = "/mine"
headers = {{ Authorization = "Bearer mine" }}

[[requests]]
name = "plain"

[[phases]]
shape = "constant"
rate = 100
duration = "200ms"
"""


def write_profile(t, name, target):
    path = t.path(name)
    with open(path, "w") as f:
        f.write(PROFILE.format(target=target))
    return path


def check_profile(t):
    recorder = t.recorder(RESPONSE)
    try:
        profile = write_profile(t, "auth.toml",
                                f'url = "http://dora:p%20w@127.0.0.1:{recorder.port}/home"')
        outcome = t.run(["run", profile])
    finally:
        recorder.close()
    harness.exits_with(t, outcome, 0, "a profile whose url has userinfo")
    pairs = [(line.split(" ")[1], value) for line, value in
             zip(request_lines(recorder), header_values(recorder, "authorization"))]
    t.check(pairs and all(value == ("Bearer mine" if path == "/mine" else basic("dora", "p w"))
                          for path, value in pairs),
            f"a profile's url userinfo authenticates requests without their own header "
            f"({sorted(set(pairs))})")
    t.check(outcome.json["target"]["url"] == f"http://dora:***@127.0.0.1:{recorder.port}/mine",
            f"the profile's target shows masked ({outcome.json['target']['url']})")


def check_profile_target_override(t):
    closed = harness.free_port()
    profile = write_profile(t, "elsewhere.toml",
                            f'urls = ["http://127.0.0.1:{closed}", "http://127.0.0.2:{closed}"]')
    for form in ([], ["--target"]):
        recorder = t.recorder(RESPONSE)
        try:
            outcome = t.run(["run", profile, *form,
                             f"http://erin:pw@127.0.0.1:{recorder.port}/default"])
        finally:
            recorder.close()
        what = "run PROFILE --target URL" if form else "run PROFILE URL"
        harness.exits_with(t, outcome, 0, what)
        paths = set(line.split(" ")[1] for line in request_lines(recorder))
        t.check(paths == {"/mine", "/default"},
                f"{what}: requests keep their paths, the URL's path is the default ({paths})")
        t.check(outcome.json is not None and "all" not in outcome.json["target"],
                f"{what}: the URL replaced the profile's two urls")
        t.check(basic("erin", "pw") in header_values(recorder, "authorization"),
                f"{what}: the URL's userinfo authenticates")
    # A profile may leave its target to the command line.
    no_target = t.path("no_target.toml")
    with open(no_target, "w") as f:
        f.write(PROFILE.format(target="").replace("[target]\n", ""))
    outcome = t.run(["run", no_target], json_out=False)
    harness.exits_with(t, outcome, 2, "a profile without [target] and no URL")
    t.check("barrage run PROFILE.toml URL" in outcome.stderr,
            f"it says the URL may come from the command line ({outcome.stderr.strip()!r})")
    recorder = t.recorder(RESPONSE)
    try:
        outcome = t.run(["run", no_target, f"http://127.0.0.1:{recorder.port}/"])
    finally:
        recorder.close()
    harness.exits_with(t, outcome, 0, "a profile without [target], given a URL")
    t.check(len(recorder.requests) > 0, "its requests went to the URL")
    outcome = t.run(["run", profile, "ftp://h/"], json_out=False)
    harness.exits_with(t, outcome, 2, "a bad URL after a profile")
    t.check("scheme 'ftp'" in outcome.stderr, f"it says why ({outcome.stderr.strip()!r})")


def body(t):
    check_url_userinfo(t)
    check_precedence(t)
    check_profile(t)
    check_profile_target_override(t)
    outcome = t.run(["run", "http://u:p%zz@127.0.0.1:1/"], json_out=False)
    harness.exits_with(t, outcome, 2, "a bad %-escape in userinfo")
    t.check("two hex digits" in outcome.stderr and "p%zz" not in outcome.stderr,
            f"it says why without the password ({outcome.stderr.strip()!r})")


if __name__ == "__main__":
    harness.main(__doc__, body)
