/// A table read from a CSV file: an optional header and rows of text fields, every row as wide as
/// the first (or as the header).
public struct CSVTable: Sendable, Equatable {
    /// The column names, when the reader was told the first row is a header.
    public var header: [String]?
    /// The data rows.
    public var rows: [[String]]

    public init(header: [String]? = nil, rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// The number of columns (0 for an empty table).
    public var columnCount: Int { header?.count ?? rows.first?.count ?? 0 }

    /// The fields of the column with this header name.
    public func column(named name: String) -> [String]? {
        guard let index = header?.firstIndex(of: name) else { return nil }
        return rows.map { $0[index] }
    }

    /// The fields of column `index`.
    public func column(_ index: Int) -> [String] {
        rows.map { $0[index] }
    }
}

/// A CSV table whose fields are all numbers, as one row-major array.
public struct CSVNumbers: Sendable, Equatable {
    public var header: [String]?
    public var rowCount: Int
    public var columnCount: Int
    /// The values in row-major order (`rowCount * columnCount`).
    public var values: [Double]

    /// Column `index` as an array.
    public func column(_ index: Int) -> [Double] {
        (0..<rowCount).map { values[$0 * columnCount + index] }
    }

    /// The values of `columns` (default: all) as a `[rowCount, columns.count]` tensor of `dtype`.
    public func tensor(columns: Range<Int>? = nil, dtype: DType = .float32) throws(TorchError) -> Tensor {
        let columns = columns ?? 0..<columnCount
        guard columns.lowerBound >= 0, columns.upperBound <= columnCount else {
            throw TorchError("columns \(columns) are outside the table's \(columnCount) columns")
        }
        var selected: [Double] = []
        selected.reserveCapacity(rowCount * columns.count)
        for row in 0..<rowCount {
            selected.append(contentsOf: values[row * columnCount + columns.lowerBound..<row * columnCount + columns.upperBound])
        }
        let tensor = try Tensor(selected, shape: [rowCount, columns.count])
        return dtype == .float64 ? tensor : try tensor.to(dtype: dtype)
    }
}
