"""Fixture: EarlyStopping decisions for scripted metric sequences (early_stopping.json).

The module logs `metric` = SEQ[k] where k counts the validation runs so far (logged in
validation_step; the epoch mean equals SEQ[k] in float32), or SEQ[epoch] from on_train_epoch_end for
the cases marked "source": "train_epoch_end". A recorder (a Checkpoint subclass placed after the
EarlyStopping, so it runs right after it) records EarlyStopping's state after each of its checks.
"""

from __future__ import annotations

import math

import common
import torch
import torch.nn.functional as F
import lightning as L
from lightning.pytorch.callbacks import Checkpoint, EarlyStopping

NAN = float("nan")
INF = float("inf")


class SeqModule(L.LightningModule):
    def __init__(self, seq, source="val"):
        super().__init__()
        self.layer = common.fixed_linear()
        self.seq, self.source = seq, source
        self.val_runs = 0

    def forward(self, x):
        return self.layer(x)

    def _value(self, k):
        return self.seq[min(k, len(self.seq) - 1)]

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self(x), y)

    def validation_step(self, batch, batch_idx):
        if self.source == "val":
            self.log("metric", self._value(self.val_runs))

    def on_validation_epoch_end(self):
        self.val_runs += 1

    def on_train_epoch_end(self):
        if self.source == "train_epoch_end":
            self.log("metric", self._value(self.current_epoch))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def val(x):
    if x is None:
        return None
    return common.jsonable(x)


class Recorder(Checkpoint):
    def __init__(self, es):
        self.es = es
        self.rows = []

    def _row(self, trainer, at):
        es = self.es
        v = trainer.callback_metrics.get(es.monitor)
        self.rows.append({
            "at": at, "epoch": trainer.current_epoch, "global_step": trainer.global_step,
            "value": val(v), "wait_count": es.wait_count, "best_score": val(es.best_score),
            "stopped_epoch": es.stopped_epoch, "should_stop": bool(trainer.should_stop),
            "stopping_reason": es.stopping_reason.name,
        })

    def on_validation_end(self, trainer, pl_module):
        if not trainer.sanity_checking and not self.es._check_on_train_epoch_end:
            self._row(trainer, "on_validation_end")

    def on_train_epoch_end(self, trainer, pl_module):
        if self.es._check_on_train_epoch_end:
            self._row(trainer, "on_train_epoch_end")


CASES = [
    # id, EarlyStopping kwargs (monitor="metric" added), seq, source, trainer extra
    ("patience_3_min", {"patience": 3}, [1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.8, 0.7], "val", {}),
    ("patience_0", {"patience": 0}, [1.0, 0.9, 0.95, 0.8], "val", {}),
    ("equal_is_not_improvement", {"patience": 2}, [1.0, 1.0, 1.0, 0.5], "val", {}),
    ("min_delta_pos_min", {"patience": 2, "min_delta": 0.05}, [1.0, 0.97, 0.94, 0.90, 0.88, 0.87, 0.5], "val", {}),
    ("min_delta_neg_min", {"patience": 1, "min_delta": -0.05}, [1.0, 1.02, 1.04, 1.1, 1.2, 1.3], "val", {}),
    ("min_delta_pos_max", {"patience": 2, "mode": "max", "min_delta": 0.1}, [0.1, 0.15, 0.3, 0.35, 0.38, 0.5, 0.52, 0.53],
     "val", {}),
    ("min_delta_neg_max", {"patience": 1, "mode": "max", "min_delta": -0.1}, [0.5, 0.45, 0.42, 0.3, 0.2], "val", {}),
    ("stopping_threshold_min", {"patience": 5, "stopping_threshold": 0.5}, [1.0, 0.8, 0.6, 0.5, 0.4, 0.3], "val", {}),
    ("stopping_threshold_max", {"patience": 5, "mode": "max", "stopping_threshold": 0.9}, [0.1, 0.5, 0.9, 0.95, 0.99],
     "val", {}),
    ("divergence_threshold_min", {"patience": 5, "divergence_threshold": 2.0}, [1.0, 1.5, 2.0, 2.5, 1.0], "val", {}),
    ("divergence_threshold_max", {"patience": 5, "mode": "max", "divergence_threshold": 0.2}, [0.5, 0.3, 0.2, 0.1, 0.6],
     "val", {}),
    ("check_finite_nan", {"patience": 3}, [1.0, 0.9, NAN, 0.5, 0.4], "val", {}),
    ("check_finite_inf", {"patience": 3}, [1.0, INF, 0.5], "val", {}),
    ("check_finite_false_nan", {"patience": 2, "check_finite": False}, [1.0, NAN, NAN, 0.5, 0.4], "val", {}),
    ("check_finite_nan_first", {"patience": 3}, [NAN, 0.5], "val", {}),
    ("check_on_train_epoch_end_true", {"patience": 1, "check_on_train_epoch_end": True},
     [1.0, 0.9, 0.95, 0.8], "val", {}),
    ("check_on_train_epoch_end_false", {"patience": 1, "check_on_train_epoch_end": False},
     [1.0, 0.9, 0.95, 0.8], "val", {}),
    ("train_metric_no_validation", {"patience": 1, "check_on_train_epoch_end": True},
     [1.0, 0.9, 0.95, 0.8], "train_epoch_end", {"limit_val_batches": 0}),
    ("val_check_interval_half", {"patience": 2}, [1.0, 0.9, 0.95, 0.97, 0.99, 0.5, 0.4, 0.3], "val",
     {"val_check_interval": 0.5}),
    ("check_val_every_n_epoch_2", {"patience": 1}, [1.0, 1.1, 1.2, 1.3], "val", {"check_val_every_n_epoch": 2}),
    ("min_epochs", {"patience": 1}, [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7], "val", {"min_epochs": 4}),
    ("min_steps", {"patience": 1}, [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7], "val", {"min_steps": 14}),
    ("strict_missing_monitor", {"monitor": "absent", "patience": 1}, [1.0, 0.9], "val", {}),
    ("not_strict_missing_monitor", {"monitor": "absent", "patience": 1, "strict": False}, [1.0, 0.9], "val", {}),
]


def main():
    out = common.out_dir_from_argv()
    results = []
    with common.tmpdir() as root:
        for cid, es_kwargs, seq, source, extra in CASES:
            common.seed_all(0)
            kwargs = {"monitor": "metric", **es_kwargs}
            es = EarlyStopping(**kwargs)
            rec = Recorder(es)
            max_epochs = extra.pop("max_epochs", None) or (
                len(seq) if extra.get("val_check_interval") is None else math.ceil(len(seq) / 2))
            if extra.get("check_val_every_n_epoch") == 2:
                max_epochs = 2 * len(seq)
            settings = dict(max_epochs=max_epochs, num_sanity_val_steps=0, **extra)
            t = L.Trainer(default_root_dir=root, logger=False, callbacks=[es, rec], **common.QUIET, **settings)
            model = SeqModule(seq, source)
            err = common.error_of(lambda: t.fit(model, common.loader(common.train_set()),
                                                common.loader(common.val_set())))
            sd = es.state_dict()
            results.append({
                "id": cid,
                "early_stopping": kwargs,
                "seq": seq,
                "source": source,
                "trainer": settings,
                "checks_at": "on_train_epoch_end" if es._check_on_train_epoch_end else "on_validation_end",
                "checks": rec.rows,
                "final": {
                    "current_epoch": t.current_epoch,
                    "global_step": t.global_step,
                    "should_stop": bool(t.should_stop),
                    "validation_runs": model.val_runs,
                    "stopped_epoch": es.stopped_epoch,
                    "wait_count": es.wait_count,
                    "best_score": val(es.best_score),
                    "stopping_reason": es.stopping_reason.name,
                    "stopping_reason_message": es.stopping_reason_message,
                },
                "state_key": es.state_key,
                "state_dict": {k: val(v) if isinstance(v, (torch.Tensor, float)) else v for k, v in sd.items()},
                "error": err,
            })
    common.write_json(out, "early_stopping.json", {
        "versions": common.versions(),
        "data": common.STANDARD_DATA,
        "batch_size": 2,
        "module": "SeqModule: SGD(lr=0.1); logs 'metric' = seq[k] (float32) in validation_step, k = number of "
                  "validation runs finished before this one (capped at the last element); source "
                  "'train_epoch_end' logs seq[current_epoch] in on_train_epoch_end instead",
        "trainer_common": {"num_sanity_val_steps": 0, "logger": False,
                           "max_epochs": "len(seq), or ceil(len(seq)/2) with val_check_interval=0.5, or 2*len(seq) "
                                         "with check_val_every_n_epoch=2 (as written in each case's trainer)"},
        "enum_EarlyStoppingReason": {"NOT_STOPPED": 0, "STOPPING_THRESHOLD": 1, "DIVERGENCE_THRESHOLD": 2,
                                     "PATIENCE_EXHAUSTED": 3, "NON_FINITE_METRIC": 4},
        "cases": results,
    })


if __name__ == "__main__":
    main()
