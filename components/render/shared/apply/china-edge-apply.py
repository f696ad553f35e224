#!/usr/bin/env python3
# china-edge-apply: puts what a proxy serves in place on a running host without an outage.
#
# Reads a bundle from the stack's object storage (--fetch oss://BUCKET/KEY --region R --endpoint HOST --sha256 HEX: a
# GET signed with OSS's V4 signature and the host's RAM role credentials from the metadata service, its digest checked)
# or on standard input: a JSON document, brotli-compressed then base85-encoded after "br85:" as the stack stores it
# (libbrotlidec through ctypes), or gzip-compressed then base64-encoded as the renewer sends it:
#   {"name": ..., "files": [{"path", "mode", "content", "group" (optional: the file's group, e.g. the worker's)}], "check": [...], "reload": [...], "start": [...], "active": [...],
#    "ready": {"command": [...], "passes": N, "intervalSeconds": S, "timeoutSeconds": T} (optional),
#    "prepare": [...], "after": [...] (optional shell lines)}
# and, when a file differs from the live one:
#   1. validates the new files with `check` in a private mount namespace, each new file mounted over its live path,
#      so the live files never hold a config that was not checked;
#   2. keeps the live files, then swaps each new one in with a rename (atomic per file);
#   3. reloads the running service (`reload`), or starts it (`start`) when it is not running (`active` fails);
#   4. with "ready", waits until its command succeeds N times in a row, S seconds apart (as a load balancer's health
#      check would see the proxy), for at most T seconds;
#   5. when the reload, start or readiness fails, puts the previous files back and reloads them.
# "prepare" (shell lines, optional) runs first, e.g. a self-signed certificate made once; "after" (optional) once the
# bundle is in place or already was, e.g. the renewer.
# Exit 0: applied or unchanged; 1: refused or rolled back (the running config keeps serving); 2: a bad bundle, or none
# could be fetched.
# Written by cloud-init on every china-edge proxy; run by Cloud Assistant with the bundle of each deployment.
import argparse
import base64
import ctypes
import datetime
import grp
import gzip
import hashlib
import hmac
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

STATE = os.environ.get("CHINA_EDGE_STATE", "/var/lib/china-edge")
# The instance metadata service; the lab points both at stand-ins.
METADATA = os.environ.get("CHINA_EDGE_METADATA", "http://100.100.100.200")
OSS_ENDPOINT = os.environ.get("CHINA_EDGE_OSS_ENDPOINT")
# Both are reached directly, never through a proxy the environment names.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# A new instance's role credentials and its policy take a little while to reach OSS: tries, seconds apart.
FETCH_TRIES, FETCH_INTERVAL = int(os.environ.get("CHINA_EDGE_FETCH_TRIES", "20")), 3


def log(message):
    print(f"china-edge-apply: {message}", file=sys.stderr, flush=True)


def run(command):
    r = subprocess.run(command, capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()


def live(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def write_atomically(path, content, mode, group=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".china-edge-")
    with os.fdopen(fd, "wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, mode)
    if group:
        os.chown(tmp, -1, grp.getgrnam(group).gr_gid)
    os.replace(tmp, path)


def validate(changed, check):
    """Runs `check` where every changed file shows its new content at its live path; nothing live is touched."""
    stage = tempfile.mkdtemp(prefix="china-edge-stage-")
    placeholders = []
    try:
        lines = ["set -e"]
        for i, f in enumerate(changed):
            staged = os.path.join(stage, str(i))
            with open(staged, "wb") as out:
                out.write(f["bytes"])
            os.chmod(staged, f["mode"])
            if not os.path.exists(f["path"]):
                # A mount needs something to cover: an empty file, removed again below.
                os.makedirs(os.path.dirname(f["path"]), exist_ok=True)
                open(f["path"], "ab").close()
                placeholders.append(f["path"])
            lines.append(f"mount --bind {shlex.quote(staged)} {shlex.quote(f['path'])}")
        lines.append(shlex.join(check))
        return run(["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(lines)])
    finally:
        for path in placeholders:
            os.remove(path)
        shutil.rmtree(stage, ignore_errors=True)


def unbrotli(data):
    """`data` decompressed by libbrotlidec's one-shot decoder, its output buffer grown until the result fits."""
    lib = ctypes.CDLL("libbrotlidec.so.1")
    size = max(len(data) * 16, 1 << 20)
    while size <= 1 << 28:
        out, written = ctypes.create_string_buffer(size), ctypes.c_size_t(size)
        if lib.BrotliDecoderDecompress(ctypes.c_size_t(len(data)), data, ctypes.byref(written), out) == 1:
            return out.raw[:written.value]
        size *= 4
    raise ValueError("not brotli, or larger than 256 MB")


def oss_authorization(method, bucket, key, query, headers, credentials, region, when):
    """Sets x-oss-date, x-oss-content-sha256 and the token in `headers` and returns the Authorization of OSS's V4
    signature (https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4, as
    the OSS SDK for Python v2 computes it in alibabacloud_oss_v2/signer/v4.py). `query` is already encoded."""
    access_key_id, secret, token = credentials
    stamp = when.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers["x-oss-date"] = stamp
    headers["x-oss-content-sha256"] = "UNSIGNED-PAYLOAD"
    if token:
        headers["x-oss-security-token"] = token
    pairs = sorted(p.partition("=")[::2] for p in query.split("&")) if query else []
    canonical_query = "&".join(f"{k}={v}" if v else k for k, v in pairs)
    signed = sorted((k.lower(), v) for k, v in headers.items() if k.lower().startswith("x-oss-") or k.lower() in ("content-type", "content-md5"))
    canonical = "\n".join([method, urllib.parse.quote(f"/{bucket}/{key}", safe="/"), canonical_query,
                           "".join(f"{k}:{v}\n" for k, v in signed), "", "UNSIGNED-PAYLOAD"])
    scope = f"{stamp[:8]}/{region}/oss/aliyun_v4_request"
    to_sign = "\n".join(["OSS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signing_key = ("aliyun_v4" + secret).encode()
    for part in (stamp[:8], region, "oss", "aliyun_v4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"OSS4-HMAC-SHA256 Credential={access_key_id}/{scope},Signature={signature}"


def role_credentials():
    """The instance's RAM role credentials from the metadata service (with a token when it hands one out)."""
    headers = {}
    try:
        put = urllib.request.Request(f"{METADATA}/latest/api/token", method="PUT", headers={"X-aliyun-ecs-metadata-token-ttl-seconds": "300"})
        headers["X-aliyun-ecs-metadata-token"] = DIRECT.open(put, timeout=5).read().decode()
    except (urllib.error.URLError, OSError):
        pass
    ask = lambda path: DIRECT.open(urllib.request.Request(f"{METADATA}/latest/meta-data/ram/security-credentials/{path}", headers=headers), timeout=5).read().decode()
    roles = ask("").split()
    if not roles:
        raise ValueError("the instance has no RAM role")
    found = json.loads(ask(roles[0]))
    return found["AccessKeyId"], found["AccessKeySecret"], found.get("SecurityToken")


def fetch(location, region, endpoint, sha256):
    """The bundle text at oss://BUCKET/KEY, once its SHA-256 is `sha256`; retried while the role or object is not there yet."""
    bucket, _, key = location[len("oss://"):].partition("/")
    base = OSS_ENDPOINT or f"https://{bucket}.{endpoint}"
    last = ""
    for attempt in range(FETCH_TRIES):
        if attempt:
            time.sleep(FETCH_INTERVAL)
        try:
            headers = {}
            headers["Authorization"] = oss_authorization("GET", bucket, key, "", headers, role_credentials(), region, datetime.datetime.now(datetime.timezone.utc))
            text = DIRECT.open(urllib.request.Request(f"{base}/{urllib.parse.quote(key)}", headers=headers), timeout=30).read()
        except urllib.error.HTTPError as e:
            # OSS says why in an XML body: its Code and Message.
            body = e.read()[:2000].decode(errors="replace")
            last = " ".join([str(e.code)] + re.findall(r"<(?:Code|Message)>([^<]*)<", body))
            continue
        except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
            last = str(e)
            continue
        digest = hashlib.sha256(text).hexdigest()
        if digest == sha256:
            return text.decode()
        last = f"SHA-256 {digest}, not the {sha256} this command was made for"
    raise ValueError(f"could not fetch {location} from {base} after {FETCH_TRIES} tries: {last}")


def wait_ready(ready):
    """Whether `ready` passed its count in a row before its deadline, and the last output."""
    deadline = time.monotonic() + ready["timeoutSeconds"]
    passes = 0
    while True:
        code, output = run(ready["command"])
        passes = passes + 1 if code == 0 else 0
        if passes >= ready["passes"]:
            return True, output
        if time.monotonic() + ready["intervalSeconds"] > deadline:
            return False, output
        time.sleep(ready["intervalSeconds"])


def main():
    parser = argparse.ArgumentParser(description="Puts what a proxy serves in place (the bundle on standard input, or fetched).")
    parser.add_argument("--fetch", metavar="oss://BUCKET/KEY")
    parser.add_argument("--region")
    parser.add_argument("--endpoint", help="the region's internal OSS endpoint, e.g. oss-cn-shanghai-internal.aliyuncs.com")
    parser.add_argument("--sha256")
    args = parser.parse_args()
    if args.fetch:
        try:
            text = fetch(args.fetch, args.region, args.endpoint, args.sha256).strip()
        except ValueError as e:
            log(f"{e}; nothing changed")
            return 2
    else:
        text = sys.stdin.read().strip()
    try:
        bundle = json.loads(unbrotli(base64.b85decode(text[5:])) if text.startswith("br85:") else gzip.decompress(base64.b64decode(text)))
        files = [{"path": f["path"], "mode": int(f["mode"], 8), "bytes": f["content"].encode(), "group": f.get("group")}
                 for f in bundle["files"]]
        check, reload, start, active = bundle["check"], bundle["reload"], bundle["start"], bundle["active"]
    except (ValueError, KeyError, TypeError, OSError) as e:
        log(f"not a bundle ({e}); nothing changed")
        return 2
    name = bundle.get("name", "proxy")
    if bundle.get("prepare"):
        code, output = run(["sh", "-euc", "\n".join(bundle["prepare"])])
        if code != 0:
            log(f"{name}: preparing failed:\n{output}\nnothing changed; the running config keeps serving")
            return 1
    code = put_in_place(bundle, name, files, check, reload, start, active)
    if code == 0 and bundle.get("after"):
        code, output = run(["sh", "-euc", "\n".join(bundle["after"])])
        if code != 0:
            log(f"{name}: in place, but what runs after it failed:\n{output}")
            return 1
    return code


def put_in_place(bundle, name, files, check, reload, start, active):
    """Validates, swaps in, reloads or starts, waits until ready; rolls back on failure. The exit code."""
    digest = hashlib.sha256(json.dumps(bundle["files"], sort_keys=True).encode()).hexdigest()[:16]
    changed = [f for f in files if live(f["path"]) != f["bytes"]]
    running = run(active)[0] == 0
    if not changed and running:
        log(f"{name}: bundle {digest} already in place, nothing to do")
        return 0

    if changed:
        code, output = validate(changed, check)
        if code != 0:
            log(f"{name}: refused bundle {digest}: `{shlex.join(check)}` failed:\n{output}\n"
                f"nothing changed; the running config keeps serving")
            return 1

    previous = {f["path"]: live(f["path"]) for f in changed}
    backup = os.path.join(STATE, "previous")
    shutil.rmtree(backup, ignore_errors=True)
    for path, content in previous.items():
        if content is not None:
            write_atomically(os.path.join(backup, path.lstrip("/")), content, 0o600)
    for f in changed:
        write_atomically(f["path"], f["bytes"], f["mode"], f["group"])

    step = reload if running else start
    code, output = run(step)
    if code == 0:
        code, output = run(active)
    ready = bundle.get("ready")
    if code == 0 and ready:
        healthy, output = wait_ready(ready)
        if not healthy:
            code, step = 1, ready["command"]
            output = f"not ready after {ready['timeoutSeconds']} s ({ready['passes']} passes in a row needed): {output}"
    if code != 0:
        log(f"{name}: `{shlex.join(step)}` failed:\n{output}\nputting the previous files back")
        for f in changed:
            if previous[f["path"]] is None:
                os.remove(f["path"])
            else:
                write_atomically(f["path"], previous[f["path"]], f["mode"], f["group"])
        if running:
            run(reload)
        return 1

    os.makedirs(STATE, exist_ok=True)
    record = {"bundle": digest, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "changed": [f["path"] for f in changed]}
    write_atomically(os.path.join(STATE, "applied.json"), (json.dumps(record) + "\n").encode(), 0o644)
    readiness = f", ready ({ready['passes']} health checks passed in a row)" if ready else ""
    log(f"{name}: bundle {digest} applied ({len(changed)} files changed), {'reloaded' if running else 'started'}{readiness}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
