#!/usr/bin/env python3
# china-edge-renew: keeps the public names' certificate of a proxy from an ACME CA, renewed well before expiry and
# swapped in without an outage.
#
# Reads its settings (JSON) from the file named by its first argument (default /etc/china-edge/renew.json):
#   {"name", "domains": [...], "source": where the certificate comes from, "state": the renewer's directory,
#    "days": renew when fewer days are left, "files": {"pem": path} (HAProxy: certificate and key in one file) or
#    {"certificate": path, "key": path, "pem": optional path of both in one, "pemGroup": the group that may read it}
#    (nginx), "check", "reload", "start", "active": the service's commands, "metrics": a file for node exporter's
#    textfile collector, or none}
# with "source" one of
#   {"kind": "acme", "server": ACME directory, "email", "dns": lego DNS provider code, "lego": [extra lego flags],
#    "env": {lego's provider variables}}: orders a certificate with DNS-01 when it has none for exactly these names,
#    renews it when fewer than `days` are left (`--force` renews now);
#   {"kind": "peer", "address": "host:port", "serverName", "path", "ca", "clientCertificate", "clientKey" (optional:
#    the key when not in clientCertificate)}: copies the certificate (and key) the ordering host serves there, over
#    TLS verified both ways, when it is CA-issued, for exactly these names, its key matches, and it expires no sooner
#    than the one in place (unless that one is self-signed);
#   {"kind": "store", "bucket", "region", "endpoint", "certificate": its object's key, "lease": the lease's key,
#    "leaseSeconds", "acme": as the acme source}: the fleet's one certificate in the stack's bucket, read and written with
#    the instance's RAM role (OSS's V4 signature): used as it is while more than `days` are left; otherwise the host
#    takes the lease (PutObject with x-oss-forbid-overwrite, refused with 409 FileAlreadyExists while it exists:
#    https://www.alibabacloud.com/help/en/oss/user-guide/0026-00000201; so one host at a time; a lease past its time is taken
#    over), orders through "acme", stores the certificate with its key (encrypted at rest) and deletes the lease; a
#    host that finds the lease held serves the stored certificate meanwhile, or says who is ordering.
# and optionally "dcdn": {"domains": [...], "endpoint": the DCDN API's URL}: the names DCDN accelerates, which get
# the same certificate (SetDcdnDomainSSLCertificate, upload) with the instance's RAM role, each once per certificate:
# a name DCDN refuses (not online yet) is tried again on the next run.
# Hands every change to china-edge-apply, which checks, swaps and reloads.
# Writes <state>/status.json (the names, the expiry, the last attempt and its outcome) and, with "metrics", the same
# as Prometheus metrics: china_edge_certificate_expiry_seconds and china_edge_certificate_renewal_ok.
# Exit 0: the certificate is in place and valid; 1: ordering, renewing, copying or applying failed (logged loudly).
import base64
import datetime
import gzip
import hashlib
import hmac
import importlib.machinery
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

APPLY = os.environ.get("CHINA_EDGE_APPLY", "/usr/local/sbin/china-edge-apply")


def log(message):
    print(f"china-edge-renew: {message}", file=sys.stderr, flush=True)


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


def openssl(args, data=None):
    r = subprocess.run(["openssl", *args], input=data, capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


class Refused(Exception):
    pass


def facts(pem_cert):
    """The first certificate of `pem_cert`: its names, whether it is self-issued, its expiry and public key."""
    out = openssl(["x509", "-noout", "-subject", "-issuer", "-enddate", "-ext", "subjectAltName", "-nameopt", "RFC2253"], pem_cert)
    if out is None:
        raise Refused("not a certificate")
    lines = dict(line.split("=", 1) for line in out.splitlines() if "=" in line and not line.startswith(" "))
    names = re.findall(r"DNS:([^,\s]+)", out)
    not_after = datetime.datetime.strptime(lines["notAfter"], "%b %d %H:%M:%S %Y %Z").replace(tzinfo=datetime.timezone.utc)
    return {"names": sorted(names), "selfIssued": lines["subject"] == lines["issuer"], "notAfter": not_after,
            "publicKey": openssl(["x509", "-noout", "-pubkey"], pem_cert)}


PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----\n.*?\n-----END \1-----\n?", re.S)


def split_pem(text):
    """(certificates, key) of a PEM text holding a chain and its key, in any order."""
    blocks = [(m.group(1), m.group(0).rstrip("\n") + "\n") for m in PEM_BLOCK.finditer(text)]
    certificates = "".join(b for kind, b in blocks if kind == "CERTIFICATE")
    keys = [b for kind, b in blocks if kind.endswith("PRIVATE KEY")]
    return certificates, (keys[0] if len(keys) == 1 else "")


def served(settings):
    """The PEM text in place now (certificate and key), or ""."""
    targets = settings["files"]
    paths = [targets["certificate"], targets["key"]] if "certificate" in targets else [targets["pem"]]
    try:
        return "".join(open(p).read() for p in paths)
    except OSError:
        return ""


def order(settings, force):
    """Orders or renews with lego; returns (step, certificate, key) or raises Refused with lego's output."""
    source, domains, state = settings["source"], settings["domains"], settings["state"]
    lego = ["lego", "--accept-tos", "--email", source["email"], "--server", source["server"],
            "--dns", source["dns"], "--path", state, *source.get("lego", []),
            *[x for d in domains for x in ("-d", d)]]
    env = {**os.environ, **source.get("env", {})}
    certificate = os.path.join(state, "certificates", f"{domains[0]}.crt")
    key = os.path.join(state, "certificates", f"{domains[0]}.key")
    names_file = os.path.join(state, "domains")
    same_names = os.path.exists(names_file) and open(names_file).read().split() == domains
    if os.path.exists(certificate) and same_names:
        days = "36500" if force else str(settings.get("days", 30))
        step, command = "renew", [*lego, "renew", "--days", days, "--no-random-sleep"]
    else:
        step, command = "order", [*lego, "run"]
    r = subprocess.run(command, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise Refused(f"{step} for {', '.join(domains)} failed (lego exit {r.returncode}): {r.stderr.strip()[-2000:]}")
    with open(names_file, "w") as out:
        out.write(" ".join(domains) + "\n")
    return step, open(certificate).read(), open(key).read()


def copy(settings):
    """Fetches what the ordering host serves; returns ("copy", certificate, key) or raises Refused saying why not."""
    source, domains = settings["source"], settings["domains"]
    host, port = source["address"].rsplit(":", 1)
    key_option = ["--key", source["clientKey"]] if source.get("clientKey") else []
    r = subprocess.run(["curl", "-fsS", "--max-time", "30", "--cacert", source["ca"], "--cert", source["clientCertificate"], *key_option,
                        "--connect-to", f"{source['serverName']}:{port}:{host}:{port}",
                        f"https://{source['serverName']}:{port}{source['path']}"], capture_output=True, text=True)
    if r.returncode != 0:
        raise Refused(f"copy from {source['address']} failed (curl exit {r.returncode}): {r.stderr.strip()[-500:]}")
    certificates, key = split_pem(r.stdout)
    if not certificates or not key:
        raise Refused(f"copy from {source['address']}: not a certificate with its key")
    fetched = facts(certificates)
    if fetched["selfIssued"]:
        raise Refused(f"copy from {source['address']}: it serves a self-signed certificate (its first order has not landed)")
    if fetched["names"] != sorted(domains):
        raise Refused(f"copy from {source['address']}: its certificate is for {', '.join(fetched['names'])}, not {', '.join(domains)}")
    if openssl(["pkey", "-pubout"], key) != fetched["publicKey"]:
        raise Refused(f"copy from {source['address']}: the key does not match the certificate")
    current_certificates, _ = split_pem(served(settings))
    if current_certificates:
        current = facts(current_certificates)
        if not current["selfIssued"] and current["names"] == fetched["names"] and fetched["notAfter"] < current["notAfter"]:
            raise Refused(f"copy from {source['address']}: its certificate expires {fetched['notAfter']:%Y-%m-%d}, "
                          f"before the one in place ({current['notAfter']:%Y-%m-%d})")
    return "copy", certificates, key


def rpc_signature(params, secret, method="POST"):
    """Alibaba Cloud's RPC signature (V1, HMAC-SHA1 over the sorted, percent-encoded parameters):
    https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism"""
    encode = lambda v: urllib.parse.quote(str(v), safe="~")
    canonical = "&".join(f"{encode(k)}={encode(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{encode('/')}&{encode(canonical)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


def apply_tool():
    """china-edge-apply as a module: its reading of the instance's role credentials."""
    loader = importlib.machinery.SourceFileLoader("china_edge_apply", APPLY)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def dcdn_call(endpoint, action, params, credentials):
    """One DCDN (2018-01-15) action with the role's credentials; raises Refused with DCDN's Code and Message."""
    key_id, secret, token = credentials
    common = {"Format": "JSON", "Version": "2018-01-15", "AccessKeyId": key_id, "SignatureMethod": "HMAC-SHA1",
              "SignatureVersion": "1.0", "SignatureNonce": uuid.uuid4().hex, "Action": action,
              "Timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              **({"SecurityToken": token} if token else {})}
    query = {**common, "Signature": rpc_signature({**common, **params}, secret)}
    request = urllib.request.Request(f"{endpoint}/?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote)}",
                                     data=urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as e:
        body = json.loads(e.read() or b"{}")
        raise Refused(f"{action}: {body.get('Code', e.code)}: {body.get('Message', '')}".rstrip(": "))
    except (urllib.error.URLError, OSError) as e:
        raise Refused(f"{action}: {e}")


def push_to_dcdn(settings, pem_cert, pem_key):
    """Gives each DCDN name the certificate, once per certificate; returns what failed (empty when none did)."""
    dcdn = settings.get("dcdn")
    if not dcdn:
        return []
    fingerprint = hashlib.sha256(pem_cert.encode()).hexdigest()
    marker = os.path.join(settings["state"], "dcdn.json")
    try:
        pushed = json.load(open(marker))
    except (OSError, ValueError):
        pushed = {}
    waiting = [d for d in dcdn["domains"] if pushed.get(d) != fingerprint]
    if not waiting:
        return []
    try:
        credentials = apply_tool().role_credentials()
    except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
        return [f"DCDN: no role credentials from the metadata service ({e})"]
    failed = []
    for domain in waiting:
        try:
            dcdn_call(dcdn.get("endpoint", "https://dcdn.aliyuncs.com"), "SetDcdnDomainSSLCertificate", {
                "DomainName": domain, "SSLProtocol": "on", "CertType": "upload",
                "CertName": f"china-edge-{fingerprint[:12]}", "SSLPub": pem_cert, "SSLPri": pem_key}, credentials)
            pushed[domain] = fingerprint
        except Refused as refused:
            failed.append(f"DCDN {domain}: {refused}")
    write_text(marker, json.dumps(pushed) + "\n")
    return failed


def store_request(source, method, key, body=None, headers=None):
    """(status, body) of one OSS request on the store's bucket with the instance's role credentials."""
    apply = apply_tool()
    headers = dict(headers or {})
    headers["Authorization"] = apply.oss_authorization(method, source["bucket"], key, "", headers, apply.role_credentials(), source["region"],
                                                       datetime.datetime.now(datetime.timezone.utc))
    base = os.environ.get("CHINA_EDGE_OSS_ENDPOINT") or f"https://{source['bucket']}.{source['endpoint']}"
    request = urllib.request.Request(f"{base}/{urllib.parse.quote(key)}", data=body, method=method, headers=headers)
    try:
        with apply.DIRECT.open(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
        raise Refused(f"the store ({method} {key}) did not answer: {e}")


def oss_code(body):
    found = re.findall(rb"<Code>([^<]*)<", body or b"")
    return found[0].decode() if found else ""


def stored_certificate(settings):
    """(certificate, key, facts) stored for exactly these names with a matching key, or None."""
    source = settings["source"]
    status, body = store_request(source, "GET", source["certificate"])
    if status == 404:
        return None
    if status != 200:
        raise Refused(f"the stored certificate could not be read: {status} {oss_code(body)}".rstrip())
    certificates, key = split_pem(body.decode())
    if not certificates or not key:
        return None
    found = facts(certificates)
    if found["selfIssued"] or found["names"] != sorted(settings["domains"]) or openssl(["pkey", "-pubout"], key) != found["publicKey"]:
        return None
    return certificates, key, found


def take_lease(settings, now):
    """Writes the lease unless another host's holds; returns None when taken, else who holds it until when."""
    source = settings["source"]
    lease = json.dumps({"holder": settings["name"], "until": (now + datetime.timedelta(seconds=source["leaseSeconds"])).isoformat()}).encode()
    put = lambda: store_request(source, "PUT", source["lease"], lease, {"x-oss-forbid-overwrite": "true", "Content-Type": "application/json"})
    status, body = put()
    if status == 409:
        _, held = store_request(source, "GET", source["lease"])
        try:
            holder = json.loads(held)
            until = datetime.datetime.fromisoformat(holder["until"])
        except (ValueError, KeyError, TypeError):
            holder, until = {"holder": "an unknown host"}, now - datetime.timedelta(seconds=1)
        if until > now:
            return f"{holder['holder']} is ordering it (its lease holds until {until:%Y-%m-%d %H:%M} UTC)"
        log(f"{settings['name']}: {holder['holder']}'s lease ran out at {until:%H:%M} UTC: taking it over")
        store_request(source, "DELETE", source["lease"])
        status, body = put()
    if status != 200:
        raise Refused(f"the lease could not be taken: {status} {oss_code(body)}".rstrip())
    return None


def from_store(settings, force):
    """The fleet's certificate: the stored one while it is good, else ordered by this host under the lease and stored."""
    source = settings["source"]
    now = datetime.datetime.now(datetime.timezone.utc)
    stored = stored_certificate(settings)
    if stored and not force and stored[2]["notAfter"] - now > datetime.timedelta(days=settings.get("days", 30)):
        return "fetch", stored[0], stored[1]
    held = take_lease(settings, now)
    if held:
        if stored:
            log(f"{settings['name']}: due, and {held}: the stored certificate serves meanwhile")
            return "fetch", stored[0], stored[1]
        raise Refused(f"no certificate stored yet, and {held}")
    try:
        step, certificate, key = order({**settings, "source": source["acme"]}, force)
        status, body = store_request(source, "PUT", source["certificate"], (certificate + key).encode(),
                                     {"x-oss-server-side-encryption": "AES256", "Content-Type": "application/x-pem-file"})
        if status != 200:
            raise Refused(f"{step} done, but the certificate could not be stored: {status} {oss_code(body)}".rstrip())
        return f"{step} (stored for the fleet)", certificate, key
    finally:
        store_request(source, "DELETE", source["lease"])


def main():
    args = [a for a in sys.argv[1:] if a != "--force"]
    force = "--force" in sys.argv[1:]
    with open(args[0] if args else "/etc/china-edge/renew.json") as f:
        settings = json.load(f)
    started = time.monotonic()
    try:
        kind = settings["source"]["kind"]
        step, pem_cert, pem_key = copy(settings) if kind == "peer" else from_store(settings, force) if kind == "store" else order(settings, force)
    except Refused as refused:
        detail = str(refused)
        log(f"{settings['name']}: {detail}")
        current, _ = split_pem(served(settings))
        write_status(settings, False, detail, facts(current)["notAfter"] if current else None)
        return 1

    targets = settings["files"]
    files = [{"path": targets["pem"], "content": pem_cert + pem_key, **(
        {"mode": "0640", "group": targets["pemGroup"]} if targets.get("pemGroup") else {"mode": "0600"})}] if "pem" in targets else []
    if "certificate" in targets:
        files += [{"path": targets["certificate"], "content": pem_cert, "mode": "0644"},
                  {"path": targets["key"], "content": pem_key, "mode": "0600"}]
    bundle = {"name": settings["name"], "files": files,
              **{k: settings[k] for k in ("check", "reload", "start", "active")}}
    encoded = base64.b64encode(gzip.compress(json.dumps(bundle).encode())).decode()
    applied = subprocess.run([APPLY], input=encoded, capture_output=True, text=True)
    sys.stderr.write(applied.stderr)
    not_after = facts(pem_cert)["notAfter"]
    if applied.returncode != 0:
        detail = f"the certificate could not be put in place (china-edge-apply exit {applied.returncode})"
        log(f"{settings['name']}: {detail}")
        write_status(settings, False, detail, not_after)
        return 1
    failed = push_to_dcdn(settings, pem_cert, pem_key)
    if failed:
        detail = f"in place here, not yet at DCDN (tried again next run): {'; '.join(failed)}"
        log(f"{settings['name']}: {detail}")
        write_status(settings, False, detail, not_after)
        return 1
    detail = f"{step} done in {time.monotonic() - started:.1f} s; valid until {not_after:%Y-%m-%d %H:%M} UTC"
    log(f"{settings['name']}: {detail}")
    write_status(settings, True, detail, not_after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
