import Foundation

/// Fisher's Iris flowers (1936): 150 samples of 4 measurements in 3 classes, 50 each, as shipped
/// with scikit-learn (`sklearn/datasets/data/iris.csv`).
///
/// ```swift
/// let iris = try Iris.load()
/// iris.features.shape  // [150, 4], float32: sepal length, sepal width, petal length, petal width (cm)
/// iris.labels.shape    // [150], int64: 0 setosa, 1 versicolor, 2 virginica
/// ```
///
/// Fetch it with `Scripts/fetch-data.sh`.
public struct Iris {
    /// The measurements, `[150, 4]` float32, in centimetres.
    public let features: Tensor
    /// The class of each sample, `[150]` int64 in 0...2.
    public let labels: Tensor
    /// The class names, indexed by label: setosa, versicolor, virginica.
    public let classNames: [String]

    /// The names of the four feature columns.
    public static let featureNames = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]

    /// Reads the data set from `folder` (default: ``DatasetFolder/default``).
    public static func load(from folder: URL? = nil) throws(TorchError) -> Iris {
        let url = try DatasetFolder.file("sklearn/iris.csv", in: folder, dataset: "Iris")
        // The first line is "150,4,setosa,versicolor,virginica": samples, features, class names.
        let table = try CSVReader(hasHeader: true).readNumbers(contentsOf: url)
        try DatasetSupport.expect(table.rowCount, 150, "samples", url.path)
        try DatasetSupport.expect(table.columnCount, 5, "columns", url.path)
        return Iris(
            features: try table.tensor(columns: 0..<4, dtype: .float32),
            labels: try DatasetSupport.labels(table.column(4)),
            classNames: Array(table.header?.dropFirst(2) ?? []).map { String($0) })
    }
}
