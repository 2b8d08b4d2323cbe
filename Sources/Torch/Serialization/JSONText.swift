/// Writes JSON text by hand where the byte layout matters (the safetensors header must match the
/// reference library's compact form: no spaces, keys in a chosen order).
enum JSONText {
    /// A JSON string literal, escaped as serde_json does: `"` and `\` escaped, control characters as
    /// `\n`, `\t`, … or `\u00XX`, everything else (including non-ASCII) written as UTF-8.
    static func string(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
