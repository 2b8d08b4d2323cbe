"""Per-operation overhead of Python PyTorch on small tensors: the Python half of the op-overhead
benchmark (Benchmarks/run-op-overhead.sh runs it beside the Swift half). Prints one JSON object."""
import json
import statistics
import sys
import time

import torch

ITERATIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
REPEATS = 7

torch.set_num_threads(2)
torch.manual_seed(0)
a = torch.randn(4, 4)
b = torch.randn(4, 4)
v = torch.randn(16)

cases = {
    "add 4x4": lambda: a.add(b),
    "matmul 4x4": lambda: a.matmul(b),
    "relu 16": lambda: v.relu(),
    "sum 4x4": lambda: a.sum(),
    "mul scalar 4x4": lambda: a.mul(2.0),
}

results = {}
for name, op in cases.items():
    for _ in range(1000):
        op()
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter_ns()
        for _ in range(ITERATIONS):
            op()
        samples.append((time.perf_counter_ns() - start) / ITERATIONS)
    results[name] = statistics.median(samples)
print(json.dumps({"torch": torch.__version__, "ns_per_op": results}))
