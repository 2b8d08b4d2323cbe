"""Makes Tests/LightningTests/Fixtures/metrics.json: torchmetrics values the Swift metrics must match.

Each case has its update batches (plain number lists: the inputs are small), the metric's
constructor settings and torchmetrics' compute() result after all the updates.

    $(Scripts/python-env.sh) -m pip install torchmetrics   # once
    $(Scripts/python-env.sh) Tools/parity/make_metric_fixtures.py
"""
import json
import pathlib

import torch
import torchmetrics
from torchmetrics import classification as C
from torchmetrics import aggregation as A
from torchmetrics import regression as R

torch.manual_seed(0)
N = 23
NC = 4
NL = 3


def value(t):
    t = t.detach().double()
    return t.tolist()


cases = []


def case(name, kind, settings, metric, batches):
    for batch in batches:
        metric.update(*batch)
    cases.append({
        "name": name, "kind": kind, "settings": settings,
        "batches": [[{"shape": list(x.shape), "dtype": "int" if not x.is_floating_point() else "float",
                      "values": x.flatten().tolist()} for x in batch] for batch in batches],
        "expected": value(metric.compute()),
    })


def split(*tensors):
    """Two update batches of unequal size."""
    cut = 10
    return [tuple(t[:cut] for t in tensors), tuple(t[cut:] for t in tensors)]


bin_probs = torch.rand(N)
bin_logits = torch.randn(N) * 3
bin_target = torch.randint(0, 2, (N,))
mc_logits = torch.randn(N, NC)
mc_target = torch.randint(0, NC, (N,))
mc_target_missing = mc_target.clone()
mc_target_missing[mc_target_missing == 3] = 2  # class 3 absent from the targets
mc_labels = torch.randint(0, NC, (N,))
ml_probs = torch.rand(N, NL)
ml_target = torch.randint(0, 2, (N, NL))

# Accuracy
case("acc_binary_probs", "accuracy", {"task": "binary"}, C.BinaryAccuracy(), split(bin_probs, bin_target))
case("acc_binary_logits", "accuracy", {"task": "binary"}, C.BinaryAccuracy(), split(bin_logits, bin_target))
case("acc_binary_threshold", "accuracy", {"task": "binary", "threshold": 0.3}, C.BinaryAccuracy(threshold=0.3),
     split(bin_probs, bin_target))
for avg in ["micro", "macro", "weighted"]:
    case(f"acc_mc_{avg}", "accuracy", {"task": "multiclass", "num_classes": NC, "average": avg},
         C.MulticlassAccuracy(num_classes=NC, average=avg), split(mc_logits, mc_target))
    case(f"acc_mc_missing_{avg}", "accuracy", {"task": "multiclass", "num_classes": NC, "average": avg},
         C.MulticlassAccuracy(num_classes=NC, average=avg), split(mc_logits, mc_target_missing))
    case(f"acc_mc_top2_{avg}", "accuracy", {"task": "multiclass", "num_classes": NC, "average": avg, "top_k": 2},
         C.MulticlassAccuracy(num_classes=NC, average=avg, top_k=2), split(mc_logits, mc_target))
    case(f"acc_mc_labels_{avg}", "accuracy", {"task": "multiclass", "num_classes": NC, "average": avg},
         C.MulticlassAccuracy(num_classes=NC, average=avg), split(mc_labels, mc_target))
    case(f"acc_ml_{avg}", "accuracy", {"task": "multilabel", "num_labels": NL, "average": avg},
         C.MultilabelAccuracy(num_labels=NL, average=avg), split(ml_probs, ml_target))
case("acc_mc_none", "accuracy", {"task": "multiclass", "num_classes": NC, "average": "none"},
     C.MulticlassAccuracy(num_classes=NC, average="none"), split(mc_logits, mc_target))

# Precision, recall, F1
for kind, B, MC, ML in [("precision", C.BinaryPrecision, C.MulticlassPrecision, C.MultilabelPrecision),
                        ("recall", C.BinaryRecall, C.MulticlassRecall, C.MultilabelRecall),
                        ("f1", C.BinaryF1Score, C.MulticlassF1Score, C.MultilabelF1Score)]:
    case(f"{kind}_binary", kind, {"task": "binary"}, B(), split(bin_probs, bin_target))
    for avg in ["micro", "macro", "weighted", "none"]:
        case(f"{kind}_mc_{avg}", kind, {"task": "multiclass", "num_classes": NC, "average": avg},
             MC(num_classes=NC, average=avg), split(mc_logits, mc_target))
        case(f"{kind}_mc_missing_{avg}", kind, {"task": "multiclass", "num_classes": NC, "average": avg},
             MC(num_classes=NC, average=avg), split(mc_logits, mc_target_missing))
        case(f"{kind}_ml_{avg}", kind, {"task": "multilabel", "num_labels": NL, "average": avg},
             ML(num_labels=NL, average=avg), split(ml_probs, ml_target))

# AUROC
bin_ties = (torch.rand(N) * 4).round() / 4  # many tied scores
case("auroc_binary", "auroc", {"task": "binary"}, C.BinaryAUROC(), split(bin_probs, bin_target))
case("auroc_binary_ties", "auroc", {"task": "binary"}, C.BinaryAUROC(), split(bin_ties, bin_target))
case("auroc_binary_logits", "auroc", {"task": "binary"}, C.BinaryAUROC(), split(bin_logits, bin_target))
for avg in ["macro", "weighted", "none"]:
    case(f"auroc_mc_{avg}", "auroc", {"task": "multiclass", "num_classes": NC, "average": avg},
         C.MulticlassAUROC(num_classes=NC, average=avg), split(mc_logits.softmax(-1), mc_target))
case("auroc_mc_logits", "auroc", {"task": "multiclass", "num_classes": NC, "average": "macro"},
     C.MulticlassAUROC(num_classes=NC), split(mc_logits, mc_target))

# Confusion matrix
case("confmat_binary", "confusion_matrix", {"task": "binary"}, C.BinaryConfusionMatrix(), split(bin_probs, bin_target))
case("confmat_mc", "confusion_matrix", {"task": "multiclass", "num_classes": NC},
     C.MulticlassConfusionMatrix(num_classes=NC), split(mc_logits, mc_target))
case("confmat_mc_labels", "confusion_matrix", {"task": "multiclass", "num_classes": NC},
     C.MulticlassConfusionMatrix(num_classes=NC), split(mc_labels, mc_target))
for norm in ["true", "pred", "all"]:
    case(f"confmat_mc_norm_{norm}", "confusion_matrix", {"task": "multiclass", "num_classes": NC, "normalize": norm},
         C.MulticlassConfusionMatrix(num_classes=NC, normalize=norm), split(mc_logits, mc_target_missing))

# Regression
reg_preds = torch.randn(N, 2)
reg_target = torch.randn(N, 2)
case("mse", "mse", {}, R.MeanSquaredError(), split(reg_preds, reg_target))
case("rmse", "mse", {"squared": False}, R.MeanSquaredError(squared=False), split(reg_preds, reg_target))
case("mae", "mae", {}, R.MeanAbsoluteError(), split(reg_preds, reg_target))

# Aggregation
vals = torch.randn(N)
weights = torch.rand(N)
for kind, M in [("mean", A.MeanMetric), ("sum", A.SumMetric), ("max", A.MaxMetric), ("min", A.MinMetric)]:
    case(f"agg_{kind}", kind, {}, M(), split(vals))
case("agg_mean_weighted", "mean", {"weighted": True}, A.MeanMetric(), split(vals, weights))

out = pathlib.Path(__file__).resolve().parents[2] / "Tests/LightningTests/Fixtures/metrics.json"
out.write_text(json.dumps({"torchmetrics": torchmetrics.__version__, "torch": torch.__version__, "cases": cases},
                          indent=None))
print(f"wrote {len(cases)} cases to {out}")
