"""Fixture: the exact order of every hook Lightning calls (hook_order.json).

An instrumented LightningModule, Callback and LightningDataModule append one string per hook call
to a shared list, then call the base implementation. A CheckpointIO plugin records the files
written, read and removed. Each scenario is one Trainer entry-point call; its event list is the
fixture. See README.md for the event string format.
"""

from __future__ import annotations

import os
from pathlib import Path

import common  # noqa: F401  (sets up determinism first)
import torch
import torch.nn.functional as F
import lightning as L
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from lightning.pytorch.callbacks import ModelCheckpoint

EVENTS: list[str] = []
STEPS: list[dict] = []  # one per training_step: where the loop is and which batch it got
_MISSING = object()


def _fmt(v):
    return getattr(v, "value", v)  # TrainerFn enum -> "fit"


def rec(owner: str, hook: str, **kw) -> None:
    args = ",".join(f"{k}={_fmt(v)}" for k, v in kw.items())
    EVENTS.append(f"{owner}.{hook}({args})")


def dl_kw(dataloader_idx):
    return {} if dataloader_idx is _MISSING else {"dataloader_idx": dataloader_idx}


def dl_pass(dataloader_idx):
    return 0 if dataloader_idx is _MISSING else dataloader_idx


def ckpt_kw(checkpoint):
    return {"epoch": checkpoint.get("epoch"), "global_step": checkpoint.get("global_step")}


# ---------------------------------------------------------------------------------------------
# Instrumented classes
# ---------------------------------------------------------------------------------------------


class RecordingIO(TorchCheckpointIO):
    def save_checkpoint(self, checkpoint, path, storage_options=None):
        rec("io", "save_checkpoint", file=os.path.basename(path))
        return super().save_checkpoint(checkpoint, path, storage_options)

    def load_checkpoint(self, path, map_location=None, weights_only=None):
        rec("io", "load_checkpoint", file=os.path.basename(path))
        return super().load_checkpoint(path, map_location=map_location, weights_only=weights_only)

    def remove_checkpoint(self, path):
        rec("io", "remove_checkpoint", file=os.path.basename(path))
        return super().remove_checkpoint(path)


class RecordingModule(L.LightningModule):
    """Overrides every LightningModule hook (except the deprecated configure_sharded_model and the
    *_dataloader hooks, which the datamodule provides) and records each call."""

    def __init__(self, scheduler: str | None = None, fail_at_batch: int | None = None):
        super().__init__()
        self.layer = common.fixed_linear()
        self.scheduler = scheduler
        self.fail_at_batch = fail_at_batch

    def forward(self, x):
        return self.layer(x)

    # ---- steps ----
    def training_step(self, batch, batch_idx):
        rec("module", "training_step", batch_idx=batch_idx)
        if self.fail_at_batch is not None and batch_idx == self.fail_at_batch:
            raise RuntimeError("failure injected in training_step")
        x, y = batch
        STEPS.append({"epoch": self.current_epoch, "batch_idx": batch_idx, "global_step": self.global_step,
                      "first_x": x[0].tolist()})
        loss = F.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        rec("module", "validation_step", batch_idx=batch_idx)
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log("val_loss", loss)
        return loss

    def test_step(self, batch, batch_idx):
        rec("module", "test_step", batch_idx=batch_idx)
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log("test_loss", loss)
        return loss

    def predict_step(self, batch, batch_idx):
        rec("module", "predict_step", batch_idx=batch_idx)
        x, _ = batch
        return self(x)

    # ---- configure_* ----
    def configure_callbacks(self):
        rec("module", "configure_callbacks")
        return []

    def configure_model(self):
        rec("module", "configure_model")

    def configure_optimizers(self):
        rec("module", "configure_optimizers")
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        if self.scheduler == "step":
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
        if self.scheduler == "epoch":
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "epoch"}}
        return opt

    # ---- data hooks (the module's; the datamodule's *_dataloader hooks are used) ----
    def prepare_data(self):
        rec("module", "prepare_data")

    def setup(self, stage):
        rec("module", "setup", stage=stage)

    def teardown(self, stage):
        rec("module", "teardown", stage=stage)

    def on_before_batch_transfer(self, batch, dataloader_idx):
        rec("module", "on_before_batch_transfer", dataloader_idx=dataloader_idx)
        return super().on_before_batch_transfer(batch, dataloader_idx)

    def transfer_batch_to_device(self, batch, device, dataloader_idx):
        rec("module", "transfer_batch_to_device", device=device.type, dataloader_idx=dataloader_idx)
        return super().transfer_batch_to_device(batch, device, dataloader_idx)

    def on_after_batch_transfer(self, batch, dataloader_idx):
        rec("module", "on_after_batch_transfer", dataloader_idx=dataloader_idx)
        return super().on_after_batch_transfer(batch, dataloader_idx)

    # ---- stage start/end ----
    def on_fit_start(self):
        rec("module", "on_fit_start")

    def on_fit_end(self):
        rec("module", "on_fit_end")

    def on_train_start(self):
        rec("module", "on_train_start")

    def on_train_end(self):
        rec("module", "on_train_end")

    def on_validation_start(self):
        rec("module", "on_validation_start")

    def on_validation_end(self):
        rec("module", "on_validation_end")

    def on_test_start(self):
        rec("module", "on_test_start")

    def on_test_end(self):
        rec("module", "on_test_end")

    def on_predict_start(self):
        rec("module", "on_predict_start")

    def on_predict_end(self):
        rec("module", "on_predict_end")

    # ---- epochs ----
    def on_train_epoch_start(self):
        rec("module", "on_train_epoch_start")

    def on_train_epoch_end(self):
        rec("module", "on_train_epoch_end")

    def on_validation_epoch_start(self):
        rec("module", "on_validation_epoch_start")

    def on_validation_epoch_end(self):
        rec("module", "on_validation_epoch_end")

    def on_test_epoch_start(self):
        rec("module", "on_test_epoch_start")

    def on_test_epoch_end(self):
        rec("module", "on_test_epoch_end")

    def on_predict_epoch_start(self):
        rec("module", "on_predict_epoch_start")

    def on_predict_epoch_end(self):
        rec("module", "on_predict_epoch_end")

    # ---- batches ----
    def on_train_batch_start(self, batch, batch_idx):
        rec("module", "on_train_batch_start", batch_idx=batch_idx)

    def on_train_batch_end(self, outputs, batch, batch_idx):
        rec("module", "on_train_batch_end", batch_idx=batch_idx)

    def on_validation_batch_start(self, batch, batch_idx, dataloader_idx=_MISSING):
        rec("module", "on_validation_batch_start", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    def on_validation_batch_end(self, outputs, batch, batch_idx, dataloader_idx=_MISSING):
        rec("module", "on_validation_batch_end", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    def on_test_batch_start(self, batch, batch_idx, dataloader_idx=_MISSING):
        rec("module", "on_test_batch_start", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    def on_test_batch_end(self, outputs, batch, batch_idx, dataloader_idx=_MISSING):
        rec("module", "on_test_batch_end", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    def on_predict_batch_start(self, batch, batch_idx, dataloader_idx=_MISSING):
        rec("module", "on_predict_batch_start", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    def on_predict_batch_end(self, outputs, batch, batch_idx, dataloader_idx=_MISSING):
        rec("module", "on_predict_batch_end", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    # ---- eval/train mode ----
    def on_validation_model_zero_grad(self):
        rec("module", "on_validation_model_zero_grad")
        super().on_validation_model_zero_grad()

    def on_validation_model_eval(self):
        rec("module", "on_validation_model_eval")
        super().on_validation_model_eval()

    def on_validation_model_train(self):
        rec("module", "on_validation_model_train")
        super().on_validation_model_train()

    def on_test_model_eval(self):
        rec("module", "on_test_model_eval")
        super().on_test_model_eval()

    def on_test_model_train(self):
        rec("module", "on_test_model_train")
        super().on_test_model_train()

    def on_predict_model_eval(self):
        rec("module", "on_predict_model_eval")
        super().on_predict_model_eval()

    # ---- optimization ----
    def on_before_zero_grad(self, optimizer):
        rec("module", "on_before_zero_grad")

    def optimizer_zero_grad(self, epoch, batch_idx, optimizer):
        rec("module", "optimizer_zero_grad", epoch=epoch, batch_idx=batch_idx)
        super().optimizer_zero_grad(epoch, batch_idx, optimizer)

    def on_before_backward(self, loss):
        rec("module", "on_before_backward")

    def backward(self, loss, *args, **kwargs):
        rec("module", "backward")
        super().backward(loss, *args, **kwargs)

    def on_after_backward(self):
        rec("module", "on_after_backward")

    def on_before_optimizer_step(self, optimizer):
        rec("module", "on_before_optimizer_step")

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None):
        rec("module", "configure_gradient_clipping", gradient_clip_val=gradient_clip_val,
            gradient_clip_algorithm=gradient_clip_algorithm)
        super().configure_gradient_clipping(optimizer, gradient_clip_val, gradient_clip_algorithm)

    def clip_gradients(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None):
        rec("module", "clip_gradients", gradient_clip_val=gradient_clip_val,
            gradient_clip_algorithm=gradient_clip_algorithm)
        super().clip_gradients(optimizer, gradient_clip_val, gradient_clip_algorithm)

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure=None):
        rec("module", "optimizer_step", epoch=epoch, batch_idx=batch_idx)
        super().optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)

    def lr_scheduler_step(self, scheduler, metric):
        rec("module", "lr_scheduler_step", scheduler=type(scheduler).__name__, metric=metric)
        super().lr_scheduler_step(scheduler, metric)

    # ---- checkpointing ----
    def on_save_checkpoint(self, checkpoint):
        rec("module", "on_save_checkpoint", **ckpt_kw(checkpoint))

    def on_load_checkpoint(self, checkpoint):
        rec("module", "on_load_checkpoint", **ckpt_kw(checkpoint))

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        if prefix == "":
            rec("module", "state_dict")
        return super().state_dict(*args, destination=destination, prefix=prefix, keep_vars=keep_vars)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        rec("module", "load_state_dict")
        return super().load_state_dict(state_dict, strict=strict, assign=assign)


class RecordingModuleWithLoaders(RecordingModule):
    """The same module, providing its own dataloaders (used without a datamodule)."""

    def train_dataloader(self):
        rec("module", "train_dataloader")
        return common.loader(common.train_set())

    def val_dataloader(self):
        rec("module", "val_dataloader")
        return common.loader(common.val_set())


class RecordingDataModule(L.LightningDataModule):
    def __init__(self):
        super().__init__()
        self.loads = 0

    def prepare_data(self):
        rec("datamodule", "prepare_data")

    def setup(self, stage):
        rec("datamodule", "setup", stage=stage)

    def teardown(self, stage):
        rec("datamodule", "teardown", stage=stage)

    def train_dataloader(self):
        rec("datamodule", "train_dataloader")
        return common.loader(common.train_set())

    def val_dataloader(self):
        rec("datamodule", "val_dataloader")
        return common.loader(common.val_set())

    def test_dataloader(self):
        rec("datamodule", "test_dataloader")
        return common.loader(common.val_set())

    def predict_dataloader(self):
        rec("datamodule", "predict_dataloader")
        return common.loader(common.val_set())

    def state_dict(self):
        rec("datamodule", "state_dict")
        return {"loads": self.loads}

    def load_state_dict(self, state_dict):
        rec("datamodule", "load_state_dict", loads=state_dict.get("loads"))
        self.loads = state_dict["loads"] + 1

    def on_exception(self, exception):
        rec("datamodule", "on_exception", type=type(exception).__name__)


class TransferDataModule(RecordingDataModule):
    """Also overrides the three batch-transfer hooks: Lightning then calls these, not the module's."""

    def on_before_batch_transfer(self, batch, dataloader_idx):
        rec("datamodule", "on_before_batch_transfer", dataloader_idx=dataloader_idx)
        return batch

    def transfer_batch_to_device(self, batch, device, dataloader_idx):
        rec("datamodule", "transfer_batch_to_device", device=device.type, dataloader_idx=dataloader_idx)
        return super().transfer_batch_to_device(batch, device, dataloader_idx)

    def on_after_batch_transfer(self, batch, dataloader_idx):
        rec("datamodule", "on_after_batch_transfer", dataloader_idx=dataloader_idx)
        return batch


class RecordingCallback(L.Callback):
    """Overrides every Callback hook. Stateful: state_dict() = {"train_batches": n}."""

    def __init__(self):
        self.train_batches = 0

    def setup(self, trainer, pl_module, stage):
        rec("callback", "setup", stage=stage)

    def teardown(self, trainer, pl_module, stage):
        rec("callback", "teardown", stage=stage)

    def on_fit_start(self, trainer, pl_module):
        rec("callback", "on_fit_start")

    def on_fit_end(self, trainer, pl_module):
        rec("callback", "on_fit_end")

    def on_sanity_check_start(self, trainer, pl_module):
        rec("callback", "on_sanity_check_start")

    def on_sanity_check_end(self, trainer, pl_module):
        rec("callback", "on_sanity_check_end")

    def on_train_start(self, trainer, pl_module):
        rec("callback", "on_train_start")

    def on_train_end(self, trainer, pl_module):
        rec("callback", "on_train_end")

    def on_validation_start(self, trainer, pl_module):
        rec("callback", "on_validation_start")

    def on_validation_end(self, trainer, pl_module):
        rec("callback", "on_validation_end")

    def on_test_start(self, trainer, pl_module):
        rec("callback", "on_test_start")

    def on_test_end(self, trainer, pl_module):
        rec("callback", "on_test_end")

    def on_predict_start(self, trainer, pl_module):
        rec("callback", "on_predict_start")

    def on_predict_end(self, trainer, pl_module):
        rec("callback", "on_predict_end")

    def on_train_epoch_start(self, trainer, pl_module):
        rec("callback", "on_train_epoch_start")

    def on_train_epoch_end(self, trainer, pl_module):
        rec("callback", "on_train_epoch_end")

    def on_validation_epoch_start(self, trainer, pl_module):
        rec("callback", "on_validation_epoch_start")

    def on_validation_epoch_end(self, trainer, pl_module):
        rec("callback", "on_validation_epoch_end")

    def on_test_epoch_start(self, trainer, pl_module):
        rec("callback", "on_test_epoch_start")

    def on_test_epoch_end(self, trainer, pl_module):
        rec("callback", "on_test_epoch_end")

    def on_predict_epoch_start(self, trainer, pl_module):
        rec("callback", "on_predict_epoch_start")

    def on_predict_epoch_end(self, trainer, pl_module):
        rec("callback", "on_predict_epoch_end")

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        rec("callback", "on_train_batch_start", batch_idx=batch_idx)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.train_batches += 1
        rec("callback", "on_train_batch_end", batch_idx=batch_idx)

    def on_validation_batch_start(self, trainer, pl_module, batch, batch_idx, dataloader_idx=_MISSING):
        rec("callback", "on_validation_batch_start", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=_MISSING):
        rec("callback", "on_validation_batch_end", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    def on_test_batch_start(self, trainer, pl_module, batch, batch_idx, dataloader_idx=_MISSING):
        rec("callback", "on_test_batch_start", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    def on_test_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=_MISSING):
        rec("callback", "on_test_batch_end", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    def on_predict_batch_start(self, trainer, pl_module, batch, batch_idx, dataloader_idx=_MISSING):
        rec("callback", "on_predict_batch_start", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    def on_predict_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=_MISSING):
        rec("callback", "on_predict_batch_end", batch_idx=batch_idx, **dl_kw(dataloader_idx))

    def on_before_zero_grad(self, trainer, pl_module, optimizer):
        rec("callback", "on_before_zero_grad")

    def on_before_backward(self, trainer, pl_module, loss):
        rec("callback", "on_before_backward")

    def on_after_backward(self, trainer, pl_module):
        rec("callback", "on_after_backward")

    def on_before_optimizer_step(self, trainer, pl_module, optimizer):
        rec("callback", "on_before_optimizer_step")

    def on_exception(self, trainer, pl_module, exception):
        rec("callback", "on_exception", type=type(exception).__name__)

    def state_dict(self):
        rec("callback", "state_dict")
        return {"train_batches": self.train_batches}

    def load_state_dict(self, state_dict):
        rec("callback", "load_state_dict", train_batches=state_dict.get("train_batches"))
        self.train_batches = state_dict["train_batches"]

    def on_save_checkpoint(self, trainer, pl_module, checkpoint):
        rec("callback", "on_save_checkpoint", **ckpt_kw(checkpoint))

    def on_load_checkpoint(self, trainer, pl_module, checkpoint):
        rec("callback", "on_load_checkpoint", **ckpt_kw(checkpoint))


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------


def files_in(d: str) -> list[str]:
    if not os.path.isdir(d):
        return []
    return sorted(os.listdir(d))


def trainer(root, callbacks, **kw):
    return L.Trainer(default_root_dir=root, logger=False, callbacks=callbacks, plugins=[RecordingIO()],
                     **common.QUIET, **kw)


def run(fn):
    EVENTS.clear()
    STEPS.clear()
    common.seed_all(0)
    error = None
    try:
        fn()
    except BaseException as e:  # noqa: BLE001
        error = {"type": type(e).__name__, "message": str(e)}
    return list(EVENTS), error


def steps():
    return list(STEPS)


def scenario_a(root):
    settings = dict(max_epochs=2, num_sanity_val_steps=1, accumulate_grad_batches=2, log_every_n_steps=1)
    ckdir = os.path.join(root, "ckpt")

    def go():
        model = RecordingModule(scheduler="step")
        ck = ModelCheckpoint(dirpath=ckdir, monitor="val_loss", save_last=True)
        t = trainer(root, [RecordingCallback(), ck], **settings)
        t.fit(model, datamodule=RecordingDataModule())

    events, err = run(go)
    return {
        "description": "fit: 2 epochs x 4 train batches, 2 val batches, 1 sanity step, accumulate 2, "
                       "StepLR(step_size=1, gamma=0.5) with interval 'step', ModelCheckpoint(monitor='val_loss', "
                       "save_last=True), stateful RecordingCallback; datamodule",
        "entry": "fit",
        "trainer": settings,
        "callbacks": ["RecordingCallback()", "ModelCheckpoint(monitor='val_loss', save_last=True)"],
        "model_checkpoint": {"monitor": "val_loss", "save_last": True},
        "scheduler": {"type": "StepLR", "step_size": 1, "gamma": 0.5, "interval": "step"},
        "datamodule": "RecordingDataModule",
        "checkpoint_files_after": files_in(ckdir),
        "training_steps": steps(),
        "events": events, "error": err,
    }


def scenario_b(root):
    settings = dict(max_epochs=1, val_check_interval=2, limit_val_batches=1)
    ckdir = os.path.join(root, "ckpt_b")

    def go():
        model = RecordingModule()
        ck = ModelCheckpoint(dirpath=ckdir, monitor="val_loss")
        t = trainer(root, [RecordingCallback(), ck], **settings)
        t.fit(model, datamodule=RecordingDataModule())

    events, err = run(go)
    return {
        "description": "fit: 1 epoch x 4 train batches, val_check_interval=2, limit_val_batches=1 "
                       "(default num_sanity_val_steps=2, capped to 1 batch), ModelCheckpoint(monitor='val_loss'); "
                       "no scheduler; datamodule",
        "entry": "fit",
        "trainer": settings,
        "callbacks": ["RecordingCallback()", "ModelCheckpoint(monitor='val_loss')"],
        "model_checkpoint": {"monitor": "val_loss"},
        "datamodule": "RecordingDataModule",
        "checkpoint_files_after": files_in(ckdir),
        "training_steps": steps(),
        "events": events, "error": err,
    }


def scenario_eval(root, entry):
    def go():
        model = RecordingModule()
        t = trainer(root, [RecordingCallback()])
        dm = RecordingDataModule()
        if entry == "validate":
            t.validate(model, datamodule=dm, verbose=False)
        elif entry == "test":
            t.test(model, datamodule=dm, verbose=False)
        else:
            t.predict(model, datamodule=dm)

    events, err = run(go)
    return {
        "description": f"trainer.{entry}(model, datamodule=dm) over the 2 val batches (4 samples)"
                       + (", verbose=False" if entry != "predict" else ""),
        "entry": entry,
        "trainer": {},
        "callbacks": ["RecordingCallback()"],
        "datamodule": "RecordingDataModule",
        "training_steps": steps(),
        "events": events, "error": err,
    }


def scenario_resume(root, mid_epoch: bool):
    ckdir = os.path.join(root, "ckpt_f" + ("_mid" if mid_epoch else ""))
    first = dict(max_epochs=1, num_sanity_val_steps=0)
    if mid_epoch:
        ck_kwargs = {"every_n_train_steps": 2, "save_top_k": -1}
    else:
        ck_kwargs = {}
    second = dict(max_epochs=2, num_sanity_val_steps=1)
    ck_desc = "ModelCheckpoint(" + ", ".join(["filename='{epoch}-{step}'"] + [f"{k}={v!r}" for k, v in ck_kwargs.items()]) + ")"

    # First run (not recorded): saves the checkpoint we resume from.
    EVENTS.clear()
    common.seed_all(0)
    model = RecordingModule()
    ck = ModelCheckpoint(dirpath=ckdir, filename="{epoch}-{step}", **ck_kwargs)
    trainer(root, [RecordingCallback(), ck], **first).fit(model, datamodule=RecordingDataModule())
    name = "epoch=0-step=2.ckpt" if mid_epoch else "epoch=0-step=4.ckpt"
    path = os.path.join(ckdir, name)
    assert os.path.exists(path), files_in(ckdir)

    def go():
        model = RecordingModule()
        ck2 = ModelCheckpoint(dirpath=ckdir + "_resumed", filename="{epoch}-{step}", **ck_kwargs)
        t = trainer(root, [RecordingCallback(), ck2], **second)
        t.fit(model, datamodule=RecordingDataModule(), ckpt_path=path)

    events, err = run(go)
    return {
        "description": ("resume from a checkpoint saved mid-epoch (after global step 2, batch_idx 1 of epoch 0) by "
                        "ModelCheckpoint(every_n_train_steps=2, save_top_k=-1); the plain DataLoader is not "
                        "resumable" if mid_epoch else
                        "resume from the checkpoint ModelCheckpoint() saved at the end of epoch 0 (global step 4)")
                       + "; resumed run: max_epochs=2, num_sanity_val_steps=1 (skipped when resuming); datamodule",
        "entry": "fit",
        "first_run": {"trainer": first, "callbacks": ["RecordingCallback()", ck_desc],
                      "model_checkpoint": {"filename": "{epoch}-{step}", **ck_kwargs}},
        "ckpt_path": name,
        "trainer": second,
        "callbacks": ["RecordingCallback()", ck_desc],
        "model_checkpoint": {"filename": "{epoch}-{step}", **ck_kwargs},
        "datamodule": "RecordingDataModule",
        "checkpoint_files_after": files_in(ckdir + "_resumed"),
        "training_steps": steps(),
        "events": events, "error": err,
    }


def scenario_transfer(root):
    def go():
        model = RecordingModule()
        t = trainer(root, [RecordingCallback()], limit_val_batches=1)
        t.validate(model, datamodule=TransferDataModule(), verbose=False)

    events, err = run(go)
    return {
        "description": "validate (limit_val_batches=1) with a datamodule that also overrides the three batch-transfer "
                       "hooks: the datamodule's are called instead of the module's",
        "entry": "validate",
        "trainer": {"limit_val_batches": 1},
        "callbacks": ["RecordingCallback()"],
        "datamodule": "TransferDataModule",
        "training_steps": steps(),
        "events": events, "error": err,
    }


def scenario_exception(root):
    def go():
        model = RecordingModule(fail_at_batch=1)
        t = trainer(root, [RecordingCallback()], max_epochs=1, num_sanity_val_steps=0)
        t.fit(model, datamodule=RecordingDataModule())

    events, err = run(go)
    return {
        "description": "fit where training_step raises RuntimeError at batch_idx 1 of epoch 0 "
                       "(num_sanity_val_steps=0, no ModelCheckpoint: enable_checkpointing default adds one, "
                       "but it never saves); the exception propagates out of fit",
        "entry": "fit",
        "trainer": {"max_epochs": 1, "num_sanity_val_steps": 0},
        "callbacks": ["RecordingCallback()"],
        "datamodule": "RecordingDataModule",
        "training_steps": steps(),
        "events": events, "error": err,
    }


def scenario_own_loaders(root):
    def go():
        model = RecordingModuleWithLoaders()
        t = trainer(root, [RecordingCallback()], max_epochs=1, limit_train_batches=2, limit_val_batches=1,
                    num_sanity_val_steps=1, enable_checkpointing=False)
        t.fit(model)

    events, err = run(go)
    return {
        "description": "fit without a datamodule: the module's own train_dataloader/val_dataloader; 1 epoch, "
                       "limit_train_batches=2, limit_val_batches=1, 1 sanity step, enable_checkpointing=False",
        "entry": "fit",
        "trainer": {"max_epochs": 1, "limit_train_batches": 2, "limit_val_batches": 1, "num_sanity_val_steps": 1,
                    "enable_checkpointing": False},
        "callbacks": ["RecordingCallback()"],
        "datamodule": None,
        "training_steps": steps(),
        "events": events, "error": err,
    }


def scenario_clip_epoch_sched(root):
    settings = dict(max_epochs=1, limit_train_batches=2, limit_val_batches=0, gradient_clip_val=0.5,
                    gradient_clip_algorithm="value", enable_checkpointing=False)

    def go():
        model = RecordingModule(scheduler="epoch")
        t = trainer(root, [RecordingCallback()], **settings)
        t.fit(model, datamodule=RecordingDataModule())

    events, err = run(go)
    return {
        "description": "fit with gradient_clip_val=0.5 (algorithm 'value'), StepLR interval 'epoch', "
                       "limit_val_batches=0 (no validation), 2 train batches, no checkpointing",
        "entry": "fit",
        "trainer": settings,
        "scheduler": {"type": "StepLR", "step_size": 1, "gamma": 0.5, "interval": "epoch"},
        "callbacks": ["RecordingCallback()"],
        "datamodule": "RecordingDataModule",
        "training_steps": steps(),
        "events": events, "error": err,
    }


def main():
    out = common.out_dir_from_argv()
    with common.tmpdir() as root:
        scenarios = {
            "a_fit": scenario_a(os.path.join(root, "a")),
            "b_fit_val_check_interval": scenario_b(os.path.join(root, "b")),
            "c_validate": scenario_eval(os.path.join(root, "c"), "validate"),
            "d_test": scenario_eval(os.path.join(root, "d"), "test"),
            "e_predict": scenario_eval(os.path.join(root, "e"), "predict"),
            "f_resume_epoch_end": scenario_resume(os.path.join(root, "f"), mid_epoch=False),
            "f_resume_mid_epoch": scenario_resume(os.path.join(root, "f2"), mid_epoch=True),
            "g_datamodule_transfer_hooks": scenario_transfer(os.path.join(root, "g")),
            "h_exception": scenario_exception(os.path.join(root, "h")),
            "i_module_dataloaders": scenario_own_loaders(os.path.join(root, "i")),
            "j_clip_and_epoch_scheduler": scenario_clip_epoch_sched(os.path.join(root, "j")),
        }
    common.write_json(out, "hook_order.json", {
        "versions": common.versions(),
        "data": common.STANDARD_DATA,
        "batch_size": 2,
        "optimizer": {"type": "SGD", "lr": 0.1},
        "logger": False,
        "format": "owner.hook(k=v,...): owner is module | callback | datamodule | io (the CheckpointIO plugin: "
                  "file writes/reads/removals). Arguments are listed only where noted in README.md; "
                  "dataloader_idx appears only when Lightning passes it.",
        "scenarios": scenarios,
    })


if __name__ == "__main__":
    main()
