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

/// The models read on the busiest pages (a chart, Today, the calendar and the booking pages); the
/// test checks each one's list.
let listedModelTypes: [any ListedFields.Type] = [
    BookingSettingsRow.self, CareTeamMember.self, ChecklistMark.self, ClientRecord.self, ClinicalSettingsRow.self,
    ContractRow.self, FormulationRow.self, PhaseOverrideRow.self, StaffUser.self,
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
