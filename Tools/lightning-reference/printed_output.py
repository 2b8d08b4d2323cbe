"""Fixture: text Lightning prints (printed_output.json, and the same texts as *.txt files).

- The ModelSummary table (the callback's output at fit start) for small models: with and without
  example_input_array, max_depth 1 / 2 / -1, frozen parameters, a submodule in eval mode, parameters
  that belong to no child module, and counts large enough for the K/M units.
- The validate/test results table printed by verbose=True (plain-text version: `rich` is not installed
  in the reference environment), for one and for two dataloaders, with a long metric name.
- The whole console output of a small fit (info lines included), for reference.

The terminal width is fixed with COLUMNS=120 (Lightning reads shutil.get_terminal_size()).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os

os.environ["COLUMNS"] = "120"
os.environ["LINES"] = "30"

import common  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import lightning as L  # noqa: E402
from lightning.pytorch.callbacks import ModelSummary  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402


@contextlib.contextmanager
def capture_console():
    """Captures print() output and Lightning's INFO log lines, in order, into one buffer."""
    buf = io.StringIO()
    loggers = [logging.getLogger(n) for n in ("lightning.pytorch", "lightning.fabric")]
    saved = [(lg, lg.level, list(lg.handlers), lg.propagate) for lg in loggers]
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for lg in loggers:
        lg.handlers = [handler]
        lg.setLevel(logging.INFO)
        lg.propagate = False
    try:
        with contextlib.redirect_stdout(buf):
            yield buf
    finally:
        for lg, level, handlers, propagate in saved:
            lg.handlers = handlers
            lg.setLevel(level)
            lg.propagate = propagate


class SummaryNet(L.LightningModule):
    def __init__(self, with_example=True, eval_dropout=False, freeze_head=False):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(32, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 2))
        self.head = nn.Linear(2, 1)
        if with_example:
            self.example_input_array = torch.zeros(4, 32)
        if eval_dropout:
            self.net[3].eval()
        if freeze_head:
            for p in self.head.parameters():
                p.requires_grad_(False)

    def forward(self, x):
        return self.head(self.net(x))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


class LooseParamNet(SummaryNet):
    """Adds a parameter owned directly by the LightningModule (no child module)."""

    def __init__(self):
        super().__init__(with_example=False)
        self.scale = nn.Parameter(torch.ones(3))

    def forward(self, x):
        return super().forward(x) * self.scale[0]


class BigNet(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(50000, 64)
        self.embed.weight.requires_grad_(False)
        self.proj = nn.Linear(64, 1000)
        self.big = nn.Linear(1000, 1000)
        self.out = nn.Linear(1000, 1)

    def forward(self, idx):
        return self.out(torch.relu(self.big(self.proj(self.embed(idx)))))

    def training_step(self, batch, batch_idx):
        idx, y = batch
        return F.mse_loss(self(idx).squeeze(-1), y)

    def configure_optimizers(self):
        return torch.optim.SGD([p for p in self.parameters() if p.requires_grad], lr=0.1)


def summary_data():
    g = torch.Generator().manual_seed(0)
    return DataLoader(TensorDataset(torch.randn(8, 32, generator=g), torch.randn(8, 1, generator=g)), batch_size=4)


def big_data():
    return DataLoader(TensorDataset(torch.arange(4).long(), torch.zeros(4)), batch_size=4)


SUMMARY_CASES = [
    ("summary_depth1_example", lambda: SummaryNet(), 1, summary_data,
     "SummaryNet with example_input_array = zeros(4, 32); ModelSummary(max_depth=1) (the default callback)"),
    ("summary_depth2_example", lambda: SummaryNet(), 2, summary_data, "same, max_depth=2"),
    ("summary_depth_all_example", lambda: SummaryNet(), -1, summary_data, "same, max_depth=-1"),
    ("summary_depth1_no_example", lambda: SummaryNet(with_example=False), 1, summary_data,
     "SummaryNet without example_input_array"),
    ("summary_depth2_eval_frozen", lambda: SummaryNet(with_example=False, eval_dropout=True, freeze_head=True), 2,
     summary_data, "net.3 (Dropout) put in eval mode and head's parameters frozen; max_depth=2"),
    ("summary_loose_param", lambda: LooseParamNet(), 1, summary_data,
     "a 3-element nn.Parameter directly on the LightningModule"),
    ("summary_big_units", lambda: BigNet(), 1, big_data,
     "Embedding(50000, 64) frozen, Linear(64, 1000), Linear(1000, 1000), Linear(1000, 1)"),
]


def summary_part(root):
    out = {}
    for cid, make, depth, data, desc in SUMMARY_CASES:
        common.seed_all(0)
        model = make()
        t = L.Trainer(default_root_dir=root, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                      callbacks=[ModelSummary(max_depth=depth)], max_epochs=1, limit_train_batches=1,
                      accelerator="cpu", devices=1)
        with capture_console() as buf:
            t.fit(model, data())
        text = buf.getvalue()
        # keep only the table: from the header line to the last summary line
        lines = text.splitlines()
        start = next(i for i, l in enumerate(lines) if "| Name" in l)
        end = next(i for i in range(start, len(lines)) if "Total Flops" in lines[i])
        table = "\n".join(lines[start:end + 1]) + "\n"
        out[cid] = {"description": desc, "max_depth": depth, "text": table}
    return out


class EvalNet(L.LightningModule):
    def __init__(self, long_name=False):
        super().__init__()
        self.layer = common.fixed_linear()
        self.long_name = long_name

    def forward(self, x):
        return self.layer(x)

    def _step(self, prefix, batch):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log(f"{prefix}_loss", loss)
        self.log(f"{prefix}_mae", F.l1_loss(self(x), y))
        self.log(f"{prefix}_count", 4.0, reduce_fx="sum")
        if self.long_name:
            self.log(f"{prefix}/a_rather_long_metric_name_that_is_longer_than_sixty_characters_in_total", loss)

    def validation_step(self, batch, batch_idx, dataloader_idx=0):
        self._step("val", batch)

    def test_step(self, batch, batch_idx, dataloader_idx=0):
        self._step("test", batch)


def eval_part(root):
    out = {}
    cases = [
        ("test_one_dataloader", "test", False, 1),
        ("validate_one_dataloader", "validate", False, 1),
        ("test_two_dataloaders", "test", False, 2),
        ("test_long_metric_name", "test", True, 1),
    ]
    for cid, fn, long_name, n_dl in cases:
        common.seed_all(0)
        model = EvalNet(long_name)
        t = L.Trainer(default_root_dir=root, logger=False, enable_progress_bar=False, enable_model_summary=False,
                      accelerator="cpu", devices=1)
        dls = [common.loader(common.val_set())] if n_dl == 1 else [common.loader(common.val_set()),
                                                                    common.loader(common.train_set())]
        with capture_console() as buf:
            res = (t.test if fn == "test" else t.validate)(model, dls if n_dl > 1 else dls[0], verbose=True)
        text = buf.getvalue()
        lines = text.splitlines()
        # the table is the block printed by print(): starts at the first bar line
        bar_idx = [i for i, l in enumerate(lines) if l and set(l) <= {"─"}]
        table = "\n".join(lines[bar_idx[0]:bar_idx[-1] + 1]) + "\n"
        out[cid] = {
            "entry": fn, "verbose": True, "dataloaders": n_dl,
            "dataloader_data": "dataloader 0: the 4 standard val samples; dataloader 1: the 8 standard train samples "
                               "(batch_size 2)",
            "logged": ["<stage>_loss = mse", "<stage>_mae = l1", "<stage>_count = 4.0 per batch, reduce_fx='sum'"]
                      + (["<stage>/a_rather_long_metric_name_that_is_longer_than_sixty_characters_in_total = mse"]
                         if long_name else []),
            "returned": res,
            "text": table,
        }
    return out


def console_part(root):
    common.seed_all(0)
    model = SummaryNet(with_example=False)
    with capture_console() as buf:
        t = L.Trainer(default_root_dir=root, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                      max_epochs=2, limit_train_batches=1, accelerator="cpu", devices=1)
        t.fit(model, summary_data())
    return {
        "description": "everything printed (stdout + Lightning INFO log lines) by Trainer(logger=False, "
                       "enable_checkpointing=False, enable_progress_bar=False, max_epochs=2, limit_train_batches=1, "
                       "accelerator='cpu', devices=1).fit(SummaryNet(with_example=False)). The '💡 Tip' lines "
                       "depend on which optional packages are installed (here: none of litlogger/litmodels).",
        "text": buf.getvalue(),
    }


def main():
    out = common.out_dir_from_argv()
    with common.tmpdir() as root:
        summaries = summary_part(root)
        tables = eval_part(root)
        console = console_part(root)
    common.write_json(out, "printed_output.json", {
        "versions": common.versions(),
        "terminal_columns": 120,
        "rich_installed": False,
        "model_summary": summaries,
        "results_tables": tables,
        "fit_console": console,
    })
    for cid, v in summaries.items():
        common.write_text(out / "printed", f"{cid}.txt", v["text"])
    for cid, v in tables.items():
        common.write_text(out / "printed", f"{cid}.txt", v["text"])
    common.write_text(out / "printed", "fit_console.txt", console["text"])


if __name__ == "__main__":
    main()
