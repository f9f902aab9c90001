"""A model-serving loop that leaks native memory two ways (heapdiff's ML example, issue 7).

    python examples/model_server.py [REQUESTS]

Each request scores a batch of feature rows with a small two-layer numpy model and logs a summary
row to a bounded pandas DataFrame (not a leak: it keeps the last 500 rows). The leaks:

1. `server.history` keeps every request's hidden activations (a (32, 128) float32 array, 16 KiB)
   "for drift monitoring", and never trims;
2. `server.samples[request_id]` keeps `batch[:1]`, one row "for debugging": a *view*, so it pins the
   whole 32 KiB batch buffer behind it, not the 1 KiB row it shows.

With torch installed, each request also runs a torch layer and keeps its output in `server.outputs`
with its autograd graph (requires_grad weights): the graph's saved activations stay alive.

scripts/ml_snapshots.py runs `main(600, [A, B])`: snapshots after 200 and 600 requests of one process.
"""

import sys

import numpy as np
import pandas as pd

try:  # optional: the torch part runs only where torch is installed
    import torch
except ImportError:
    torch = None

FEATURES = 256
HIDDEN = 128
CLASSES = 10
BATCH = 32


class Model:
    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.w1 = rng.standard_normal((FEATURES, HIDDEN)).astype(np.float32) / 16
        self.w2 = rng.standard_normal((HIDDEN, CLASSES)).astype(np.float32) / 11
        self.t1 = torch.randn(FEATURES, HIDDEN, requires_grad=True) if torch is not None else None

    def hidden(self, x):
        return np.maximum(x @ self.w1, 0)

    def scores(self, h):
        z = h @ self.w2
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


class Server:
    def __init__(self):
        self.model = Model()
        self.rng = np.random.default_rng(1)
        self.log = pd.DataFrame({"request": pd.Series(dtype="int64"), "label": pd.Series(dtype="int64"),
                                 "confidence": pd.Series(dtype="float64")})
        self.history = []   # leak 1: every request's activations
        self.samples = {}   # leak 2: a one-row view per request, pinning its whole batch
        self.outputs = []   # torch only: outputs with their autograd graphs
        self.served = 0

    def handle(self, request_id):
        batch = self.rng.random((BATCH, FEATURES), dtype=np.float32)
        h = self.model.hidden(batch)
        p = self.model.scores(h)
        self.history.append(h)
        self.samples[request_id] = batch[:1]
        if torch is not None:
            self.outputs.append(torch.relu(torch.from_numpy(batch) @ self.model.t1).sum())
        label = p.argmax(axis=1)
        row = pd.DataFrame({"request": [request_id] * BATCH, "label": label, "confidence": p.max(axis=1)})
        self.log = pd.concat([self.log, row], ignore_index=True).tail(500)
        self.served += 1
        return label


server = None


def main(requests=600, snapshots=()):
    """Serve `requests` requests; with snapshot paths, dump one after each equal share of them."""
    global server
    server = Server()
    parts = len(snapshots) or 1
    marks = [requests * (i + 1) // parts for i in range(parts)] if snapshots else []
    if snapshots:
        marks[0] = requests // 3  # the first snapshot early: the leak is what grows after it
    dumped = 0
    for i in range(requests):
        server.handle(i)
        if dumped < len(marks) and server.served == marks[dumped]:
            from heapdiff import agent

            st = agent.dump(snapshots[dumped])
            if st.error:
                raise RuntimeError(st.error)
            dumped += 1
    return server


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
    print("served %d requests; history %d arrays, samples %d views" % (server.served, len(server.history),
                                                                        len(server.samples)))
