# Sourced by the benchmarks: a work directory and nginx (one worker, pinned to $server_cpu) serving
# a 128-byte page over HTTP and TLS on loopback. Sets work, port, tls_port, url, tls_url and
# nginx_pid; stops nginx and removes the directory on exit.
# Several workers (benchmarks/scale.sh): nginx_workers=N and server_cpus="C1 C2 ..." (N CPUs):
# a master and N workers, worker i pinned to Ci, each with its own listening socket (reuseport,
# so the kernel spreads connections evenly); nginx_pid is then the master's.
work="$(mktemp -d)"
nginx_pid=""
# The master waits for its workers to exit before it does: nothing is left running.
cleanup() {
  if [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; then wait "$nginx_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port="$(free_port)"; tls_port="$(free_port)"
mkdir -p "$work/html"
# A throw-away P-256 server certificate; the generators skip verification, as wrk and ab do.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$work/server.key" -out "$work/server.pem" 2>/dev/null
head -c 128 /dev/zero | tr '\0' 'x' > "$work/html/index.html"
processes_conf="worker_processes 1;
master_process off;"; reuseport=""
if [ "${nginx_workers:-1}" -gt 1 ]; then
  affinity=""  # one CPU bit mask per worker: CPU c is a 1 followed by c zeros
  for c in ${server_cpus//,/ }; do affinity+=" 1$(printf "%${c}s" "" | tr ' ' 0)"; done
  processes_conf="worker_processes $nginx_workers;
master_process on;
worker_cpu_affinity$affinity;
worker_rlimit_nofile 65536;"; reuseport=" reuseport"
  chmod -R a+rX "$work"  # the workers run as nobody when the master is root
fi
cat > "$work/nginx.conf" <<CONF
$processes_conf
daemon off;
pid $work/nginx.pid;
error_log $work/error.log crit;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port backlog=4096$reuseport;
    root $work/html;
    location / { index index.html; }
  }
  server {
    listen 127.0.0.1:$tls_port ssl backlog=4096$reuseport;
    ssl_certificate $work/server.pem;
    ssl_certificate_key $work/server.key;
    ssl_session_cache shared:TLS:10m;
    root $work/html;
    location / { index index.html; }
  }
}
CONF
nginx_cpus="${server_cpus:-${server_cpu:-0}}"
taskset -c "${nginx_cpus// /,}" /usr/sbin/nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.05; done
url="http://127.0.0.1:$port/"
tls_url="https://127.0.0.1:$tls_port/"
