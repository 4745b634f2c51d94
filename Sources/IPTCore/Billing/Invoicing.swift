import Foundation

/// Whether a document is an invoice or a credit note correcting one.
public enum InvoiceKind: String, Codable, Sendable, CaseIterable {
    case invoice
    case creditNote = "credit_note"

    public var label: String { self == .invoice ? "Invoice" : "Credit note" }
}

/// The clinic's sales tax settings. Which services are exempt depends on the service and on who
/// provides it (psychotherapy by a registered professional is exempt in Ontario; whether a
/// student's is remains unsettled), so both are settings and nothing here names a province.
public struct TaxSettings: Sendable, Equatable {
    public var name: String
    /// The rate in basis points: 1300 is 13 %.
    public var rateBasisPoints: Int
    /// Provider tiers whose services of the exempt kinds carry no tax.
    public var exemptTiers: Set<FeeTierCode>
    /// Appointment type codes that are exempt when an exempt tier provides them.
    public var exemptServiceCodes: Set<String>
    /// The sentence printed on a document with exempt lines.
    public var exemptionNote: String

    public init(name: String, rateBasisPoints: Int, exemptTiers: Set<FeeTierCode>, exemptServiceCodes: Set<String>, exemptionNote: String) {
        self.name = name
        self.rateBasisPoints = rateBasisPoints
        self.exemptTiers = exemptTiers
        self.exemptServiceCodes = exemptServiceCodes
        self.exemptionNote = exemptionNote
    }

    public func isExempt(tier: FeeTierCode?, serviceCode: String) -> Bool {
        guard let tier else { return false }
        return exemptTiers.contains(tier) && exemptServiceCodes.contains(serviceCode)
    }

    /// Tax on one line, rounded half away from zero to the cent (a credit note's negative line gets
    /// the same tax with the opposite sign).
    public func tax(onCents cents: Int, tier: FeeTierCode?, serviceCode: String) -> Int {
        guard !isExempt(tier: tier, serviceCode: serviceCode), rateBasisPoints > 0 else { return 0 }
        let product = abs(cents) * rateBasisPoints
        let rounded = (product + 5_000) / 10_000
        return cents < 0 ? -rounded : rounded
    }
}

/// One line as it goes onto a document.
public struct DocumentLine: Sendable, Equatable {
    public var amountCents: Int
    public var taxCents: Int
    public var exempt: Bool

    public init(amountCents: Int, taxCents: Int, exempt: Bool) {
        self.amountCents = amountCents
        self.taxCents = taxCents
        self.exempt = exempt
    }
}

public struct DocumentTotals: Sendable, Equatable {
    public var subtotalCents: Int
    public var taxCents: Int
    public var totalCents: Int
    /// Whether the exemption note belongs on the document.
    public var showsExemption: Bool

    public init(_ lines: [DocumentLine]) {
        subtotalCents = lines.reduce(0) { $0 + $1.amountCents }
        taxCents = lines.reduce(0) { $0 + $1.taxCents }
        totalCents = subtotalCents + taxCents
        showsExemption = lines.contains(where: \.exempt)
    }
}

public enum InvoiceNumbering {
    /// "HV-2027-000042": the prefix, then the number padded to six digits. The number alone is
    /// the unbroken sequence; the prefix only makes it readable.
    public static func display(prefix: String, number: Int) -> String {
        let digits = String(number)
        let padded = String(repeating: "0", count: max(0, 6 - digits.count)) + digits
        return prefix.isEmpty ? padded : "\(prefix)-\(padded)"
    }

    /// Whether a list of issued numbers is the unbroken run 1...n (no gap, no repeat).
    public static func isUnbroken(_ numbers: [Int]) -> Bool {
        numbers.sorted() == Array(1...max(numbers.count, 1)).prefix(numbers.count).map { $0 }
    }
}
