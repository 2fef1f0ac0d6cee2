"""Shared by the tls_* integration tests: a throw-away PKI made with the `openssl` command line
(test CA, server certificate for localhost and 127.0.0.1, client certificate, a self-signed and
an expired server certificate) and nginx serving TLS with it. Skips when openssl or nginx is
missing."""

import os
import shutil
import socket
import subprocess
import threading
import time

import harness


class Pki:
    def __init__(self, directory):
        self.dir = directory

    def path(self, name):
        return os.path.join(self.dir, name)


def openssl(t, *args):
    binary = shutil.which("openssl")
    if binary is None:
        raise harness.Skip("the openssl command is not installed")
    done = subprocess.run([binary, *args], capture_output=True, timeout=60, cwd=t.path("pki"))
    if done.returncode != 0:
        t.require(False, f"openssl {' '.join(args[:2])} works "
                         f"({done.stderr.decode(errors='replace')[-500:]})")


def new_key(t, name):
    openssl(t, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", name + ".key")


def make_pki(t):
    """CA, server (SAN localhost + 127.0.0.1), client, self-signed server, expired server."""
    directory = t.path("pki")
    os.makedirs(directory)
    pki = Pki(directory)
    new_key(t, "ca")
    openssl(t, "req", "-x509", "-new", "-key", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=barrage test CA")
    with open(pki.path("server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    with open(pki.path("client.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    for name, subject in (("server", "/CN=localhost"), ("client", "/CN=barrage client")):
        new_key(t, name)
        openssl(t, "req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", subject)
        openssl(t, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext")
    new_key(t, "selfsigned")
    openssl(t, "req", "-x509", "-new", "-key", "selfsigned.key", "-out", "selfsigned.pem",
            "-days", "2", "-subj", "/CN=localhost", "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1")
    make_expired(t, pki)
    return pki


def make_expired(t, pki):
    """A server certificate from the test CA that expired in 2020 (`openssl ca` can backdate)."""
    with open(pki.path("index.txt"), "w"):
        pass
    with open(pki.path("serial"), "w") as f:
        f.write("1000\n")
    with open(pki.path("ca.cnf"), "w") as f:
        f.write(f"""[ca]
default_ca = test
[test]
database = {pki.path("index.txt")}
serial = {pki.path("serial")}
new_certs_dir = {pki.dir}
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[server]
subjectAltName = DNS:localhost,IP:127.0.0.1
""")
    new_key(t, "expired")
    openssl(t, "req", "-new", "-key", "expired.key", "-out", "expired.csr", "-subj",
            "/CN=localhost")
    openssl(t, "ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
            "-in", "expired.csr", "-out", "expired.pem", "-startdate", "20200101000000Z",
            "-enddate", "20200102000000Z", "-extensions", "server", "-notext")


def tls_nginx(t, pki, cert="server", server_block=""):
    """nginx with TLS on a loopback port, a shared session cache and a static file at /.
    Returns a harness.Server whose `url()` is https://127.0.0.1:PORT/..."""
    binary = next((p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.access(p, os.X_OK)),
                  None)
    if binary is None:
        raise harness.Skip("nginx is not installed")
    prefix = t.path(f"nginx-{cert}-{len(t.processes)}")
    www = os.path.join(prefix, "www")
    os.makedirs(os.path.join(prefix, "temp"))
    os.makedirs(www)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("hello over TLS\n")
    port = harness.free_port()
    block = f"""root {www};
        ssl_certificate {pki.path(cert + ".pem")};
        ssl_certificate_key {pki.path(cert + ".key")};
        ssl_session_cache shared:TLS:1m;
        {server_block}"""
    config = harness.nginx_config(prefix, port, block).replace(
        f"listen 127.0.0.1:{port};", f"listen 127.0.0.1:{port} ssl;")
    config_path = os.path.join(prefix, "nginx.conf")
    with open(config_path, "w") as f:
        f.write(config)
    error_log = os.path.join(prefix, "error.log")
    process = subprocess.Popen([binary, "-p", prefix, "-c", config_path, "-e", error_log],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    t.processes.append(("nginx", process))
    deadline = time.monotonic() + harness.START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            server = harness.Server("nginx", process, port)
            server.url = lambda path="/": f"https://127.0.0.1:{port}{path}"
            return server
        except OSError:
            time.sleep(0.05)
    t.require(False, f"nginx with TLS starts on port {port} (error.log: "
                     f"{harness.tail(error_log)!r})")


class DropServer:
    """Accepts, reads the ClientHello, closes: a server that drops mid-handshake."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path="/"):
        return f"https://127.0.0.1:{self.port}{path}"

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(65536)
                except OSError:
                    pass


def tls_errors(result):
    return result["errors"]["tls"]


def first_tls_detail(result):
    return next((d for d in result["error_details"] if d.startswith("tls:")), "")
