/// The Cookie request header as names and values (RFC 6265, section 4.2.1: `name=value` pairs
/// separated by `;` and optional spaces, a value possibly in double quotes). A name sent twice
/// keeps its last value, as Vapor's `request.cookies` does. Pairs without `=` are ignored.
enum CookieHeader {
    static func parse(_ headerValues: [String]) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in headerValues {
            for pair in header.split(separator: ";") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                let name = trimmed(pair[..<equals])
                var value = trimmed(pair[pair.index(after: equals)...])
                if value.count >= 2, value.first == "\"", value.last == "\"" {
                    value = value.dropFirst().dropLast()
                }
                guard !name.isEmpty else { continue }
                cookies[String(name)] = String(value)
            }
        }
        return cookies
    }

    private static func trimmed(_ text: Substring) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
              let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return text[first...last]
    }
}
