import Foundation

/// Lightning's checkpoint file-name templates (`ModelCheckpoint._format_checkpoint_name`):
/// `"{epoch}-{val_loss:.2f}"` becomes `epoch=3-val_loss=0.25`, or `3-0.25` without
/// `autoInsertMetricName`. A name in braces may be any monitored metric (`{val/acc:.1f}` gives a
/// `val/` sub-folder), `epoch` or `step`; a name that was not logged is `0`. The format spec after
/// the colon is Python's (`.3f`, `02d`, `e`).
enum CheckpointFilename {
    /// The default template.
    static let defaultTemplate = "{epoch}-{step}"

    /// Fills in `template`; names missing from `metrics` are added to it as `0` (as Lightning does).
    static func format(_ template: String?, metrics: inout [String: PythonNumber], autoInsertMetricName: Bool) throws -> String {
        var filename = (template?.isEmpty ?? true) ? defaultTemplate : template!
        // The groups of Python's `re.findall(r"(\{.*?)[:\}]", filename)`, longest first (stable).
        let groups = findGroups(filename).enumerated()
            .sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
            .map(\.element)
        for group in groups {
            let name = String(group.dropFirst())
            if autoInsertMetricName {
                filename = filename.replacingOccurrences(of: group, with: name + "=" + "{" + name)
            }
            filename = filename.replacingOccurrences(of: group, with: "{0[" + name + "]")
            if metrics[name] == nil { metrics[name] = .int(0) }
        }
        return try substitute(filename, metrics)
    }

    private static func findGroups(_ text: String) -> [String] {
        let chars = Array(text)
        var groups: [String] = []
        var i = 0
        while i < chars.count {
            if chars[i] == "{" {
                var j = i + 1
                while j < chars.count, chars[j] != ":", chars[j] != "}", chars[j] != "\n" { j += 1 }
                if j < chars.count, chars[j] != "\n" {
                    groups.append(String(chars[i..<j]))
                    i = j + 1
                    continue
                }
            }
            i += 1
        }
        return groups
    }

    /// Python's `str.format(metrics)` for fields `{0[name]}` and `{0[name]:spec}`, with `{{`/`}}`.
    private static func substitute(_ text: String, _ metrics: [String: PythonNumber]) throws -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        func fail(_ message: String) -> LightningError {
            LightningError.configuration("the checkpoint filename template \(PythonFormat.repr(text)) is invalid: \(message)")
        }
        while i < chars.count {
            let c = chars[i]
            if c == "}" {
                guard i + 1 < chars.count, chars[i + 1] == "}" else { throw fail("Single '}' encountered in format string") }
                out.append("}"); i += 2; continue
            }
            guard c == "{" else { out.append(c); i += 1; continue }
            if i + 1 < chars.count, chars[i + 1] == "{" { out.append("{"); i += 2; continue }
            // A replacement field: the name inside [...] ends at the first ']'.
            var j = i + 1
            var field = ""
            var bracket = false
            while j < chars.count {
                let d = chars[j]
                if d == "[" { bracket = true } else if d == "]" { bracket = false }
                if !bracket && (d == ":" || d == "}") { break }
                field.append(d); j += 1
            }
            guard j < chars.count else { throw fail("expected '}' before end of string") }
            var spec = ""
            if chars[j] == ":" {
                j += 1
                var depth = 0
                while j < chars.count, !(chars[j] == "}" && depth == 0) {
                    if chars[j] == "{" { depth += 1 } else if chars[j] == "}" { depth -= 1 }
                    spec.append(chars[j]); j += 1
                }
                guard j < chars.count else { throw fail("expected '}' before end of string") }
            }
            guard field.hasPrefix("0["), field.hasSuffix("]") else { throw fail("unsupported field {\(field)}") }
            let name = String(field.dropFirst(2).dropLast())
            guard let value = metrics[name] else { throw fail("no value for \(PythonFormat.repr(name))") }
            out += try PythonFormat.format(value, spec)
            i = j + 1
        }
        return out
    }
}
