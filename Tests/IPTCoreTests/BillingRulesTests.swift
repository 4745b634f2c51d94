import Foundation
import IPTCore
import Testing

@Suite struct BillingRulesTests {
    @Test func an_attended_session_charges_the_booked_fee_and_a_free_consultation_charges_nothing() {
        #expect(ChargeRule.charge(for: SessionFacts(outcome: .attended, bookedFeeCents: 6_000, scheduleFeeCents: 18_000))! == (.session, 6_000))
        #expect(ChargeRule.charge(for: SessionFacts(outcome: .attended, bookedFeeCents: nil, scheduleFeeCents: 18_000))! == (.session, 18_000))
        #expect(ChargeRule.charge(for: SessionFacts(outcome: .attended, bookedFeeCents: 0, scheduleFeeCents: 0)) == nil)
        #expect(ChargeRule.charge(for: SessionFacts(outcome: .noShow, bookedFeeCents: 0, scheduleFeeCents: 0, policyLateFeeCents: 5_000)) == nil,
                "a missed free call carries no fee")
    }

    @Test func late_cancellation_and_no_show_take_the_policy_fees() {
        let late = SessionFacts(outcome: .lateCancelled, bookedFeeCents: 18_000, scheduleFeeCents: nil, lateFeeCents: 4_000, policyLateFeeCents: 5_000)
        #expect(ChargeRule.charge(for: late)! == (.lateCancellation, 4_000), "the fee recorded on the appointment wins")
        let noShow = SessionFacts(outcome: .noShow, bookedFeeCents: 18_000, scheduleFeeCents: nil, policyLateFeeCents: 5_000)
        #expect(ChargeRule.charge(for: noShow)! == (.noShow, 5_000))
        var own = noShow
        own.noShowFeeCents = 7_500
        #expect(ChargeRule.charge(for: own)! == (.noShow, 7_500))
        #expect(ChargeRule.charge(for: SessionFacts(outcome: .noShow, bookedFeeCents: 18_000, scheduleFeeCents: nil)) == nil)
    }

    @Test func a_sliding_rate_replaces_the_fee_but_never_raises_it_and_must_sit_in_the_range() {
        #expect(ChargeRule.charge(for: SessionFacts(outcome: .attended, bookedFeeCents: 18_000, scheduleFeeCents: nil, slidingRateCents: 4_500))! == (.session, 4_500))
        #expect(ChargeRule.charge(for: SessionFacts(outcome: .attended, bookedFeeCents: 6_000, scheduleFeeCents: nil, slidingRateCents: 9_000))! == (.session, 6_000))
        let today = LocalDate(iso: "2027-03-01")!
        #expect(SlidingScaleRule.check(amountCents: 4_000, minCents: 3_000, maxCents: 12_000, review: LocalDate(iso: "2027-09-01")!, today: today) == nil)
        #expect(SlidingScaleRule.check(amountCents: 2_000, minCents: 3_000, maxCents: 12_000, review: LocalDate(iso: "2027-09-01")!, today: today)
                == .outsideRange(min: 3_000, max: 12_000))
        #expect(SlidingScaleRule.check(amountCents: 4_000, minCents: 3_000, maxCents: 12_000, review: today, today: today) == .reviewDateNotAfterToday)
    }

    @Test func tax_follows_the_settings_per_service_and_provider_tier() {
        let tax = TaxSettings(name: "HST", rateBasisPoints: 1300, exemptTiers: [.full, .qualifying], exemptServiceCodes: ["ipt-session"],
                              exemptionNote: "Exempt")
        #expect(tax.tax(onCents: 18_000, tier: .full, serviceCode: "ipt-session") == 0)
        #expect(tax.tax(onCents: 6_000, tier: .reduced, serviceCode: "ipt-session") == 780)
        #expect(tax.tax(onCents: 5_000, tier: .full, serviceCode: "workshop") == 650)
        #expect(tax.tax(onCents: 1_050, tier: .reduced, serviceCode: "ipt-session") == 137, "136.5 rounds half up")
        #expect(tax.tax(onCents: -6_000, tier: .reduced, serviceCode: "ipt-session") == -780)
        let totals = DocumentTotals([DocumentLine(amountCents: 18_000, taxCents: 0, exempt: true), DocumentLine(amountCents: 6_000, taxCents: 780, exempt: false)])
        #expect(totals.subtotalCents == 24_000 && totals.taxCents == 780 && totals.totalCents == 24_780 && totals.showsExemption)
        #expect(DocumentTotals([DocumentLine(amountCents: 6_000, taxCents: 780, exempt: false)]).showsExemption == false)
    }

    @Test func invoice_numbers_read_well_and_a_gap_or_repeat_is_detected() {
        #expect(InvoiceNumbering.display(prefix: "INV", number: 42) == "INV-000042")
        #expect(InvoiceNumbering.display(prefix: "", number: 1_234_567) == "1234567")
        #expect(InvoiceNumbering.isUnbroken([3, 1, 2]))
        #expect(!InvoiceNumbering.isUnbroken([1, 2, 4]))
        #expect(!InvoiceNumbering.isUnbroken([1, 2, 2]))
    }

    @Test func a_payment_goes_to_the_oldest_invoices_and_excess_needs_an_explicit_choice() throws {
        let a = UUID(), b = UUID()
        let open = [PaymentAllocation.Open(id: a, owingCents: 6_000), PaymentAllocation.Open(id: b, owingCents: 6_000)]
        let partial = try PaymentAllocation.allocate(9_000, to: open, allowCredit: false).get()
        #expect(partial.applied.map(\.0) == [a, b] && partial.applied.map(\.1) == [6_000, 3_000] && partial.creditCents == 0)
        #expect(throws: PaymentAllocation.Problem.overpayment(owingCents: 12_000)) { try PaymentAllocation.allocate(15_000, to: open, allowCredit: false).get() }
        #expect(try PaymentAllocation.allocate(15_000, to: open, allowCredit: true).get().creditCents == 3_000)
        #expect(throws: PaymentAllocation.Problem.notPositive) { try PaymentAllocation.allocate(-100, to: open, allowCredit: true).get() }
        let pools = CreditPools.available(unapplied: [(a, 1_000), (b, 2_000)], refundedCents: 1_500)
        #expect(pools.count == 1 && pools[0].id == b && pools[0].cents == 1_500)
    }

    @Test func receivables_age_into_four_buckets() {
        let today = LocalDate(iso: "2027-06-30")!
        #expect(AgingBucket.bucket(issued: today.adding(days: -30), today: today) == .current)
        #expect(AgingBucket.bucket(issued: today.adding(days: -31), today: today) == .days31to60)
        #expect(AgingBucket.bucket(issued: today.adding(days: -90), today: today) == .days61to90)
        #expect(AgingBucket.bucket(issued: today.adding(days: -91), today: today) == .over90)
    }

    @Test func a_receipt_names_the_supervisor_for_a_students_session_and_never_a_diagnosis() {
        let registered = ReceiptProvider(name: "Daniel Reyes", designation: "RP", registrationNumber: "10001", isStudent: false)
        #expect(registered.lines == ["Provided by: Daniel Reyes, RP", "Registration number: 10001"])
        let student = ReceiptProvider(name: "Priya Natarajan", designation: "MACP student", registrationNumber: "", isStudent: true,
                                      supervisorName: "Henrik Larsen", supervisorDesignation: "RP", supervisorRegistrationNumber: "10002")
        #expect(student.lines.contains("Supervising clinician: Henrik Larsen, RP"))
        #expect(student.lines.contains("Supervisor's registration number: 10002"))
        #expect(student.lines.contains { $0.contains("student therapist under the clinical supervision") })
        #expect(ServiceDescription.text(kind: .session, minutes: 50) == "Psychotherapy session, 50 minutes")
    }

    @Test func the_csv_has_the_accounting_columns_and_defuses_formulas() {
        let csv = AccountingCSV.render([AccountingCSV.Row(date: "2027-03-01", type: "Invoice line", reference: "INV-000001", contact: "=HYPERLINK(\"x\")",
                                                          description: "Psychotherapy session, 50 minutes", amountCents: 18_000, taxCents: 0,
                                                          taxName: "HST", method: "", clinician: "Reyes, Daniel")])
        let lines = csv.split(separator: "\r\n")
        #expect(lines[0] == "Date,Type,Reference,Contact,Description,Amount,Tax amount,Tax type,Payment method,Clinician,Currency")
        #expect(lines[1] == "2027-03-01,Invoice line,INV-000001,\"'=HYPERLINK(\"\"x\"\")\",\"Psychotherapy session, 50 minutes\",180.00,0.00,HST,,\"Reyes, Daniel\",CAD")
        #expect(AccountingCSV.decimal(-1_205) == "-12.05")
    }
}
