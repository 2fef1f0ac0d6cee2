# Sourced by the benchmarks: a work directory and nginx (one worker, pinned to $server_cpu) serving
# a 128-byte page over HTTP and TLS on loopback. Sets work, port, tls_port, url, tls_url and
# nginx_pid; stops nginx and removes the directory on exit.
work="$(mktemp -d)"
nginx_pid=""
cleanup() { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port="$(free_port)"; tls_port="$(free_port)"
mkdir -p "$work/html"
# A throw-away P-256 server certificate; the generators skip verification, as wrk and ab do.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$work/server.key" -out "$work/server.pem" 2>/dev/null
head -c 128 /dev/zero | tr '\0' 'x' > "$work/html/index.html"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process off;
pid $work/nginx.pid;
error_log $work/error.log crit;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port backlog=4096;
    root $work/html;
    location / { index index.html; }
  }
  server {
    listen 127.0.0.1:$tls_port ssl backlog=4096;
    ssl_certificate $work/server.pem;
    ssl_certificate_key $work/server.key;
    ssl_session_cache shared:TLS:10m;
    root $work/html;
    location / { index index.html; }
  }
}
CONF
taskset -c "${server_cpu:-0}" /usr/sbin/nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.05; done
url="http://127.0.0.1:$port/"
tls_url="https://127.0.0.1:$tls_port/"
