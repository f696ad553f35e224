#!/usr/bin/env python3
# china-edge-leave: takes a proxy out of service without dropping anyone, before its instance goes (an Auto Scaling
# scale-in, whose lifecycle hook runs it, or a spot instance's reclamation notice, which --watch-spot waits for).
#   1. its health check fails: "leaving" is added to the HAProxy map its /healthz answers 503 for (on the admin socket,
#      and in the map's file, so a restarted HAProxy still answers it), and the load balancer stops sending it clients;
#   2. after leaveSeconds (the balancer's checks to mark it down), and once no new connection has reached its public
#      frontends for quietSeconds (a loaded balancer checks late; at most leaveSeconds more), the proxy soft-stops: it
#      accepts nothing more, finishes the requests under way, closes idle keep-alive connections and tells HTTP/2
#      clients to go away;
#   3. after finishSeconds, or once it has ended, what is still open (WebSockets) is closed, and their clients
#      reconnect through the balancer to another host.
# Settings (JSON): {"name", "socket", "map", "statsFrontend", "leaveSeconds", "quietSeconds", "finishSeconds",
# "softStop": [...], "hardStop": [...], "active": [...]}. Exit 0 once it has left (the scale-in continues); 1 when it
# could not mark itself leaving; 2 on bad settings.
# Written by cloud-init on every edge and origin proxy host; its settings come with the bundle.
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

METADATA = os.environ.get("CHINA_EDGE_METADATA", "http://100.100.100.200")
SPOT_NOTICE = "/latest/meta-data/instance/spot/termination-time"
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def log(message):
    print(f"china-edge-leave: {message}", file=sys.stderr, flush=True)


def haproxy(socket_path, command):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(socket_path)
        s.sendall(command.encode() + b"\n")
        answer = b""
        while chunk := s.recv(4096):
            answer += chunk
    return answer.decode().strip()


def connections(settings):
    """Connections its public frontends have taken so far (every frontend but the stats one, which the checks reach)."""
    lines = haproxy(settings["socket"], "show stat -1 1 -1").lstrip("# ").splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
    return sum(int(r.get("conn_tot") or 0) for r in rows if r["svname"] == "FRONTEND" and r["pxname"] != settings["statsFrontend"])


def quiet(settings):
    """Waits until no new connection has come for quietSeconds, at most leaveSeconds; whether it got quiet."""
    deadline = time.monotonic() + settings["leaveSeconds"]
    last, since = connections(settings), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = connections(settings)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= settings["quietSeconds"]:
            return True
    return False


def leave(settings):
    with open(settings["map"], "w") as f:
        f.write("leaving 1\n")
    try:
        answer = haproxy(settings["socket"], f"add map {settings['map']} leaving 1")
        log(f"{settings['name']} answers its health check 'leaving' {answer or ''}".strip())
    except OSError as e:
        log(f"the admin socket did not answer ({e}): the running HAProxy still passes its health check; it leaves when stopped")
    time.sleep(settings["leaveSeconds"])
    try:
        if not quiet(settings):
            log(f"new connections still came {settings['leaveSeconds'] * 2} s after it failed its health check")
    except OSError as e:
        log(f"the admin socket did not answer ({e}): leaving after {settings['leaveSeconds']} s")
    log("out of the balancer: soft stop, requests under way finish")
    subprocess.run(settings["softStop"])
    deadline = time.monotonic() + settings["finishSeconds"]
    while time.monotonic() < deadline and subprocess.run(settings["active"]).returncode == 0:
        time.sleep(0.5)
    subprocess.run(settings["hardStop"])
    log("left: what stayed open (WebSockets) closed, its clients reconnect elsewhere")


def spot_notice():
    """The reclamation time, once the metadata service has one (404 until then); with a token where it hands one out."""
    headers = {}
    try:
        put = urllib.request.Request(f"{METADATA}/latest/api/token", method="PUT", headers={"X-aliyun-ecs-metadata-token-ttl-seconds": "60"})
        headers["X-aliyun-ecs-metadata-token"] = DIRECT.open(put, timeout=3).read().decode()
    except (urllib.error.URLError, OSError):
        pass
    try:
        return DIRECT.open(urllib.request.Request(METADATA + SPOT_NOTICE, headers=headers), timeout=3).read().decode().strip() or None
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def main():
    args = sys.argv[1:]
    watch = args[:1] == ["--watch-spot"]
    if watch:
        args = args[1:]
    if len(args) != 1:
        print("usage: china-edge-leave [--watch-spot] SETTINGS.json", file=sys.stderr)
        return 2
    try:
        with open(args[0]) as f:
            settings = json.load(f)
    except (OSError, ValueError) as e:
        log(f"no settings in {args[0]}: {e}")
        return 2
    while watch:
        try:
            when = spot_notice()
        except (urllib.error.URLError, OSError) as e:
            log(f"the metadata service did not answer: {e}")
            when = None
        if when:
            log(f"spot reclamation at {when}")
            break
        time.sleep(float(os.environ.get("CHINA_EDGE_SPOT_POLL_SECONDS", "5")))
    try:
        leave(settings)
    except (OSError, KeyError, ValueError) as e:
        log(f"{settings.get('name', '?')} could not leave cleanly: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
