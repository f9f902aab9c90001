"""Not a leak: temporaries built and freed in each step."""
total = 0


def step(i):
    global total
    rows = [{"id": j, "name": "row %d" % j} for j in range(200)]
    total += sum(r["id"] for r in rows) + i


def warmup():
    for i in range(5):
        step(i)


def work():
    for i in range(5, 200):
        step(i)
