import Foundation

/// One route of the site, declared once and used both to register the handler and to write every
/// link and form action to it, so a path cannot be spelled two ways.
///
/// The area is part of the declaration: a `.staff` path is always registered behind the staff
/// guard (signed in, second factor done), so whether a page is protected is decided where its path
/// is named, not in a separate list. The staff entrance (sign-in, password reset, second factor)
/// lives under /staff but must open without a session; it says so by being `.staffEntrance`.
public struct SitePath: Hashable, Sendable, CustomStringConvertible {
    public enum Area: Hashable, Sendable {
        case `public`
        case staff
        case staffEntrance
    }

    public enum Segment: Hashable, Sendable {
        case literal(String)
        case parameter(String)
    }

    public let area: Area
    public let segments: [Segment]

    /// `template` is the path after the area's prefix, with `:name` for each parameter
    /// ("clients/:id/chart"); staff paths get "/staff" in front.
    public init(_ area: Area, _ template: String) {
        let parts = template.split(separator: "/").map(String.init)
        let prefix: [String] = area == .public ? [] : ["staff"]
        precondition(area != .public || parts.first != "staff", "a path under /staff must be declared as a staff path")
        self.area = area
        segments = (prefix + parts).map { $0.hasPrefix(":") ? .parameter(String($0.dropFirst())) : .literal($0) }
    }

    public static func `public`(_ template: String) -> SitePath { SitePath(.public, template) }
    public static func staff(_ template: String) -> SitePath { SitePath(.staff, template) }
    public static func staffEntrance(_ template: String) -> SitePath { SitePath(.staffEntrance, template) }

    /// The registered form, parameters as `:name`: "/staff/clients/:id/chart".
    public var description: String {
        "/" + segments.map { segment in
            switch segment {
            case let .literal(text): text
            case let .parameter(name): ":" + name
            }
        }.joined(separator: "/")
    }

    public var parameterCount: Int {
        segments.count { if case .parameter = $0 { true } else { false } }
    }

    /// A link to this route with its parameters filled in order, each percent-encoded as one path
    /// segment, and an optional query whose values are encoded too (items with a nil value are left out).
    public func link(_ values: any CustomStringConvertible..., query: KeyValuePairs<String, String?> = [:]) -> String {
        precondition(values.count == parameterCount, "\(self) takes \(parameterCount) parameter(s), given \(values.count)")
        var remaining = values.makeIterator()
        let path = "/" + segments.map { segment in
            switch segment {
            case let .literal(text): text
            case .parameter: Self.encode(remaining.next()!.description)
            }
        }.joined(separator: "/")
        let items = query.compactMap { key, value in value.map { "\(Self.encode(key))=\(Self.encode($0))" } }
        return items.isEmpty ? path : path + "?" + items.joined(separator: "&")
    }

    /// The link to a route without parameters.
    public var link: String { link() }

    /// Percent-encodes everything but RFC 3986's unreserved characters, from the UTF-8 bytes, as
    /// `addingPercentEncoding(withAllowedCharacters:)` does with that set. Written out because the
    /// Foundation call goes through CoreFoundation for every value: the links of a calendar week's
    /// free times were an eighth of that page (docs/PERFORMANCE.md, "Runs of 2026-12-07, third
    /// session"). A test holds the two to the same output.
    static func encode(_ text: String) -> String {
        func unreserved(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
            default: false
            }
        }
        let bytes = text.utf8
        guard !bytes.allSatisfy(unreserved) else { return text }
        let hex: StaticString = "0123456789ABCDEF"
        return String(unsafeUninitializedCapacity: bytes.count * 3) { out in
            var written = 0
            for byte in bytes {
                if unreserved(byte) {
                    out[written] = byte
                    written += 1
                } else {
                    out[written] = UInt8(ascii: "%")
                    out[written + 1] = hex.utf8Start[Int(byte >> 4)]
                    out[written + 2] = hex.utf8Start[Int(byte & 0x0F)]
                    written += 3
                }
            }
            return written
        }
    }
}
