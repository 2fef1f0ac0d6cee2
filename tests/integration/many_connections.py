#!/usr/bin/env python3
"""30,000 connections on one worker start and carry requests: the worker's io_uring is sized by
what it can have outstanding and clamped to the kernel's maximum (asking for more than 65,536
completion entries once failed with "cannot create io_uring: Invalid argument" past ~15,850
connections). Needs a file descriptor per connection in each process and a loopback port per
connection: raises RLIMIT_NOFILE as far as it may and, where the hard limit stays lower, uses
as many connections as it allows. Runs itself in a fresh network namespace where it can (root),
with the widest port range and none of the machine's other sockets (on a shared, busy test
machine 19,000 connects were once seen taking over 40 s in the kernel's local-port search,
inside the worker's io_uring_enter). Elsewhere it runs if the local port range is wide enough.
Skips (77) where fewer than 16,000 connections fit, which could not show the old failure."""

import os
import resource
import shutil
import signal
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

CONNECTIONS_WANTED = 30_000
CONNECTIONS_MIN = 16_000  # past the ~15,850 where the ring used to be refused
FDS_SPARE = 1_000  # besides the sockets: files, pipes, the ring, the server's listener
PORT_RANGE = "/proc/sys/net/ipv4/ip_local_port_range"
IN_NAMESPACE = "BARRAGE_TEST_IN_NETNS"


def raise_fd_limit():
    """Raises this process's fd limit (inherited by barrage and its server) as far as it may;
    returns the connections that fit in it."""
    wanted = CONNECTIONS_WANTED + FDS_SPARE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        try:  # above the hard limit only with CAP_SYS_RESOURCE
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, max(hard, wanted)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return min(CONNECTIONS_WANTED, soft - FDS_SPARE)


def local_ports():
    with open(PORT_RANGE) as f:
        low, high = (int(v) for v in f.read().split())
    return high - low + 1


def widen_ports_in_namespace():
    """Inside the fresh namespace: loopback up, the widest port range (both are per namespace)."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    with open(PORT_RANGE, "w") as f:
        f.write("1024 65535\n")


def rerun_in_namespace():
    """Runs this test again in a new network namespace (only loopback, its own ports); returns
    its exit status, or None when no namespace can be made here."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if os.geteuid() != 0 or unshare is None or ip is None:
        return None
    probe = subprocess.run([unshare, "--net", "true"], capture_output=True, timeout=10)
    if probe.returncode != 0:
        return None
    env = dict(os.environ, **{IN_NAMESPACE: "1"})
    # unshare execs python: the child is the test itself, which cleans up on SIGTERM.
    child = subprocess.Popen([unshare, "--net", "--", sys.executable, *sys.argv], env=env)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        return child.wait(timeout=200)
    except subprocess.TimeoutExpired:
        child.terminate()
        return child.wait(timeout=30)


def body(t):
    connections = raise_fd_limit()
    if connections < CONNECTIONS_MIN:
        raise harness.Skip(f"RLIMIT_NOFILE allows only {connections} connections")
    if connections < CONNECTIONS_WANTED:
        print(f"note: RLIMIT_NOFILE cannot be raised far enough for {CONNECTIONS_WANTED}: "
              f"{connections} connections", flush=True)
    if os.environ.get(IN_NAMESPACE):
        widen_ports_in_namespace()
    if local_ports() < connections + 100:
        raise harness.Skip(f"only {local_ports()} local ports ({PORT_RANGE})")
    server = t.serve("--threads", "1")
    # A long --timeout: on a busy machine thousands of connects can take seconds of kernel time.
    outcome = t.run(["run", server.url(), "-c", str(connections), "-t", "1", "-d", "3s",
                     "--timeout", "30s"], timeout_s=120)
    refused = [line for line in outcome.output.splitlines() if "could not start" in line]
    t.check(not refused, f"the worker starts ({refused})")
    harness.exits_with(t, outcome, 0, f"{connections} connections on one worker")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    harness.check_accounting(t, result)
    opened = result["connections"]
    t.check(opened["established_max"] == connections,
            f"all {connections} connections were open at once ({opened})")
    t.check(result["requests"]["completed"] > 0, f"requests completed ({result['requests']})")
    t.check(result["errors"]["total"] == 0, f"no errors ({result['errors']})")


def main():
    if not os.environ.get(IN_NAMESPACE) and len(sys.argv) == 2:
        status = rerun_in_namespace()
        if status is not None:
            sys.exit(status)
    harness.main(__doc__, body)


main()
