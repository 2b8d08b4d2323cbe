"""Shared helpers for the Lightning reference scripts.

Every script imports this module first: it makes the run deterministic (one thread, fixed seed,
no warnings, Lightning's info logger silenced) and gives the fixed data, the fixed initial weights
and the JSON writer. Everything the Swift tests need to rebuild a scenario (data, weights, settings)
is written into the fixtures themselves, so the Swift side never has to read this file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # CPU only, even on a machine with a GPU
os.environ.setdefault("PYTHONHASHSEED", "0")

import torch  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

warnings.filterwarnings("ignore")

import lightning as L
from lightning.pytorch.loggers.logger import Logger  # noqa: E402

# Lightning sets its loggers to INFO on import; silence the "GPU available" / "💡 Tip" lines.
for _name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
    logging.getLogger(_name).setLevel(logging.ERROR)

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "Tests" / "LightningTests" / "Fixtures"

# ---------------------------------------------------------------------------------------------
# Fixed data and weights (identical in every fixture that says "data": "standard")
# ---------------------------------------------------------------------------------------------

TRAIN_X = [[0.0, 1.0], [1.0, 0.5], [2.0, -1.0], [0.5, 0.5], [-1.0, 2.0], [1.5, -0.5], [0.25, 0.75], [-0.5, -1.5]]
TRAIN_Y = [[1.0], [0.0], [-1.0], [0.5], [2.0], [0.25], [1.0], [-1.0]]
VAL_X = [[1.0, 1.0], [0.0, -1.0], [-2.0, 0.5], [0.75, 0.25]]
VAL_Y = [[0.5], [-0.5], [1.5], [0.0]]
INIT_WEIGHT = [[0.5, -0.25]]
INIT_BIAS = [0.1]

STANDARD_DATA = {
    "train_x": TRAIN_X,
    "train_y": TRAIN_Y,
    "val_x": VAL_X,
    "val_y": VAL_Y,
    "dtype": "float32",
    "model": "Linear(2, 1) with weight=init_weight, bias=init_bias; loss = mse_loss(model(x), y)",
    "init_weight": INIT_WEIGHT,
    "init_bias": INIT_BIAS,
    "shuffle": False,
}


def seed_all(seed: int = 0) -> None:
    torch.manual_seed(seed)
    torch.set_num_threads(1)


def dataset(xs, ys) -> TensorDataset:
    return TensorDataset(torch.tensor(xs, dtype=torch.float32), torch.tensor(ys, dtype=torch.float32))


def train_set(n: int | None = None) -> TensorDataset:
    if n is None:
        return dataset(TRAIN_X, TRAIN_Y)
    # n samples: the 8 standard ones repeated
    xs = [TRAIN_X[i % len(TRAIN_X)] for i in range(n)]
    ys = [TRAIN_Y[i % len(TRAIN_Y)] for i in range(n)]
    return dataset(xs, ys)


def val_set(n: int | None = None) -> TensorDataset:
    if n is None:
        return dataset(VAL_X, VAL_Y)
    xs = [VAL_X[i % len(VAL_X)] for i in range(n)]
    ys = [VAL_Y[i % len(VAL_Y)] for i in range(n)]
    return dataset(xs, ys)


def loader(ds, batch_size: int = 2) -> DataLoader:
    return DataLoader(ds, batch_size=batch_size, shuffle=False, num_workers=0)


def fixed_linear() -> torch.nn.Linear:
    layer = torch.nn.Linear(2, 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(INIT_WEIGHT))
        layer.bias.copy_(torch.tensor(INIT_BIAS))
    return layer


class FakeClock:
    """Stands in for the `time` module of the Lightning modules given to `use_fake_clock`: the
    scripts' steps advance `FakeClock.now`, so where time runs out, or when a timed validation or
    checkpoint falls, does not depend on the machine (Swift: the tests' FakeClock)."""
    now = 1000.0

    @staticmethod
    def monotonic():
        return FakeClock.now


def use_fake_clock(*modules) -> None:
    """Makes `modules` (Lightning modules that `import time`) read `FakeClock`."""
    for module in modules:
        module.time = FakeClock


# ---------------------------------------------------------------------------------------------
# Trainer defaults and temporary directories
# ---------------------------------------------------------------------------------------------

QUIET = dict(enable_progress_bar=False, enable_model_summary=False, accelerator="cpu", devices=1)


@contextlib.contextmanager
def tmpdir():
    d = tempfile.mkdtemp(prefix="lref-")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------


def jsonable(obj: Any) -> Any:
    """Converts tensors and non-finite floats into JSON values.

    Non-finite floats become the strings "nan", "inf", "-inf" (JSON has no literal for them).
    A 0-dim tensor becomes its Python number; a tensor with dims a nested list.
    """
    if isinstance(obj, torch.Tensor):
        obj = obj.detach().cpu()
        if obj.dim() == 0:
            return jsonable(obj.item())
        return jsonable(obj.tolist())
    if isinstance(obj, float):
        if math.isnan(obj):
            return "nan"
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)


def write_json(out_dir: Path, name: str, obj: Any) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    text = json.dumps(jsonable(obj), indent=1, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    print(f"[lightning-reference] wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path} "
          f"({len(text) // 1024} KiB)", file=sys.stderr)
    return path


def write_text(out_dir: Path, name: str, text: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    path.write_text(text, encoding="utf-8")
    print(f"[lightning-reference] wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}",
          file=sys.stderr)
    return path


def out_dir_from_argv() -> Path:
    if "--out" in sys.argv:
        return Path(sys.argv[sys.argv.index("--out") + 1]).resolve()
    return DEFAULT_OUT


def versions() -> dict:
    return {"torch": torch.__version__.split("+")[0], "lightning": L.__version__, "python": sys.version.split()[0]}


def error_of(fn) -> dict:
    """Runs fn and returns {"type": ..., "message": ...} of what it raised (None if nothing)."""
    try:
        fn()
    except BaseException as e:  # noqa: BLE001
        return {"type": type(e).__name__, "message": str(e)}
    return None


class RecordingLogger(Logger):
    """Keeps every `log_metrics(metrics, step)` call, in order: {"step": …, "metrics": [[name, value], …]}."""

    def __init__(self):
        super().__init__()
        self.calls = []

    @property
    def name(self):
        return "recording"

    @property
    def version(self):
        return 0

    def log_hyperparams(self, params, *args, **kwargs):
        pass

    def log_metrics(self, metrics, step=None):
        self.calls.append({"step": step, "metrics": [[k, float(v)] for k, v in metrics.items()]})
