#!/usr/bin/env bash
# Installs barrage's build and test dependencies from Debian 12 packages, only
# when something is missing (idempotent). Works as root or through sudo.
# Usage: scripts/install-deps.sh [build|test|bench]   (default: test)
set -euo pipefail

level="${1:-test}"
build_pkgs=(g++ meson ninja-build pkg-config liburing-dev libssl-dev libsimdjson-dev
            libtomlplusplus-dev doctest-dev libfmt-dev zlib1g-dev)
test_pkgs=(nginx-light python3 curl openssl chromium default-jre-headless libhdrhistogram-java
           clang-format prometheus)
# A one-node Slurm cluster on loopback for the sharded tests (tests/integration/slurm_cluster.py
# starts its own munged, slurmctld and slurmd; on a systemd machine the packages also enable
# system services, which the tests neither need nor touch); YAML to check deploy/kubernetes.
test_pkgs+=(slurm-wlm munge python3-yaml)
# The install test: the man page rendered by groff/man, the zsh completion parsed by zsh.
test_pkgs+=(groff-base man-db zsh)
# benchmarks/scale.sh, run by its test: wrk beside barrage, GNU time for the CPU seconds.
test_pkgs+=(wrk time)
# ss and ip (many_connections, source_addresses): not in a minimal Debian image.
test_pkgs+=(iproute2)
bench_pkgs=(wrk nghttp2-client time apache2-utils valgrind)

case "$level" in
  build) wanted=("${build_pkgs[@]}") ;;
  test) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: missing packages (${missing[*]}) and not root; run as root or install sudo" >&2
  exit 2
fi
echo "install-deps: installing ${missing[*]}" >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
