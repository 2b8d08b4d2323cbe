#!/usr/bin/env python3
"""PyTorch fixtures for SwiftLightning's data loading: sampler orders, random_split, DataLoader batches.

Writes Tests/TorchTests/Fixtures/data/samplers.json (or --out FILE): {"format": 1, "torch": ...,
"cases": {name: case}}. A case holds its parameters (n, seed, numSamples, replacement, batchSize,
dropLast, numReplicas, rank, shuffle, indices, weights, lengths, fractions, seededGlobal, numWorkers,
persistentWorkers) and what PyTorch produced:
- "epochs": the indices of consecutive epochs (list(sampler) called once per epoch), or
- "batches": per epoch, the batches a DataLoader yielded (over TensorDataset(arange(n)), so each
  batch is the list of dataset indices), with "baseSeeds": the base seed of each epoch's iterator, or
- "splits": the index lists of random_split's subsets, "lengths" their sizes.
"seededGlobal": no generator; torch.manual_seed(seed) ran right before the first epoch. Otherwise a
torch.Generator().manual_seed(seed) is the generator.

Tests/TorchTests/DataParityTests.swift builds the same samplers and loaders in Swift and compares.
Run: Scripts/python-env.sh gives the Python (torch 2.11.0); `python Tools/parity/make_data_fixtures.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import torch
from torch.utils.data import (BatchSampler, DataLoader, RandomSampler, SequentialSampler, SubsetRandomSampler,
                              TensorDataset, WeightedRandomSampler, random_split)
from torch.utils.data.distributed import DistributedSampler

EXPECTED_TORCH = "2.11.0"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
cases: dict[str, dict] = {}


def add(name: str, **case) -> None:
    assert name not in cases, name
    cases[name] = case


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def epochs_of(sampler, count: int = 2) -> list:
    return [list(sampler) for _ in range(count)]


class Rows:
    """A sized dataset for samplers (only len() is used)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


def random_sampler_cases() -> None:
    for n in (1, 10, 37):
        for seed in (0, 1, 42):
            add(f"random_n{n}_seed{seed}", kind="random", n=n, seed=seed,
                epochs=epochs_of(RandomSampler(Rows(n), generator=generator(seed))))
    for seed in (0, 7):
        torch.manual_seed(seed)
        add(f"random_global_seed{seed}", kind="random", n=12, seed=seed, seededGlobal=True,
            epochs=epochs_of(RandomSampler(Rows(12))))
    add("random_numsamples_more", kind="random", n=7, seed=3, numSamples=17,
        epochs=epochs_of(RandomSampler(Rows(7), num_samples=17, generator=generator(3))))
    add("random_numsamples_fewer", kind="random", n=9, seed=4, numSamples=5,
        epochs=epochs_of(RandomSampler(Rows(9), num_samples=5, generator=generator(4))))
    for num_samples in (20, 70):
        add(f"random_replacement_{num_samples}", kind="random", n=10, seed=5, numSamples=num_samples, replacement=True,
            epochs=epochs_of(RandomSampler(Rows(10), replacement=True, num_samples=num_samples, generator=generator(5))))


def other_sampler_cases() -> None:
    add("sequential_5", kind="sequential", n=5, epochs=epochs_of(SequentialSampler(Rows(5))))
    indices = [3, 9, 12, 20, 21, 40]
    add("subset_random", kind="subsetRandom", indices=indices, seed=5,
        epochs=epochs_of(SubsetRandomSampler(indices, generator=generator(5))))
    weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    add("weighted_replacement", kind="weighted", weights=weights, numSamples=10, replacement=True, seed=3,
        epochs=epochs_of(WeightedRandomSampler(weights, 10, replacement=True, generator=generator(3))))
    add("weighted_no_replacement", kind="weighted", weights=weights, numSamples=5, replacement=False, seed=3,
        epochs=epochs_of(WeightedRandomSampler(weights, 5, replacement=False, generator=generator(3))))
    for drop_last in (False, True):
        add(f"batch_sequential_10_3_drop{int(drop_last)}", kind="batch", n=10, batchSize=3, dropLast=drop_last,
            batches=[list(BatchSampler(SequentialSampler(Rows(10)), 3, drop_last))])
        add(f"batch_random_11_4_drop{int(drop_last)}", kind="batchRandom", n=11, batchSize=4, dropLast=drop_last, seed=8,
            batches=[list(b) for b in epochs_of(BatchSampler(RandomSampler(Rows(11), generator=generator(8)), 4, drop_last))])


def distributed_cases() -> None:
    for n, replicas in ((10, 3), (2, 5), (12, 4), (7, 2)):
        for shuffle in (True, False):
            for drop_last in (False, True):
                for rank in range(replicas):
                    sampler = DistributedSampler(Rows(n), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=7,
                                                 drop_last=drop_last)
                    epochs = []
                    for epoch in range(2):
                        sampler.set_epoch(epoch)
                        epochs.append(list(sampler))
                    add(f"distributed_n{n}_r{replicas}_rank{rank}_shuffle{int(shuffle)}_drop{int(drop_last)}",
                        kind="distributed", n=n, numReplicas=replicas, rank=rank, shuffle=shuffle, dropLast=drop_last,
                        seed=7, epochs=epochs)


def split_cases() -> None:
    for name, n, lengths, seed in (("split_10_3_7", 10, [3, 7], 42), ("split_30_fractions", 30, [0.3, 0.3, 0.4], 42),
                                   ("split_10_thirds", 10, [1 / 3, 1 / 3, 1 / 3], 1),
                                   ("split_11_halves", 11, [0.5, 0.5], 2), ("split_7_fractions", 7, [0.1, 0.2, 0.7], 3)):
        subsets = random_split(range(n), lengths, generator=generator(seed))
        fractions = any(isinstance(x, float) for x in lengths)
        add(name, kind="split", n=n, seed=seed, **({"fractions": lengths} if fractions else {"lengths": lengths}),
            splitLengths=[len(s) for s in subsets], splits=[list(s.indices) for s in subsets])


def loader_cases() -> None:
    data = TensorDataset(torch.arange(20))

    def run(loader, count=3):
        batches, seeds = [], []
        for _ in range(count):
            iterator = iter(loader)
            seeds.append(iterator._base_seed)
            batches.append([batch[0].tolist() for batch in iterator])
        return batches, seeds

    for drop_last in (False, True):
        loader = DataLoader(data, batch_size=6, shuffle=True, drop_last=drop_last, generator=generator(3))
        batches, seeds = run(loader)
        add(f"loader_shuffle_drop{int(drop_last)}", kind="loader", n=20, batchSize=6, shuffle=True, dropLast=drop_last,
            seed=3, batches=batches, baseSeeds=seeds)
    torch.manual_seed(11)
    batches, seeds = run(DataLoader(data, batch_size=6, shuffle=True))
    add("loader_shuffle_global", kind="loader", n=20, batchSize=6, shuffle=True, seed=11, seededGlobal=True,
        batches=batches, baseSeeds=seeds)
    batches, seeds = run(DataLoader(data, batch_size=7, shuffle=False, generator=generator(5)))
    add("loader_sequential", kind="loader", n=20, batchSize=7, shuffle=False, seed=5, batches=batches, baseSeeds=seeds)
    batches, seeds = run(DataLoader(data, batch_size=4, shuffle=True, num_workers=1, persistent_workers=True,
                                    generator=generator(9)))
    add("loader_persistent_workers", kind="loader", n=20, batchSize=4, shuffle=True, seed=9, numWorkers=1,
        persistentWorkers=True, batches=batches, baseSeeds=seeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "Tests/TorchTests/Fixtures/data/samplers.json"))
    args = parser.parse_args()
    if not torch.__version__.startswith(EXPECTED_TORCH):
        sys.exit(f"expected torch {EXPECTED_TORCH}, found {torch.__version__}")
    random_sampler_cases()
    other_sampler_cases()
    distributed_cases()
    split_cases()
    loader_cases()
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as file:
        json.dump({"format": 1, "torch": torch.__version__, "cases": cases}, file, separators=(",", ":"), sort_keys=True)
        file.write("\n")
    print(f"wrote {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
