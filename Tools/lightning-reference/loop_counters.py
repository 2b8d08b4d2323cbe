"""Fixture: loop counters, limits and cadence flags (loops.json).

For each Trainer configuration: (epoch, batch_idx, global_step) at every training_step, the optimizer
steps, every validation run (sanity or not, how many batches), the dataloader hook calls,
estimated_stepping_batches and the other batch counts read at on_train_start, and the final
counters. Numeric cases (accumulation, clipping) also record losses, gradients and weights.
"""

from __future__ import annotations

import math

import common
import torch
import torch.nn.functional as F
import lightning as L
import lightning.pytorch.callbacks.timer as timer_module
import lightning.pytorch.loops.evaluation_loop as evaluation_loop_module
import lightning.pytorch.loops.fit_loop as fit_loop_module
import lightning.pytorch.loops.training_epoch_loop as training_epoch_loop_module
from common import FakeClock

# The Timer (max_time) and the loops' time-based validation (val_check_interval as a duration).
common.use_fake_clock(timer_module, evaluation_loop_module, fit_loop_module, training_epoch_loop_module)


class CountingSamples(torch.utils.data.Dataset):
    """The training samples, counting the reads: at each training step the count says how far the
    loop has read (Lightning reads one batch ahead only when the loader's length is unknown)."""

    def __init__(self, samples, module):
        self.samples, self.module = samples, module

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        self.module.samples_read += 1
        return self.samples[i]


class UnsizedSamples(torch.utils.data.IterableDataset):
    """The same samples as an iterable without a length (the `unsized` cases)."""

    def __init__(self, samples, module):
        self.samples, self.module = samples, module

    def __iter__(self):
        for i in range(len(self.samples)):
            self.module.samples_read += 1
            yield self.samples[i]


class LoopModule(L.LightningModule):
    def __init__(self, n_train=8, n_val=4, batch_size=2, stop_at=None, skip_epoch_at=None, record_numbers=False,
                 lr=0.1, train_tick=0.0, val_tick=0.0, unsized=False):
        super().__init__()
        self.unsized, self.samples_read = unsized, 0
        self.layer = common.fixed_linear()
        self.n_train, self.n_val, self.bs = n_train, n_val, batch_size
        self.stop_at, self.skip_epoch_at = stop_at, skip_epoch_at
        self.record_numbers, self.lr = record_numbers, lr
        self.train_tick, self.val_tick = train_tick, val_tick
        self.log_ = {"train_steps": [], "optimizer_steps": [], "validation_runs": [], "dataloader_calls": [],
                     "numbers": []}
        self._val = None

    def forward(self, x):
        return self.layer(x)

    # data
    def train_dataloader(self):
        self.log_["dataloader_calls"].append(f"train_dataloader(epoch={self.trainer.current_epoch})")
        samples = (UnsizedSamples if self.unsized else CountingSamples)(common.train_set(self.n_train), self)
        return common.loader(samples, self.bs)

    def val_dataloader(self):
        self.log_["dataloader_calls"].append(f"val_dataloader(epoch={self.trainer.current_epoch},"
                                             f"sanity={self.trainer.sanity_checking})")
        return common.loader(common.val_set(self.n_val), self.bs)

    # train
    def on_train_start(self):
        t = self.trainer
        self.log_["at_train_start"] = {
            "estimated_stepping_batches": common.jsonable(float(t.estimated_stepping_batches))
            if t.estimated_stepping_batches == math.inf else t.estimated_stepping_batches,
            "num_training_batches": common.jsonable(t.num_training_batches),
            "num_val_batches": common.jsonable(list(t.num_val_batches)),
            "num_sanity_val_batches": common.jsonable(list(t.num_sanity_val_batches)),
            "val_check_batch": common.jsonable(t.val_check_batch),
            "max_epochs": t.max_epochs, "max_steps": t.max_steps, "min_epochs": t.min_epochs,
            "min_steps": t.min_steps,
            "accumulate_grad_batches": t.accumulate_grad_batches,
            "limit_train_batches": t.limit_train_batches, "limit_val_batches": t.limit_val_batches,
            "check_val_every_n_epoch": t.check_val_every_n_epoch,
            # None when the interval is a duration (Lightning then keeps it in `_val_check_time_interval`)
            "val_check_interval": getattr(t, "val_check_interval", None),
            "fast_dev_run": t.fast_dev_run,
        }

    def on_train_batch_start(self, batch, batch_idx):
        if self.skip_epoch_at is not None and batch_idx == self.skip_epoch_at:
            self.log_["train_steps"].append({"epoch": self.current_epoch, "batch_idx": batch_idx,
                                             "returned_minus_one": True})
            return -1
        return None

    def training_step(self, batch, batch_idx):
        x, y = batch
        self.log_["train_steps"].append({"epoch": self.current_epoch, "batch_idx": batch_idx,
                                         "global_step": self.global_step, "first_x": x[0].tolist(),
                                         "batch_size": len(x), "samples_read": self.samples_read,
                                         "is_last_batch": self.trainer.is_last_batch})
        if self.stop_at is not None and (self.current_epoch, batch_idx) == tuple(self.stop_at):
            self.trainer.should_stop = True
        FakeClock.now += self.train_tick
        loss = F.mse_loss(self(x), y)
        return loss

    def on_train_batch_end(self, outputs, batch, batch_idx):
        if self.record_numbers:
            self.log_["numbers"].append({
                "epoch": self.current_epoch, "batch_idx": batch_idx, "global_step": self.global_step,
                "outputs_loss": outputs["loss"].item(),
                "weight": self.layer.weight.detach().flatten().tolist(), "bias": self.layer.bias.item()})

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure=None):
        self.log_["optimizer_steps"].append({"epoch": epoch, "batch_idx": batch_idx,
                                             "global_step_before": self.global_step})
        super().optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None):
        def grads():
            return [p.grad.detach().flatten().tolist() for p in self.parameters()]

        def norm():
            return torch.linalg.vector_norm(
                torch.stack([torch.linalg.vector_norm(p.grad.detach(), 2.0) for p in self.parameters()]), 2.0).item()

        if self.record_numbers:
            before = {"grads": grads(), "total_norm": norm()}
        super().configure_gradient_clipping(optimizer, gradient_clip_val, gradient_clip_algorithm)
        if self.record_numbers:
            self.log_.setdefault("clipping", []).append({
                "epoch": self.current_epoch, "global_step": self.global_step,
                "before": before, "after": {"grads": grads(), "total_norm": norm()}})

    # validation
    def on_validation_epoch_start(self):
        self._val = {"sanity": self.trainer.sanity_checking, "epoch": self.current_epoch,
                     "global_step": self.global_step, "batch_idxs": [], "first_x": []}

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self._val["batch_idxs"].append(batch_idx)
        self._val["first_x"].append(x[0].tolist())
        FakeClock.now += self.val_tick
        self.log("val_loss", F.mse_loss(self(x), y))

    def on_validation_epoch_end(self):
        self.log_["validation_runs"].append(self._val)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)


CASES = [
    # id, trainer kwargs, module kwargs, note
    ("baseline", {"max_epochs": 2}, {}, "8 samples / batch 2 = 4 train batches; 4 val samples = 2 val batches"),
    ("limit_train_int_2", {"max_epochs": 2, "limit_train_batches": 2}, {}, ""),
    ("limit_train_float_0_5", {"max_epochs": 2, "limit_train_batches": 0.5}, {}, ""),
    ("limit_train_float_0_3", {"max_epochs": 2, "limit_train_batches": 0.3}, {}, "int(4 * 0.3) = 1"),
    ("limit_train_float_0_1", {"max_epochs": 2, "limit_train_batches": 0.1}, {}, "int(4 * 0.1) = 0"),
    ("limit_train_0", {"max_epochs": 2, "limit_train_batches": 0}, {}, ""),
    ("limit_val_int_1", {"max_epochs": 2, "limit_val_batches": 1}, {}, ""),
    ("limit_val_float_0_5", {"max_epochs": 2, "limit_val_batches": 0.5}, {"n_val": 8}, "8 val samples = 4 batches"),
    ("limit_val_0", {"max_epochs": 2, "limit_val_batches": 0}, {}, ""),
    ("sanity_all", {"max_epochs": 1, "num_sanity_val_steps": -1}, {"n_val": 8}, ""),
    ("sanity_0", {"max_epochs": 1, "num_sanity_val_steps": 0}, {}, ""),
    ("sanity_default_3_val_batches", {"max_epochs": 1}, {"n_val": 6}, "default num_sanity_val_steps = 2"),
    ("overfit_batches_int_2", {"max_epochs": 2, "overfit_batches": 2}, {}, ""),
    ("overfit_batches_float_0_5", {"max_epochs": 2, "overfit_batches": 0.5}, {"n_val": 8}, ""),
    ("fast_dev_run_true", {"max_epochs": 5, "fast_dev_run": True}, {}, ""),
    ("fast_dev_run_3", {"max_epochs": 5, "fast_dev_run": 3}, {"n_val": 8}, ""),
    ("val_check_interval_0_5", {"max_epochs": 2, "val_check_interval": 0.5}, {}, ""),
    ("val_check_interval_0_25_limit_3", {"max_epochs": 1, "val_check_interval": 0.25, "limit_train_batches": 3},
     {"n_train": 16}, "interval computed from the limited batch count"),
    ("val_check_interval_int_3", {"max_epochs": 2, "val_check_interval": 3}, {}, ""),
    ("val_check_interval_int_6_across_epochs", {"max_epochs": 3, "val_check_interval": 6,
                                                "check_val_every_n_epoch": None}, {},
     "check_val_every_n_epoch=None: validation every 6 training batches counted across epochs"),
    ("check_val_every_n_epoch_2", {"max_epochs": 4, "check_val_every_n_epoch": 2}, {}, ""),
    ("max_steps_6", {"max_steps": 6}, {}, "max_epochs unset (-> 1000 when max_steps is -1 only); stops after step 6"),
    ("max_steps_6_max_epochs_1", {"max_steps": 6, "max_epochs": 1}, {}, ""),
    ("max_steps_5_infinite_epochs", {"max_steps": 5, "max_epochs": -1}, {}, ""),
    ("should_stop_mid_epoch", {"max_epochs": 3}, {"stop_at": [0, 1]},
     "training_step sets trainer.should_stop = True at epoch 0, batch_idx 1"),
    ("min_epochs_3_with_stop_request", {"max_epochs": 5, "min_epochs": 3}, {"stop_at": [0, 1]},
     "should_stop requested at epoch 0 batch 1; min_epochs=3"),
    ("min_steps_6_with_stop_request", {"max_epochs": 5, "min_steps": 6}, {"stop_at": [0, 1]}, ""),
    ("on_train_batch_start_minus_one", {"max_epochs": 2}, {"skip_epoch_at": 2},
     "on_train_batch_start returns -1 at batch_idx 2 of every epoch"),
    ("accumulate_3_with_7_batches", {"max_epochs": 2, "accumulate_grad_batches": 3, "limit_val_batches": 0},
     {"n_train": 14, "record_numbers": True}, "14 samples = 7 batches; steps after batch 2, 5 and 6 (partial window)"),
    ("accumulate_2_limit_3", {"max_epochs": 2, "accumulate_grad_batches": 2, "limit_train_batches": 3,
                              "limit_val_batches": 0}, {}, ""),
    ("clip_norm_0_1", {"max_epochs": 1, "gradient_clip_val": 0.1, "limit_val_batches": 0},
     {"record_numbers": True}, "gradient_clip_algorithm defaults to 'norm' (2-norm over all gradients)"),
    ("clip_value_0_05", {"max_epochs": 1, "gradient_clip_val": 0.05, "gradient_clip_algorithm": "value",
                         "limit_val_batches": 0}, {"record_numbers": True}, ""),
    ("no_clip_numbers", {"max_epochs": 1, "limit_val_batches": 0}, {"record_numbers": True},
     "reference for the two clipping cases"),
    ("reload_dataloaders_every_2", {"max_epochs": 5, "reload_dataloaders_every_n_epochs": 2}, {}, ""),
    ("max_time_2_5_mid_epoch", {"max_epochs": 3, "max_time": {"seconds": 2.5}}, {"train_tick": 1.0},
     "the clock advances 1 s per training step: time is up after the third step, which validates (should_stop) "
     "and stops"),
    ("max_time_counts_validation", {"max_epochs": 3, "max_time": {"seconds": 5.2}, "val_check_interval": 2},
     {"train_tick": 1.0, "val_tick": 0.3}, "validation inside fit counts as training time; the sanity check does not"),
    ("max_time_with_min_epochs", {"max_epochs": 4, "min_epochs": 2, "max_time": {"seconds": 2.5}},
     {"train_tick": 1.0}, "time is up in epoch 0 but min_epochs=2 keeps training to the end of epoch 1"),
    ("max_time_with_min_steps", {"max_epochs": 4, "min_steps": 6, "max_time": {"seconds": 1.5}},
     {"train_tick": 1.0}, ""),
    ("val_every_2_5_s", {"max_epochs": 3, "val_check_interval": {"seconds": 2.5}},
     {"train_tick": 1.0, "val_tick": 0.3},
     "time-based validation: after the step that finds 2.5 s passed since training started or the last validation "
     "ended, and not at epoch ends"),
    ("val_every_2_5_s_check_val_2", {"max_epochs": 4, "val_check_interval": {"seconds": 2.5},
                                     "check_val_every_n_epoch": 2}, {"train_tick": 1.0},
     "only in every second epoch; time that passed in between validates after that epoch's first step"),
    ("unsized_train_loader", {"max_epochs": 2}, {"unsized": True},
     "an iterable without a length: Lightning reads one batch ahead to see the last one coming"),
    ("unsized_limit_3_accumulate_2", {"max_epochs": 2, "limit_train_batches": 3, "accumulate_grad_batches": 2,
                                      "limit_val_batches": 0}, {"unsized": True}, ""),
    ("unsized_stop_mid_epoch", {"max_epochs": 3}, {"unsized": True, "stop_at": [0, 1]}, ""),
    ("reload_dataloaders_every_1_check_val_2", {"max_epochs": 4, "reload_dataloaders_every_n_epochs": 1,
                                                "check_val_every_n_epoch": 2}, {}, ""),
]


def main():
    out = common.out_dir_from_argv()
    results = []
    with common.tmpdir() as root:
        for cid, tkw, mkw, note in CASES:
            common.seed_all(0)
            FakeClock.now = 1000.0
            model = LoopModule(**mkw)
            t = L.Trainer(default_root_dir=root, logger=False, enable_checkpointing=False, **common.QUIET, **tkw)
            err = common.error_of(lambda: t.fit(model))
            r = {
                "id": cid, "trainer": tkw, "module": mkw, "note": note,
                "at_train_start": model.log_.get("at_train_start"),
                "train_steps": model.log_["train_steps"],
                "optimizer_steps": model.log_["optimizer_steps"],
                "validation_runs": model.log_["validation_runs"],
                "dataloader_calls": model.log_["dataloader_calls"],
                "final": {"current_epoch": t.current_epoch, "global_step": t.global_step,
                          "should_stop": bool(t.should_stop), "interrupted": t.interrupted,
                          "weight": model.layer.weight.detach().flatten().tolist(), "bias": model.layer.bias.item()},
                "error": err,
            }
            timers = [c for c in t.callbacks if isinstance(c, timer_module.Timer)]
            if timers:
                r["timer"] = {"callbacks": [type(c).__name__ for c in t.callbacks],
                              "time_elapsed": timers[0].state_dict()["time_elapsed"]}
            if mkw.get("record_numbers"):
                r["numbers"] = model.log_["numbers"]
                if "clipping" in model.log_:
                    r["clipping"] = model.log_["clipping"]
            results.append(r)
    common.write_json(out, "loops.json", {
        "versions": common.versions(),
        "data": {**common.STANDARD_DATA,
                 "n_train / n_val": "module arguments: the standard samples repeated cyclically to that length "
                                    "(defaults 8 and 4)"},
        "module": "LoopModule: Linear(2,1) with the standard weights, loss = mse, SGD(lr=0.1); its own "
                  "train_dataloader/val_dataloader (batch_size 2, no shuffle); logs val_loss in validation_step; "
                  "at_train_start is read in on_train_start",
        "trainer_common": {"logger": False, "enable_checkpointing": False, "num_sanity_val_steps": "default (2) "
                           "unless given"},
        "cases": results,
    })


if __name__ == "__main__":
    main()
