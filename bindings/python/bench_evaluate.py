"""Throughput of Ruleset.evaluate with a dict in and a dict out, on one thread.

    python3 bindings/python/bench_evaluate.py [RULESET_DIR] [APPLICATION_JSON]

The application defaults to examples/applications/food-business-restaurant.json, the one the
C++ benchmark (`evenhand_bench --benchmark_filter=eval`) uses. Prints decisions per second,
the median of 5 runs, for: the whole round trip (dict → decision → dict), the same keeping
the decision's canonical JSON (to_json), and text in, JSON out as the C++ figure measures.
"""

import json
import pathlib
import statistics
import sys
import time

# This directory holds the package's sources without the compiled module: import the built or
# installed package rather than them.
if sys.path and pathlib.Path(sys.path[0] or ".").resolve() == pathlib.Path(__file__).resolve().parent:
    del sys.path[0]

import evenhand  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


def rate(fn, seconds=1.0):
    n = 0
    start = time.perf_counter()
    while True:
        for _ in range(200):
            fn()
        n += 200
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def main():
    ruleset = sys.argv[1] if len(sys.argv) > 1 else ROOT / "rulesets" / "cn-demo"
    path = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else ROOT / "examples" / "applications" / "food-business-restaurant.json")
    rules = evenhand.load(ruleset)
    text = path.read_text(encoding="utf-8")
    app = json.loads(text)
    cases = [
        ("dict in, dict out (evaluate(app).to_dict())", lambda: rules.evaluate(app).to_dict()),
        ("dict in, canonical JSON out (evaluate(app).to_json())", lambda: rules.evaluate(app).to_json()),
        ("JSON text in, canonical JSON out", lambda: rules.evaluate(text).to_json()),
    ]
    for name, fn in cases:
        fn()
        runs = [rate(fn) for _ in range(5)]
        median = statistics.median(runs)
        print(f"{name:55} {median / 1000:6.1f} k decisions/s  {1e6 / median:6.1f} µs each")


if __name__ == "__main__":
    main()
