#!/usr/bin/env python3
"""deploy/ works as written (issue 12). Kubernetes: the manifests parse (python3-yaml), the
shard Job is Indexed with parallelism = completions = the ConfigMap's SHARDS and is never
retried, both Jobs read the ConfigMap and share the results volume; then the Jobs' own shell
commands run here, as the pods would (JOB_COMPLETION_INDEX 0..N-1, the ConfigMap's keys in the
environment, /results a temp dir) against `barrage serve`: the shards send the whole schedule
exactly and merge gates it. Slurm: deploy/slurm/barrage.sbatch runs under `sbatch --wait` in
the one-node cluster of slurm_cluster.py, and the job's exit status is merge's verdict.
Skips without python3-yaml or Slurm, except in CI (CI=true), which installs them."""

import os
import shlex
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness
import slurm_cluster
from slurm_srun import require_slurm, started_cluster

ROOT = os.path.dirname(os.path.dirname(harness.HERE))
KUBERNETES = os.path.join(ROOT, "deploy", "kubernetes")
SBATCH = os.path.join(ROOT, "deploy", "slurm", "barrage.sbatch")
MANIFESTS = ("configmap.yaml", "results-pvc.yaml", "shards-job.yaml", "merge-job.yaml")
RATE, SECONDS, SHARDS = 400, 1, 2  # small: the point is the recipe, not the load
FAILING = "--threshold 'p50 < 1us'"  # no latency is below 1 us: merge exits 1


def load_manifests(t):
    try:
        import yaml
    except ImportError:
        if slurm_cluster.must_run_in_ci():
            raise AssertionError("CI installs python3-yaml (scripts/install-deps.sh)")
        raise harness.Skip("python3-yaml is not installed")
    docs = {}
    for name in MANIFESTS:
        with open(os.path.join(KUBERNETES, name)) as f:
            docs[name] = yaml.safe_load(f)
        t.check(isinstance(docs[name], dict) and "kind" in docs[name], f"{name} parses")
    return docs


def container(job):
    return job["spec"]["template"]["spec"]["containers"][0]


def check_manifests(t, docs):
    config = docs["configmap.yaml"]
    keys = set(config["data"])
    t.check(keys == {"URL", "RUN_ARGS", "SHARDS", "START_AT", "MERGE_ARGS"},
            f"the ConfigMap has the keys the Jobs read ({sorted(keys)})")
    shards = docs["shards-job.yaml"]
    spec = shards["spec"]
    count = int(config["data"]["SHARDS"])
    t.check(spec["completionMode"] == "Indexed", "the shard Job is an Indexed Job")
    t.check(spec["completions"] == spec["parallelism"] == count,
            f"parallelism = completions = SHARDS = {count} ({spec['completions']}, "
            f"{spec['parallelism']})")
    t.check(spec["backoffLimit"] == 0 and spec["template"]["spec"]["restartPolicy"] == "Never",
            "a failed shard is never retried (it would start late)")
    claim = docs["results-pvc.yaml"]["metadata"]["name"]
    for name in ("shards-job.yaml", "merge-job.yaml"):
        job = docs[name]
        c = container(job)
        t.check(c["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}],
                f"{name} reads the ConfigMap")
        volumes = job["spec"]["template"]["spec"]["volumes"]
        t.check(volumes[0]["persistentVolumeClaim"]["claimName"] == claim and
                c["volumeMounts"][0]["mountPath"] == "/results",
                f"{name} mounts {claim} at /results")
    shard_command = container(shards)["args"][0]
    for flag in ("--shard auto", "--shards", "--start-at", "{shard}"):
        t.check(flag in shard_command, f"the shard command has {flag}")


def fake_bin(t):
    """A directory whose `barrage` is the binary under test (the pods call it by name)."""
    bin_dir = t.path("bin")
    os.makedirs(bin_dir, exist_ok=True)
    link = os.path.join(bin_dir, "barrage")
    if not os.path.exists(link):
        os.symlink(t.binary, link)
    return bin_dir


def pod_env(t, data):
    env = dict(os.environ, PATH=fake_bin(t) + ":" + os.environ.get("PATH", ""))
    env.update(data)
    return env


def run_kubernetes_commands(t, docs, server):
    """Runs the two Jobs' commands as their pods would, /results being a temp dir."""
    results = t.path("k8s-results")
    os.makedirs(results)
    data = {"URL": server.url("/"), "RUN_ARGS": f"-r {RATE} -d {SECONDS}s -c 8 -t 1",
            "SHARDS": str(SHARDS), "START_AT": str(int(time.time()) + 2), "MERGE_ARGS": FAILING}
    shard_command = container(docs["shards-job.yaml"])["args"][0].replace("/results", results)
    pods = []
    for index in range(SHARDS):
        env = pod_env(t, data)
        env["JOB_COMPLETION_INDEX"] = str(index)
        for name in [n for n in env if n.startswith("SLURM_")]:
            del env[name]  # a surrounding Slurm job must not win over the Job's index
        pods.append(subprocess.Popen(["/bin/sh", "-c", shard_command], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True))
        t.processes.append((f"shard pod {index}", pods[-1]))
    for index, pod in enumerate(pods):
        out = pod.communicate(timeout=60)[0].decode(errors="replace")
        t.check(pod.returncode == 0, f"shard pod {index} exits 0 (got {pod.returncode}: "
                                     f"{out[-1500:]!r})")
    merge_command = container(docs["merge-job.yaml"])["args"][0].replace("/results", results)
    merge = subprocess.run(["/bin/sh", "-c", merge_command], env=pod_env(t, data),
                           capture_output=True, text=True, timeout=60)
    t.check(merge.returncode == 1, f"the merge Job fails on its failing threshold: exit 1 "
                                   f"(got {merge.returncode}; {merge.stderr[-1500:]!r})")
    check_results(t, results, "kubernetes")


def check_results(t, results, source):
    """The shards' files and the merged ones are there; the whole schedule was sent."""
    shards = [t.load_json(os.path.join(results, f"out-{i}.json")) for i in range(1, SHARDS + 1)
              if os.path.exists(os.path.join(results, f"out-{i}.json"))]
    t.require(len(shards) == SHARDS, f"{source}: every shard wrote out-N.json "
                                     f"({sorted(os.listdir(results))})")
    t.check({s["shard"]["source"] for s in shards} == {source},
            f"--shard auto read the {source} environment")
    for name in ("all.json", "all.html", "all.csv"):
        t.check(os.path.exists(os.path.join(results, name)), f"{source}: merge wrote {name}")
    merged = t.load_json(os.path.join(results, "all.json"))
    requests = merged["requests"]
    t.check(requests["scheduled"] == RATE * SECONDS and requests["sent"] == RATE * SECONDS,
            f"{source}: the merged run scheduled and sent the whole {RATE * SECONDS} "
            f"({requests['scheduled']}, {requests['sent']})")


def run_sbatch(t, server):
    cluster = started_cluster(t, "slurm")
    results = t.path("sbatch-results")
    try:
        env = dict(cluster.env, BARRAGE=t.binary, RESULTS=results, START_DELAY_S="2")
        command = ["sbatch", "--wait", "--nodes=1", f"--ntasks={SHARDS}",
                   f"--ntasks-per-node={SHARDS}", "--overcommit", f"--chdir={t.tmp.name}",
                   f"--output={t.path('sbatch.out')}", SBATCH, server.url("/"), "-r",
                   str(RATE), "-d", f"{SECONDS}s", "-c", "8", "-t", "1", "--",
                   *shlex.split(FAILING)]
        print(f"running: {shlex.join(command)}", flush=True)
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    finally:
        survivors = cluster.stop()
    t.check(not survivors, f"the Slurm cluster stops and leaves nothing (left: {survivors})")
    log = harness.tail(t.path("sbatch.out"), 3000)
    t.check(done.returncode == 1, f"sbatch --wait barrage.sbatch exits 1, merge's verdict on "
                                  f"its failing threshold (got {done.returncode}; "
                                  f"{done.stderr[-800:]!r}; job output {log!r})")
    check_results(t, results, "slurm")


def body(t):
    docs = load_manifests(t)
    check_manifests(t, docs)
    server = t.serve()
    run_kubernetes_commands(t, docs, server)
    syntax = subprocess.run(["bash", "-n", SBATCH], capture_output=True, text=True)
    t.check(syntax.returncode == 0, f"barrage.sbatch is valid bash ({syntax.stderr!r})")
    require_slurm()
    run_sbatch(t, server)


harness.main(__doc__, body)
