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
