/// Splits CSV bytes into records of fields, following RFC 4180: fields separated by a one-byte
/// separator, records by CRLF or LF, quoted fields that may hold separators, newlines and doubled
/// quotes (`""` for `"`). A UTF-8 byte-order mark at the start is skipped and blank lines are
/// ignored.
///
/// The scan works on a raw buffer (every index checked by hand), because debug builds of array
/// code are too slow for multi-megabyte files.
struct CSVTokenizer {
    /// One field: its bytes (inside the quotes, for a quoted field) and whether it holds doubled
    /// quotes to collapse.
    struct Field {
        let range: Range<Int>
        let hasEscapedQuotes: Bool
    }

    let separator: UInt8
    let name: String

    /// Calls `body` with each record's fields, its record number (1-based) and the line it starts on.
    func forEachRecord(in bytes: [UInt8], _ body: ([Field], _ record: Int, _ line: Int) throws(TorchError) -> Void) throws(TorchError) {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(TorchError) in try scan(buffer, body) }
        }
        try result.get()
    }

    private func scan(_ bytes: UnsafeBufferPointer<UInt8>, _ body: ([Field], Int, Int) throws(TorchError) -> Void) throws(TorchError) {
        let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        let count = bytes.count
        var i = 0
        if count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        var line = 1
        var record = 0
        var fields: [Field] = []
        while i < count {
            let recordLine = line
            fields.removeAll(keepingCapacity: true)
            var endOfRecord = false
            while !endOfRecord {
                if i < count && bytes[i] == quote {
                    let start = i + 1
                    var j = start
                    var escaped = false
                    var closed = false
                    while j < count {
                        let b = bytes[j]
                        if b == quote {
                            if j + 1 < count && bytes[j + 1] == quote {
                                escaped = true
                                j += 2
                                continue
                            }
                            closed = true
                            break
                        }
                        if b == newline { line += 1 }
                        j += 1
                    }
                    guard closed else {
                        throw TorchError.format(name, "row \(record + 1) (line \(recordLine)): a quoted field is never closed (the file ends inside quotes)")
                    }
                    fields.append(Field(range: start..<j, hasEscapedQuotes: escaped))
                    i = j + 1
                    if i < count && bytes[i] != separator && bytes[i] != newline && bytes[i] != carriageReturn {
                        throw TorchError.format(name, "row \(record + 1) (line \(line)): unexpected character '\(Character(Unicode.Scalar(bytes[i])))' after the closing quote of field \(fields.count); a quote inside a quoted field must be doubled")
                    }
                } else {
                    let start = i
                    while i < count {
                        let b = bytes[i]
                        if b == separator || b == newline || b == carriageReturn { break }
                        i += 1
                    }
                    fields.append(Field(range: start..<i, hasEscapedQuotes: false))
                }
                // After a field: a separator (another field follows), or the end of the record.
                if i < count && bytes[i] == separator {
                    i += 1
                    if i == count { fields.append(Field(range: i..<i, hasEscapedQuotes: false)) }
                    endOfRecord = i == count
                } else {
                    if i < count && bytes[i] == carriageReturn { i += 1 }
                    if i < count && bytes[i] == newline { i += 1 }
                    line += 1
                    endOfRecord = true
                }
            }
            // A blank line is one empty, unquoted field: skip it.
            if fields.count == 1 && fields[0].range.isEmpty && (fields[0].range.lowerBound == 0 || bytes[fields[0].range.lowerBound - 1] != quote) {
                continue
            }
            record += 1
            try body(fields, record, recordLine)
        }
    }

    /// The text of a field.
    static func text(of field: Field, in bytes: [UInt8]) -> String {
        let text = String(decoding: bytes[field.range], as: UTF8.self)
        return field.hasEscapedQuotes ? text.replacing("\"\"", with: "\"") : text
    }
}
