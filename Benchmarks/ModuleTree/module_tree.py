"""The cost of walking a module tree in PyTorch: the Python half of Benchmarks/run-module-tree.sh
(the Swift half is Benchmarks/ModuleTree/Swift). Prints one JSON object: median microseconds per call."""
import json
import time

import torch
from torch import nn

torch.set_num_threads(2)
torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
layer = nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=512, batch_first=True)
transformer = nn.TransformerEncoder(layer, num_layers=6, enable_nested_tensor=False)

cases = {
    "parameters, MLP": lambda: list(mlp.parameters()),
    "parameters, transformer": lambda: list(transformer.parameters()),
    "named modules, transformer": lambda: list(transformer.named_modules()),
    "train(), transformer": lambda: transformer.train(),
    "zero grad, MLP": lambda: mlp.zero_grad(),
}

results = {}
for name, run in cases.items():
    for _ in range(20):
        run()
    probe = time.perf_counter_ns()
    for _ in range(20):
        run()
    calls = max(20, int(0.1e9 / ((time.perf_counter_ns() - probe) / 20)))
    samples = []
    for _ in range(7):
        start = time.perf_counter_ns()
        for _ in range(calls):
            run()
        samples.append((time.perf_counter_ns() - start) / calls / 1e3)
    results[name] = sorted(samples)[3]
print(json.dumps({"torch": torch.__version__, "us_per_call": results}))
