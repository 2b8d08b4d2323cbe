"""DDP reference: W1 (MLP 784→128→ReLU→10, Adam 1e-3, cross-entropy) for 50 steps with Lightning's
DDP strategy on 2 CPU processes (Gloo), batch 32 per rank, and with 1 process, batch 64.

The data and the initial weights are what Tests/DDPChild makes in Swift from the same seeds:
x = randn(3200, 784) and y = randint(10, (3200,)) from Generator(seed 42); the two Linear layers
drawn after manual_seed(0). Under DDP Lightning always shuffles training data: each rank gets
DistributedSampler(shuffle=True, seed=0)'s share of randperm(3200). The single process reads that
same permutation (a DistributedSampler with one replica), so the two ranks' batch k together are
the single process's batch k.

Writes ddp_w1.json: the train_loss_step that callbacks see after every step (logged with
sync_dist=True), the epoch value, and per parameter the sum and the first 64 values of the final
weights, for both runs. Lightning's launcher re-runs this script for rank 1; rank 0 writes.
"""

from __future__ import annotations

import os
import sys

import common  # noqa: F401  (deterministic settings, quiet Lightning)
import torch
import lightning as L
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

STEPS = 50


class W1(L.LightningModule):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.hidden = torch.nn.Linear(784, 128)
        self.output = torch.nn.Linear(128, 10)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self.output(torch.relu(self.hidden(x))), y)
        self.log("train_loss", loss, on_step=True, on_epoch=True, sync_dist=True)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


class Recorder(L.Callback):
    def __init__(self):
        self.losses = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.losses.append(float(trainer.callback_metrics["train_loss_step"]))


def run(devices: int, batch_size: int) -> dict:
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(42)
    x = torch.randn(3200, 784, generator=g)
    y = torch.randint(10, (3200,), generator=g)
    model = W1()
    recorder = Recorder()
    trainer = L.Trainer(accelerator="cpu", devices=devices, strategy="ddp" if devices > 1 else "auto",
                        max_steps=STEPS, max_epochs=1, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, callbacks=[recorder])
    data = TensorDataset(x, y)
    sampler = DistributedSampler(data, num_replicas=1, rank=0, shuffle=True, seed=0) if devices == 1 else None
    trainer.fit(model, DataLoader(data, batch_size=batch_size, sampler=sampler))
    parameters = {name: p.detach() for name, p in model.named_parameters()}
    return {
        "rank": trainer.global_rank,
        "losses": recorder.losses,
        "epoch_loss": float(trainer.callback_metrics["train_loss_epoch"]),
        "parameter_sums": {n: float(p.double().sum()) for n, p in parameters.items()},
        "parameter_heads": {n: p.flatten()[:64].tolist() for n, p in parameters.items()},
    }


if __name__ == "__main__":
    mode = os.environ.get("DDP_W1_MODE", "ddp")
    if mode == "single":
        result = run(devices=1, batch_size=64)
        print("RESULT " + __import__("json").dumps(result))
        sys.exit(0)
    ddp = run(devices=2, batch_size=32)
    if ddp["rank"] == 0:
        import json
        import subprocess

        # The single-process run in a fresh interpreter (this one holds a process group).
        env = dict(os.environ, DDP_W1_MODE="single")
        for key in ("LOCAL_RANK", "NODE_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
            env.pop(key, None)
        out = subprocess.run([sys.executable, os.path.abspath(__file__)], env=env, capture_output=True, text=True, check=True)
        single = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])
        common.write_json(common.out_dir_from_argv(), "ddp_w1.json", {
            "versions": common.versions(), "steps": STEPS, "ddp": ddp, "single": single,
        })
