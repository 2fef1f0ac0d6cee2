"""A one-node Slurm cluster on loopback, from Debian's packages (slurm-wlm, munge), for tests
and benchmarks (stdlib only).

`SlurmCluster(directory)` writes a munge key, slurm.conf and cgroup.conf into `directory`,
starts munged, slurmctld and slurmd in the foreground, each in its own process group, and waits
until `sinfo` shows the node idle. Nothing touches /etc, /run or /var: every path (sockets,
pid files, logs, state, spool) is under `directory`, and every port is a free loopback port,
so a test run next to a real Slurm installation disturbs nothing. `stop()` stops the daemons
(SIGTERM, then SIGKILL after a deadline), waits for them and for every slurmstepd they left,
and says what, if anything, survived. Use it as a context manager so it stops on any failure.

The configuration avoids what a container lacks: no cgroups (proctrack/linuxproc,
task/none, jobacct_gather/none, and a cgroup.conf that keeps slurmd's own cgroup plugin
inert), no accounting daemon, no systemd, no DNS (the node is "localhost" at 127.0.0.1). The
daemons run as root (slurmd starts tasks as their user; the tests skip when not root, CI runs
them as root) and die with the process that started them, even a SIGKILLed one (setpriv
--pdeathsig).

Run directly (`python3 slurm_cluster.py`) it starts a cluster, runs `srun -n 4 hostname` and
`srun -n 4 printenv SLURM_PROCID`, and stops it: a smoke test of this machine.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("srun", "sinfo", "scontrol")
START_TIMEOUT_S = 60.0  # slurmctld + slurmd + first registration; ~2 s on a quiet machine
STOP_TIMEOUT_S = 15.0
NODE = "localhost"


class ClusterError(Exception):
    """The cluster did not start (the message says which daemon and quotes its log)."""


def missing_programs():
    """The Slurm and munge programs that are not installed (empty when all are)."""
    return [name for name in DAEMONS + CLIENTS
            if shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None]


def must_run_as_root():
    """slurmd starts each task as the user who submitted it, which needs root; tests run as
    root in CI. Returns the reason to skip, or None."""
    if os.geteuid() != 0:
        return "slurmd needs root to start tasks (run the suite as root, as CI does)"
    return None


def must_run_in_ci():
    """CI installs slurm-wlm and munge (scripts/install-deps.sh), so there a missing program is
    a failure, not a skip."""
    return os.environ.get("CI", "") not in ("", "0", "false")


def free_ports(count):
    """`count` distinct loopback ports nothing listens on now (all bound at once, released)."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            socks.append(sock)
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def program(name):
    found = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if found is None:
        raise ClusterError(f"{name} is not installed (apt-get install slurm-wlm munge)")
    return found


def slurm_conf(d, ports, cpus, user):
    """slurm.conf for one node on loopback. `d` is the cluster directory."""
    ctld_port, slurmd_port = ports
    return f"""# Written by tests/integration/slurm_cluster.py: a one-node cluster on loopback.
ClusterName=barrage-test
SlurmctldHost={NODE}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser={user}
SlurmdUser={user}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={d}/munge.socket
StateSaveLocation={d}/ctld-state
SlurmdSpoolDir={d}/slurmd-spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
# The node is what this file says, whatever slurmd counts (a container's cpuset, hwloc's view):
# a count below the configured one would otherwise drain the node.
SlurmdParameters=config_overrides
MailProg=/bin/true
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName={NODE} NodeAddr=127.0.0.1 NodeHostname={NODE} CPUs={cpus} State=UNKNOWN
PartitionName=debug Nodes={NODE} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
"""


def cgroup_conf(slurm_version):
    """cgroup.conf that keeps slurmd away from cgroups. No plugin here uses them
    (proctrack/linuxproc, task/none), yet slurmd loads a cgroup plugin at start, and the one
    autodetected on a cgroup v2 host wants systemd over D-Bus to create a scope, which a
    container lacks ("cannot connect to dbus system daemon", slurmd exits). Slurm 23.02 and
    later accept "disabled"; before, cgroup/v1's init touches nothing (it mounts and creates
    only when a cgroup plugin asks), so naming it is safe on a v2 host too."""
    plugin = "disabled" if slurm_version >= (23, 2) else "cgroup/v1"
    return f"""# Written by tests/integration/slurm_cluster.py: nothing is constrained.
CgroupPlugin={plugin}
ConstrainCores=no
ConstrainRAMSpace=no
ConstrainSwapSpace=no
ConstrainDevices=no
"""


def slurm_version():
    """(major, minor) of the installed slurmd ("slurm-wlm 22.05.8" gives (22, 5))."""
    done = subprocess.run([program("slurmd"), "-V"], capture_output=True, text=True, timeout=10)
    words = (done.stdout or done.stderr).split()
    try:
        major, minor = words[-1].split(".")[:2]
        return int(major), int(minor)
    except (IndexError, ValueError):
        raise ClusterError(f"slurmd -V says {done.stdout + done.stderr!r}, not a version")


class SlurmCluster:
    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        self.conf = os.path.join(self.dir, "slurm.conf")
        self.daemons = []  # (name, Popen), each the leader of its own process group
        self.clients = []  # background sruns, each the leader of its own process group
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        for name in list(self.env):
            # A surrounding Slurm job's variables would steer srun into the wrong cluster.
            if name.startswith(("SLURM_", "SRUN_", "SBATCH_", "SALLOC_")) and name != "SLURM_CONF":
                del self.env[name]

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # ---- start ----------------------------------------------------------------------------

    def start(self):
        try:
            self._write_files()
            self._start_munged()
            self._start("slurmctld", [program("slurmctld"), "-D", "-f", self.conf])
            self._start("slurmd", [program("slurmd"), "-D", "-N", NODE, "-f", self.conf])
            self._wait_idle()
        except BaseException:
            self.stop()
            raise

    def _write_files(self):
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        os.chmod(self.dir, 0o700)  # munged refuses a socket or key in a world-writable directory
        for sub in ("ctld-state", "slurmd-spool"):
            os.makedirs(os.path.join(self.dir, sub), mode=0o700, exist_ok=True)
        key = os.path.join(self.dir, "munge.key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            f.write(os.urandom(1024))
        user = pwd.getpwuid(os.geteuid()).pw_name
        with open(self.conf, "w") as f:
            f.write(slurm_conf(self.dir, free_ports(2), len(os.sched_getaffinity(0)), user))
        with open(os.path.join(self.dir, "cgroup.conf"), "w") as f:
            f.write(cgroup_conf(slurm_version()))

    def _start(self, name, command):
        # The daemon dies with this process even when it is SIGKILLed (a test runner's
        # time-out) and never gets to stop() the cluster: setpriv sets the parent-death signal
        # and execs the daemon, so the pid and process group stay the daemon's.
        setpriv = shutil.which("setpriv")
        if setpriv:
            command = [setpriv, "--pdeathsig", "KILL", "--", *command]
        log = open(os.path.join(self.dir, f"{name}.stderr"), "wb")
        try:
            process = subprocess.Popen(command, env=self.env, stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True, cwd=self.dir)
        finally:
            log.close()
        self.daemons.append((name, process))
        return process

    def _start_munged(self):
        d = self.dir
        self._start("munged", [program("munged"), "--foreground", "--force",
                               f"--socket={d}/munge.socket", f"--key-file={d}/munge.key",
                               f"--pid-file={d}/munged.pid", f"--log-file={d}/munged.log",
                               f"--seed-file={d}/munged.seed"])
        self._wait_for(lambda: os.path.exists(f"{d}/munge.socket"), "munged", "its socket")

    def _wait_idle(self):
        def idle():
            done = subprocess.run([program("sinfo"), "-h", "-n", NODE, "-o", "%T"],
                                  env=self.env, capture_output=True, text=True, timeout=10)
            self.last_state = done.stdout.strip() or done.stderr.strip()
            return done.returncode == 0 and self.last_state == "idle"
        self.last_state = ""
        self._wait_for(idle, "slurmd", "the node idle in sinfo")

    def _wait_for(self, ready, name, what):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            for daemon, process in self.daemons:
                if process.poll() is not None:
                    raise ClusterError(f"{daemon} exited with {process.returncode} while "
                                       f"waiting for {what}\n{self.logs()}")
            try:
                if ready():
                    return
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.2)
        raise ClusterError(f"{name}: no {what} after {START_TIMEOUT_S:.0f} s "
                           f"(last sinfo: {getattr(self, 'last_state', '')!r})\n{self.logs()}")

    # ---- use ------------------------------------------------------------------------------

    def srun(self, args, timeout_s=60, cwd=None):
        """Runs `srun ARGS` (a list) in this cluster; returns the CompletedProcess (text)."""
        return subprocess.run([program("srun"), *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout_s, stdin=subprocess.DEVNULL, cwd=cwd)

    def srun_background(self, args):
        """Starts `srun ARGS` without waiting; stop() kills it if it is still running."""
        process = subprocess.Popen([program("srun"), *args], env=self.env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        self.clients.append(process)
        return process

    def logs(self, chars=1500):
        """The tail of every daemon's log, for a failure message."""
        parts = []
        for name in ("munged.log", "slurmctld.log", "slurmd.log", "munged.stderr",
                     "slurmctld.stderr", "slurmd.stderr"):
            path = os.path.join(self.dir, name)
            try:
                with open(path, errors="replace") as f:
                    text = f.read()[-chars:]
            except OSError:
                continue
            if text.strip():
                parts.append(f"--- {name} (tail)\n{text}")
        return "\n".join(parts)

    # ---- stop -----------------------------------------------------------------------------

    def stop(self):
        """Stops slurmd, slurmctld, munged (in that order), each by its process group; then
        kills any slurmstepd of this cluster still running. Returns the survivors (a list of
        "name pid" strings; empty when nothing is left)."""
        for process in self.clients:
            signal_group(process, signal.SIGKILL)  # an srun still waiting on its step
            process.wait()
        self.clients = []
        for name, process in reversed(self.daemons):
            signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                signal_group(process, signal.SIGKILL)
                try:
                    process.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    pass
        groups = [process.pid for _, process in self.daemons]
        for pid in self.leftovers(groups):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while self.leftovers(groups) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [f"{name} {process.pid}" for name, process in self.daemons
                     if process.poll() is None]
        survivors += [f"pid {pid}" for pid in self.leftovers(groups)]
        self.daemons = []
        return survivors

    def leftovers(self, groups):
        """Processes still alive that belong to this cluster: in a daemon's process group, or
        a slurmstepd/munged/slurm daemon whose environment names this cluster's slurm.conf."""
        found = []
        marker = f"SLURM_CONF={self.conf}".encode()
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            pid = int(entry)
            try:
                if os.getpgid(pid) in groups:
                    found.append(pid)
                    continue
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if marker in f.read().split(b"\0"):
                        found.append(pid)
            except (OSError, ProcessLookupError):
                continue
        return [pid for pid in found if is_alive(pid)]


def is_alive(pid):
    """True for a process that is running (a zombie awaiting its parent is not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def signal_group(process, sig):
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)  # the daemon's own group: it and its children
    except ProcessLookupError:
        pass


def smoke():
    """Starts a cluster, runs two sruns, stops it; exits 0 when all went well."""
    missing = missing_programs()
    if missing:
        sys.exit(f"missing: {' '.join(missing)} (apt-get install slurm-wlm munge)")
    with tempfile.TemporaryDirectory(prefix="barrage-slurm-") as d:
        cluster = SlurmCluster(d)
        started = time.monotonic()
        try:
            cluster.start()
            print(f"cluster up in {time.monotonic() - started:.1f} s", flush=True)
            for args in (["-n", "4", "--overcommit", "hostname"],
                         ["-n", "4", "--overcommit", "printenv", "SLURM_PROCID", "SLURM_NTASKS"]):
                done = cluster.srun(args)
                print(f"srun {' '.join(args)} -> {done.returncode}\n{done.stdout}{done.stderr}",
                      flush=True)
        finally:
            survivors = cluster.stop()
        print(f"stopped; left running: {survivors or 'nothing'}")
        sys.exit(1 if survivors else 0)


if __name__ == "__main__":
    smoke()
