import Foundation

// Python's text forms, where Lightning writes them into names and state keys: `repr(float)`,
// `repr(str)`, `repr(timedelta)`, and `format(value, spec)` for checkpoint file-name templates.

/// A number as Python sees it when formatting: an `int` (epoch, step, a missing metric) or a `float`.
enum PythonNumber: Equatable {
    case int(Int)
    case float(Double)
}

enum PythonFormat {
    /// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation for decimal
    /// exponents -4 ..< 16 and scientific otherwise (`0.1`, `1.0`, `1e-05`, `1e+16`, `nan`, `inf`).
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0.0" }
        // Swift's description has the same shortest round-trip digits; only the layout differs.
        var text = "\(value.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = String(parts[0])
        let fractionPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = Array(integerPart + fractionPart)
        var point = integerPart.count + exponent
        while digits.first == "0" { digits.removeFirst(); point -= 1 }
        while digits.last == "0" { digits.removeLast() }
        let scientific = point - 1
        if scientific >= -4 && scientific < 16 {
            if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
            if point >= digits.count { return sign + String(digits) + String(repeating: "0", count: point - digits.count) + ".0" }
            return sign + String(digits[..<point]) + "." + String(digits[point...])
        }
        let mantissa = digits.count > 1 ? "\(digits[0])." + String(digits[1...]) : "\(digits[0])"
        let magnitude = abs(scientific)
        return sign + mantissa + "e" + (scientific < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + "\(magnitude)"
    }

    /// Python's `repr(str)`: single quotes unless the text holds a single quote and no double quote.
    static func repr(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote { out += "\\" + String(quote) }
                else if scalar.value < 0x20 || scalar.value == 0x7F { out += String(format: "\\x%02x", scalar.value) }
                else { out.unicodeScalars.append(scalar) }
            }
        }
        out.append(quote)
        return out
    }

    /// Python's `repr(datetime.timedelta(seconds: ...))`.
    static func timedeltaRepr(seconds: Double) -> String {
        var microseconds = Int((seconds * 1_000_000).rounded(.toNearestOrEven))
        let day = 86_400 * 1_000_000
        var days = microseconds / day
        microseconds -= days * day
        if microseconds < 0 { days -= 1; microseconds += day }
        let secs = microseconds / 1_000_000
        microseconds -= secs * 1_000_000
        var parts: [String] = []
        if days != 0 { parts.append("days=\(days)") }
        if secs != 0 { parts.append("seconds=\(secs)") }
        if microseconds != 0 { parts.append("microseconds=\(microseconds)") }
        return "datetime.timedelta(" + (parts.isEmpty ? "0" : parts.joined(separator: ", ")) + ")"
    }

    /// Python's `format(value, spec)` for ints and floats:
    /// `[[fill]align][sign][#][0][width][,|_][.precision][type]` with the types d, b, o, x, X, c, n,
    /// e, E, f, F, g, G, % and none.
    static func format(_ value: PythonNumber, _ spec: String) throws -> String {
        var chars = Array(spec)
        var fill: Character = " "
        var align: Character?
        if chars.count >= 2, "<>=^".contains(chars[1]) {
            fill = chars[0]; align = chars[1]; chars.removeFirst(2)
        } else if let first = chars.first, "<>=^".contains(first) {
            align = first; chars.removeFirst()
        }
        var sign: Character = "-"
        if let first = chars.first, "+- ".contains(first) { sign = first; chars.removeFirst() }
        var alternate = false
        if chars.first == "#" { alternate = true; chars.removeFirst() }
        if chars.first == "0" {
            if align == nil { fill = "0"; align = "=" }
            chars.removeFirst()
        }
        var width = 0
        while let c = chars.first, let d = c.wholeNumberValue, c.isASCII { width = width * 10 + d; chars.removeFirst() }
        var grouping: Character?
        if let c = chars.first, c == "," || c == "_" { grouping = c; chars.removeFirst() }
        var precision: Int?
        if chars.first == "." {
            chars.removeFirst()
            var p = 0
            var any = false
            while let c = chars.first, let d = c.wholeNumberValue, c.isASCII { p = p * 10 + d; chars.removeFirst(); any = true }
            guard any else { throw LightningError.configuration("Format specifier missing precision in \(repr(spec))") }
            precision = p
        }
        let type: Character? = chars.first
        if chars.count > 1 { throw LightningError.configuration("Invalid format specifier \(repr(spec))") }

        var body: String
        var negative = false
        switch value {
        case .int(let n) where type == nil || "dnbxXoc".contains(type!):
            guard precision == nil else { throw LightningError.configuration("Precision not allowed in integer format specifier") }
            negative = n < 0
            let magnitude = n.magnitude
            switch type {
            case "b": body = (alternate ? "0b" : "") + String(magnitude, radix: 2)
            case "o": body = (alternate ? "0o" : "") + String(magnitude, radix: 8)
            case "x": body = (alternate ? "0x" : "") + String(magnitude, radix: 16)
            case "X": body = (alternate ? "0X" : "") + String(magnitude, radix: 16).uppercased()
            case "c": body = String(Character(Unicode.Scalar(UInt32(magnitude)) ?? " ")); negative = false
            default: body = group(String(magnitude), grouping)
            }
        case .int(let n):
            return try format(.float(Double(n)), spec)
        case .float(let x):
            if let type, "dbxXoc".contains(type) {
                throw LightningError.configuration("Unknown format code '\(type)' for object of type 'float'")
            }
            negative = x.sign == .minus && !(x.isNaN)
            body = floatBody(x.magnitude, type: type, precision: precision, alternate: alternate, grouping: grouping)
        }
        let signText: String = negative ? "-" : (sign == "+" ? "+" : (sign == " " ? " " : ""))
        let length = signText.count + body.count
        guard width > length else { return signText + body }
        let padding = String(repeating: fill, count: width - length)
        switch align ?? ">" {
        case "<": return signText + body + padding
        case "^":
            let left = (width - length) / 2
            return String(repeating: fill, count: left) + signText + body + String(repeating: fill, count: width - length - left)
        case "=": return signText + padding + body
        default: return padding + signText + body
        }
    }

    private static func group(_ digits: String, _ separator: Character?) -> String {
        guard let separator, digits.count > 3 else { return digits }
        var out: [Character] = []
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(separator) }
            out.append(c)
        }
        return String(out.reversed())
    }

    /// The digits of a non-negative float for one presentation type.
    private static func floatBody(_ x: Double, type: Character?, precision: Int?, alternate: Bool, grouping: Character?) -> String {
        func groupFixed(_ text: String) -> String {
            guard grouping != nil else { return text }
            let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            return group(String(parts[0]), grouping) + (parts.count > 1 ? "." + parts[1] : "")
        }
        if !x.isFinite {
            let text = x.isNaN ? "nan" : "inf"
            return type == "E" || type == "F" || type == "G" ? text.uppercased() : (type == "%" ? text + "%" : text)
        }
        switch type {
        case "f", "F":
            return groupFixed(String(format: "%\(alternate ? "#" : "").\(precision ?? 6)f", x))
        case "e", "E":
            let text = String(format: "%\(alternate ? "#" : "").\(precision ?? 6)e", x)
            return type == "E" ? text.uppercased() : text
        case "g", "G", "n":
            let text = String(format: "%\(alternate ? "#" : "").\(precision ?? 6)g", x)
            return type == "G" ? text.uppercased() : groupFixed(text)
        case "%":
            return groupFixed(String(format: "%.\(precision ?? 6)f", x * 100)) + "%"
        default:
            guard let precision else { return groupFixed(repr(x)) }
            // Like "g", but a fixed-point result keeps at least one digit after the point.
            var text = String(format: "%.\(max(precision, 1))g", x)
            if !text.contains("e") && !text.contains(".") { text += ".0" }
            return groupFixed(text)
        }
    }
}
