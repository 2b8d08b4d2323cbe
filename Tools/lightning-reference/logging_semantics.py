"""Fixture: self.log / self.log_dict semantics (logging.json).

One fit logs many keys with different on_step / on_epoch / prog_bar / logger / reduce_fx / batch_size
settings from training_step, validation_step, on_train_epoch_end and on_validation_epoch_end. A
callback snapshots trainer.callback_metrics, trainer.logged_metrics and trainer.progress_bar_metrics
at fixed points; the CSVLogger's metrics.csv and hparams.yaml are kept verbatim. A follow-up
trainer.validate() records its returned results. Then a set of small runs records the errors
self.log raises for forbidden hooks and bad arguments.
"""

from __future__ import annotations

import os

import common
import torch
import torch.nn.functional as F
import lightning as L
from lightning.pytorch.loggers import CSVLogger

# Scripted values: exactly representable in float32, so means/sums are easy to reproduce.
#   a(epoch, batch_idx) = 0.25 * (1 + batch_idx) + epoch      (training_step)
#   v(epoch, batch_idx) = 0.5 * (1 + batch_idx) + 2 * epoch   (validation_step; "epoch" = trainer.current_epoch)


def a(epoch, batch_idx):
    return 0.25 * (1 + batch_idx) + epoch


def v(epoch, batch_idx):
    return 0.5 * (1 + batch_idx) + 2 * epoch


TRAIN_LOGS = [
    # name, kwargs, value expression (documentation for the Swift side)
    ("loss", dict(prog_bar=True, on_step=True, on_epoch=True), "loss (the training loss tensor)"),
    ("t_default", dict(), "a"),
    ("t_step", dict(on_step=True, on_epoch=False), "a"),
    ("t_epoch", dict(on_step=False, on_epoch=True), "a"),
    ("t_both", dict(on_step=True, on_epoch=True), "a"),
    ("t_pbar", dict(prog_bar=True), "a"),
    ("t_pbar_epoch", dict(prog_bar=True, on_step=False, on_epoch=True), "a"),
    ("t_pbar_only", dict(prog_bar=True, logger=False, on_step=True, on_epoch=True), "a"),
    ("t_hidden", dict(logger=False, on_step=True, on_epoch=True), "a"),
    ("t_sum", dict(on_step=False, on_epoch=True, reduce_fx="sum"), "a"),
    ("t_max", dict(on_step=True, on_epoch=True, reduce_fx="max"), "a"),
    ("t_min", dict(on_step=False, on_epoch=True, reduce_fx="min"), "a"),
    ("t_mean_inferred", dict(on_step=False, on_epoch=True), "a (batch size inferred from the batch: 2,2,2,1)"),
    ("t_mean_bs", dict(on_step=False, on_epoch=True, batch_size="batch_idx + 1"), "a"),
    ("t_int", dict(on_step=True, on_epoch=True), "batch_idx (a Python int)"),
    ("t_double", dict(on_step=False, on_epoch=True), "a as a float64 tensor"),
]

VAL_LOGS = [
    ("val_loss", dict(prog_bar=True), "val loss (tensor)"),
    ("v_default", dict(), "v"),
    ("v_step", dict(on_step=True), "v (on_step=True, on_epoch stays at its default True)"),
    ("v_step_only", dict(on_step=True, on_epoch=False), "v"),
    ("v_pbar", dict(prog_bar=True), "v"),
    ("v_hidden", dict(logger=False), "v"),
    ("v_sum", dict(reduce_fx="sum"), "v"),
    ("v_max", dict(reduce_fx="max"), "v"),
    ("v_min", dict(reduce_fx="min"), "v"),
    ("v_mean_bs", dict(batch_size="4 - 2 * batch_idx"), "v"),
]

DICT_LOGS = "training_step also calls self.log_dict({'d_a': a, 'd_b': 2a}, on_step=False, on_epoch=True, prog_bar=True)"
EPOCH_END_LOGS = [
    ("on_train_epoch_end", "e_train", dict(prog_bar=True), "10 + epoch"),
    ("on_train_epoch_end", "e_train_pbar_only", dict(prog_bar=True, logger=False), "20 + epoch"),
    ("on_validation_epoch_end", "e_val", dict(), "30 + epoch (during sanity check too)"),
    ("on_validation_epoch_end", "e_val_pbar", dict(prog_bar=True), "40 + epoch"),
]


def kwargs_for(kw, batch_idx):
    kw = dict(kw)
    if kw.get("batch_size") == "batch_idx + 1":
        kw["batch_size"] = batch_idx + 1
    elif kw.get("batch_size") == "4 - 2 * batch_idx":
        kw["batch_size"] = 4 - 2 * batch_idx
    return kw


class LogModule(L.LightningModule):
    def __init__(self, lr: float = 0.1, hidden: int = 4, name: str = "reference", flags=None):
        super().__init__()
        self.save_hyperparameters()
        self.layer = common.fixed_linear()

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        e = self.current_epoch
        for name, kw, _ in TRAIN_LOGS:
            if name == "loss":
                value = loss
            elif name == "t_int":
                value = batch_idx
            elif name == "t_double":
                value = torch.tensor(a(e, batch_idx), dtype=torch.float64)
            else:
                value = a(e, batch_idx)
            self.log(name, value, **kwargs_for(kw, batch_idx))
        self.log_dict({"d_a": a(e, batch_idx), "d_b": 2 * a(e, batch_idx)}, on_step=False, on_epoch=True,
                      prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        e = self.current_epoch
        for name, kw, _ in VAL_LOGS:
            value = loss if name == "val_loss" else v(e, batch_idx)
            self.log(name, value, **kwargs_for(kw, batch_idx))

    def on_train_epoch_end(self):
        self.log("e_train", 10.0 + self.current_epoch, prog_bar=True)
        self.log("e_train_pbar_only", 20.0 + self.current_epoch, prog_bar=True, logger=False)

    def on_validation_epoch_end(self):
        self.log("e_val", 30.0 + self.current_epoch)
        self.log("e_val_pbar", 40.0 + self.current_epoch, prog_bar=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def metrics_snapshot(trainer):
    def conv(d):
        return {k: common.jsonable(v) for k, v in sorted(d.items())}

    return {
        "callback_metrics": conv(trainer.callback_metrics),
        "logged_metrics": conv(trainer.logged_metrics),
        "progress_bar_metrics": conv(trainer.progress_bar_metrics),
    }


class Snapshot(L.Callback):
    def __init__(self):
        self.snaps = []

    def _snap(self, trainer, where):
        s = {"at": where, "epoch": trainer.current_epoch, "global_step": trainer.global_step}
        s.update(metrics_snapshot(trainer))
        self.snaps.append(s)

    def on_sanity_check_end(self, trainer, pl_module):
        self._snap(trainer, "on_sanity_check_end")

    def on_train_start(self, trainer, pl_module):
        self._snap(trainer, "on_train_start")

    def on_train_epoch_start(self, trainer, pl_module):
        self._snap(trainer, "on_train_epoch_start")

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self._snap(trainer, f"on_train_batch_end(batch_idx={batch_idx})")

    def on_validation_end(self, trainer, pl_module):
        self._snap(trainer, "on_validation_end")

    def on_train_epoch_end(self, trainer, pl_module):
        self._snap(trainer, "on_train_epoch_end")

    def on_train_end(self, trainer, pl_module):
        self._snap(trainer, "on_train_end")

    def on_validation_start(self, trainer, pl_module):
        if not trainer.sanity_checking and trainer.state.fn == "validate":
            self._snap(trainer, "validate:on_validation_start")


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class ErrorModule(L.LightningModule):
    """Logs in `hook` with `kwargs` (value `value`); everything else is plain."""

    def __init__(self, hook, value=1.0, **kwargs):
        super().__init__()
        self.layer = common.fixed_linear()
        self.hook, self.value, self.kwargs = hook, value, kwargs

    def _maybe_log(self, hook):
        if hook == self.hook:
            if self.hook_style == "log_dict":
                self.log_dict(self.value, **self.kwargs)
            else:
                self.log("bad", self.value, **self.kwargs)

    hook_style = "log"

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        self._maybe_log("training_step")
        x, y = batch
        return F.mse_loss(self(x), y)

    def validation_step(self, batch, batch_idx):
        self._maybe_log("validation_step")

    def predict_step(self, batch, batch_idx):
        self._maybe_log("predict_step")
        return self(batch[0])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def on_fit_start(self):
        self._maybe_log("on_fit_start")

    def on_train_start(self):
        self._maybe_log("on_train_start")

    def on_train_epoch_start(self):
        self._maybe_log("on_train_epoch_start")

    def on_train_end(self):
        self._maybe_log("on_train_end")

    def on_validation_end(self):
        self._maybe_log("on_validation_end")

    def setup(self, stage):
        self._maybe_log("setup")

    def on_before_batch_transfer(self, batch, dataloader_idx):
        self._maybe_log("on_before_batch_transfer")
        return batch

    def on_save_checkpoint(self, checkpoint):
        self._maybe_log("on_save_checkpoint")

    def on_validation_model_eval(self):
        self._maybe_log("on_validation_model_eval")
        super().on_validation_model_eval()

    def configure_optimizers(self):  # noqa: F811
        self._maybe_log("configure_optimizers")
        return torch.optim.SGD(self.parameters(), lr=0.1)


ERROR_CASES = [
    # id, hook, call, value, kwargs, entry
    ("on_fit_start", "on_fit_start", "log", 1.0, {}, "fit"),
    ("on_train_end", "on_train_end", "log", 1.0, {}, "fit"),
    ("on_validation_end", "on_validation_end", "log", 1.0, {}, "fit"),
    ("setup", "setup", "log", 1.0, {}, "fit"),
    ("configure_optimizers", "configure_optimizers", "log", 1.0, {}, "fit"),
    ("on_before_batch_transfer", "on_before_batch_transfer", "log", 1.0, {}, "fit"),
    ("on_save_checkpoint", "on_save_checkpoint", "log", 1.0, {}, "fit"),
    ("on_validation_model_eval", "on_validation_model_eval", "log", 1.0, {}, "fit"),
    ("predict_step", "predict_step", "log", 1.0, {}, "predict"),
    ("on_train_start_on_step", "on_train_start", "log", 1.0, {"on_step": True}, "fit"),
    ("on_train_epoch_start_on_step", "on_train_epoch_start", "log", 1.0, {"on_step": True}, "fit"),
    ("on_step_and_on_epoch_false", "training_step", "log", 1.0, {"on_step": False, "on_epoch": False}, "fit"),
    ("nested_dict_value", "training_step", "log", {"a": {"b": 1.0}}, {}, "fit"),
    ("dict_value", "training_step", "log", {"a": 1.0}, {}, "fit"),
    ("log_dict_nested", "training_step", "log_dict", {"a": {"b": 1.0}}, {}, "fit"),
    ("non_scalar_tensor", "training_step", "log", "tensor([1.0, 2.0])", {}, "fit"),
    ("string_value", "training_step", "log", "a string", {}, "fit"),
    ("unknown_reduce_fx", "training_step", "log", 1.0, {"reduce_fx": "median"}, "fit"),
    ("dataloader_idx_in_name", "training_step", "log", 1.0, {"name": "x/dataloader_idx_0"}, "fit"),
]


def run_error_case(root, case):
    cid, hook, call, value, kwargs, entry = case
    kwargs = dict(kwargs)
    name = kwargs.pop("name", None)
    if value == "tensor([1.0, 2.0])":
        value = torch.tensor([1.0, 2.0])
    model = ErrorModule(hook, value, **kwargs)
    model.hook_style = call
    if name is not None:
        orig = model.log

        def log(_n, v, **kw):
            orig(name, v, **kw)
        model.log = log
    common.seed_all(0)
    t = L.Trainer(default_root_dir=root, logger=False, max_epochs=1, limit_train_batches=1, limit_val_batches=1,
                  num_sanity_val_steps=0, **common.QUIET)
    if entry == "fit":
        fn = lambda: t.fit(model, common.loader(common.train_set()), common.loader(common.val_set()))  # noqa: E731
    else:
        fn = lambda: t.predict(model, common.loader(common.val_set()))  # noqa: E731
    err = common.error_of(fn)
    return {
        "id": cid, "hook": hook, "call": "self." + call,
        "value": common.jsonable(value) if not isinstance(value, torch.Tensor) else "torch.tensor([1.0, 2.0])",
        "kwargs": kwargs, **({"name": name} if name else {}),
        "entry": entry,
        "error": err,
    }


def main():
    out = common.out_dir_from_argv()
    settings = dict(max_epochs=2, log_every_n_steps=2, num_sanity_val_steps=1)
    with common.tmpdir() as root:
        common.seed_all(0)
        model = LogModule(flags=[1, 2])
        snap = Snapshot()
        logger = CSVLogger(save_dir=root)  # name "lightning_logs", version auto -> version_0
        t = L.Trainer(default_root_dir=root, logger=logger, callbacks=[snap], enable_checkpointing=False,
                      **common.QUIET, **settings)
        train_dl = common.loader(common.train_set(7), batch_size=2)
        val_dl = common.loader(common.val_set(4), batch_size=3)
        t.fit(model, train_dl, val_dl)
        fit_final = metrics_snapshot(t)
        log_dir = logger.log_dir
        metrics_csv_fit = open(os.path.join(log_dir, "metrics.csv")).read()
        hparams_yaml = open(os.path.join(log_dir, "hparams.yaml")).read()

        # validate with the same trainer and logger afterwards
        results = t.validate(model, val_dl, verbose=False)
        validate_final = metrics_snapshot(t)
        metrics_csv_after_validate = open(os.path.join(log_dir, "metrics.csv")).read()

        errors = [run_error_case(os.path.join(root, "err"), c) for c in ERROR_CASES]

    common.write_json(out, "logging.json", {
        "versions": common.versions(),
        "data": {**common.STANDARD_DATA,
                 "train": "the 8 standard train samples cut to the first 7 (batches of 2,2,2,1)",
                 "val": "the 4 standard val samples, batch_size 3 (batches of 3,1)"},
        "train_samples": 7, "train_batch_size": 2, "val_samples": 4, "val_batch_size": 3,
        "optimizer": {"type": "SGD", "lr": 0.1},
        "trainer": {**settings, "enable_checkpointing": False,
                    "logger": "CSVLogger(save_dir=<tmp>) -> lightning_logs/version_0"},
        "hyperparameters": {"lr": 0.1, "hidden": 4, "name": "reference", "flags": [1, 2]},
        "scripted_values": {
            "a": "0.25 * (1 + batch_idx) + current_epoch   (training_step)",
            "v": "0.5 * (1 + batch_idx) + 2 * current_epoch (validation_step; also during the sanity check, epoch 0)",
        },
        "train_logs": [{"name": n, "kwargs": kw, "value": val} for n, kw, val in TRAIN_LOGS],
        "train_log_dict": DICT_LOGS,
        "val_logs": [{"name": n, "kwargs": kw, "value": val} for n, kw, val in VAL_LOGS],
        "epoch_end_logs": [{"hook": h, "name": n, "kwargs": kw, "value": val} for h, n, kw, val in EPOCH_END_LOGS],
        "snapshots": snap.snaps,
        "after_fit": fit_final,
        "metrics_csv_after_fit": metrics_csv_fit,
        "hparams_yaml": hparams_yaml,
        "validate_after_fit": {"call": "trainer.validate(model, val_dataloader, verbose=False) on the same trainer",
                               "returned": results, **validate_final},
        "metrics_csv_after_validate": metrics_csv_after_validate,
        "errors": errors,
    })


if __name__ == "__main__":
    main()
