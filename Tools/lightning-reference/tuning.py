"""Fixture: the tuners and the training-schedule callbacks (tuning.json).

GradientAccumulationScheduler, Tuner.lr_find / LearningRateFinder, Tuner.scale_batch_size /
BatchSizeFinder, StochasticWeightAveraging and BasePredictionWriter on small deterministic problems:
the optimizer steps, the rates and losses recorded, the batch sizes tried, the learning rates per
epoch, the dataset indices handed to the writer, and the final weights.
"""

from __future__ import annotations

import math

import common
import torch
import torch.nn.functional as F
import lightning as L
from lightning.fabric.utilities.throughput import Throughput
from lightning.pytorch.callbacks import (BasePredictionWriter, BatchSizeFinder, GradientAccumulationScheduler,
                                         LearningRateFinder, StochasticWeightAveraging, ThroughputMonitor)
from lightning.pytorch.tuner import Tuner
from torch.utils.data import DataLoader, TensorDataset

N = 32
XS = [[math.sin(0.7 * i), math.cos(1.3 * i)] for i in range(N)]
YS = [[1.5 * x[0] - 0.8 * x[1] + 0.3 + 0.1 * math.sin(5.0 * i)] for i, x in enumerate(XS)]
XS = torch.tensor(XS, dtype=torch.float32).tolist()
YS = torch.tensor(YS, dtype=torch.float32).tolist()
# A two-layer net with batch norm for SWA: fixed weights, written into the fixture.
BN_W1 = [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2], [0.25, 0.15]]
BN_B1 = [0.05, -0.1, 0.0, 0.2]
BN_W2 = [[0.4, -0.3, 0.2, 0.1]]
BN_B2 = [0.0]


def data(n=N):
    return TensorDataset(torch.tensor(XS[:n]), torch.tensor(YS[:n]))


class TuneModule(L.LightningModule):
    def __init__(self, lr=0.1, batch_size=4, bn=False, scheduler=None, shuffle=False, eval_batch_size=False):
        super().__init__()
        self.lr, self.batch_size, self.bn, self.scheduler, self.shuffle = lr, batch_size, bn, scheduler, shuffle
        # eval_batch_size: the validation, test and predict loaders read self.batch_size too (for the
        # batch-size finder in validate/test/predict), over all 32 samples, and record what they did.
        self.eval_batch_size = eval_batch_size
        if bn:
            self.net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                                           torch.nn.Linear(4, 1))
            with torch.no_grad():
                self.net[0].weight.copy_(torch.tensor(BN_W1))
                self.net[0].bias.copy_(torch.tensor(BN_B1))
                self.net[3].weight.copy_(torch.tensor(BN_W2))
                self.net[3].bias.copy_(torch.tensor(BN_B2))
        else:
            self.net = common.fixed_linear()
        self.rec = {"optimizer_steps": [], "train_dataloader_batch_sizes": [], "epoch_lrs": [], "train_start": 0,
                    "train_end": 0, "train_steps": 0}
        if eval_batch_size:
            self.rec.update({"eval_dataloader_batch_sizes": [], "eval_steps": [], "eval_starts": 0})

    def forward(self, x):
        return self.net(x)

    def train_dataloader(self):
        self.rec["train_dataloader_batch_sizes"].append(self.batch_size)
        return DataLoader(data(), batch_size=self.batch_size, shuffle=False)

    def val_dataloader(self):
        return self.eval_loader("val") if self.eval_batch_size else DataLoader(data(8), batch_size=4, shuffle=False)

    def test_dataloader(self):
        return self.eval_loader("test")

    def predict_dataloader(self):
        return self.eval_loader("predict")

    def eval_loader(self, stage):
        self.rec["eval_dataloader_batch_sizes"].append([stage, self.batch_size])
        return DataLoader(data(), batch_size=self.batch_size, shuffle=False)

    def record_eval_step(self, stage, x, batch_idx):
        if self.eval_batch_size:
            self.rec["eval_steps"].append([stage, batch_idx, len(x)])

    def on_validation_start(self):
        if self.eval_batch_size:
            self.rec["eval_starts"] += 1

    on_test_start = on_validation_start
    on_predict_start = on_validation_start

    def on_train_start(self):
        self.rec["train_start"] += 1

    def on_train_end(self):
        self.rec["train_end"] += 1

    def on_train_epoch_start(self):
        self.rec["epoch_lrs"].append(self.trainer.optimizers[0].param_groups[0]["lr"])

    def training_step(self, batch, batch_idx):
        self.rec["train_steps"] += 1
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.record_eval_step("val", x, batch_idx)
        self.log("val_loss", F.mse_loss(self(x), y))

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.record_eval_step("test", x, batch_idx)
        self.log("test_loss", F.mse_loss(self(x), y))

    def predict_step(self, batch, batch_idx, dataloader_idx=0):
        self.record_eval_step("predict", batch[0], batch_idx)
        return self(batch[0])

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure=None):
        self.rec["optimizer_steps"].append([epoch, batch_idx])
        super().optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=self.lr)
        if self.scheduler == "step":
            return {"optimizer": optimizer, "lr_scheduler": torch.optim.lr_scheduler.StepLR(optimizer, 1, 0.5)}
        return optimizer


def weights(model):
    return {k: v.detach().flatten().tolist() for k, v in model.state_dict().items()}


def trainer(root, **kw):
    kw.setdefault("logger", False)
    kw.setdefault("enable_checkpointing", False)
    return L.Trainer(default_root_dir=root, **common.QUIET, **kw)


def result(model, t, **extra):
    return {**model.rec, "global_step": t.global_step, "current_epoch": t.current_epoch, "weights": weights(model),
            **extra}


def gas_case(root):
    model = TuneModule()
    t = trainer(root, max_epochs=3, limit_val_batches=0,
                callbacks=[GradientAccumulationScheduler(scheduling={1: 3, 2: 8})])
    t.fit(model)
    return result(model, t, accumulate_grad_batches=t.accumulate_grad_batches)


def lr_find_case(root, **kw):
    model = TuneModule()
    t = trainer(root, max_epochs=5)
    finder = Tuner(t).lr_find(model, **kw)
    return result(model, t, lrs=finder.results["lr"], losses=finder.results["loss"], suggestion=finder.suggestion(),
                  model_lr=model.lr, tuner_args=kw)


def lr_finder_fit_case(root):
    model = TuneModule()
    finder = LearningRateFinder(min_lr=1e-3, max_lr=1.0, num_training_steps=20)
    t = trainer(root, max_epochs=2, callbacks=[finder])
    t.fit(model)
    return result(model, t, lrs=finder.optimal_lr.results["lr"], losses=finder.optimal_lr.results["loss"],
                  suggestion=finder.optimal_lr.suggestion(), model_lr=model.lr)


def bsf_case(root, **kw):
    model = TuneModule()
    t = trainer(root, max_epochs=1)
    size = Tuner(t).scale_batch_size(model, **kw)
    return result(model, t, found=size, model_batch_size=model.batch_size, tuner_args=kw)


def bsf_fit_case(root):
    model = TuneModule()
    t = trainer(root, max_epochs=1, callbacks=[BatchSizeFinder(steps_per_trial=2, init_val=4)])
    t.fit(model)
    return result(model, t, found=t.callbacks[0].optimal_batch_size, model_batch_size=model.batch_size)


def bsf_eval_case(root, method, **kw):
    """The Tuner's search for validate, test or predict (the loaders read model.batch_size)."""
    model = TuneModule(eval_batch_size=True)
    t = trainer(root, max_epochs=1)
    size = Tuner(t).scale_batch_size(model, method=method, **kw)
    return result(model, t, found=size, model_batch_size=model.batch_size, tuner_args={"method": method, **kw})


def bsf_eval_callback_case(root, method, **kw):
    """A BatchSizeFinder callback in validate, test or predict: the search, then the whole run with the size
    found (what validate/test return, how many predictions)."""
    model = TuneModule(eval_batch_size=True)
    finder = BatchSizeFinder(**kw)
    t = trainer(root, max_epochs=1, callbacks=[finder])
    if method == "predict":
        out = {"predictions": [p.flatten().tolist() for p in t.predict(model)]}
    else:
        out = {"results": getattr(t, method)(model, verbose=False)}
    return result(model, t, found=finder.optimal_batch_size, model_batch_size=model.batch_size,
                  finder_args={"method": method, **kw}, **out)


def swa_case(root, bn, scheduler=None, **kw):
    model = TuneModule(bn=bn, scheduler=scheduler)
    swa = StochasticWeightAveraging(**kw)
    t = trainer(root, max_epochs=5, limit_val_batches=0, callbacks=[swa])
    t.fit(model)
    state = swa.state_dict()
    return result(model, t, n_averaged=state["n_averaged"], latest_update_epoch=state["latest_update_epoch"],
                  scheduler_state=state["scheduler_state"],
                  average_model_state={k: v.flatten().tolist() for k, v in state["average_model_state"].items()},
                  swa_args=kw, bn=bn, scheduler=scheduler)


class Writer(BasePredictionWriter):
    def __init__(self, interval):
        super().__init__(interval)
        self.calls = []

    def write_on_batch_end(self, trainer, pl_module, prediction, batch_indices, batch, batch_idx, dataloader_idx):
        self.calls.append({"kind": "batch", "batch_idx": batch_idx, "dataloader_idx": dataloader_idx,
                           "batch_indices": list(batch_indices), "prediction": prediction.flatten().tolist()})

    def write_on_epoch_end(self, trainer, pl_module, predictions, batch_indices):
        self.calls.append({"kind": "epoch", "batch_indices": batch_indices,
                           "predictions": [p.flatten().tolist() for p in predictions]})


def writer_case(root, interval, shuffle):
    model = TuneModule()
    writer = Writer(interval)
    t = trainer(root, callbacks=[writer])
    g = torch.Generator().manual_seed(7)
    loader = DataLoader(data(12), batch_size=5, shuffle=shuffle, generator=g if shuffle else None)
    out = t.predict(model, dataloaders=loader, return_predictions=False)
    return {"calls": writer.calls, "returned": out, "interval": interval, "shuffle": shuffle}


def throughput_case(root):
    """Throughput's arithmetic on fixed times, after every update."""
    throughput = Throughput(available_flops=100.0, world_size=2, window_size=3)
    computed = []
    for i, time in enumerate([0.5, 1.0, 1.75, 2.5]):
        throughput.update(time=time, batches=i + 1, samples=4 * (i + 1), lengths=40 * (i + 1), flops=10)
        computed.append(list(throughput.compute().items()))
    return {"computed": computed}


def throughput_monitor_case(root):
    model = TuneModule()
    logger = common.RecordingLogger()
    monitor = ThroughputMonitor(batch_size_fn=lambda batch: batch[0].size(0), window_size=3)
    t = trainer(root, max_epochs=2, log_every_n_steps=2, logger=logger, callbacks=[monitor])
    t.fit(model)
    t.test(model, dataloaders=DataLoader(data(12), batch_size=4), verbose=False)
    t.predict(model, dataloaders=DataLoader(data(12), batch_size=4), return_predictions=False)
    # Times and rates vary from run to run: keep names, and the counts.
    counted = ("batches", "samples", "epoch")
    return {"calls": [{"step": call["step"], "names": [k for k, _ in call["metrics"]],
                       "counts": {k: v for k, v in call["metrics"] if k.endswith(counted)}} for call in logger.calls]}


def main():
    out = common.out_dir_from_argv()
    cases = {}
    with common.tmpdir() as root:
        def run(name, fn, *args, **kw):
            common.seed_all(0)
            cases[name] = fn(root, *args, **kw)

        run("gas", gas_case)
        run("lr_find_exponential", lr_find_case, min_lr=1e-4, max_lr=1.0, num_training=30)
        run("lr_find_linear", lr_find_case, min_lr=1e-3, max_lr=0.5, num_training=20, mode="linear")
        run("lr_find_diverging", lr_find_case, min_lr=1e-2, max_lr=100.0, num_training=40)
        run("lr_finder_fit", lr_finder_fit_case)
        run("bsf_power", bsf_case, mode="power", steps_per_trial=2, init_val=2)
        run("bsf_binsearch", bsf_case, mode="binsearch", steps_per_trial=1, init_val=3)
        run("bsf_max_val", bsf_case, mode="power", steps_per_trial=1, init_val=2, max_val=8)
        run("bsf_fit", bsf_fit_case)
        run("bsf_validate_power", bsf_eval_case, "validate", mode="power", steps_per_trial=1, init_val=2)
        run("bsf_test_binsearch", bsf_eval_case, "test", mode="binsearch", steps_per_trial=2, init_val=3)
        run("bsf_predict_max_val", bsf_eval_case, "predict", mode="power", steps_per_trial=1, init_val=2, max_val=8)
        run("bsf_validate_callback", bsf_eval_callback_case, "validate", steps_per_trial=2, init_val=4)
        run("bsf_test_callback", bsf_eval_callback_case, "test", mode="binsearch", steps_per_trial=1, init_val=5)
        run("bsf_predict_callback", bsf_eval_callback_case, "predict", steps_per_trial=1, init_val=2, max_val=16)
        run("swa_bn", swa_case, True, swa_lrs=0.05, swa_epoch_start=2, annealing_epochs=2)
        run("swa_linear_scheduler", swa_case, False, "step", swa_lrs=0.02, swa_epoch_start=0.6, annealing_epochs=1,
            annealing_strategy="linear")
        run("throughput", throughput_case)
        run("throughput_monitor", throughput_monitor_case)
        run("writer_batch", writer_case, "batch", False)
        run("writer_both_shuffled", writer_case, "batch_and_epoch", True)
    common.write_json(out, "tuning.json", {
        "versions": common.versions(),
        "data": {"x": XS, "y": YS, "bn_w1": BN_W1, "bn_b1": BN_B1, "bn_w2": BN_W2, "bn_b2": BN_B2},
        "module": "TuneModule: Linear(2,1) with the standard weights (or Linear(2,4)-BatchNorm1d(4)-ReLU-Linear(4,1) "
                  "with bn), mse loss logged as train_loss, SGD(lr=model.lr) (+ StepLR(1, 0.5) per epoch with "
                  "scheduler='step'); train loader: the 32 samples, batch model.batch_size, no shuffle; val loader: "
                  "the first 8, batch 4",
        "cases": cases,
    })


if __name__ == "__main__":
    main()
