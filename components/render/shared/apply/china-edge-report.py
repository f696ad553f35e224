#!/usr/bin/python3
# china-edge-report: how one proxy host is doing, as one line of JSON on stdout, for `npm run status`.
#
# Reads its settings (JSON) on stdin: "name"; "active" and "health", commands that exit 0 while the service runs
# and while it serves; optionally "metrics" (HAProxy's Prometheus exporter: each origin proxy's state), "connections"
# (nginx's stub_status), "certificate" (the served PEM: its names, issuer and expiry as Unix time) and "renewal" (the renewer's
# status.json). Only reads: it changes nothing on the host. Python 3 standard library only (Debian 12's python3).
import json
import re
import ssl
import subprocess
import sys
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


def main():
    settings = json.load(sys.stdin)
    report = {"name": settings["name"], "active": passes(settings["active"]), "healthy": passes(settings["health"])}
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
    print(json.dumps(report))


if __name__ == "__main__":
    main()
