import Torch

// Prints a checksum that Scripts/test.sh compares: (1 + 2 + 3) * 2 = 12, with autograd.
manualSeed(0)
let x = try Tensor([1, 2, 3] as [Float]).setRequiresGrad()
let y = try (x * 2).sum()
try y.backward()
let value: Float = try y.item()
let gradient: [Float] = try x.grad!.toArray()
print("consumer: sum=\(value) grad=\(gradient) torch=\(torchVersion)")
