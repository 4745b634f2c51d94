import Foundation

/// How money reached the clinic. Card means the clinic's own terminal: nothing here handles card numbers.
public enum PaymentMethod: String, Codable, Sendable, CaseIterable {
    case cash
    case eTransfer = "e_transfer"
    case card
    case cheque
    case insurer

    public var label: String {
        switch self {
        case .cash: "Cash"
        case .eTransfer: "Interac e-Transfer"
        case .card: "Card (clinic terminal)"
        case .cheque: "Cheque"
        case .insurer: "Insurer direct payment"
        }
    }
}

/// A payment received, or money given back.
public enum PaymentKind: String, Codable, Sendable, CaseIterable {
    case payment, refund
}

/// Online card payment, for later: a provider takes the card and answers with a reference the
/// clinic records as a payment. None is wired in; the desk records what its terminal took.
public protocol PaymentProvider: Sendable {
    var name: String { get }
    /// Charges `cents` for the client and returns the provider's reference for the payment.
    func charge(cents: Int, currency: String, description: String, idempotencyKey: String) async throws -> String
    func refund(reference: String, cents: Int) async throws -> String
}

/// Spreads a payment over open invoices, oldest first.
public enum PaymentAllocation {
    public struct Open: Sendable, Equatable {
        public var id: UUID
        public var owingCents: Int
        public init(id: UUID, owingCents: Int) {
            self.id = id
            self.owingCents = owingCents
        }
    }

    public enum Problem: Error, Equatable {
        case notPositive
        /// More than the open invoices owe, and nobody chose to keep the rest as credit.
        case overpayment(owingCents: Int)
    }

    /// The amounts applied to each invoice (in the given order) and what is left as credit.
    public static func allocate(_ cents: Int, to open: [Open], allowCredit: Bool) -> Result<(applied: [(UUID, Int)], creditCents: Int), Problem> {
        guard cents > 0 else { return .failure(.notPositive) }
        let owing = open.reduce(0) { $0 + max($1.owingCents, 0) }
        if cents > owing, !allowCredit { return .failure(.overpayment(owingCents: owing)) }
        var remaining = cents
        var applied: [(UUID, Int)] = []
        for invoice in open where remaining > 0 && invoice.owingCents > 0 {
            let part = min(remaining, invoice.owingCents)
            applied.append((invoice.id, part))
            remaining -= part
        }
        return .success((applied, remaining))
    }
}

/// The four columns of an aged receivables report.
public enum AgingBucket: String, CaseIterable, Sendable {
    case current = "0-30"
    case days31to60 = "31-60"
    case days61to90 = "61-90"
    case over90 = "90+"

    public var label: String { "\(rawValue) days" }

    public static func bucket(issued: LocalDate, today: LocalDate) -> AgingBucket {
        let age = today.daysSinceEpoch - issued.daysSinceEpoch
        switch age {
        case ..<31: return .current
        case 31...60: return .days31to60
        case 61...90: return .days61to90
        default: return .over90
        }
    }
}

/// The accountant's export: one row per invoice line and one per payment, in the column names
/// the common bookkeeping imports read (date, reference, contact, description, amounts, account).
public enum AccountingCSV {
    public struct Row: Sendable, Equatable {
        public var date: String
        public var type: String
        public var reference: String
        public var contact: String
        public var description: String
        public var amountCents: Int
        public var taxCents: Int
        public var taxName: String
        public var method: String
        public var clinician: String

        public init(date: String, type: String, reference: String, contact: String, description: String, amountCents: Int,
                    taxCents: Int, taxName: String, method: String, clinician: String) {
            self.date = date
            self.type = type
            self.reference = reference
            self.contact = contact
            self.description = description
            self.amountCents = amountCents
            self.taxCents = taxCents
            self.taxName = taxName
            self.method = method
            self.clinician = clinician
        }
    }

    public static let header = ["Date", "Type", "Reference", "Contact", "Description", "Amount", "Tax amount", "Tax type",
                                "Payment method", "Clinician", "Currency"]

    public static func render(_ rows: [Row]) -> String {
        var lines = [header.joined(separator: ",")]
        for row in rows {
            lines.append([row.date, row.type, row.reference, row.contact, row.description, decimal(row.amountCents),
                          decimal(row.taxCents), row.taxName, row.method, row.clinician, "CAD"].map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// "-12.50" with a point and no grouping, as spreadsheets and accounting imports read it.
    public static func decimal(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let absolute = abs(cents)
        return "\(sign)\(absolute / 100).\(absolute % 100 < 10 ? "0" : "")\(absolute % 100)"
    }

    /// Quotes a field when needed, and defuses a leading =, +, -, @ (a spreadsheet would run it as a
    /// formula) unless the field is a plain number.
    static func field(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@\t\r".contains(first), Double(value) == nil { value = "'" + value }
        if value.contains(where: { ",\"\r\n".contains($0) }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
