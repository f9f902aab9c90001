"""Regenerate the ML example's snapshots with the agent (never by hand).

    python scripts/ml_snapshots.py        # needs numpy and pandas (requirements-test.txt)

Runs examples/model_server.py in ONE fresh interpreter for 600 requests and dumps
snapshots/model-server-1.json.gz after 200 requests and snapshots/model-server-2.json.gz after 600.
"""

import gzip
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def main():
    out_dir = os.path.join(ROOT, "snapshots")
    os.makedirs(out_dir, exist_ok=True)
    outs = [os.path.join(out_dir, "model-server-%d.json.gz" % i) for i in (1, 2)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(ROOT, "python"), os.path.join(ROOT, "examples")]
                                        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONHASHSEED"] = "0"  # str hashes (extra.h) comparable between the two snapshots
    code = "import model_server; model_server.main(600, %r)" % (outs,)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)
    for out in outs:
        # the agent writes gzip level 1 (fast, in the process); bundled files are worth level 9
        with gzip.open(out, "rb") as f:
            data = f.read()
        with open(out + ".tmp", "wb") as raw:
            with gzip.GzipFile(filename=os.path.basename(out), mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
                f.write(data)
        os.replace(out + ".tmp", out)
        print("%s: %d bytes" % (os.path.relpath(out, ROOT), os.path.getsize(out)))


if __name__ == "__main__":
    main()
