import Foundation

/// Reads CSV files (RFC 4180): quoted fields with separators, doubled quotes and newlines inside,
/// CRLF or LF line ends, a UTF-8 byte-order mark, and gzip-compressed files (`.csv.gz`, detected by
/// content).
///
/// ```swift
/// let table = try CSVReader(hasHeader: true).read(contentsOf: URL(filePath: "reviews.csv"))
/// let numbers = try CSVReader().readNumbers(contentsOf: URL(filePath: "digits.csv.gz"))
/// let x = try numbers.tensor(columns: 0..<64)
/// ```
///
/// Every row must have as many fields as the first row (or the header); a row that does not is a
/// thrown error naming its row and line numbers and both counts.
public struct CSVReader: Sendable {
    /// True when the first row holds column names.
    public var hasHeader: Bool
    /// The field separator, an ASCII character (`,` by default; `;` or a tab are common too).
    public var separator: Character

    public init(hasHeader: Bool = false, separator: Character = ",") {
        self.hasHeader = hasHeader
        self.separator = separator
    }

    /// Reads the CSV file at `url` (gunzipping it when it is gzip data).
    public func read(contentsOf url: URL) throws(TorchError) -> CSVTable {
        try parse(CSVReader.contents(of: url), name: url.path)
    }

    /// Parses CSV text.
    public func parse(_ text: String) throws(TorchError) -> CSVTable {
        try parse(Array(text.utf8), name: "CSV text")
    }

    /// Parses CSV bytes (UTF-8). `name` names them in error messages.
    public func parse(_ bytes: [UInt8], name: String = "CSV data") throws(TorchError) -> CSVTable {
        var header: [String]?
        var rows: [[String]] = []
        var width: Int?
        try tokenizer(name).forEachRecord(in: bytes) { (fields, record, line) throws(TorchError) in
            try CSVReader.checkWidth(fields.count, &width, record: record, line: line, header: hasHeader, name: name)
            let texts = fields.map { CSVTokenizer.text(of: $0, in: bytes) }
            if hasHeader && record == 1 { header = texts } else { rows.append(texts) }
        }
        return CSVTable(header: header, rows: rows)
    }

    /// Reads a CSV file whose fields are all numbers (after the header, if any).
    public func readNumbers(contentsOf url: URL) throws(TorchError) -> CSVNumbers {
        try parseNumbers(CSVReader.contents(of: url), name: url.path)
    }

    /// Parses CSV bytes whose fields are all numbers (after the header, if any).
    public func parseNumbers(_ bytes: [UInt8], name: String = "CSV data") throws(TorchError) -> CSVNumbers {
        var header: [String]?
        var values: [Double] = []
        var rowCount = 0
        var width: Int?
        try tokenizer(name).forEachRecord(in: bytes) { (fields, record, line) throws(TorchError) in
            try CSVReader.checkWidth(fields.count, &width, record: record, line: line, header: hasHeader, name: name)
            if hasHeader && record == 1 {
                header = fields.map { CSVTokenizer.text(of: $0, in: bytes) }
                return
            }
            for (column, field) in fields.enumerated() {
                guard let value = CSVReader.number(bytes, field.range) else {
                    throw TorchError.format(name, "row \(record) (line \(line)), column \(column + 1): '\(CSVTokenizer.text(of: field, in: bytes))' is not a number")
                }
                values.append(value)
            }
            rowCount += 1
        }
        return CSVNumbers(header: header, rowCount: rowCount, columnCount: width ?? 0, values: values)
    }

    private func tokenizer(_ name: String) throws(TorchError) -> CSVTokenizer {
        guard let byte = separator.asciiValue, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else {
            throw TorchError("a CSV separator must be one ASCII character other than a quote or a line break; got '\(separator)'")
        }
        return CSVTokenizer(separator: byte, name: name)
    }

    private static func checkWidth(_ count: Int, _ width: inout Int?, record: Int, line: Int, header: Bool, name: String) throws(TorchError) {
        guard let expected = width else {
            width = count
            return
        }
        guard count == expected else {
            let reference = header ? "the header has \(expected)" : "row 1 has \(expected)"
            throw TorchError.format(name, "row \(record) (line \(line)) has \(count) \(count == 1 ? "field" : "fields"), but \(reference)")
        }
    }

    /// The bytes of a file, gunzipped when they are gzip data.
    static func contents(of url: URL) throws(TorchError) -> [UInt8] {
        let file = try MappedFile(url)
        let bytes = file.uncheckedBytes(in: 0..<file.count)
        return Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, name: url.path) : bytes
    }

    /// A number from ASCII bytes: integers on a fast path, anything else through Double's parser.
    private static func number(_ bytes: [UInt8], _ range: Range<Int>) -> Double? {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        guard start < end else { return nil }
        var i = start
        var negative = false
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var integer = 0
        var digits = 0
        while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39, digits < 15 {
            integer = integer * 10 + Int(bytes[i] - 0x30)
            digits += 1
            i += 1
        }
        if i == end && digits > 0 { return Double(negative ? -integer : integer) }
        return Double(String(decoding: bytes[start..<end], as: UTF8.self))
    }
}
