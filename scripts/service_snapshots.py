"""Snapshot a running service three times by signal, then diff the snapshots.

    python scripts/service_snapshots.py [--out DIR] [--requests N] [--heapdiff BIN | --no-report]

1. starts examples/service.py (an HTTP server on 127.0.0.1, a free port);
2. sends it N requests per phase (default 600; 127.0.0.1 only) and, after each phase,
   (after half a second, so that no request is in flight) `kill -USR2 PID`, waiting until the next finished file service-NNNN.json.gz is there
   (a file with that name is always complete: the agent writes `.NAME.tmp-PID` and renames it);
   phase 1 asks for 100 distinct pages, phase 2 for 600 (the 256-page lru_cache fills up),
   phase 3 for 600 others (the cache stays full and replaces its entries);
3. stops the service (`GET /quit`) and copies the three snapshots to DIR/service-1.json.gz,
   service-2.json.gz, service-3.json.gz (default DIR: snapshots/, the bundled ones);
4. runs `heapdiff S1 S2` and `heapdiff trend S1 S2 S3` (target/release/heapdiff, or `heapdiff` on
   PATH, or --heapdiff BIN) unless --no-report.

All three snapshots come from one process, so the diff matches objects across them.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))

from heapdiff.agent import snapshot_files  # noqa: E402

PHASES = [  # (first page id, distinct pages) per phase, before snapshot 1, 2, 3
    (0, 100),
    (0, 600),
    (600, 600),
]


def get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=30) as r:
        return r.read()


def wait_for_snapshot(proc, directory, count, timeout=120.0):
    """Wait until `count` finished snapshots exist; return the newest."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = snapshot_files(directory, "service")
        if len(files) >= count:
            return files[-1]
        if proc.poll() is not None:
            raise RuntimeError("the service exited (%s) before writing snapshot %d" % (proc.returncode, count))
        time.sleep(0.05)
    raise RuntimeError("no snapshot %d in %s after %.0f s" % (count, directory, timeout))


def find_heapdiff(explicit):
    if explicit:
        return explicit
    built = os.path.join(ROOT, "target", "release", "heapdiff")
    if os.path.exists(built):
        return built
    return shutil.which("heapdiff")


def run_service_and_snapshot(out_dir, requests):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "python") + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONHASHSEED"] = "0"
    with tempfile.TemporaryDirectory(prefix="heapdiff-service-") as live:
        proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "examples", "service.py"),
                                 "--snapshots", live, "--keep", "5"],
                                env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            ready = json.loads(proc.stdout.readline())
            pid, port = ready["pid"], ready["port"]
            print("service: pid %d on 127.0.0.1:%d, snapshots in %s" % (pid, port, live))
            taken = []
            for k, (first, distinct) in enumerate(PHASES, 1):
                t0 = time.monotonic()
                for i in range(requests):
                    get(port, "/item/%d" % (first + i % distinct))
                t1 = time.monotonic()
                # the client has its response a moment before the server thread leaves the handler:
                # let it return, so that no request is in flight in the snapshot
                time.sleep(0.5)
                os.kill(pid, signal.SIGUSR2)
                path = wait_for_snapshot(proc, live, k)
                taken.append(path)
                print("phase %d: %d requests in %.1f s; snapshot %s (%d bytes) in %.1f s"
                      % (k, requests, t1 - t0, os.path.basename(path), os.path.getsize(path), time.monotonic() - t1))
            get(port, "/quit")
            print("service: " + proc.stdout.readline().strip())
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        os.makedirs(out_dir, exist_ok=True)
        outs = []
        for k, path in enumerate(taken, 1):
            out = os.path.join(out_dir, "service-%d.json.gz" % k)
            shutil.copyfile(path, out)
            outs.append(out)
    return outs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "snapshots"), help="where service-{1,2,3}.json.gz go")
    ap.add_argument("--requests", type=int, default=600, help="requests per phase (default 600)")
    ap.add_argument("--heapdiff", default=None, help="the heapdiff binary")
    ap.add_argument("--no-report", action="store_true", help="do not run heapdiff on the snapshots")
    args = ap.parse_args(argv)
    outs = run_service_and_snapshot(args.out, args.requests)
    for o in outs:
        print("%s: %d bytes" % (os.path.relpath(o), os.path.getsize(o)))
    if args.no_report:
        return 0
    binary = find_heapdiff(args.heapdiff)
    if not binary:
        print("heapdiff not found (cargo build --release): skipping the report")
        return 0
    rel = [os.path.relpath(o) for o in outs]
    for cmd in ([binary, rel[0], rel[1]], [binary, "trend"] + rel):
        print("\n$ heapdiff " + " ".join(cmd[1:]), flush=True)
        r = subprocess.run(cmd)
        if r.returncode not in (0, 1):
            return r.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
