import Foundation

/// An amount in the currency's minor unit (cents), never a floating-point number.
public struct Money: Sendable, Equatable, Hashable, Codable {
    public let cents: Int
    public let currency: String

    public init(cents: Int, currency: String = "CAD") {
        self.cents = cents
        self.currency = currency
    }

    /// "$180.00" style text for Canadian dollars; other currencies carry their code.
    public var formatted: String {
        let sign = cents < 0 ? "-" : ""
        let absolute = abs(cents)
        let whole = absolute / 100
        let fraction = absolute % 100
        let fractionText = fraction < 10 ? "0\(fraction)" : "\(fraction)"
        var groups: [String] = []
        var remaining = whole
        repeat {
            let group = remaining % 1000
            remaining /= 1000
            groups.insert(remaining > 0 ? String(format: "%03d", group) : String(group), at: 0)
        } while remaining > 0
        let amount = "\(sign)$\(groups.joined(separator: ",")).\(fractionText)"
        return currency == "CAD" ? amount : "\(amount) \(currency)"
    }
}

extension Money {
    /// Cents from an amount typed in dollars: "120", "95.5", "95.50", "$1,200". Nil for anything
    /// else (more than two decimals, letters, a sign, over a million).
    public static func cents(fromDollars text: String) -> Int? {
        var cleaned = text.trimmingCharacters(in: .whitespaces)
        if cleaned.hasPrefix("$") { cleaned.removeFirst() }
        cleaned = cleaned.replacingOccurrences(of: ",", with: "")
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 7,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let whole = Int(parts[0]) else { return nil }
        var fraction = 0
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), let value = Int(parts[1]) else { return nil }
            fraction = parts[1].count == 1 ? value * 10 : value
        }
        return whole * 100 + fraction
    }
}

/// The fee levels a clinician can be on.
public enum FeeTierCode: String, CaseIterable, Codable, Sendable {
    case full
    case qualifying
    case reduced

    public var label: String {
        switch self {
        case .full: "Registered psychotherapist (full fee)"
        case .qualifying: "RP (Qualifying), supervised"
        case .reduced: "Practicum student, reduced-rate clinic"
        }
    }
}
