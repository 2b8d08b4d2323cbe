"""DataLoader throughput in Python PyTorch: the Python half of Benchmarks/run-dataloader.sh (the Swift
half is Benchmarks/DataLoader/Swift/main.swift, with the same data, transform and settings). Prints
one JSON object: samples per second for each workload and worker count (median over the measured
epochs). Workers are processes here (PyTorch's default start method on Linux: fork), threads in Swift.

Usage: dataloader.py [samples] [epochs] [workers,...]
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

SAMPLES = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
EPOCHS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
WORKERS = [int(w) for w in sys.argv[3].split(",")] if len(sys.argv) > 3 else [0, 1, 2]
BATCH = 32

torch.set_num_threads(2)
torch.manual_seed(0)
images = torch.randn(SAMPLES, 3, 64, 64)
w1 = torch.randn(8, 3, 3, 3) * 0.2
b1 = torch.randn(8) * 0.1
w2 = torch.randn(3, 8, 3, 3) * 0.2
b2 = torch.randn(3) * 0.1


class Images(Dataset):
    """The images, each passed through a CPU-heavy transform when `heavy` (two 3x3 convolutions with
    a ReLU, then per-channel normalisation), or returned as they are (the loader's own overhead)."""

    def __init__(self, heavy: bool) -> None:
        self.heavy = heavy

    def __len__(self) -> int:
        return SAMPLES

    def __getitem__(self, index: int) -> torch.Tensor:
        image = images[index]
        if not self.heavy:
            return image
        x = image.unsqueeze(0)
        x = F.conv2d(x, w1, b1, padding=1).relu()
        x = F.conv2d(x, w2, b2, padding=1).squeeze(0)
        mean = x.mean(dim=(1, 2), keepdim=True)
        std = x.std(dim=(1, 2), keepdim=True)
        return (x - mean) / (std + 1e-5)


def main() -> None:
    rates, checksums = {}, {}
    for workload, heavy in (("transform", True), ("no transform", False)):
        for workers in WORKERS:
            loader = DataLoader(Images(heavy), batch_size=BATCH, shuffle=True, num_workers=workers,
                                generator=torch.Generator().manual_seed(0))
            per_epoch = []
            checksum = 0.0
            for epoch in range(EPOCHS + 1):  # epoch 0 warms up
                checksum = 0.0
                start = time.perf_counter()
                for batch in loader:
                    checksum += batch.sum(dtype=torch.float64).item()
                seconds = time.perf_counter() - start
                if epoch > 0:
                    per_epoch.append(SAMPLES / seconds)
            key = f"{workload}, {workers} workers"
            rates[key] = statistics.median(per_epoch)
            checksums[key] = checksum
    print(json.dumps({"torch": torch.__version__, "samples_per_s": rates, "checksum": checksums}))


if __name__ == "__main__":
    main()
