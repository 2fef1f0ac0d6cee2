#!/usr/bin/env python3
"""Variables of a user's session, as a server on loopback sees them: `{{set tenant ?= int ...}}`
draws one tenant per virtual user, reused in its later requests; `{{set order = uuid}}` draws a
new order per request, the same in that request's header and body and in the user's next
request; two requests capture into one variable (`token`: a header, then a JSON value) and the
last capture wins."""

import json
import re
import socket
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROFILE = """
[target]
url = "{url}"

[[requests]]
name = "login"
method = "POST"
path = "/login/{{{{set tenant ?= int 1000 9999}}}}"
weight = 0
capture = {{ token = {{ header = "X-Token" }} }}

[[requests]]
name = "refresh"
method = "POST"
path = "/refresh/{{{{tenant}}}}"
headers = {{ X-Order = "{{{{set order = uuid}}}}" }}
body = '{{"order": "{{{{order}}}}"}}'
capture = {{ token = {{ json = "/token" }} }}

[[requests]]
name = "use"
path = "/use/{{{{tenant}}}}/{{{{order}}}}"
headers = {{ Authorization = "Bearer {{{{token}}}}" }}

[session]
setup = ["login"]
order = "sequence"
steps = ["refresh", "use"]

[[phases]]
shape = "users"
users = 2
think = "10ms"
duration = "1s"
"""


class SessionServer:
    """Answers every request with a fresh number n: header X-Token: h<n>, body {"token":"j<n>"};
    records (connection, n, request line, headers, body) in order."""

    def __init__(self):
        self.records = []
        self.lock = threading.Lock()
        self.counter = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        connection = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            connection += 1
            threading.Thread(target=self._serve, args=(conn, connection), daemon=True).start()

    def _serve(self, conn, connection):
        buffer = b""
        conn.settimeout(30)
        with conn:
            try:
                while True:
                    while b"\r\n\r\n" not in buffer:
                        chunk = conn.recv(65536)
                        if not chunk:
                            return
                        buffer += chunk
                    head, _, rest = buffer.partition(b"\r\n\r\n")
                    length = harness.header_content_length(head)
                    while len(rest) < length:
                        chunk = conn.recv(65536)
                        if not chunk:
                            return
                        rest += chunk
                    body, buffer = rest[:length], rest[length:]
                    lines = head.decode("latin-1").split("\r\n")
                    headers = {line.partition(":")[0].strip().lower():
                               line.partition(":")[2].strip() for line in lines[1:]}
                    with self.lock:
                        self.counter += 1
                        n = self.counter
                        self.records.append((connection, n, lines[0], headers, body.decode()))
                    answer = json.dumps({"token": f"j{n}"}).encode()
                    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Token: h%d\r\nContent-Length: %d\r\n\r\n"
                                 % (n, len(answer)) + answer)
            except OSError:
                return

    def close(self):
        self.sock.close()


def check_connection(t, records):
    """One user's requests, in order: login, then refresh/use pairs."""
    paths = [line.split(" ")[1] for _, _, line, _, _ in records]
    t.require(paths[0].startswith("/login/"), f"a user logs in first ({paths[:3]})")
    tenant = paths[0].split("/")[2]
    t.check(re.fullmatch(r"[0-9]{4}", tenant) is not None and 1000 <= int(tenant) <= 9999,
            f"the tenant is drawn from int 1000 9999 ({tenant})")
    t.check(all(path.split("/")[2] == tenant for path in paths),
            f"every request of the user carries its one tenant {tenant}")
    orders = []
    previous = None
    for _, n, line, headers, body in records[1:]:
        if line.startswith("POST /refresh/"):
            order = headers.get("x-order", "")
            t.check(json.loads(body) == {"order": order} and len(order) == 36,
                    f"refresh sends its drawn order in the header and the body ({order}, {body})")
            orders.append(order)
            previous = (n, order)
        elif previous is not None:
            n_refresh, order = previous
            t.check(line.startswith(f"GET /use/{tenant}/{order} "),
                    f"use sends the order its refresh drew ({line})")
            t.check(headers.get("authorization") == f"Bearer j{n_refresh}",
                    f"use sends the token the refresh captured last, from JSON "
                    f"({headers.get('authorization')}, expected j{n_refresh})")
    return tenant, orders


def body(t):
    server = SessionServer()
    try:
        profile = t.path("variables.toml")
        with open(profile, "w") as f:
            f.write(PROFILE.format(url=f"http://127.0.0.1:{server.port}"))
        outcome = t.run(["run", profile])
    finally:
        server.close()
    harness.exits_with(t, outcome, 0, "the profile runs")
    t.require(outcome.json is not None, "the --json file was written")
    with server.lock:
        records = list(server.records)
    connections = sorted({record[0] for record in records})
    t.require(len(connections) == 2, f"two users, two connections ({len(connections)})")
    all_orders = []
    for connection in connections:
        mine = [record for record in records if record[0] == connection]
        t.require(len(mine) >= 5, f"user {connection} sent a few requests ({len(mine)})")
        _, orders = check_connection(t, mine)
        all_orders += orders
    t.check(len(set(all_orders)) == len(all_orders),
            f"'=' draws a new order for every request ({len(all_orders)} refreshes)")
    harness.check_accounting(t, outcome.json)


if __name__ == "__main__":
    harness.main(__doc__, body)
