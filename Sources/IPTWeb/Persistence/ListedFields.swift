import FluentKit
import NIOConcurrencyHelpers

/// A model that names its FluentKit property wrappers itself, so that FluentKit need not find them
/// by reflection.
///
/// FluentKit asks a model for its properties (`Fields.properties`) several times for every query
/// (the columns to select, the timestamps, whether rows are soft-deleted) and again for every row
/// it reads, and each time walks the instance with the runtime's reflection. On a chart at a large
/// clinic, eight small Fluent reads spent a fifth of the page's time there (docs/PERFORMANCE.md,
/// "Runs of 2026-12-07, fifth session"). `properties` is a requirement of `Fields`, so a list given
/// here is what FluentKit uses.
///
/// The list must hold exactly the wrappers reflection finds, in declaration order: a wrapper left
/// out would be neither read nor saved. Debug builds (every test run) compare the two the first
/// time each type is used and stop at a difference; `ListedFieldsTests` compares them for every
/// type in `listedModelTypes`.
protocol ListedFields: Fields {
    /// `[$id, $name, ...]`: every `@ID`, `@Field`, `@OptionalField`, `@Parent`, `@OptionalParent`,
    /// `@Timestamp`, `@Enum` ... of the type, in the order they are declared.
    var listedProperties: [any AnyProperty] { get }
}

extension ListedFields {
    var properties: [any AnyProperty] {
        let listed = listedProperties
        #if DEBUG
        ListedFieldsCheck.verifyOnce(self, listed: listed)
        #endif
        return listed
    }

    /// What FluentKit's own reflection finds: the wrappers among the instance's stored properties.
    var reflectedProperties: [any AnyProperty] {
        Mirror(reflecting: self).children.compactMap { $0.value as? any AnyProperty }
    }
}

/// Every model of the clinic; the test checks each one's list.
let listedModelTypes: [any ListedFields.Type] = [
    Appointment.self, AppointmentFee.self, AppointmentSeries.self, AppointmentTypeRow.self, AuditEvent.self,
    AvailabilityExceptionRow.self, AvailabilityRow.self, BillingSettingsRow.self, BookingSettingsRow.self,
    CalendarFeed.self, CareTeamMember.self, Charge.self, ChartAccessReason.self, ChecklistMark.self, ClientFlag.self,
    ClientRecord.self, ClinicProfile.self, ClinicalSettingsRow.self, ConsentRecord.self, ContractRow.self, DataKey.self,
    DischargeSummaryRow.self, Enquiry.self, FeeTier.self, FormulationRow.self, IntakeRecord.self,
    InventoryEntryRow.self, Invoice.self, InvoiceLine.self, JobRun.self, LifeEventRow.self, Location.self,
    MeasureResponse.self, NewsletterIssue.self, OutboxMessage.self, OutcomeSettingsRow.self, PasswordReset.self,
    Payment.self, PaymentAllocationRow.self, PhaseOverrideRow.self, PortalLink.self, PortalSession.self,
    PossibleDuplicate.self, RecordHold.self, RecordRequest.self, RecordTombstone.self, RecoveryCode.self,
    RiskAlert.self, SelfAssessmentRecord.self, SessionNoteRow.self, SlidingScaleRate.self, StaffSession.self,
    StaffUser.self, Subscriber.self, SupervisionSessionRow.self, WaitlistChange.self, WaitlistEntry.self,
    WorksheetRow.self,
]

enum ListedFieldsCheck {
    private static let verified = NIOLockedValueBox<Set<ObjectIdentifier>>([])

    /// The listed wrappers, as objects, are the reflected ones in the same order.
    static func matches(_ listed: [any AnyProperty], _ reflected: [any AnyProperty]) -> Bool {
        listed.map(ObjectIdentifier.init) == reflected.map(ObjectIdentifier.init)
    }

    static func verifyOnce<Model: ListedFields>(_ model: Model, listed: [any AnyProperty]) {
        guard verified.withLockedValue({ $0.insert(ObjectIdentifier(Model.self)).inserted }) else { return }
        precondition(matches(listed, model.reflectedProperties),
                     "\(Model.self).listedProperties differs from its property wrappers: list every one, in declaration order")
    }
}
