import IPTCore
import Plot

/// The interpersonal inventory: the closeness circle now (and as first drawn, once someone moved),
/// the people in a table with a ring to move each to, and the form that adds a person.
public enum InventoryPage {
    public struct Person: Sendable, Equatable {
        public var id: String
        public var name: String
        public var relationship: String
        /// The ring at intake and now: 1 inner, 2 middle, 3 outer.
        public var first: Int
        public var now: Int

        public init(id: String, name: String, relationship: String, first: Int, now: Int) {
            self.id = id
            self.name = name
            self.relationship = relationship
            self.first = first
            self.now = now
        }
    }

    public struct Model: Sendable {
        public var header: ChartHeader
        public var done: String?
        public var people: [Person]
        public var fields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(header: ChartHeader, done: String?, people: [Person], fields: [String: String], errors: FieldErrors, csrfToken: String) {
            self.header = header
            self.done = done
            self.people = people
            self.fields = fields
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Inventory" : "Please check: Inventory" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let people = model.people, client = model.header.clientID
        let moved = people.contains { $0.first != $0.now }
        return .group(
            ChartFrame.header(model.header),
            ChartFrame.notice(model.done),
            .div(.class("inv-layout"),
                 .div(.class("inv-circle"),
                      .if(people.isEmpty, .p(.text("No one is in the inventory yet. Add the people who matter most in the client's life, one at a time."))),
                      .if(!people.isEmpty, .div(.class("circles inv-circles"),
                          ClosenessCircle.figure(ClosenessCircle.svg(id: "now", title: "Closeness circle now", people: people.map { ($0.id, $0.name, $0.now) },
                                                                     draggable: true), caption: "Now. Drag a person to another ring, or choose a ring in the table."),
                          .if(moved, ClosenessCircle.figure(ClosenessCircle.svg(id: "start", title: "Closeness circle as first drawn",
                                                                               people: people.map { ($0.id, $0.name, $0.first) }, draggable: false),
                                                           caption: "As first drawn, at intake."))))),
                 .section(.class("inv-add"), .attribute(named: "aria-labelledby", value: "add"),
                          .h2(.id("add"), .text("Add a person")),
                          entryForm(action: SitePath.inventory.link(client), fields: model.fields, errors: model.errors, submit: "Add to the inventory",
                                    csrfToken: model.csrfToken))),
            .if(!people.isEmpty, table(people, client: client, csrfToken: model.csrfToken)),
            .script(.src("/js/closeness-circle.js"))
        )
    }

    /// The people with their rings; on a phone each row is a card rather than a wide table.
    private static func table(_ people: [Person], client: String, csrfToken: String) -> Node<HTML.BodyContext> {
        .table(
            .class("data-table inv-table"),
            .caption(.id("inventory-table"), .text("People in the inventory, with their place on the circle")),
            .thead(.tr(.th(.text("Person")), .th(.text("Relationship")), .th(.text("At intake")), .th(.text("Now")), .th(.text("Move to")))),
            .tbody(.forEach(people) { person in
                .tr(.th(.attribute(named: "scope", value: "row"), .a(.href(SitePath.inventoryEntry.link(client, person.id)), .text(person.name))),
                    .td(.attribute(named: "data-label", value: "Relationship"), .text(person.relationship)),
                    .td(.attribute(named: "data-label", value: "At intake"), .text(ClosenessCircle.ringName(person.first))),
                    .td(.attribute(named: "data-label", value: "Now"), .text(ClosenessCircle.ringName(person.now))),
                    .td(.form(.method(.post), .action(SitePath.inventoryCloseness.link(client, person.id)), .class("inline-form"),
                              .id("closeness-\(person.id)"),
                              FormViews.csrf(csrfToken),
                              .label(.class("visually-hidden"), escapedAttribute("for", "level-\(person.id)"), .text("Ring for \(person.name)")),
                              .select(.id("level-\(person.id)"), .attribute(named: "name", value: "closeness"), .class("input"),
                                      .forEach(InventoryEntry.closenessLevels) { level in
                                          SelectViews.option(value: String(level.value), label: ClosenessCircle.ringName(level.value),
                                                             selected: level.value == person.now)
                                      }),
                              .button(.class("button small secondary"), .type(.submit), .text("Move")))))
            }))
    }

    /// The eleven questions in four folds, so the form stays short beside the circle; a fold with
    /// an answer or an error opens.
    public static let questionGroups: [(title: String, keys: [String])] = [
        ("Contact and what they share", ["contact", "activities", "satisfying", "unsatisfying"]),
        ("Expectations", ["clientExpectations", "otherExpectations"]),
        ("Talking and conflict", ["canTalkAbout", "cannotTalkAbout", "conflicts"]),
        ("Change", ["changesAtOnset", "wishedChanges"]),
    ]

    /// The form for one person, to add them or to change what is known about them.
    static func entryForm(action: String, fields: [String: String], errors: FieldErrors, submit: String, csrfToken: String) -> Node<HTML.BodyContext> {
        let labels = Dictionary(uniqueKeysWithValues: InventoryEntry.questions.map { ($0.key, $0.label) })
        return .group(
            FormViews.errorSummary(errors),
            .form(.method(.post), .action(action), .class("form inv-form"), .novalidate(),
                  FormViews.csrf(csrfToken),
                  FormViews.textField(name: "name", label: "Name or description", value: fields["name"], error: errors["name"], maxLength: InventoryEntry.nameLimit,
                                      hint: "A first name or a description is enough."),
                  FormViews.textField(name: "relationship", label: "Who they are to the client", value: fields["relationship"], error: errors["relationship"],
                                      maxLength: InventoryEntry.nameLimit),
                  FormViews.radioGroup(name: "closeness", legend: "How close the client feels to them",
                                       options: InventoryEntry.closenessLevels.map { (String($0.value), $0.label) }, selected: fields["closeness"],
                                       error: errors["closeness"]),
                  .forEach(questionGroups + [("Are the expectations met?", [])]) { group in
                      let keys = group.keys.isEmpty ? ["expectationsMet"] : group.keys
                      let open = keys.contains { !(fields[$0] ?? "").isEmpty || errors[$0] != nil }
                      return .element(named: "details", nodes: [
                          .class("inv-section"), .if(open, .attribute(named: "open", value: "open")),
                          .element(named: "summary", nodes: [.text(group.title), .span(.class("muted"), .text(" (optional)"))]),
                          group.keys.isEmpty
                              ? FormViews.radioGroup(name: "expectationsMet", legend: "Are the expectations met?",
                                                     options: InventoryEntry.expectationAnswers, selected: fields["expectationsMet"], error: errors["expectationsMet"])
                              : .group(group.keys.map { key in
                                  FormViews.textArea(name: key, label: labels[key] ?? key, value: fields[key], error: errors[key],
                                                     maxLength: InventoryEntry.textLimit, rows: 2, required: false)
                              }),
                      ])
                  },
                  .button(.class("button"), .type(.submit), .text(submit)))
        )
    }
}

/// One person of the inventory, to change what is known about them.
public enum InventoryEntryPage {
    public struct Model: Sendable {
        public var header: ChartHeader
        public var entryID: String
        public var fields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(header: ChartHeader, entryID: String, fields: [String: String], errors: FieldErrors, csrfToken: String) {
            self.header = header
            self.entryID = entryID
            self.fields = fields
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Inventory entry" : "Please check: Inventory entry" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let client = model.header.clientID
        return .group(
            ChartFrame.header(model.header),
            .p(.a(.href(SitePath.inventory.link(client)), .text("Back to the inventory"))),
            InventoryPage.entryForm(action: SitePath.inventoryEntry.link(client, model.entryID), fields: model.fields, errors: model.errors,
                                    submit: "Save changes", csrfToken: model.csrfToken)
        )
    }
}
