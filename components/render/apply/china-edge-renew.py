#!/usr/bin/env python3
# china-edge-renew: keeps the public names' certificate of a proxy from an ACME CA, renewed well before expiry and
# swapped in without an outage.
#
# Reads its settings (JSON) from the file named by its first argument (default /etc/china-edge/renew.json):
#   {"name", "domains": [...], "server": ACME directory, "email", "dns": lego DNS provider code,
#    "lego": [extra lego flags], "env": {lego's provider variables}, "state": lego's directory, "days": renew when
#    fewer days are left, "files": {"pem": path} (HAProxy: certificate and key in one file) or
#    {"certificate": path, "key": path} (nginx), "check", "reload", "start", "active": the service's commands,
#    "metrics": a file for node exporter's textfile collector, or none}
# Orders a certificate with DNS-01 when it has none for exactly these names, renews it when fewer than `days` are
# left (`--force` renews now), and hands every change to china-edge-apply, which checks, swaps and reloads.
# Writes <state>/status.json (the names, the expiry, the last attempt and its outcome) and, with "metrics", the same
# as Prometheus metrics: china_edge_certificate_expiry_seconds and china_edge_certificate_renewal_ok.
# Exit 0: the certificate is in place and valid; 1: ordering, renewing or applying failed (logged loudly).
import base64
import datetime
import gzip
import json
import os
import subprocess
import sys
import time

APPLY = os.environ.get("CHINA_EDGE_APPLY", "/usr/local/sbin/china-edge-apply")


def log(message):
    print(f"china-edge-renew: {message}", file=sys.stderr, flush=True)


def expiry(path):
    r = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in", path], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    stamp = r.stdout.strip().split("=", 1)[1]
    return datetime.datetime.strptime(stamp, "%b %d %H:%M:%S %Y %Z").replace(tzinfo=datetime.timezone.utc)


def write_text(path, text):
    """Replaces `path` whole: a reader never sees half of it (the `.tmp` name is one node exporter skips)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as out:
        out.write(text)
    os.replace(path + ".tmp", path)


def write_status(settings, ok, detail, not_after):
    status = {
        "name": settings["name"], "domains": settings["domains"], "ok": ok, "detail": detail,
        "notAfter": not_after.isoformat() if not_after else None,
        "checkedAt": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    write_text(os.path.join(settings["state"], "status.json"), json.dumps(status) + "\n")
    if settings.get("metrics"):
        names = ",".join(settings["domains"])
        lines = [
            "# HELP china_edge_certificate_expiry_seconds When the served certificate expires (Unix time).",
            "# TYPE china_edge_certificate_expiry_seconds gauge",
            *([f'china_edge_certificate_expiry_seconds{{names="{names}"}} {int(not_after.timestamp())}'] if not_after else []),
            "# HELP china_edge_certificate_renewal_ok Whether the last order or renewal succeeded.",
            "# TYPE china_edge_certificate_renewal_ok gauge",
            f'china_edge_certificate_renewal_ok{{names="{names}"}} {1 if ok else 0}',
        ]
        write_text(settings["metrics"], "\n".join(lines) + "\n")


def main():
    args = [a for a in sys.argv[1:] if a != "--force"]
    force = "--force" in sys.argv[1:]
    with open(args[0] if args else "/etc/china-edge/renew.json") as f:
        settings = json.load(f)
    domains = settings["domains"]
    state = settings["state"]
    lego = ["lego", "--accept-tos", "--email", settings["email"], "--server", settings["server"],
            "--dns", settings["dns"], "--path", state, *settings.get("lego", []),
            *[x for d in domains for x in ("-d", d)]]
    env = {**os.environ, **settings.get("env", {})}
    certificate = os.path.join(state, "certificates", f"{domains[0]}.crt")
    key = os.path.join(state, "certificates", f"{domains[0]}.key")
    names_file = os.path.join(state, "domains")
    same_names = os.path.exists(names_file) and open(names_file).read().split() == domains

    started = time.monotonic()
    if os.path.exists(certificate) and same_names:
        days = "36500" if force else str(settings.get("days", 30))
        step, command = "renew", [*lego, "renew", "--days", days, "--no-random-sleep"]
    else:
        step, command = "order", [*lego, "run"]
    r = subprocess.run(command, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        detail = f"{step} for {', '.join(domains)} failed (lego exit {r.returncode}): {r.stderr.strip()[-2000:]}"
        log(f"{settings['name']}: {detail}")
        write_status(settings, False, detail, expiry(certificate) if os.path.exists(certificate) else None)
        return 1
    with open(names_file, "w") as out:
        out.write(" ".join(domains) + "\n")

    pem_cert, pem_key = open(certificate).read(), open(key).read()
    targets = settings["files"]
    files = ([{"path": targets["pem"], "content": pem_cert + pem_key, "mode": "0600"}] if "pem" in targets else [
        {"path": targets["certificate"], "content": pem_cert, "mode": "0644"},
        {"path": targets["key"], "content": pem_key, "mode": "0600"},
    ])
    bundle = {"name": settings["name"], "files": files,
              **{k: settings[k] for k in ("check", "reload", "start", "active")}}
    encoded = base64.b64encode(gzip.compress(json.dumps(bundle).encode())).decode()
    applied = subprocess.run([APPLY], input=encoded, capture_output=True, text=True)
    sys.stderr.write(applied.stderr)
    not_after = expiry(certificate)
    if applied.returncode != 0:
        detail = f"the certificate could not be put in place (china-edge-apply exit {applied.returncode})"
        log(f"{settings['name']}: {detail}")
        write_status(settings, False, detail, not_after)
        return 1
    detail = f"{step} done in {time.monotonic() - started:.1f} s; valid until {not_after:%Y-%m-%d %H:%M} UTC"
    log(f"{settings['name']}: {detail}")
    write_status(settings, True, detail, not_after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
