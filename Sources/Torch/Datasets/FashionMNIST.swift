import Foundation

/// Fashion-MNIST (Zalando, MIT licence): 28×28 grey images of clothing in 10 classes, 60,000 for
/// training and 10,000 for testing, in MNIST's IDX format (Debian's `dataset-fashion-mnist`).
///
/// ```swift
/// let train = try FashionMNIST.load(.train)
/// train.images.shape  // [60000, 1, 28, 28], uint8
/// train.labels.shape  // [60000], int64 in 0...9
/// FashionMNIST.classNames[Int(try train.labels.toArray(of: Int.self)[0])]
/// ```
///
/// Images are kept as uint8 (as torchvision's `FashionMNIST.data`); ``scaledImages()`` gives float32
/// pixels in [0, 1]. Fetch the data with `Scripts/fetch-data.sh`.
public struct FashionMNIST {
    /// The training set (60,000 images) or the test set (10,000).
    public enum Split: String, Sendable, CaseIterable {
        case train
        case test

        var filePrefix: String { self == .train ? "train" : "t10k" }
        var count: Int { self == .train ? 60000 : 10000 }
    }

    /// The images, `[N, 1, 28, 28]` uint8.
    public let images: Tensor
    /// The class of each image, `[N]` int64.
    public let labels: Tensor

    /// The class names, indexed by label.
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// Reads one split from `folder` (default: ``DatasetFolder/default``).
    public static func load(_ split: Split, from folder: URL? = nil) throws(TorchError) -> FashionMNIST {
        let imagesURL = try DatasetFolder.file("fashion-mnist/\(split.filePrefix)-images-idx3-ubyte.gz", in: folder, dataset: "Fashion-MNIST")
        let labelsURL = try DatasetFolder.file("fashion-mnist/\(split.filePrefix)-labels-idx1-ubyte.gz", in: folder, dataset: "Fashion-MNIST")
        let images = try IDX.load(contentsOf: imagesURL)
        let labels = try IDX.load(contentsOf: labelsURL)
        guard images.shape == [split.count, 28, 28], images.dtype == .uint8 else {
            throw TorchError.format(imagesURL.path, "holds \(images.dtype) images of shape \(images.shape), not uint8 [\(split.count), 28, 28]; the file may be damaged")
        }
        guard labels.shape == [split.count], labels.dtype == .uint8 else {
            throw TorchError.format(labelsURL.path, "holds \(labels.dtype) labels of shape \(labels.shape), not uint8 [\(split.count)]; the file may be damaged")
        }
        return FashionMNIST(
            images: try TensorStorage.view(of: images, shape: [split.count, 1, 28, 28], strides: [784, 784, 28, 1], offset: 0),
            labels: try labels.to(dtype: .int64))
    }

    /// The images as float32 in [0, 1] (pixel / 255).
    public func scaledImages() throws(TorchError) -> Tensor {
        try DatasetSupport.scaled(images)
    }
}
