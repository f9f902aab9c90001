"""Regenerate the bundled snapshots from the examples, with the agent (never by hand).

    python scripts/make_snapshots.py

Writes snapshots/webcache-1.json.gz (200 requests) and snapshots/webcache-2.json.gz (1200 requests:
the same program, leaking more), each by running
`python -m heapdiff.agent OUT examples/webcache.py N` in a fresh interpreter; and
snapshots/service-1.json.gz, service-2.json.gz, service-3.json.gz: three snapshots of one running
examples/service.py taken by signal (scripts/service_snapshots.py --no-report).
"""

import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
RUNS = [("webcache-1.json.gz", "webcache.py", 200), ("webcache-2.json.gz", "webcache.py", 1200)]


def main():
    out_dir = os.path.join(ROOT, "snapshots")
    os.makedirs(out_dir, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "python") + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONHASHSEED"] = "0"  # str hashes (extra.h) comparable between the two snapshots
    for name, script, n in RUNS:
        out = os.path.join(out_dir, name)
        cmd = [sys.executable, "-m", "heapdiff.agent", out, os.path.join(ROOT, "examples", script), str(n)]
        subprocess.run(cmd, env=env, check=True, cwd=ROOT)
        print("%s: %d bytes" % (os.path.relpath(out, ROOT), os.path.getsize(out)))
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "service_snapshots.py"), "--out", out_dir,
                    "--no-report"], env=env, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
