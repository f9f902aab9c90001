"""A long-running HTTP service with one real leak and one bounded cache, snapshotted while it runs.

    python examples/service.py [--port 0] [--snapshots DIR] [--keep N]

It serves 127.0.0.1 only (`http.server` in a thread), prints one JSON line when ready
(`{"pid": ..., "port": ..., "snapshots": DIR}`) and runs until `GET /quit`, SIGTERM or Ctrl-C.
`kill -USR2 PID` writes the next snapshot, DIR/service-NNNN.json.gz (heapdiff.agent.install).

Endpoints: `GET /item/<n>` (a rendered page), `GET /quit`.

What it holds on to:
- `HISTORY`: one `RequestLog` (path, client address, time, a copy of the headers) per request,
  appended and never trimmed: the leak, a typical "audit trail / recent requests" list.
- `render_item`: `functools.lru_cache(maxsize=256)`: fills up to 256 pages, then replaces old
  entries: bounded, it stops growing.

scripts/service_snapshots.py starts it, drives load, takes three snapshots by signal and runs
`heapdiff A B` and `heapdiff trend` on them (the bundled snapshots/service-*.json.gz).
"""

import argparse
import functools
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

try:
    import heapdiff.agent as heapdiff_agent
except ImportError:  # running from a checkout without PYTHONPATH
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import heapdiff.agent as heapdiff_agent


class RequestLog:
    """One served request, as an audit trail keeps it."""

    def __init__(self, path, client, headers, status):
        self.path = path
        self.client = client
        self.started = time.time()
        self.headers = headers
        self.status = status


HISTORY = []  # every RequestLog ever: never trimmed (the leak)
QUIT = threading.Event()


@functools.lru_cache(maxsize=256)
def render_item(item_id):
    """A bounded cache: at most 256 rendered pages, whatever the traffic."""
    rows = "".join("<tr><td>%06d</td><td>%s</td></tr>" % (item_id * 10 + i, "x" * 40) for i in range(10))
    return "<html><body><h1>item %06d</h1><table>%s</table></body></html>" % (item_id, rows)


class Handler(BaseHTTPRequestHandler):
    server_version = "heapdiff-example/1.0"

    def do_GET(self):
        if self.path == "/quit":
            body, status = "bye\n", 200
            QUIT.set()
        elif self.path.startswith("/item/") and self.path[6:].isdigit():
            body, status = render_item(int(self.path[6:])), 200
        else:
            body, status = "not found\n", 404
        HISTORY.append(RequestLog(self.path, self.client_address, dict(self.headers), status))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # quiet
        pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    ap.add_argument("--snapshots", default=None, help="directory for snapshots (default: ./service-snapshots/PID)")
    ap.add_argument("--keep", type=int, default=10, help="snapshots to keep (default 10)")
    args = ap.parse_args(argv)
    directory = args.snapshots or os.path.join("service-snapshots", str(os.getpid()))

    # kill -USR2 <pid> -> directory/service-0001.json.gz, -0002, ... (the last `keep` of them)
    snapshots = heapdiff_agent.install(signal=signal.SIGUSR2, directory=directory, keep=args.keep,
                                       prefix="service")
    signal.signal(signal.SIGTERM, lambda signum, frame: QUIT.set())

    server = HTTPServer(("127.0.0.1", args.port), Handler)
    http_thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    http_thread.start()
    print(json.dumps({"pid": os.getpid(), "port": server.server_address[1], "snapshots": directory}), flush=True)
    try:
        while not QUIT.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    server.shutdown()
    server.server_close()
    if snapshots is not None:
        snapshots.stop()
    print(json.dumps({"served": len(HISTORY), "cached_pages": render_item.cache_info().currsize}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
