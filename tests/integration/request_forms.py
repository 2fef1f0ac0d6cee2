#!/usr/bin/env python3
"""`form` and `files` as a server parses them: a multipart/form-data upload whose file arrives
byte for byte (binary, a '{{', NUL and CRLF in it) beside a templated field, parsed with
email.parser; and a urlencoded form whose rendered values keep '&', '=', '+' and spaces."""

import email.parser
import email.policy
import sys
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

FILE_BYTES = bytes(range(256)) + b"\r\n--{{not a placeholder}}\r\n\x00end"

PROFILE = """
[target]
url = "{url}"

[[requests]]
name = "upload"
method = "POST"
path = "/upload"
form = {{ title = "scan {{{{int 7 7}}}}", note = "plain" }}
files = [{{ field = "image", path = "a.bin", type = "image/png" }}]

[[requests]]
name = "login"
method = "POST"
path = "/login"
form = {{ user = '{{{{choice "a&b=c d+e"}}}}', "pass word" = "x y" }}

[session]
order = "sequence"

[[phases]]
shape = "users"
users = 1
duration = "300ms"
"""


def parse(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {line.partition(":")[0].strip().lower(): line.partition(":")[2].strip()
               for line in lines[1:]}
    return lines[0], headers, body


def check_upload(t, headers, body):
    content_type = headers.get("content-type", "")
    t.require(content_type.startswith("multipart/form-data; boundary="),
              f"the upload is multipart ({content_type})")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    t.require(message.is_multipart(), "the body parses as multipart")
    parts = {part.get_param("name", header="content-disposition"): part
             for part in message.iter_parts()}
    t.check(sorted(parts) == ["image", "note", "title"], f"three parts ({sorted(parts)})")
    t.check(parts["title"].get_payload(decode=True) == b"scan 7",
            f"a field value is a template ({parts['title'].get_payload(decode=True)!r})")
    t.check(parts["note"].get_payload(decode=True) == b"plain", "a plain field")
    image = parts["image"]
    t.check(image.get_filename() == "a.bin", f"the file part has its filename "
                                             f"({image.get_filename()})")
    t.check(image.get_content_type() == "image/png", "the file part has its type")
    t.check(image.get_payload(decode=True) == FILE_BYTES, "the file arrives byte for byte")
    t.check(headers.get("content-length") == str(len(body)), "Content-Length is the body's")


def body(t):
    with open(t.path("a.bin"), "wb") as f:
        f.write(FILE_BYTES)
    recorder = t.recorder(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    try:
        profile = t.path("forms.toml")
        with open(profile, "w") as f:
            f.write(PROFILE.format(url=recorder.url()))
        outcome = t.run(["run", profile])
    finally:
        recorder.close()
    harness.exits_with(t, outcome, 0, "the profile runs")
    requests = [parse(raw) for raw in recorder.requests]
    uploads = [(h, b) for line, h, b in requests if line.startswith("POST /upload ")]
    logins = [(h, b) for line, h, b in requests if line.startswith("POST /login ")]
    t.require(uploads and logins, f"both requests were sent ({len(uploads)}, {len(logins)})")
    check_upload(t, *uploads[0])
    headers, form = logins[0]
    t.check(headers.get("content-type") == "application/x-www-form-urlencoded",
            f"a form without files is urlencoded ({headers.get('content-type')})")
    fields = urllib.parse.parse_qs(form.decode(), strict_parsing=True)
    t.check(fields == {"user": ["a&b=c d+e"], "pass word": ["x y"]},
            f"rendered and literal values arrive intact ({form!r} -> {fields})")
    harness.check_accounting(t, outcome.json)


if __name__ == "__main__":
    harness.main(__doc__, body)
