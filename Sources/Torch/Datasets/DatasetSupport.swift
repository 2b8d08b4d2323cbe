/// Helpers shared by the data-set readers: size checks, labels, pixel scaling.
enum DatasetSupport {
    /// uint8 pixels as float32 in [0, 1] (pixel / 255), as torchvision's `ToTensor` gives.
    static func scaled(_ images: Tensor) throws(TorchError) -> Tensor {
        guard images.dtype == .uint8 else { throw TorchError("scaled images need uint8 pixels, got \(images.dtype)") }
        let pixels: [UInt8] = try images.toArray()
        return try Tensor(pixels.map { Float($0) / 255 }, shape: images.shape)
    }

    /// Integer labels from numbers read as Double.
    static func labels(_ values: [Double]) throws(TorchError) -> Tensor {
        try Tensor(values.map { Int64($0) })
    }

    /// Checks that a data set has the expected size, so a damaged file fails loudly.
    static func expect(_ actual: Int, _ expected: Int, _ what: String, _ name: String) throws(TorchError) {
        guard actual == expected else {
            throw TorchError.format(name, "holds \(actual) \(what) but the data set has \(expected); the file may be damaged (run Scripts/fetch-data.sh again)")
        }
    }
}
