#!/usr/bin/env python3
"""The static build (-Dstatic=true) needs nothing from the system but what it names (stdlib only).

Usage: static_binary.py BARRAGE_BINARY
The static binary is $BARRAGE_STATIC (scripts/test.sh builds build-static/barrage), or
BARRAGE_BINARY itself when that is static; skipped when there is none. Checks: a fully static
build (-Dsimdjson_source) asks for no program interpreter and `ldd` agrees; a partly static one
(Debian ships no libsimdjson.a) names no shared library beyond simdjson, libstdc++, libgcc_s and
glibc's. Then, in a new mount namespace whose root holds nothing but the binary, those libraries
and /etc/hosts, `--version` says static (or partly static),
and a one-second run reaches `barrage serve` started outside on loopback, by address and by a
name from /etc/hosts.
"""

import os
import shutil
import struct
import subprocess

import harness

PT_INTERP = 3


def is_static(path):
    """True when the ELF file has no PT_INTERP (no dynamic loader, so no shared library)."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            return False
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            kind, = struct.unpack("<I", f.read(4))
            if kind == PT_INTERP:
                return False
    return True


def static_binary(t):
    candidate = os.environ.get("BARRAGE_STATIC", "")
    if candidate and os.path.isfile(candidate):
        return candidate
    if is_static(t.binary):
        return t.binary
    raise harness.Skip("no static build: set BARRAGE_STATIC or build with -Dstatic=true "
                       "(scripts/build.sh --static)")


# What a partly static build may still load: Debian ships simdjson only as a shared library,
# which needs libstdc++ and libgcc_s; glibc's own libraries and the loader.
PARTLY_STATIC_ALLOWED = ("linux-vdso.so", "libsimdjson.so", "libstdc++.so", "libgcc_s.so",
                         "libm.so", "libc.so", "ld-linux-x86-64.so")


def shared_libraries(binary):
    """(name, path) of each library ldd says the binary loads (the vDSO has no path)."""
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True)
    found = []
    for line in ldd.stdout.splitlines():
        parts = line.split()
        if not parts:
            continue
        if "=>" in parts:
            path = parts[parts.index("=>") + 1]
            found.append((parts[0], path if path.startswith("/") else ""))
        else:
            found.append((os.path.basename(parts[0]), parts[0] if parts[0].startswith("/")
                          else ""))
    return found


def copy_libraries(root, libraries):
    """Places each library at its own path under root (the loader looks there)."""
    for _, path in libraries:
        if not path:
            continue
        target = os.path.join(root, path.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.realpath(path), target)


def in_empty_root(t, root, args, timeout_s=30):
    """Runs /barrage ARGS with `root` as /, in a new mount namespace (as root, or mapped to
    root in a new user namespace otherwise). Skips when the kernel refuses namespaces."""
    unshare = shutil.which("unshare")
    if unshare is None:
        raise harness.Skip("unshare (util-linux) is missing")
    users = [] if os.geteuid() == 0 else ["--map-root-user"]
    command = [unshare, *users, "--mount", f"--root={root}", "/barrage", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s,
                          stdin=subprocess.DEVNULL)
    if done.returncode != 0 and "unshare failed" in done.stderr:
        raise harness.Skip(f"cannot make a mount namespace here: {done.stderr.strip()}")
    print(f"ran in {root}: barrage {' '.join(args)} -> exit {done.returncode}", flush=True)
    return done


def body(t):
    binary = static_binary(t)
    root = t.path("root")
    os.makedirs(os.path.join(root, "etc"))
    if is_static(binary):
        ldd = subprocess.run(["ldd", binary], capture_output=True, text=True)
        t.check("not a dynamic executable" in ldd.stdout + ldd.stderr,
                f"ldd says 'not a dynamic executable' ({(ldd.stdout + ldd.stderr).strip()!r})")
    else:
        libraries = shared_libraries(binary)
        names = [name for name, _ in libraries]
        print("a partly static build; it loads:", names, flush=True)
        t.check(libraries and all(name.startswith(PARTLY_STATIC_ALLOWED) for name in names),
                f"the partly static binary loads nothing beyond simdjson, libstdc++, libgcc_s "
                f"and glibc ({names})")
        t.check(not any(name.startswith(("libssl", "libcrypto", "liburing", "libz.", "libfmt"))
                        for name in names),
                "liburing, OpenSSL, zlib and fmt are linked in")
        copy_libraries(root, libraries)
    shutil.copy2(binary, os.path.join(root, "barrage"))
    with open(os.path.join(root, "etc", "hosts"), "w") as f:
        f.write("127.0.0.1 static-target.test\n")
    print("root holds:", sorted(os.listdir(root)), sorted(os.listdir(os.path.join(root, "etc"))),
          flush=True)

    version = in_empty_root(t, root, ["--version"])
    first = version.stdout.splitlines()[0] if version.stdout else ""
    t.check(version.returncode == 0 and first.startswith("barrage ") and "static)" in first,
            f"--version runs with nothing but the binary and says static ({version.stdout!r} "
            f"{version.stderr!r})")

    server = t.serve()
    for host in ("127.0.0.1", "static-target.test"):
        run = in_empty_root(t, root, ["run", f"http://{host}:{server.port}/", "-c", "2", "-t",
                                      "1", "-d", "1s", "-q", "--json", "/result.json"])
        t.check(run.returncode == 0, f"a 1s run against {host} exits 0 (stderr "
                                     f"{run.stderr[-600:]!r})")
        result_path = os.path.join(root, "result.json")
        if os.path.exists(result_path):
            result = t.load_json(result_path)
            t.check(result["requests"]["completed"] > 0,
                    f"the run against {host} completed requests "
                    f"({result['requests']['completed']})")
            harness.check_accounting(t, result)
            os.remove(result_path)
        else:
            t.check(False, f"the run against {host} wrote /result.json in its root")


if __name__ == "__main__":
    harness.main(__doc__, body)
