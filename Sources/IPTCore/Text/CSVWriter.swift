import Foundation

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
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
