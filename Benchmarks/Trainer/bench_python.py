"""Trainer overhead, Python half of Benchmarks/run-trainer.sh (the Swift half is
Benchmarks/Trainer/Swift/main.swift, with the same data, seeds, models and loader settings).

Runs one workload of benchmarks.md (W1-W5) as a raw PyTorch loop or through Lightning 2.6.6 and
prints one JSON object: fit wall time, steps/s, time from process start to the first training
step (imports included), peak RSS and the final training loss.

Usage: bench_python.py W1|W2|W3|W4|W5 raw|lightning [work directory for W4's logs and checkpoints]
"""
import os
import sys
import time


def boot_seconds():
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def process_start_seconds():
    import os
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[19]) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return -1


workload, mode = sys.argv[1], sys.argv[2]
if mode == "lightning":
    import lightning as L  # noqa: F401  (imported before torch's set-up, as a Lightning script would)
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

first_step_at = None


def mark_step():
    global first_step_at
    if first_step_at is None:
        first_step_at = boot_seconds()


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))

    def loss(self, batch):
        return F.cross_entropy(self.net(batch[0]), batch[1])


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 5 * 5, 10))

    def loss(self, batch):
        return F.cross_entropy(self.net(batch[0]), batch[1])


class TextClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(30522, 128)
        layer = nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=512, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)
        self.head = nn.Linear(128, 2)

    def loss(self, batch):
        hidden = self.encoder(self.embedding(batch[0]))
        return F.cross_entropy(self.head(hidden.mean(dim=1)), batch[1])


class ParityRNN(nn.Module):
    """Lightning's ParityModuleRNN: LSTM(10, 20, batch_first) + Linear(20, 5), MSE."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(10, 20, batch_first=True)
        self.linear_out = nn.Linear(20, 5)

    def loss(self, batch):
        seq, _ = self.rnn(batch[0])
        return F.mse_loss(self.linear_out(seq), batch[1])


def make_workload(wid):
    torch.manual_seed(0)
    val = None
    if wid in ("W1", "W4"):
        x, y = torch.randn(60_000, 784), torch.randint(0, 10, (60_000,))
        if wid == "W4":
            vx, vy = torch.randn(10_000, 784), torch.randint(0, 10, (10_000,))
            val = DataLoader(TensorDataset(vx, vy), batch_size=64)
        torch.manual_seed(0)
        model = MLP()
        train = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(1))
        return model, train, val, (2 if wid == "W4" else 1), 1e-3
    if wid == "W2":
        x, y = torch.randn(10_000, 1, 28, 28), torch.randint(0, 10, (10_000,))
        torch.manual_seed(0)
        model = CNN()
        train = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(1))
        return model, train, None, 1, 1e-3
    if wid == "W3":
        x, y = torch.randint(0, 30522, (6_400, 128)), torch.randint(0, 2, (6_400,))
        torch.manual_seed(0)
        model = TextClassifier()
        train = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(1))
        return model, train, None, 1, 1e-3
    if wid == "W5":
        x = torch.randn(300, 100, 10)
        top, bottom = x.chunk(2, -1)
        y = top + bottom.roll(shifts=1, dims=-1)
        torch.manual_seed(0)
        model = ParityRNN()
        return model, DataLoader(TensorDataset(x, y), batch_size=30), None, 4, 0.02
    raise SystemExit(f"unknown workload {wid}; use W1..W5")


devices = int(__import__("os").environ.get("BENCH_DEVICES", "1"))
# BENCH_LOSSES=path: the raw loop writes every step's loss there, one per line (for parity checks).
LOSSES = [] if os.environ.get("BENCH_LOSSES") else None
torch.set_num_threads(int(os.environ.get("BENCH_THREADS", max(1, 2 // devices))))
started = process_start_seconds()
model, train, val, epochs, lr = make_workload(workload)
workdir = sys.argv[3] if len(sys.argv) > 3 else f"/tmp/trainer-bench-py-{__import__('os').getpid()}"

if mode == "lightning":
    import contextlib
    import os
    import shutil
    import warnings

    import lightning as L
    from lightning.pytorch.callbacks import ModelCheckpoint, TQDMProgressBar
    from lightning.pytorch.loggers import CSVLogger

    warnings.filterwarnings("ignore")

    class BenchModule(L.LightningModule):
        def __init__(self, logs):
            super().__init__()
            self.model = model
            self.logs = logs
            self.last_loss = None

        def training_step(self, batch, batch_idx):
            mark_step()
            loss = self.model.loss(batch)
            if self.logs:
                self.log("train_loss", loss, prog_bar=True)
            self.last_loss = loss
            return loss

        def configure_optimizers(self):
            return torch.optim.Adam(self.model.parameters(), lr=lr)

        def train_dataloader(self):
            return train

    class BenchModuleWithValidation(BenchModule):
        def validation_step(self, batch, batch_idx):
            loss = self.model.loss(batch)
            self.log("val_loss", loss)
            return loss

        def val_dataloader(self):
            return val

    module = BenchModuleWithValidation(True) if val is not None else BenchModule(False)
    if workload == "W4":
        os.makedirs(workdir, exist_ok=True)
        trainer = L.Trainer(
            accelerator="cpu", devices=1, max_epochs=epochs, logger=CSVLogger(workdir),
            callbacks=[ModelCheckpoint(dirpath=workdir + "/checkpoints", monitor="val_loss"), TQDMProgressBar()],
            enable_model_summary=False, default_root_dir=workdir)
        progress = open(workdir + "/progress.txt", "w")
        fit_start = boot_seconds()
        with contextlib.redirect_stdout(progress), contextlib.redirect_stderr(progress):
            trainer.fit(module)
        fit_end = boot_seconds()
        progress.close()
    else:
        trainer = L.Trainer(accelerator="cpu", devices=devices, strategy="ddp" if devices > 1 else "auto",
                            max_epochs=epochs, barebones=True)
        fit_start = boot_seconds()
        trainer.fit(module)
        fit_end = boot_seconds()
    steps = trainer.global_step
    final_loss = module.last_loss.item()
    if trainer.global_rank != 0:
        sys.exit(0)  # one result line per run, from rank 0
    if workload == "W4":
        shutil.rmtree(workdir, ignore_errors=True)
    side = "python_lightning"
else:
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps = 0
    last = None
    fit_start = boot_seconds()
    for epoch in range(epochs):
        model.train()
        for batch in train:
            mark_step()
            optimizer.zero_grad()
            loss = model.loss(batch)
            loss.backward()
            optimizer.step()
            last = loss
            steps += 1
            if LOSSES is not None:
                LOSSES.append(loss.item())
        if val is not None:  # W4's raw loop: the validation pass, without logging or checkpoints
            model.eval()
            total, batches = 0.0, 0
            with torch.no_grad():
                for batch in val:
                    total += model.loss(batch).item()
                    batches += 1
    fit_end = boot_seconds()
    final_loss = last.detach().item()
    side = "python_raw"
    if LOSSES is not None:
        with open(os.environ["BENCH_LOSSES"], "w") as f:
            f.write("\n".join(repr(v) for v in LOSSES) + "\n")

import json  # noqa: E402

fit = fit_end - fit_start
print(json.dumps({
    "side": side, "workload": workload, "devices": devices, "fit_s": fit, "steps": steps, "steps_per_s": steps / fit,
    "first_step_s": first_step_at - started, "peak_rss_mib": peak_rss_mib(), "final_loss": final_loss,
}, sort_keys=True))
