#!/usr/bin/python3
# china-edge-report: how one proxy host is doing, as one line of JSON on stdout, for `npm run status`.
#
# Reads its settings (JSON) on stdin: "name" and "role" (both repeated in the report); "active" and "health", commands
# that exit 0 while the service runs and while it serves; optionally "metrics" (HAProxy's Prometheus exporter: each
# backend server's state), "connections" (nginx's stub_status), "certificate" (the served PEM: its names, issuer and
# expiry as Unix time), "renewal" (the renewer's status.json) and "reach" (third-party hosts asked for HEAD / over
# HTTPS, their certificate verified: any HTTP answer counts; "reachVia" and "reachCa" send them to a stand-in and trust
# its CA, in the lab). Only reads: it changes nothing on the host. Python 3 standard library only (Debian 12's python3).
import concurrent.futures
import json
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

SERVER_STATE = re.compile(r'^haproxy_server_status\{proxy="([^"]+)",server="([^"]+)",state="([A-Z_]+)"\} 1$')
ACTIVE_CONNECTIONS = re.compile(r"Active connections:\s*(\d+)")


def passes(command):
    try:
        return subprocess.run(command, capture_output=True, timeout=15).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.read().decode()


def backends(url):
    """Each server of each backend with its state (UP, DOWN, MAINT, ...), from the exporter's one-hot gauge."""
    found = []
    for line in fetch(url).splitlines():
        m = SERVER_STATE.match(line)
        if m:
            found.append({"backend": m.group(1), "server": m.group(2), "state": m.group(3)})
    return found


def certificate(path):
    r = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-enddate", "-issuer", "-ext", "subjectAltName"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": (r.stderr.strip() or "unreadable").splitlines()[0]}
    text = r.stdout
    end = re.search(r"notAfter=(.+)", text)
    issuer = re.search(r"issuer=(.+)", text)
    return {
        "notAfter": int(ssl.cert_time_to_seconds(end.group(1).strip())) if end else None,
        "issuer": issuer.group(1).strip() if issuer else None,
        "names": re.findall(r"DNS:([^,\s]+)", text),
    }


REACH_TIMEOUT_SECONDS = 5


def reach(host, via, ca):
    """How `host` answers HEAD / over HTTPS: its status and the time to it, or why it did not answer."""
    started = time.monotonic()
    try:
        context = ssl.create_default_context(cafile=ca)
        if via and via.startswith("/"):
            raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            raw.settimeout(REACH_TIMEOUT_SECONDS)
            raw.connect(via)
        else:
            address, port = via.rsplit(":", 1) if via else (host, "443")
            raw = socket.create_connection((address, int(port)), timeout=REACH_TIMEOUT_SECONDS)
        with context.wrap_socket(raw, server_hostname=host) as tls:
            tls.settimeout(max(0.1, REACH_TIMEOUT_SECONDS - (time.monotonic() - started)))
            tls.sendall(f"HEAD / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: china-edge-report\r\nConnection: close\r\n\r\n".encode())
            line = tls.makefile("rb").readline(200).decode("latin-1")
        m = re.match(r"HTTP/\d(?:\.\d)? (\d{3})", line)
        if not m:
            return {"host": host, "error": f"no HTTP answer ({line.strip()[:60] or 'connection closed'})"}
        return {"host": host, "status": int(m.group(1)), "ms": round((time.monotonic() - started) * 1000)}
    except socket.timeout:
        return {"host": host, "error": f"no answer within {REACH_TIMEOUT_SECONDS} s"}
    except (OSError, ValueError) as e:
        return {"host": host, "error": str(e) or type(e).__name__}


def main():
    settings = json.load(sys.stdin)
    report = {"name": settings["name"], **({"role": settings["role"]} if settings.get("role") else {}), "active": passes(settings["active"]), "healthy": passes(settings["health"])}
    for key, read in (("metrics", backends), ("connections", fetch)):
        if settings.get(key):
            try:
                value = read(settings[key])
                if key == "connections":
                    m = ACTIVE_CONNECTIONS.search(value)
                    value = int(m.group(1)) if m else None
                report["backends" if key == "metrics" else key] = value
            except OSError as e:
                report.setdefault("errors", []).append(f"{settings[key]}: {e}")
    if settings.get("certificate"):
        report["certificate"] = certificate(settings["certificate"])
    if settings.get("renewal"):
        try:
            with open(settings["renewal"]) as f:
                report["renewal"] = json.load(f)
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as e:
            report.setdefault("errors", []).append(f"{settings['renewal']}: {e}")
    hosts = settings.get("reach") or []
    if hosts:
        via = settings.get("reachVia") or {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(hosts)) as pool:
            report["reach"] = list(pool.map(lambda h: reach(h, via.get(h), settings.get("reachCa")), hosts))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
