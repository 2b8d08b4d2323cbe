"""Fixture: how the Trainer assembles its callbacks (callback_assembly.json).

For each case: the trainer's callbacks, max_time, the default callbacks switched on, and what the
module's configure_callbacks returns; recorded is the type name of every callback in
trainer.callbacks at on_fit_start, in order (defaults added, model callbacks replacing trainer
callbacks of their type or a superclass, checkpoint callbacks last).
"""

from __future__ import annotations

import common
import torch.nn.functional as F
import lightning as L
from lightning.pytorch.callbacks import EarlyStopping, LambdaCallback, ModelCheckpoint, Timer


class MyCheckpoint(ModelCheckpoint):
    pass


class MyEarlyStopping(EarlyStopping):
    pass


def make(name):
    return {
        "LambdaCallback": lambda: LambdaCallback(),
        "ModelCheckpoint": lambda: ModelCheckpoint(),
        "MyCheckpoint": lambda: MyCheckpoint(),
        "EarlyStopping": lambda: EarlyStopping(monitor="val_loss"),
        "MyEarlyStopping": lambda: MyEarlyStopping(monitor="val_loss"),
        "Timer": lambda: Timer(duration={"days": 1}),
    }[name]()


class Module(L.LightningModule):
    def __init__(self, model_callbacks):
        super().__init__()
        self.layer = common.fixed_linear()
        self.model_callbacks = model_callbacks
        self.seen = None

    def configure_callbacks(self):
        return [make(n) for n in self.model_callbacks]

    def on_fit_start(self):
        self.seen = [type(c).__name__ for c in self.trainer.callbacks]

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self.layer(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.mse_loss(self.layer(x), y))

    def train_dataloader(self):
        return common.loader(common.train_set())

    def val_dataloader(self):
        return common.loader(common.val_set())

    def configure_optimizers(self):
        import torch
        return torch.optim.SGD(self.parameters(), lr=0.1)


CASES = [
    # id, trainer callbacks, trainer kwargs, model callbacks
    ("defaults_and_max_time", ["LambdaCallback", "ModelCheckpoint"],
     {"max_time": {"seconds": 100}, "enable_progress_bar": True, "enable_model_summary": True}, ["EarlyStopping"]),
    ("model_replaces_by_type_and_subclass", ["ModelCheckpoint", "LambdaCallback", "EarlyStopping"],
     {"max_time": {"seconds": 100}}, ["MyCheckpoint", "Timer"]),
    ("a_superclass_does_not_replace_a_subclass", ["MyEarlyStopping", "LambdaCallback"], {}, ["EarlyStopping"]),
    ("user_timer_keeps_max_time_out", ["Timer", "LambdaCallback"], {"max_time": {"seconds": 100}}, []),
    ("default_checkpoint_replaced", [], {"enable_progress_bar": True}, ["MyCheckpoint", "LambdaCallback"]),
]


def main():
    out = common.out_dir_from_argv()
    results = []
    with common.tmpdir() as root:
        for cid, trainer_callbacks, kwargs, model_callbacks in CASES:
            common.seed_all(0)
            model = Module(model_callbacks)
            settings = {**common.QUIET, **kwargs}
            t = L.Trainer(default_root_dir=root, logger=False, max_epochs=1, limit_train_batches=1,
                          limit_val_batches=1, num_sanity_val_steps=0,
                          callbacks=[make(n) for n in trainer_callbacks], **settings)
            t.fit(model)
            results.append({"id": cid, "trainer_callbacks": trainer_callbacks, "trainer": kwargs,
                            "model_callbacks": model_callbacks, "callbacks": model.seen})
    common.write_json(out, "callback_assembly.json", {
        "versions": common.versions(),
        "note": "TQDMProgressBar is Lightning's default progress bar (ProgressBar in Swift)",
        "cases": results,
    })


if __name__ == "__main__":
    main()
