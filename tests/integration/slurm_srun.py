#!/usr/bin/env python3
"""The one-node Slurm cluster of slurm_cluster.py works and leaves nothing behind: munged,
slurmctld and slurmd start from a config in the temp dir, `srun -n 4` runs four tasks that see
SLURM_PROCID 0..3 and SLURM_NTASKS 4 (what `barrage run --shard auto` reads), and stopping the
cluster, even while a job step is still running, leaves no daemon and no slurmstepd alive.
Skips when slurm-wlm or munge is not installed (except in CI, CI=true, which installs them) or
when not root (slurmd starts tasks as their user)."""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness
import slurm_cluster


def require_slurm():
    """Skips (or, in CI, fails) when the Slurm or munge programs are missing."""
    missing = slurm_cluster.missing_programs()
    if not missing:
        not_root = slurm_cluster.must_run_as_root()
        if not_root:
            raise harness.Skip(not_root)
        return
    reason = f"{' '.join(missing)} not installed (apt-get install slurm-wlm munge)"
    if slurm_cluster.must_run_in_ci():
        raise AssertionError(f"CI installs Slurm (scripts/install-deps.sh), yet {reason}")
    raise harness.Skip(reason)


def started_cluster(t, name):
    """A started cluster under the test's temp dir; aborts the test with its logs if not."""
    cluster = slurm_cluster.SlurmCluster(t.path(name))
    try:
        cluster.start()
    except slurm_cluster.ClusterError as error:
        t.require(False, f"the Slurm cluster starts:\n{harness.indent(str(error))}")
    return cluster


def check_tasks(t, cluster):
    done = cluster.srun(["-n", "4", "--overcommit", "printenv", "SLURM_PROCID", "SLURM_NTASKS"])
    t.require(done.returncode == 0, f"srun -n 4 printenv exits 0 (got {done.returncode}; "
                                    f"{done.stderr[-1500:]!r})")
    lines = done.stdout.split()
    ranks = sorted(int(v) for v in lines[0::2])
    t.check(ranks == [0, 1, 2, 3], f"the four tasks are SLURM_PROCID 0..3 (got {lines})")
    t.check(set(lines[1::2]) == {"4"}, f"every task sees SLURM_NTASKS=4 (got {lines})")


def check_stop_mid_step(t, cluster):
    """A job step still running when the cluster stops is killed with it."""
    marker = t.path("step-started")
    step = cluster.srun_background(["-n", "2", "--overcommit", "sh", "-c",
                                    f"touch {marker}; exec sleep 60"])
    deadline = time.monotonic() + 30
    while not os.path.exists(marker) and time.monotonic() < deadline and step.poll() is None:
        time.sleep(0.1)
    t.check(os.path.exists(marker), "a long job step starts")


def body(t):
    require_slurm()
    cluster = started_cluster(t, "slurm")
    try:
        check_tasks(t, cluster)
        check_stop_mid_step(t, cluster)
    finally:
        survivors = cluster.stop()
    t.check(not survivors, f"stopping the cluster mid-step leaves nothing running "
                           f"(left: {survivors})")
    again = started_cluster(t, "slurm-again")
    try:
        check_tasks(t, again)
    finally:
        survivors = again.stop()
    t.check(not survivors, f"a second cluster starts and stops cleanly (left: {survivors})")


if __name__ == "__main__":  # slurm_shards imports the helpers above
    harness.main(__doc__, body)
