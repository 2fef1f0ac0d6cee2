#!/usr/bin/env python3
"""benchmarks/scale.sh, the many-cores benchmark, as far as any machine can run it. Bad settings
(a WORKERS list that does not start at 1 or does not ascend, a duration that is not a number)
exit 2 with the variable named, before anything starts. A table asking for more cores than any
machine has (WORKERS="1 4096") runs the 1-worker row and wrk's in one invocation (1 s, one
run), prints both rows with their figures and the goal line, refuses the other row naming the
cores it needs, exits 77 (documented: rows skipped for want of cores) and leaves no nginx
behind. nginx_target.sh's several-workers mode (nginx_workers, server_cpus) serves the page
from a master and one pinned worker per CPU. Skips (77) without nginx or wrk."""

import os
import re
import shutil
import signal
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

ROOT = os.path.dirname(os.path.dirname(harness.HERE))
SCRIPT = os.path.join(ROOT, "benchmarks", "scale.sh")
TIMEOUT_S = 90


def run_script(t, env_extra, command=("bash", SCRIPT)):
    """Runs `command` with `env_extra` in its own session (killed with it on a time-out)."""
    env = dict(os.environ, **env_extra)
    process = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, env=env, cwd=ROOT,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        t.require(False, f"{command[-1]} finishes within {TIMEOUT_S} s")
    print(f"ran: {env_extra} {' '.join(command)} -> exit {process.returncode}\n"
          f"stdout:\n{harness.indent(harness.decode(out))}\n"
          f"stderr:\n{harness.indent(harness.decode(err))}", flush=True)
    return process.returncode, harness.decode(out), harness.decode(err)


def check_bad_settings(t):
    for env, named in (({"WORKERS": "2 4"}, "WORKERS must start at 1"),
                       ({"WORKERS": "1 4 2"}, "WORKERS must ascend"),
                       ({"DURATION": "10s"}, "DURATION must be a whole number")):
        rc, out, err = run_script(t, dict(env, BARRAGE=t.binary))
        t.check(rc == 2 and named in err and out == "",
                f"{env}: exit 2 saying '{named}', nothing run (exit {rc})")


def nginx_pids():
    return {p for p in os.listdir("/proc") if p.isdigit() and
            os.path.exists(f"/proc/{p}/comm") and open(f"/proc/{p}/comm").read().strip() == "nginx"}


def check_one_worker_row(t):
    before = nginx_pids()
    rc, out, err = run_script(t, {"BARRAGE": t.binary, "WORKERS": "1 4096", "NGINX_CORES": "1",
                                  "DURATION": "1", "RUNS": "1"})
    t.check(rc == 77, f"rows skipped for want of cores: exit 77 (got {rc})")
    t.check("needs: 4097 physical cores" in out, "it says how many cores the table needs")
    for tool in ("wrk", "barrage"):
        row = re.search(rf"^{tool}\s+1\s+256\s+(\d+)\s+(\d+)\s+(\S+)\s+([\d.]+)\s+([\d.]+)", out,
                        re.M)
        t.check(row is not None and int(row.group(1)) > 0 and float(row.group(4)) > 0,
                f"the {tool} row: 1 worker, 256 connections, req/s and CPU per 100k > 0")
        if tool == "barrage" and row:
            t.check(row.group(3) == "1.00", "the 1-worker row is linear with itself")
    t.check(re.search(r"^goal: 1 worker / wrk req/s = [\d.]+ \(>= 1\.5\)$", out, re.M) is not None,
            "the goal line against wrk")
    t.check(re.search(r"^barrage\s+4096\b", out, re.M) is None, "no 4096-worker row")
    t.check("rows 4096 skipped: they need 4097 physical cores (4096 for barrage's workers, "
            "1 for nginx's)" in err, "the refusal names the row and the cores it needs")
    t.check(nginx_pids() <= before, "no nginx left running")


def check_nginx_workers(t):
    cpus = sorted(os.sched_getaffinity(0))[:2]
    if len(cpus) < 2:
        return  # one CPU: the several-workers mode has nothing to spread over
    probe = ('. benchmarks/nginx_target.sh; curl -sf "$url" | wc -c; '
             'for p in $(pgrep -P "$nginx_pid"); do taskset -pc "$p"; done')
    rc, out, _ = run_script(t, {"nginx_workers": "2", "server_cpus": f"{cpus[0]} {cpus[1]}"},
                            ("bash", "-c", probe))
    pinned = re.findall(r"current affinity list: (\d+)$", out, re.M)
    t.check(rc == 0 and out.split()[0] == "128", "two nginx workers serve the 128-byte page")
    t.check(sorted(map(int, pinned)) == cpus, f"one worker pinned to each CPU ({pinned})")


def body(t):
    for tool in ("/usr/sbin/nginx", "wrk", "/usr/bin/time", "taskset"):
        if not shutil.which(tool):
            raise harness.Skip(f"{tool} is not installed (scripts/install-deps.sh test)")
    check_bad_settings(t)
    check_one_worker_row(t)
    check_nginx_workers(t)


if __name__ == "__main__":
    harness.main(__doc__, body)
