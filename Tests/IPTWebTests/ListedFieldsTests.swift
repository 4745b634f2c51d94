import FluentKit
import Foundation
@testable import IPTWeb
import Testing

/// Models that list their FluentKit wrappers by hand (`ListedFields`) must list exactly what
/// FluentKit's reflection finds, or a field would be neither read nor saved.
@Suite struct ListedFieldsTests {
    @Test func every_listed_model_lists_exactly_its_wrappers_in_order() {
        #expect(!listedModelTypes.isEmpty)
        for type in listedModelTypes {
            let model = type.init()
            #expect(ListedFieldsCheck.matches(model.listedProperties, model.reflectedProperties), "\(type)")
            #expect(model.listedProperties.count == Mirror(reflecting: model).children.count { $0.value is any AnyProperty }, "\(type)")
        }
    }

    /// FluentKit uses the list: what it selects and what it reads are the listed fields.
    @Test func fluent_takes_the_columns_from_the_list() {
        #expect(ClientRecord.keys.map(\.description) == ["id", "name", "email", "phone", "date_of_birth", "programme", "guardian_name",
                                                          "guardian_email", "guardian_phone", "sliding_scale_percent",
                                                          "privacy_consent_version", "privacy_consent_at", "scores_in_portal", "created_at"])
        let counted = Counted()
        #expect(ListedFieldsCheck.matches(counted.properties, counted.reflectedProperties))
        Counted.calls.withLockedValue { $0 = 0 }
        _ = Counted.keys
        #expect(Counted.calls.withLockedValue { $0 } == 1, "Fields.keys went through listedProperties, not reflection")
    }

    /// A list that leaves a wrapper out is caught.
    @Test func a_list_missing_a_wrapper_does_not_match() {
        let model = ClientRecord()
        #expect(!ListedFieldsCheck.matches(Array(model.listedProperties.dropLast()), model.reflectedProperties))
        #expect(!ListedFieldsCheck.matches(model.listedProperties.reversed(), model.reflectedProperties), "the order counts too")
    }
}

import NIOConcurrencyHelpers

private final class Counted: Model, ListedFields, @unchecked Sendable {
    static let schema = "counted"
    static let calls = NIOLockedValueBox(0)

    @ID(key: .id) var id: UUID?
    @Field(key: "word") var word: String

    var listedProperties: [any AnyProperty] {
        Self.calls.withLockedValue { $0 += 1 }
        return [$id, $word]
    }

    init() {}
}
