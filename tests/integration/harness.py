"""Shared plumbing for barrage's integration tests (stdlib only).

A test file calls `harness.main(__doc__, body)`; `body(t)` gets a `Test` that starts servers
(`barrage serve`, the targets in targets/, nginx, a raw recording server), runs the real
binary with a hard time limit and collects failed checks. Every process a test starts is
killed when the test ends, whatever happens; every wait has a deadline.

Exit status: 0 all checks passed, 1 some failed, 77 skipped (meson SKIP).
"""

import http.server
import json
import os
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = os.path.join(HERE, "targets")
EXIT_SKIP = 77
START_TIMEOUT_S = 15.0  # a server that has not said "listening on" by then is broken
TARGET_LIFETIME_S = 90  # targets exit on their own even if this process is killed
CSV_HEADER = "t_s,requests,errors,rps,p50_us,p90_us,p99_us,p999_us,max_us,p95_us"
# UBSan only prints by default; halting turns a report into a failed exit code. Reports are
# also looked for in stderr, in case a build recovers anyway.
SANITIZER_MARKERS = ("runtime error:", "AddressSanitizer", "LeakSanitizer",
                     "UndefinedBehaviorSanitizer")
os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
ERROR_KINDS = ["connect", "connect_timeout", "timeout", "reset", "eof", "protocol", "fd_limit",
               "port_exhausted", "tls", "io", "template"]


class Abort(Exception):
    """A required check failed; the rest of this test body makes no sense."""


class Skip(Exception):
    """Something the test needs is missing (exit 77)."""


class Server:
    """A process that serves HTTP on loopback; `url(path)` builds a URL to it."""

    def __init__(self, name, process, port, host="127.0.0.1", stderr_path=None):
        self.name = name
        self.process = process
        self.port = port
        self.host = host
        self.stderr_path = stderr_path

    def url(self, path="/"):
        return f"http://{self.host}:{self.port}{path}"


class Outcome:
    """What one `barrage` invocation did."""

    def __init__(self, command, rc, stdout, stderr, elapsed_s):
        self.command = command
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed_s = elapsed_s
        self.json = None        # parsed --json file, when one was asked for and written
        self.csv_text = None    # raw --csv file, when one was asked for and written
        self.shown = False

    @property
    def output(self):
        return self.stdout + self.stderr

    def describe(self):
        return (f"  command: {shlex.join(self.command)}\n  exit: {self.rc} after "
                f"{self.elapsed_s:.2f}s\n  stdout (tail):\n{indent(self.stdout[-3000:])}\n"
                f"  stderr (tail):\n{indent(self.stderr[-2000:])}")


def indent(text):
    return "\n".join("    " + line for line in text.splitlines())


def free_port():
    """A loopback port nothing listens on right now (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_line_until(stream, deadline):
    """Reads one line from a pipe without blocking past `deadline`; None on EOF or time-out."""
    data = b""
    fd = stream.fileno()
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1)
        if not chunk:
            return None
        data += chunk
    return data.decode(errors="replace").strip()


def drain_in_background(stream):
    """Keeps reading a pipe so a chatty server never blocks on a full pipe."""
    def drain():
        try:
            while stream.read(65536):
                pass
        except (OSError, ValueError):
            pass
    threading.Thread(target=drain, daemon=True).start()


class Test:
    def __init__(self, binary):
        self.binary = binary
        self.failures = []
        self.processes = []  # (name, Popen) to kill at the end
        self.graceful = {}   # Popen -> stderr path: our own servers, stopped with SIGTERM
        self.tmp = tempfile.TemporaryDirectory(prefix="barrage-integ-")
        self.last = None     # the latest Outcome, shown once when a check fails
        self.counter = 0

    # ---- checks -------------------------------------------------------------------------

    def check(self, condition, what):
        if condition:
            print(f"ok: {what}", flush=True)
            return True
        self.failures.append(what)
        print(f"FAIL: {what}", flush=True)
        if self.last is not None and not self.last.shown:
            self.last.shown = True
            print(self.last.describe(), flush=True)
        return False

    def require(self, condition, what):
        if not self.check(condition, what):
            raise Abort(what)

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    # ---- servers ------------------------------------------------------------------------

    def _start_listening(self, name, command):
        """Starts `command`, waits for its "listening on http://HOST:PORT" line."""
        stderr_file = open(self.path(f"{name}-{len(self.processes)}.stderr"), "wb")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr_file,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        stderr_file.close()
        self.processes.append((name, process))
        line = read_line_until(process.stdout, time.monotonic() + START_TIMEOUT_S)
        prefix = "listening on http://"
        if line is None or not line.startswith(prefix):
            self.require(False, f"{name} starts and says 'listening on' "
                                f"(got {line!r}; stderr: {tail(stderr_file.name)!r})")
        drain_in_background(process.stdout)
        host, _, port = line[len(prefix):].rpartition(":")
        return Server(name, process, int(port), host, stderr_file.name)

    def serve(self, *args):
        """`barrage serve` on an ephemeral loopback port; at the end it gets SIGTERM and must
        exit 0 with no sanitizer report."""
        server = self._start_listening("barrage serve",
                                       [self.binary, "serve", "--port", "0", *args])
        self.graceful[server.process] = server.stderr_path
        return server

    def target(self, script, *args):
        """One of targets/<script>.py, which exits by itself after TARGET_LIFETIME_S."""
        path = os.path.join(TARGETS, script + ".py")
        if not os.path.exists(path):
            raise Skip(f"target {path} is missing")
        return self._start_listening(script, [sys.executable, path, "--port", "0", "--lifetime",
                                              str(TARGET_LIFETIME_S), *args])

    def nginx(self, server_block):
        """nginx from the system with its own config in the temp dir; `server_block` goes
        inside `server { listen 127.0.0.1:PORT; ... }`. Skips when nginx is missing."""
        binary = next((p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.access(p, os.X_OK)),
                      None)
        if binary is None:
            raise Skip("nginx is not installed")
        prefix = self.path("nginx")
        os.makedirs(os.path.join(prefix, "temp"), exist_ok=True)
        port = free_port()
        config = os.path.join(prefix, "nginx.conf")
        with open(config, "w") as f:
            f.write(nginx_config(prefix, port, server_block))
        error_log = os.path.join(prefix, "error.log")
        command = [binary, "-p", prefix, "-c", config, "-e", error_log]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(("nginx", process))
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return Server("nginx", process, port)
            except OSError:
                time.sleep(0.05)
        self.require(False, f"nginx starts on port {port} (error.log: {tail(error_log)!r})")

    def recorder(self, response):
        """A raw in-process server: answers each request with `response` (bytes) and keeps
        every request's raw bytes in `.requests`. For checking what barrage puts on the wire."""
        return RecordingServer(response)

    # ---- barrage ------------------------------------------------------------------------

    def run(self, args, timeout_s=30, json_out=True, csv_out=False, quiet=True, wrapper=()):
        """Runs `barrage ARGS` (a list) with a hard time limit, behind `wrapper` (e.g. taskset)
        if given. Adds --json/--csv files in the temp dir unless told not to, and -q unless
        quiet=False. Aborts the test on time-out."""
        self.counter += 1
        args = list(args)
        json_path = csv_path = None
        if json_out and "--json" not in args:
            json_path = self.path(f"run{self.counter}.json")
            args += ["--json", json_path]
        if csv_out and "--csv" not in args:
            csv_path = self.path(f"run{self.counter}.csv")
            args += ["--csv", csv_path]
        if quiet and "-q" not in args:
            args.append("-q")
        command = [*wrapper, self.binary, *args]
        started = time.monotonic()
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout_s,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as expired:
            self.last = Outcome(command, None, decode(expired.stdout), decode(expired.stderr),
                                time.monotonic() - started)
            self.require(False, f"barrage finishes within {timeout_s} s")
        outcome = Outcome(command, done.returncode, decode(done.stdout), decode(done.stderr),
                          time.monotonic() - started)
        self.last = outcome
        print(f"ran: {shlex.join(command)} -> exit {done.returncode} "
              f"({outcome.elapsed_s:.2f}s)", flush=True)
        self.check(done.returncode >= 0, f"barrage was not killed by a signal "
                                         f"(exit {done.returncode})")
        self.check_no_sanitizer_report("barrage " + " ".join(args[:1]), outcome.stderr)
        if json_path and os.path.exists(json_path):
            outcome.json = self.load_json(json_path)
        if csv_path and os.path.exists(csv_path):
            with open(csv_path) as f:
                outcome.csv_text = f.read()
        return outcome

    def popen(self, args):
        """Starts barrage without waiting (for signal tests); killed at the end if still up."""
        command = [self.binary, *args]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
        self.processes.append(("barrage run", process))
        print(f"started: {shlex.join(command)}", flush=True)
        return process

    def load_json(self, path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            return json.loads(text)
        except ValueError as error:
            self.require(False, f"{path} is valid JSON ({error}; starts {text[:200]!r})")

    # ---- clean-up -----------------------------------------------------------------------

    def check_no_sanitizer_report(self, name, stderr):
        if any(marker in stderr for marker in SANITIZER_MARKERS):
            self.check(False, f"{name}: no sanitizer report on stderr:\n{indent(stderr[-4000:])}")

    def stop_gracefully(self, process, stderr_path):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            rc = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        stderr = tail(stderr_path, 8000)
        self.check(rc == 0, f"barrage serve exits 0 on SIGTERM (got {rc}; stderr "
                            f"{stderr[-1000:]!r})")
        self.check_no_sanitizer_report("barrage serve", stderr)

    def close(self):
        for process, stderr_path in self.graceful.items():
            self.stop_gracefully(process, stderr_path)
        self.graceful.clear()
        for name, process in reversed(self.processes):
            if process.poll() is None:
                process.kill()  # by pid; each is a process this test started
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                print(f"warning: {name} (pid {process.pid}) did not die", flush=True)
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
        self.processes.clear()
        self.tmp.cleanup()


def tail(path, chars=2000):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-chars:]
    except OSError:
        return ""


def decode(data):
    if data is None:
        return ""
    return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data


def nginx_config(prefix, port, server_block):
    temp = os.path.join(prefix, "temp")
    return f"""daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    default_type text/plain;
    server {{
        listen 127.0.0.1:{port};
        {server_block}
    }}
}}
"""


class RecordingServer:
    """Thread-per-connection server that records raw requests (head + Content-Length body)."""

    def __init__(self, response):
        self.response = response
        self.requests = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
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
                    length = header_content_length(head)
                    while len(rest) < length:
                        chunk = conn.recv(65536)
                        if not chunk:
                            return
                        rest += chunk
                    with self.lock:
                        self.requests.append(head + b"\r\n\r\n" + rest[:length])
                    buffer = rest[length:]
                    conn.sendall(self.response)
            except OSError:
                return

    def close(self):
        self.closed = True
        self.sock.close()


def header_content_length(head):
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip() or 0)
    return 0


# ---- checks shared by many tests ------------------------------------------------------------

def check_accounting(t, result):
    """Relationships every result must satisfy, whatever the target did."""
    requests = result["requests"]
    errors = result["errors"]
    t.check(requests["sent"] == requests["completed"] + requests["errors"] +
            requests["unfinished"],
            f"no request vanishes: sent {requests['sent']} == completed {requests['completed']} "
            f"+ errors {requests['errors']} + unfinished {requests['unfinished']}")
    t.check(errors["total"] == sum(errors[k] for k in ERROR_KINDS),
            f"errors.total {errors['total']} is the sum of the kinds")
    status = result["status"]
    classes = sum(status[k] for k in ("1xx", "2xx", "3xx", "4xx", "5xx", "other"))
    t.check(classes == requests["completed"],
            f"status classes add up to completed ({classes} vs {requests['completed']})")
    t.check(sum(status["codes"].values()) == requests["completed"] - status["other"],
            f"status codes add up to completed ({status['codes']})")
    for name in ("latency", "service_time"):
        t.check(result[name]["count"] == requests["completed"],
                f"{name}.count {result[name]['count']} == completed {requests['completed']}")
    check_latency_against_service_time(t, result)


def check_latency_against_service_time(t, result):
    """Each request's latency starts at its intended send, never after its actual send, so
    every percentile of latency is at least that of service time; in closed loop the two
    start at the same instant and are the same histogram."""
    latency, service = result["latency"], result["service_time"]
    keys = ["min", "p50", "p90", "p99", "p999", "p9999", "max"]
    if result["mode"] == "closed_loop":
        t.check(all(latency[k] == service[k] for k in keys + ["count"]),
                f"closed loop: latency equals service time (latency {latency}, "
                f"service_time {service})")
    else:
        t.check(all(latency[k] >= service[k] for k in keys),
                f"open loop: latency is never below service time (latency {latency}, "
                f"service_time {service})")


HOG = """
import os, sys, time
os.sched_setaffinity(0, {int(sys.argv[1])})
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    pass
"""


class CpuHog:
    """A busy loop pinned to one CPU for at most `seconds` (a with-block ends it sooner), to
    starve a generator run there at nice 19: wrapper=starved_on(cpu)."""

    def __init__(self, cpu, seconds=30):
        self.process = subprocess.Popen([sys.executable, "-c", HOG, str(cpu), str(seconds)])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


def starved_on(cpu):
    """The wrapper that runs barrage on `cpu` at the lowest priority."""
    return ["taskset", "-c", str(cpu), "nice", "-n", "19"]


def start_announcing(t, args, pattern, what):
    """Starts barrage with `args` and reads its stderr until a line matches `pattern` (a compiled
    regex: the address an endpoint announces), for at most START_TIMEOUT_S; returns (process,
    match). `what` is the check that fails when no such line comes. The rest of stderr is
    drained in the background, so the run never blocks on a full pipe."""
    process = t.popen(args)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        line = read_line_until(process.stderr, deadline)
        t.require(line is not None, what)
        found = pattern.search(line)
        if found:
            drain_in_background(process.stderr)
            return process, found


CHROMIUM_TIMEOUT_S = 60


def chromium_binary():
    """The browser the page tests drive; Skip (77) when none is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise Skip("chromium is not installed (apt-get install chromium)")


def chromium(t, browser, url, profile, extra, timeout_s=CHROMIUM_TIMEOUT_S):
    """Headless Chromium on `url` with the flags `extra` (window size, virtual time, --dump-dom,
    --screenshot=...) and a fresh profile in the test's directory named `profile`; returns
    (stdout, stderr) decoded. It runs in its own session, killed with it after `timeout_s` (Skip):
    nothing is left running. Skip when it cannot start here (exit status not 0)."""
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-extensions", "--disable-background-networking",
               f"--user-data-dir={t.path(profile)}", *extra, url]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its renderers and helpers too
        process.communicate()
        raise Skip(f"chromium did not finish within {timeout_s}s")
    if process.returncode != 0:
        raise Skip(f"chromium cannot start here (exit {process.returncode}): "
                   f"{decode(err)[-500:]!r}")
    return decode(out), decode(err)


def metrics_endpoint(text_for):
    """A Prometheus text endpoint on loopback: scrape N (1-based) answers text_for(N).
    Returns (server, url, scrapes), scrapes being the paths requested so far."""
    scrapes = []

    class Metrics(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            scrapes.append(self.path)
            body = text_for(len(scrapes)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/metrics", scrapes


def exits_with(t, outcome, code, what):
    return t.check(outcome.rc == code, f"{what}: exit {code} (got {outcome.rc})")


def main(doc, body):
    """Runs `body(Test)` for the binary named in argv[1] and exits 0, 1 or 77."""
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BARRAGE_BINARY\n\n{doc}")
    print((doc or "").strip(), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # meson's time-out: still clean up
    t = Test(os.path.abspath(sys.argv[1]))
    skipped = None
    try:
        body(t)
    except Skip as skip:
        skipped = str(skip)
    except Abort:
        pass
    except Exception as error:  # a bug in the test or an unexpected output shape
        t.failures.append(f"unexpected {type(error).__name__}: {error!r}")
        traceback.print_exc()
        if t.last is not None and not t.last.shown:
            print(t.last.describe(), flush=True)
    finally:
        t.close()
    if t.failures:
        print(f"{len(t.failures)} check(s) failed:", flush=True)
        for what in t.failures:
            print(f"  - {what}", flush=True)
        sys.exit(1)
    if skipped is not None:
        print(f"SKIP: {skipped}", flush=True)
        sys.exit(EXIT_SKIP)
    print("all checks passed", flush=True)
    sys.exit(0)


# Runs ARGV, then writes its peak RSS in KiB to OUT. A wrapper of its own because a child of
# the test process would count the test's memory at fork in its ru_maxrss.
_PEAK_RSS_LAUNCHER = """
import os, resource, signal, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status = os.waitpid(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def peak_rss_wrapper(t, name, address_space_bytes):
    """A `wrapper` for Test.run that caps the address space (a regression then fails fast
    instead of pressing the machine into the OOM killer) and measures the peak RSS; returns
    (wrapper, read) where read() gives the peak in MiB after the run."""
    out = t.path(f"{name}.peak_rss_kib")
    launcher = t.path("peak_rss.py")
    with open(launcher, "w") as f:
        f.write(_PEAK_RSS_LAUNCHER)
    wrapper = (sys.executable, launcher, out, "prlimit", f"--as={address_space_bytes}", "--")

    def read():
        with open(out) as f:
            return int(f.read()) / 1024
    return wrapper, read
