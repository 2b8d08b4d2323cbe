"""Fixture: what LearningRateMonitor logs (lr_monitor.json).

A small fit (standard data, 4 train batches per epoch, validation off) per optimizer/scheduler
configuration; a recording logger keeps every `log_metrics(metrics, step)` call (LearningRateMonitor is
the only thing that logs: the module logs nothing). Also the monitor's `lrs`, the lr keys of
`callback_metrics` at the end, and the error without a logger.
"""

from __future__ import annotations

import common
import torch
import torch.nn.functional as F
import lightning as L
from lightning.pytorch.callbacks import LearningRateMonitor


class Module(L.LightningModule):
    def __init__(self, setup_name):
        super().__init__()
        self.layer = common.fixed_linear()
        self.setup_name = setup_name

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        p = list(self.layer.parameters())
        s = self.setup_name
        if s == "sgd_step_scheduler":
            opt = torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
        if s == "adam_epoch_scheduler":
            opt = torch.optim.Adam(p, lr=0.01, weight_decay=0.1)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)
            return {"optimizer": opt, "lr_scheduler": sched}
        if s == "named_scheduler_two_groups":
            opt = torch.optim.SGD([{"params": [p[0]]}, {"params": [p[1]], "lr": 0.5, "name": "head"}], lr=0.1)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step", "name": "my_lr"}}
        if s == "sgd_no_scheduler":
            return torch.optim.SGD(p, lr=0.1)
        raise ValueError(s)


# id, optimizer setup, LearningRateMonitor kwargs, trainer extra
CASES = [
    ("step_scheduler_default", "sgd_step_scheduler", {}, {"log_every_n_steps": 1}),
    ("step_scheduler_momentum_wd_every_2", "sgd_step_scheduler", {"log_momentum": True, "log_weight_decay": True},
     {"log_every_n_steps": 2}),
    ("epoch_scheduler_adam_momentum", "adam_epoch_scheduler", {"log_momentum": True, "log_weight_decay": True},
     {"log_every_n_steps": 1}),
    ("epoch_scheduler_interval_step", "adam_epoch_scheduler", {"logging_interval": "step"}, {"log_every_n_steps": 3}),
    ("named_two_groups", "named_scheduler_two_groups", {}, {"log_every_n_steps": 1}),
    ("named_two_groups_interval_epoch", "named_scheduler_two_groups", {"logging_interval": "epoch"},
     {"log_every_n_steps": 1}),
    ("no_scheduler_default", "sgd_no_scheduler", {}, {"log_every_n_steps": 2}),
    ("no_scheduler_interval_epoch", "sgd_no_scheduler", {"logging_interval": "epoch"}, {"log_every_n_steps": 1}),
]


def main():
    out = common.out_dir_from_argv()
    results = []
    with common.tmpdir() as root:
        for cid, setup, kwargs, extra in CASES:
            common.seed_all(0)
            logger = common.RecordingLogger()
            monitor = LearningRateMonitor(**kwargs)
            settings = dict(max_epochs=2, limit_val_batches=0, num_sanity_val_steps=0, **extra)
            t = L.Trainer(default_root_dir=root, logger=logger, callbacks=[monitor], enable_checkpointing=False,
                          **common.QUIET, **settings)
            err = common.error_of(lambda: t.fit(Module(setup), common.loader(common.train_set())))
            results.append({
                "id": cid, "optimizers": setup, "lr_monitor": kwargs, "trainer": settings,
                "calls": logger.calls,
                "lrs": {k: list(v) for k, v in monitor.lrs.items()},
                "callback_metrics": {k: float(v) for k, v in t.callback_metrics.items() if k.startswith("lr-") or
                                     k.startswith("my_lr")},
                "error": err,
            })
        common.seed_all(0)
        t = L.Trainer(default_root_dir=root, logger=False, callbacks=[LearningRateMonitor()], max_epochs=1,
                      enable_checkpointing=False, **common.QUIET)
        no_logger = common.error_of(lambda: t.fit(Module("sgd_no_scheduler"), common.loader(common.train_set())))
    common.write_json(out, "lr_monitor.json", {
        "versions": common.versions(),
        "data": common.STANDARD_DATA,
        "batch_size": 2,
        "optimizers": {
            "sgd_step_scheduler": "SGD(lr=0.1, momentum=0.9, weight_decay=0.01) + StepLR(step_size=1, gamma=0.5), "
                                  "interval 'step'",
            "adam_epoch_scheduler": "Adam(lr=0.01, weight_decay=0.1) + StepLR(step_size=1, gamma=0.1), interval 'epoch'",
            "named_scheduler_two_groups": "SGD([{params: [weight]}, {params: [bias], lr: 0.5, name: 'head'}], lr=0.1) + "
                                          "StepLR(step_size=2, gamma=0.5), interval 'step', name 'my_lr'",
            "sgd_no_scheduler": "SGD(lr=0.1), no scheduler",
        },
        "trainer_common": {"max_epochs": 2, "limit_val_batches": 0, "num_sanity_val_steps": 0,
                           "logger": "RecordingLogger (records every log_metrics call)"},
        "cases": results,
        "no_logger_error": no_logger,
    })


if __name__ == "__main__":
    main()
