import Foundation

/// Pang & Lee's movie-review polarity data (IMDb reviews from rec.arts.movies.reviews), as shipped in
/// Debian's `python3-pattern`: 1,500 full reviews (750 positive, 750 negative, from polarity dataset
/// v2.0) or 4,000 single sentences (2,000 each, from sentence polarity dataset v1.0). The text is
/// lower-cased and tokenised (spaces around punctuation).
///
/// ```swift
/// let reviews = try MovieReviews.load(.reviews)
/// reviews.texts.count  // 1500
/// reviews.labels       // [1500] int64: 1 positive, 0 negative
/// ```
///
/// The data is for research use (no formal licence); it is fetched by `Scripts/fetch-data.sh` and
/// never committed.
public struct MovieReviews {
    /// Which corpus to read.
    public enum Corpus: String, Sendable, CaseIterable {
        /// 1,500 full reviews, about 745 words each.
        case reviews
        /// 4,000 sentences, about 21 words each.
        case sentences

        var fileName: String { self == .reviews ? "pang-lee/reviews-1500.csv" : "pang-lee/sentences-4000.csv" }
        var count: Int { self == .reviews ? 1500 : 4000 }
    }

    /// The texts.
    public let texts: [String]
    /// The polarity of each text, int64: 1 positive, 0 negative (the file's -1).
    public let labels: Tensor

    /// The class names, indexed by label.
    public static let classNames = ["negative", "positive"]

    /// Reads one corpus from `folder` (default: ``DatasetFolder/default``).
    public static func load(_ corpus: Corpus, from folder: URL? = nil) throws(TorchError) -> MovieReviews {
        let url = try DatasetFolder.file(corpus.fileName, in: folder, dataset: "Pang & Lee movie-review")
        let table = try CSVReader().read(contentsOf: url)
        try DatasetSupport.expect(table.rows.count, corpus.count, "texts", url.path)
        try DatasetSupport.expect(table.columnCount, 2, "columns", url.path)
        var labels: [Int64] = []
        labels.reserveCapacity(table.rows.count)
        for (index, row) in table.rows.enumerated() {
            switch row[0] {
            case "1": labels.append(1)
            case "-1": labels.append(0)
            default: throw TorchError.format(url.path, "row \(index + 1) has the label '\(row[0])'; expected 1 or -1")
            }
        }
        return MovieReviews(texts: table.column(1), labels: try Tensor(labels))
    }
}
