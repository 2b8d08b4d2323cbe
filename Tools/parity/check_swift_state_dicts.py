#!/usr/bin/env python3
"""Loads the state dicts that Swift layers made into the same PyTorch modules, strictly.

The Swift parity tests write each layer's state dict right after construction when
SWIFTLIGHTNING_NN_EXPORT is set:

  SWIFTLIGHTNING_NN_EXPORT=/tmp/swift-states swift test --filter NNParityTests
  "$(Scripts/python-env.sh)" Tools/parity/check_swift_state_dicts.py /tmp/swift-states

For every module case of make_nn_fixtures.py this builds the Python module, calls
load_state_dict(swift_state, strict=True) (which fails on a missing or unexpected key or a shape
mismatch), and checks that the loaded values equal the module's own seeded initialisation bit for
bit, and the Swift keys come in PyTorch's order.
"""

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_nn_fixtures as nn_cases  # noqa: E402


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    folder = sys.argv[1]
    checked, problems = 0, []
    for c in nn_cases.CASES:
        if c.kind != "module":
            continue
        path = os.path.join(folder, f"{c.name}.json")
        if not os.path.exists(path):
            problems.append(f"{c.name}: no Swift state dict in {folder}")
            continue
        with open(path) as f:
            exported = json.load(f)["state"]
        torch.manual_seed(c.seed)
        module = c.make()
        expected = {k: v.clone() for k, v in module.state_dict().items()}
        swift_state = {}
        for entry in exported:
            dtype = nn_cases.base.DTYPES[entry["dtype"]]
            swift_state[entry["name"]] = torch.tensor(np.asarray(entry["data"], dtype=np.float64), dtype=dtype).reshape(entry["shape"])
        try:
            module.load_state_dict(swift_state, strict=True)
        except RuntimeError as error:
            problems.append(f"{c.name}: {error}")
            continue
        if [e["name"] for e in exported] != list(expected):
            problems.append(f"{c.name}: key order {[e['name'] for e in exported]} != {list(expected)}")
        for key, value in module.state_dict().items():
            if not torch.equal(value, expected[key]):
                problems.append(f"{c.name}: {key} differs from PyTorch's own initialisation")
        checked += 1
    for problem in problems:
        print(problem)
    print(f"{checked} Swift state dicts loaded strictly into their PyTorch modules; {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
