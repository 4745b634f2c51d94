/// Writes RFC 4180 CSV. Cells that a spreadsheet would run as a formula (starting with = + - @,
/// tab or carriage return) are prefixed with an apostrophe: an export must never execute.
public enum CSVWriter {
    public static func line(_ cells: [String]) -> String {
        cells.map(escape).joined(separator: ",") + "\r\n"
    }

    public static func escape(_ cell: String) -> String {
        var value = cell
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            value = "'" + value
        }
        // Unicode scalars, not Characters: a quote or comma joined to a combining mark is one
        // Character that equals neither, and slipped through unquoted, letting a cell split in two.
        let scalars = value.unicodeScalars
        guard scalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in scalars {
            quoted.append(scalar)
            if scalar == "\"" { quoted.append("\"") }
        }
        quoted.append("\"")
        return String(quoted)
    }
}
