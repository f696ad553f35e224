#!/usr/bin/env python3
# china-edge-apply: puts what a proxy serves in place on a running host without an outage.
#
# Reads a bundle on standard input: a JSON document, brotli-compressed then base85-encoded after "br85:" as the stack's
# commands carry it (libbrotlidec through ctypes), or gzip-compressed then base64-encoded as the renewer sends it:
#   {"name": ..., "files": [{"path", "mode", "content", "group" (optional: the file's group, e.g. the worker's)}], "check": [...], "reload": [...], "start": [...], "active": [...],
#    "ready": {"command": [...], "passes": N, "intervalSeconds": S, "timeoutSeconds": T} (optional)}
# and, when a file differs from the live one:
#   1. validates the new files with `check` in a private mount namespace, each new file mounted over its live path,
#      so the live files never hold a config that was not checked;
#   2. keeps the live files, then swaps each new one in with a rename (atomic per file);
#   3. reloads the running service (`reload`), or starts it (`start`) when it is not running (`active` fails);
#   4. with "ready", waits until its command succeeds N times in a row, S seconds apart (as a load balancer's health
#      check would see the proxy), for at most T seconds;
#   5. when the reload, start or readiness fails, puts the previous files back and reloads them.
# Exit 0: applied or unchanged; 1: refused or rolled back (the running config keeps serving); 2: a bad bundle.
# Written by cloud-init on every china-edge proxy; run by Cloud Assistant with the bundle of each deployment.
import base64
import ctypes
import grp
import gzip
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

STATE = os.environ.get("CHINA_EDGE_STATE", "/var/lib/china-edge")


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
    try:
        text = sys.stdin.read().strip()
        bundle = json.loads(unbrotli(base64.b85decode(text[5:])) if text.startswith("br85:") else gzip.decompress(base64.b64decode(text)))
        files = [{"path": f["path"], "mode": int(f["mode"], 8), "bytes": f["content"].encode(), "group": f.get("group")}
                 for f in bundle["files"]]
        check, reload, start, active = bundle["check"], bundle["reload"], bundle["start"], bundle["active"]
    except (ValueError, KeyError, TypeError, OSError) as e:
        log(f"not a bundle ({e}); nothing changed")
        return 2
    name = bundle.get("name", "proxy")
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
