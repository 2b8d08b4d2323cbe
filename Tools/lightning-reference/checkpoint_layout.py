"""Fixture: checkpoint layout and ModelCheckpoint behaviour (checkpoint.json).

Part 1 ("layout"): a fit with Adam + StepLR + ModelCheckpoint + EarlyStopping and saved
hyperparameters; the best checkpoint file is loaded and described recursively (dict key order,
Python types, tensor dtypes and shapes; values for everything that is not a tensor with dims).
Variants: save_weights_only=True, and a datamodule with saved hyperparameters and a state_dict.

Part 2 ("filenames" and "top_k"): runs of 6 epochs that log a scripted val_loss per epoch; for each
ModelCheckpoint configuration, the state after each epoch (best_k_models, kth_best_model_path,
kth_value, best_model_path, best_model_score, last_model_path, current_score) and the files on disk.
The train_time_interval cases run on a fake clock that every training step advances by 1 s.
"""

from __future__ import annotations

import datetime
import os

import common
import torch
import torch.nn.functional as F
import lightning as L
from lightning.pytorch.callbacks import Checkpoint, EarlyStopping, ModelCheckpoint
import lightning.pytorch.callbacks.model_checkpoint as model_checkpoint_module
from common import FakeClock

common.use_fake_clock(model_checkpoint_module)  # train_time_interval

# ---------------------------------------------------------------------------------------------
# Recursive description
# ---------------------------------------------------------------------------------------------


class Sanitizer:
    def __init__(self, root):
        self.root = root

    def __call__(self, s: str) -> str:
        return s.replace(self.root, "<root>")


def describe(obj, clean, tensor_values=False):
    if isinstance(obj, torch.Tensor):
        d = {"type": "Tensor", "dtype": str(obj.dtype).replace("torch.", ""), "shape": list(obj.shape)}
        if obj.dim() == 0 or tensor_values:
            d["value"] = common.jsonable(obj)
        return d
    if isinstance(obj, dict):
        return {"type": type(obj).__name__, "keys": [clean(str(k)) for k in obj.keys()],
                "values": {clean(str(k)): describe(v, clean, tensor_values) for k, v in obj.items()}}
    if isinstance(obj, (list, tuple)):
        return {"type": type(obj).__name__, "items": [describe(v, clean, tensor_values) for v in obj]}
    if isinstance(obj, bool):
        return {"type": "bool", "value": obj}
    if isinstance(obj, int):
        return {"type": "int", "value": obj}
    if isinstance(obj, float):
        return {"type": "float", "value": common.jsonable(obj)}
    if isinstance(obj, str):
        return {"type": "str", "value": clean(obj)}
    if obj is None:
        return {"type": "None"}
    return {"type": type(obj).__name__, "repr": clean(repr(obj))}


# ---------------------------------------------------------------------------------------------
# Part 1: layout
# ---------------------------------------------------------------------------------------------


class LayoutModule(L.LightningModule):
    def __init__(self, lr: float = 0.01, hidden: int = 4, tag: str = "layout"):
        super().__init__()
        self.save_hyperparameters()
        self.layer = common.fixed_linear()

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.mse_loss(self(x), y))

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        return {"optimizer": opt, "lr_scheduler": sched}


class LayoutDataModule(L.LightningDataModule):
    def __init__(self, batch_size: int = 2):
        super().__init__()
        self.save_hyperparameters()

    def train_dataloader(self):
        return common.loader(common.train_set(), self.hparams.batch_size)

    def val_dataloader(self):
        return common.loader(common.val_set(), self.hparams.batch_size)

    def state_dict(self):
        return {"seen": 1}


LAYOUT_SETTINGS = dict(max_epochs=3, num_sanity_val_steps=0)


def layout_run(root, weights_only=False, with_datamodule=False):
    common.seed_all(0)
    ckdir = os.path.join(root, "checkpoints")
    model = LayoutModule()
    ck = ModelCheckpoint(dirpath=ckdir, monitor="val_loss", mode="min", save_weights_only=weights_only)
    es = EarlyStopping(monitor="val_loss", patience=3)
    t = L.Trainer(default_root_dir=root, logger=False, callbacks=[ck, es], **common.QUIET, **LAYOUT_SETTINGS)
    if with_datamodule:
        t.fit(model, datamodule=LayoutDataModule())
    else:
        t.fit(model, common.loader(common.train_set()), common.loader(common.val_set()))
    path = ck.best_model_path
    ckpt = torch.load(path, weights_only=False)
    clean = Sanitizer(root)
    return path, ckpt, clean, ck


def layout_part(root):
    path, ckpt, clean, ck = layout_run(os.path.join(root, "layout"))
    full = describe(ckpt, clean)
    out = {
        "scenario": {
            "model": "LayoutModule(lr=0.01, hidden=4, tag='layout') with save_hyperparameters(); Linear(2,1) "
                     "with the standard initial weights",
            "optimizer": {"type": "Adam", "lr": 0.01},
            "lr_scheduler": {"type": "StepLR", "step_size": 2, "gamma": 0.5, "interval": "epoch (default)"},
            "callbacks": ["ModelCheckpoint(dirpath=<root>/checkpoints, monitor='val_loss', mode='min')",
                          "EarlyStopping(monitor='val_loss', patience=3)"],
            "trainer": {**LAYOUT_SETTINGS, "logger": False},
            "data": "standard train (8 samples) and val (4 samples), batch_size 2, passed as dataloaders",
        },
        "file": os.path.basename(path),
        "top_level_keys": list(ckpt.keys()),
        "checkpoint": full,
        "state_dict_values": {k: common.jsonable(v) for k, v in ckpt["state_dict"].items()},
        "ModelCheckpoint_state_key": ck.state_key,
    }

    path_w, ckpt_w, clean_w, _ = layout_run(os.path.join(root, "weights"), weights_only=True)
    out["save_weights_only"] = {
        "description": "the same run with ModelCheckpoint(save_weights_only=True)",
        "top_level_keys": list(ckpt_w.keys()),
        "checkpoint": describe(ckpt_w, clean_w),
    }
    path_d, ckpt_d, clean_d, _ = layout_run(os.path.join(root, "dm"), with_datamodule=True)
    out["with_datamodule"] = {
        "description": "the same run with LayoutDataModule(batch_size=2) (save_hyperparameters(); "
                       "state_dict() returns {'seen': 1}) instead of dataloaders",
        "top_level_keys": list(ckpt_d.keys()),
        "extra_entries": {k: describe(ckpt_d[k], clean_d) for k in ckpt_d if k not in ckpt},
    }
    return out


# ---------------------------------------------------------------------------------------------
# Part 2: file names and top-k bookkeeping with a scripted val_loss
# ---------------------------------------------------------------------------------------------

VAL_LOSSES = [0.9, 0.7, 0.8, 0.5, 0.6, 0.55]
VAL_ACC = [0.1, 0.3, 0.2, 0.6, 0.5, 0.55]


class ScriptedModule(L.LightningModule):
    """Logs val_loss = VAL_LOSSES[epoch] and val/acc = VAL_ACC[epoch] in every validation_step (the epoch
    mean is then exactly that float32 value)."""

    def __init__(self, clock_tick=0.0):
        super().__init__()
        self.layer = common.fixed_linear()
        self.clock_tick = clock_tick

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        FakeClock.now += self.clock_tick
        x, y = batch
        return F.mse_loss(self(x), y)

    def validation_step(self, batch, batch_idx):
        e = self.current_epoch
        self.log("val_loss", VAL_LOSSES[e])
        self.log("val/acc", VAL_ACC[e])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def list_files(d):
    out = []
    for base, dirs, files in os.walk(d):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(base, f)
            rel = os.path.relpath(p, d)
            if os.path.islink(p):
                out.append(f"{rel} -> {os.path.relpath(os.path.realpath(p), d)}")
            else:
                out.append(rel)
        for dd in dirs:
            p = os.path.join(base, dd)
            if os.path.islink(p):
                out.append(os.path.relpath(p, d) + "/ (link)")
    return sorted(out)


def ck_state(ck, ckdir):
    rel = lambda p: os.path.relpath(p, ckdir) if p else p  # noqa: E731
    score = lambda s: None if s is None else common.jsonable(s)  # noqa: E731
    return {
        "best_model_path": rel(ck.best_model_path),
        "best_model_score": score(ck.best_model_score),
        "best_k_models": {rel(k): score(v) for k, v in ck.best_k_models.items()},
        "kth_best_model_path": rel(ck.kth_best_model_path),
        "kth_value": score(ck.kth_value),
        "last_model_path": rel(ck.last_model_path),
        "current_score": score(ck.current_score),
    }


class Recorder(Checkpoint):
    """Placed after the ModelCheckpoint; as a Checkpoint subclass it runs in the monitoring group at
    train-epoch end, after ModelCheckpoint has saved. Records the state and the files after every epoch
    (and after every train batch where a step-based trigger may save)."""

    def __init__(self, ck, ckdir, per_batch=False):
        self.ck, self.ckdir, self.per_batch = ck, ckdir, per_batch
        self.rows = []

    def _row(self, trainer, at):
        self.rows.append({"at": at, "epoch": trainer.current_epoch, "global_step": trainer.global_step,
                          **ck_state(self.ck, self.ckdir), "files": list_files(self.ckdir)})

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if self.per_batch:
            self._row(trainer, f"on_train_batch_end(batch_idx={batch_idx})")

    def on_train_epoch_end(self, trainer, pl_module):
        self._row(trainer, "on_train_epoch_end")

    def on_train_end(self, trainer, pl_module):
        self._row(trainer, "on_train_end")


CASES = [
    # id, ModelCheckpoint kwargs (dirpath added), trainer extra, per_batch
    ("default_no_monitor", {}, {}, False),
    ("top2_min_epoch_val_loss_2f", {"monitor": "val_loss", "save_top_k": 2, "mode": "min",
                                    "filename": "{epoch}-{val_loss:.2f}"}, {}, False),
    ("top2_max_val_acc", {"monitor": "val/acc", "save_top_k": 2, "mode": "max",
                          "filename": "{epoch}-{val/acc:.2f}"}, {}, False),
    ("top_all_model_step", {"monitor": "val_loss", "save_top_k": -1, "filename": "model-{step}"}, {}, False),
    ("no_auto_insert", {"monitor": "val_loss", "filename": "ep{epoch:02d}-loss{val_loss:.3f}",
                        "auto_insert_metric_name": False}, {}, False),
    ("unformatted_metric_and_missing", {"monitor": "val_loss", "filename": "{epoch}-{val_loss}-{missing}"}, {},
     False),
    ("slash_metric_name", {"monitor": "val/acc", "mode": "max", "filename": "{val/acc:.1f}"}, {}, False),
    ("save_last_true", {"monitor": "val_loss", "save_last": True}, {}, False),
    ("save_last_link", {"monitor": "val_loss", "save_last": "link"}, {}, False),
    ("save_top_k_0_save_last", {"monitor": "val_loss", "save_top_k": 0, "save_last": True}, {}, False),
    ("every_n_epochs_2", {"monitor": "val_loss", "save_top_k": -1, "every_n_epochs": 2}, {}, False),
    ("every_n_train_steps_3", {"save_top_k": -1, "every_n_train_steps": 3}, {}, True),
    ("every_n_train_steps_3_monitor_top1", {"monitor": "val_loss", "every_n_train_steps": 3}, {}, True),
    ("train_time_interval_2_5s", {"save_top_k": -1, "train_time_interval": 2.5}, {}, True),
    ("train_time_interval_2_5s_monitor_top1", {"monitor": "val_loss", "train_time_interval": 2.5}, {}, True),
    ("fixed_name_no_monitor", {"filename": "fixed", "save_top_k": -1}, {}, False),
    ("version_counter", {"monitor": "val_loss", "filename": "fixed", "save_top_k": -1}, {}, False),
    ("no_version_counter", {"monitor": "val_loss", "filename": "fixed", "save_top_k": -1,
                            "enable_version_counter": False}, {}, False),
    ("version_counter_save_last", {"monitor": "val_loss", "filename": "last", "save_top_k": 2, "save_last": True},
     {}, False),
    ("prefix_template_with_dots", {"monitor": "val_loss", "filename": "run.{epoch}.{val_loss:.4f}"}, {}, False),
]


def topk_part(root):
    results = []
    for cid, kwargs, extra, per_batch in CASES:
        common.seed_all(0)
        d = os.path.join(root, cid)
        ckdir = os.path.join(d, "ckpts")
        FakeClock.now = 1000.0
        interval = kwargs.get("train_time_interval")
        ck = ModelCheckpoint(dirpath=ckdir, **{**kwargs, **({"train_time_interval": datetime.timedelta(seconds=interval)}
                                                           if interval else {})})
        rec = Recorder(ck, ckdir, per_batch)
        settings = dict(max_epochs=len(VAL_LOSSES), num_sanity_val_steps=0, **extra)
        t = L.Trainer(default_root_dir=d, logger=False, callbacks=[ck, rec], **common.QUIET, **settings)
        module = ScriptedModule(clock_tick=1.0 if interval else 0.0)
        err = common.error_of(lambda: t.fit(module, common.loader(common.train_set()),
                                            common.loader(common.val_set())))
        results.append({
            "id": cid,
            "model_checkpoint": {k: v for k, v in kwargs.items()},
            "clock_seconds_per_training_step": module.clock_tick,
            "trainer": settings,
            "state_key": ck.state_key,
            "after_each": rec.rows,
            "final": {**ck_state(ck, ckdir), "files": list_files(ckdir)},
            "state_dict": {k: (os.path.relpath(v, ckdir) if isinstance(v, str) and v.startswith(ckdir) else
                               (v.replace(d, "<root>") if isinstance(v, str) else
                                ({os.path.relpath(kk, ckdir): common.jsonable(vv) for kk, vv in v.items()}
                                 if isinstance(v, dict) else common.jsonable(v))))
                           for k, v in ck.state_dict().items()},
            "error": err,
        })
    return results


def main():
    out = common.out_dir_from_argv()
    with common.tmpdir() as root:
        layout = layout_part(os.path.join(root, "p1"))
        topk = topk_part(os.path.join(root, "p2"))
    common.write_json(out, "checkpoint.json", {
        "versions": common.versions(),
        "data": common.STANDARD_DATA,
        "batch_size": 2,
        "description_format": "dict -> {type, keys (in order), values}; list/tuple -> {type, items}; "
                              "Tensor -> {type: Tensor, dtype, shape, value only for 0-dim}; scalars -> {type, value}; "
                              "paths under the temporary root are written as <root>",
        "layout": layout,
        "scripted": {
            "val_loss_per_epoch": VAL_LOSSES,
            "val_acc_per_epoch": VAL_ACC,
            "module": "ScriptedModule: SGD(lr=0.1), logs val_loss=VAL_LOSSES[epoch] and val/acc=VAL_ACC[epoch] "
                      "(float32) in validation_step; 4 train batches and 2 val batches per epoch; "
                      "paths are relative to the ModelCheckpoint dirpath; a symlink is 'name -> target'",
            "recording": "after_each: a Checkpoint subclass placed after the ModelCheckpoint records the state at "
                         "on_train_epoch_end (after ModelCheckpoint's own on_train_epoch_end) and, for step-based "
                         "cases, at every on_train_batch_end",
            "cases": topk,
        },
    })


if __name__ == "__main__":
    main()
