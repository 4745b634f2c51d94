import IPTCore
import OpenAPIKit

/// The billing API's paths and answers (BillingAPIController), merged into OpenAPIDocument.
extension OpenAPIDocument {
    /// A client's invoices and payments, for the front desk and the director behind the staff session.
    static var billingPaths: OpenAPI.PathItem.Map {
        let client: OpenAPI.Parameter.Array = [.parameter(.path(name: "id", schema: .string(format: .uuid),
                                                                 description: "The client's id, as in the address of their billing account"))]
        let refusals: OpenAPI.Response.Map = [401: error, 403: json("Not the front desk's or the director's", ref("Error")),
                                              404: json("No such client", ref("Error"))]
        return [
            "/api/v1/staff/clients/{id}/invoices": .init(get: .init(
                summary: "A client's invoices and credit notes, newest first, with their lines, status, paid and owing amounts in cents (CAD)",
                operationId: "staffClientInvoices", parameters: client,
                responses: with(refusals, [200: json("The client's invoices", ref("ClientInvoices"))]),
                security: [staffSession]
            )),
            "/api/v1/staff/clients/{id}/payments": .init(get: .init(
                summary: "A client's payments and refunds, newest first, with the invoices each payment was applied to",
                operationId: "staffClientPayments", parameters: client,
                responses: with(refusals, [200: json("The client's payments", ref("ClientPayments"))]),
                security: [staffSession]
            )),
        ]
    }

    static var billingSchemas: OpenAPI.ComponentDictionary<JSONSchema> {
        [
            "ClientInvoices": Schema.clientInvoices, "Invoice": Schema.invoice, "InvoiceLine": Schema.invoiceLine,
            "ClientPayments": Schema.clientPayments, "Payment": Schema.payment, "PaymentAllocation": Schema.paymentAllocation,
        ]
    }
}

/// Answers of BillingAPIController, field for field.
extension OpenAPIDocument.Schema {
    private static func cents(_ description: String) -> JSONSchema { .integer(description: description) }
    private static var currency: JSONSchema { .string(allowedValues: ["CAD"]) }

    /// BillingAPIController.InvoicesOut.
    static var clientInvoices: JSONSchema {
        .object(properties: [
            "clientID": .string(format: .uuid), "currency": currency,
            "balanceCents": cents("Invoiced minus paid: positive when the client owes, negative when they hold credit"),
            "invoices": .array(items: OpenAPIDocument.ref("Invoice")),
        ])
    }

    /// BillingAPIController.InvoiceOut.
    static var invoice: JSONSchema {
        .object(properties: [
            "id": .string(format: .uuid),
            "number": .string(description: "In one unbroken sequence shared by invoices and credit notes"),
            "kind": .string(allowedValues: InvoiceKind.allCases.map { AnyCodable($0.rawValue) }),
            "status": .string(description: "cancelled: a credit note cancels it",
                              allowedValues: ["open", "part_paid", "paid", "cancelled", "credit_note"]),
            "issuedOn": .string(format: .date), "currency": currency,
            "subtotalCents": cents("Negative on a credit note"), "taxCents": cents("Negative on a credit note"),
            "totalCents": cents("Negative on a credit note"), "paidCents": cents("Applied from payments"),
            "owingCents": cents("What is left to pay; 0 on a credit note"),
            "taxName": .string, "taxExemptionNote": .string(required: false, description: "Shown on the document when a line is exempt"),
            "correctsInvoiceID": .string(format: .uuid, required: false, description: "On a credit note: the invoice it corrects"),
            "reason": .string(required: false, description: "On a credit note: why"),
            "creditNoteNumber": .string(required: false, description: "On a cancelled invoice: the credit note that cancels it"),
            "lines": .array(items: OpenAPIDocument.ref("InvoiceLine")),
        ])
    }

    /// BillingAPIController.LineOut: the service as the receipt describes it, never clinical detail.
    static var invoiceLine: JSONSchema {
        .object(properties: [
            "position": .integer(minimum: (1, exclusive: false)), "serviceAt": .string(format: .dateTime),
            "description": .string(description: "Such as \"Psychotherapy session, 50 minutes\""), "providerName": .string,
            "amountCents": .integer, "taxCents": .integer, "taxExempt": .boolean,
        ])
    }

    /// BillingAPIController.PaymentsOut.
    static var clientPayments: JSONSchema {
        .object(properties: [
            "clientID": .string(format: .uuid), "currency": currency,
            "creditCents": cents("Paid beyond what open invoices owe, less refunds"),
            "payments": .array(items: OpenAPIDocument.ref("Payment")),
        ])
    }

    /// BillingAPIController.PaymentOut.
    static var payment: JSONSchema {
        .object(properties: [
            "id": .string(format: .uuid),
            "kind": .string(allowedValues: PaymentKind.allCases.map { AnyCodable($0.rawValue) }),
            "method": .string(allowedValues: PaymentMethod.allCases.map { AnyCodable($0.rawValue) }),
            "amountCents": .integer(description: "Always positive; kind says which way the money went", minimum: (1, exclusive: false)),
            "receivedOn": .string(format: .date), "reference": .string, "recordedBy": .string,
            "allocations": .array(items: OpenAPIDocument.ref("PaymentAllocation")),
            "unappliedCents": cents("Of a payment, the part not applied to an invoice; 0 for a refund"),
        ])
    }

    /// BillingAPIController.AllocationOut.
    static var paymentAllocation: JSONSchema {
        .object(properties: ["invoiceID": .string(format: .uuid), "invoiceNumber": .string, "amountCents": .integer])
    }
}
