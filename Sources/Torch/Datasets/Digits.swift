import Foundation

/// Handwritten digits, 8×8 pixels (UCI "Optical Recognition of Handwritten Digits", test part):
/// 1,797 images in 10 classes, as shipped with scikit-learn (`sklearn/datasets/data/digits.csv.gz`).
///
/// ```swift
/// let digits = try Digits.load()
/// digits.features.shape  // [1797, 64], float32 pixel counts in 0...16 (an 8x8 image, row by row)
/// digits.labels.shape    // [1797], int64 digits 0...9
/// ```
///
/// Fetch it with `Scripts/fetch-data.sh`.
public struct Digits {
    /// The pixels, `[1797, 64]` float32 in 0...16 (scikit-learn's `data`; view rows as 8×8 images).
    public let features: Tensor
    /// The digit of each image, `[1797]` int64.
    public let labels: Tensor

    /// Reads the data set from `folder` (default: ``DatasetFolder/default``).
    public static func load(from folder: URL? = nil) throws(TorchError) -> Digits {
        let url = try DatasetFolder.file("sklearn/digits.csv.gz", in: folder, dataset: "Digits")
        let table = try CSVReader().readNumbers(contentsOf: url)
        try DatasetSupport.expect(table.rowCount, 1797, "images", url.path)
        try DatasetSupport.expect(table.columnCount, 65, "columns", url.path)
        return Digits(
            features: try table.tensor(columns: 0..<64, dtype: .float32),
            labels: try DatasetSupport.labels(table.column(64)))
    }
}
