import Fluent
import Foundation
import IPTCore

// The Fluent models of billing (migration M045).

final class BillingSettingsRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "billing_settings"

    @ID(key: .id) var id: UUID?
    @Field(key: "invoice_prefix") var invoicePrefix: String
    /// The next invoice number; only `BillingQueries.claimInvoiceNumber` changes it.
    @Field(key: "next_invoice_number") var nextInvoiceNumber: Int
    @Field(key: "tax_name") var taxName: String
    @Field(key: "tax_rate_bp") var taxRateBasisPoints: Int
    /// Comma-separated fee tier codes.
    @Field(key: "exempt_tiers") var exemptTiers: String
    /// Comma-separated appointment type codes.
    @Field(key: "exempt_services") var exemptServices: String
    @Field(key: "exemption_note") var exemptionNote: String
    @OptionalField(key: "no_show_fee_cents") var noShowFeeCents: Int?
    @Field(key: "sliding_min_cents") var slidingMinCents: Int
    @Field(key: "sliding_max_cents") var slidingMaxCents: Int
    @Field(key: "updated_at") var updatedAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $invoicePrefix, $nextInvoiceNumber, $taxName, $taxRateBasisPoints, $exemptTiers, $exemptServices, $exemptionNote,
         $noShowFeeCents, $slidingMinCents, $slidingMaxCents, $updatedAt]
    }

    init() {}

    var tax: TaxSettings {
        TaxSettings(name: taxName, rateBasisPoints: taxRateBasisPoints,
                    exemptTiers: Set(exemptTiers.split(separator: ",").compactMap { FeeTierCode(rawValue: String($0)) }),
                    exemptServiceCodes: Set(exemptServices.split(separator: ",").map(String.init)),
                    exemptionNote: exemptionNote)
    }
}

final class SlidingScaleRate: Model, ListedFields, @unchecked Sendable {
    static let schema = "sliding_scale_rates"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "amount_cents") var amountCents: Int
    /// YYYY-MM-DD: when the director looks at it again. It stays in force until replaced or ended.
    @Field(key: "review_on") var reviewOn: String
    @Field(key: "reason") var reason: String
    @Parent(key: "approved_by_id") var approvedBy: StaffUser
    @Field(key: "approved_at") var approvedAt: Date
    @OptionalField(key: "ended_at") var endedAt: Date?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $amountCents, $reviewOn, $reason, $approvedBy, $approvedAt, $endedAt] }

    init() {}
}

final class Charge: Model, ListedFields, @unchecked Sendable {
    static let schema = "charges"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @OptionalParent(key: "appointment_id") var appointment: Appointment?
    @Parent(key: "staff_id") var staff: StaffUser
    @Field(key: "kind") var kind: ChargeKind
    @Field(key: "status") var status: ChargeStatus
    @Field(key: "service_code") var serviceCode: String
    @OptionalField(key: "tier_code") var tierCode: FeeTierCode?
    @Field(key: "service_at") var serviceAt: Date
    @Field(key: "minutes") var minutes: Int
    /// What the client owes for it now (after any adjustment); `originalCents` is what the rules set.
    @Field(key: "amount_cents") var amountCents: Int
    @Field(key: "original_cents") var originalCents: Int
    @OptionalField(key: "adjustment_reason") var adjustmentReason: String?
    @OptionalParent(key: "invoice_id") var invoice: Invoice?
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $client, $appointment, $staff, $kind, $status, $serviceCode, $tierCode, $serviceAt, $minutes, $amountCents,
         $originalCents, $adjustmentReason, $invoice, $createdAt]
    }

    init() {}

    var description: String { ServiceDescription.text(kind: kind, minutes: minutes) }
}

final class Invoice: Model, ListedFields, @unchecked Sendable {
    static let schema = "invoices"

    @ID(key: .id) var id: UUID?
    @Field(key: "number") var number: Int
    @Field(key: "display_number") var displayNumber: String
    @Field(key: "kind") var kind: InvoiceKind
    @Parent(key: "client_id") var client: ClientRecord
    @OptionalParent(key: "corrects_id") var corrects: Invoice?
    @Field(key: "issued_at") var issuedAt: Date
    /// YYYY-MM-DD in the clinic's zone.
    @Field(key: "issued_on") var issuedOn: String
    @Field(key: "subtotal_cents") var subtotalCents: Int
    @Field(key: "tax_cents") var taxCents: Int
    @Field(key: "total_cents") var totalCents: Int
    @Field(key: "tax_name") var taxName: String
    @OptionalField(key: "exemption_note") var exemptionNote: String?
    /// A credit note's reason.
    @OptionalField(key: "reason") var reason: String?
    @Field(key: "issued_by") var issuedBy: String
    /// The client's name as issued (M070); nil only if the migration found no client.
    @OptionalField(key: "client_name") var clientName: String?
    @Children(for: \.$invoice) var lines: [InvoiceLine]

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $number, $displayNumber, $kind, $client, $corrects, $issuedAt, $issuedOn, $subtotalCents, $taxCents, $totalCents,
         $taxName, $exemptionNote, $reason, $issuedBy, $clientName, $lines]
    }

    init() {}
}

final class InvoiceLine: Model, ListedFields, @unchecked Sendable {
    static let schema = "invoice_lines"

    @ID(key: .id) var id: UUID?
    @Parent(key: "invoice_id") var invoice: Invoice
    @OptionalParent(key: "charge_id") var charge: Charge?
    @Field(key: "position") var position: Int
    @Field(key: "description") var description: String
    @Field(key: "service_at") var serviceAt: Date
    @Parent(key: "staff_id") var staff: StaffUser
    @OptionalField(key: "tier_code") var tierCode: FeeTierCode?
    @Field(key: "amount_cents") var amountCents: Int
    @Field(key: "tax_cents") var taxCents: Int
    @Field(key: "exempt") var exempt: Bool
    /// Who provided the session, as the receipt names them, at the moment of issue (M070).
    @OptionalField(key: "provider_json") var providerJSON: String?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $invoice, $charge, $position, $description, $serviceAt, $staff, $tierCode, $amountCents, $taxCents, $exempt,
         $providerJSON]
    }

    init() {}

    static func encode(_ provider: ReceiptProvider) throws -> String {
        String(decoding: try JSONEncoder().encode(provider), as: UTF8.self)
    }

    /// The provider as issued.
    var provider: ReceiptProvider? {
        providerJSON.flatMap { try? JSONDecoder().decode(ReceiptProvider.self, from: Data($0.utf8)) }
    }
}

final class Payment: Model, ListedFields, @unchecked Sendable {
    static let schema = "payments"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "kind") var kind: PaymentKind
    @Field(key: "method") var method: PaymentMethod
    /// Always positive; `kind` says which way the money went.
    @Field(key: "amount_cents") var amountCents: Int
    /// YYYY-MM-DD.
    @Field(key: "received_on") var receivedOn: String
    @Field(key: "reference") var reference: String
    @Parent(key: "recorded_by_id") var recordedBy: StaffUser
    @Field(key: "recorded_by") var recordedByName: String
    @Field(key: "idempotency_key") var idempotencyKey: String
    @Field(key: "created_at") var createdAt: Date
    @Children(for: \.$payment) var allocations: [PaymentAllocationRow]

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $client, $kind, $method, $amountCents, $receivedOn, $reference, $recordedBy, $recordedByName, $idempotencyKey,
         $createdAt, $allocations]
    }

    init() {}

    /// What it does to the client's balance: a payment lowers it, a refund raises it.
    var signedCents: Int { kind == .payment ? amountCents : -amountCents }
}

final class PaymentAllocationRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "payment_allocations"

    @ID(key: .id) var id: UUID?
    @Parent(key: "payment_id") var payment: Payment
    @Parent(key: "invoice_id") var invoice: Invoice
    @Field(key: "amount_cents") var amountCents: Int

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $payment, $invoice, $amountCents] }

    init() {}
}
