import IPTCore
import Plot

/// A clinician's weekly hours and the changes to them (time off, extra hours), with the forms to
/// add and remove each.
public enum AvailabilityPage {
    public struct Hours: Sendable, Equatable {
        public var id: String
        public var day: String
        public var from: String
        public var until: String
        public var place: String

        public init(id: String, day: String, from: String, until: String, place: String) {
            self.id = id
            self.day = day
            self.from = from
            self.until = until
            self.place = place
        }
    }

    public struct Change: Sendable, Equatable {
        public var id: String
        public var isExtra: Bool
        public var when: String
        public var note: String

        public init(id: String, isExtra: Bool, when: String, note: String) {
            self.id = id
            self.isExtra = isExtra
            self.when = when
            self.note = note
        }
    }

    public struct Model: Sendable {
        public var clinicianID: String
        public var clinicianName: String
        /// The clinicians this person may keep hours for; the chooser shows when there are several.
        public var clinicians: [(value: String, label: String)]
        public var zoneName: String
        public var weekly: [Hours]
        public var changes: [Change]
        public var locations: [(value: String, label: String)]
        /// The weekly-hours form as typed, by field name.
        public var weeklyFields: [String: String]
        /// The change form as typed, by field name.
        public var changeFields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(clinicianID: String, clinicianName: String, clinicians: [(value: String, label: String)], zoneName: String, weekly: [Hours],
                    changes: [Change], locations: [(value: String, label: String)], weeklyFields: [String: String], changeFields: [String: String],
                    errors: FieldErrors, csrfToken: String) {
            self.clinicianID = clinicianID
            self.clinicianName = clinicianName
            self.clinicians = clinicians
            self.zoneName = zoneName
            self.weekly = weekly
            self.changes = changes
            self.locations = locations
            self.weeklyFields = weeklyFields
            self.changeFields = changeFields
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Hours" : "Check the hours: Hours" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let id = model.clinicianID, errors = model.errors
        return .group(
            .p(.class("small"), .a(.href(SitePath.calendar.link(query: ["clinician": id])), .text("Back to the calendar"))),
            .h1(.text("Hours: \(model.clinicianName)")),
            .if(model.clinicians.count > 1, .form(.class("form inline-form"), .method(.get), .action(SitePath.availability.link),
                                                  FormViews.select(name: "clinician", label: "Clinician", options: model.clinicians, selected: id, error: nil),
                                                  .button(.class("button secondary"), .type(.submit), .text("Show")))),
            .p(.text("Online booking offers times inside these hours, in \(model.zoneName), minus appointments, blocked time and time off.")),
            FormViews.errorSummary(errors),
            .h2(.text("Every week")),
            .if(model.weekly.isEmpty, .p(.text("No weekly hours yet: nothing can be booked online with \(model.clinicianName)."))),
            .if(!model.weekly.isEmpty, TableViews.scrollable(captionID: "weekly-caption", .table(
                .class("data-table"),
                .caption(.id("weekly-caption"), .text("Weekly hours")),
                .thead(.tr(.th(.text("Day")), .th(.text("From")), .th(.text("Until")), .th(.text("Where")), .th(.text("Remove")))),
                .tbody(.forEach(model.weekly) { row in
                    .tr(.td(.text(row.day)), .td(.text(row.from)), .td(.text(row.until)), .td(.text(row.place)),
                        .td(.form(.class("inline-form"), .method(.post), .action(SitePath.availabilityWeeklyRemove.link(row.id)),
                                  FormViews.csrf(model.csrfToken),
                                  .button(.class("link-button"), .type(.submit), .text("Remove \(row.day) \(row.from)")))))
                })))),
            .form(.class("form inline-form"), .method(.post), .action(SitePath.availabilityWeekly.link), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  .input(.type(.hidden), .name("clinician"), .value(id)),
                  FormViews.select(name: "weekday", label: "Day", options: Weekday.allCases.map { (String($0.rawValue), $0.name) },
                                   selected: model.weeklyFields["weekday"] ?? "1", error: errors["weekday"]),
                  FormViews.textField(name: "from", label: "From", value: model.weeklyFields["from"] ?? "09:00", error: errors["from"], type: .time, maxLength: 5),
                  FormViews.textField(name: "until", label: "Until", value: model.weeklyFields["until"] ?? "17:00", error: errors["until"], type: .time, maxLength: 5),
                  FormViews.select(name: "location", label: "Where", options: [("", "Not set")] + model.locations,
                                   selected: model.weeklyFields["location"] ?? "", error: errors["location"]),
                  .button(.class("button secondary"), .type(.submit), .text("Add these hours"))),
            .h2(.text("Time off and extra hours")),
            .if(model.changes.isEmpty, .p(.text("None coming up."))),
            .if(!model.changes.isEmpty, TableViews.scrollable(captionID: "exceptions-caption", .table(
                .class("data-table"),
                .caption(.id("exceptions-caption"), .text("Changes to the usual week")),
                .thead(.tr(.th(.text("What")), .th(.text("When")), .th(.text("Note")), .th(.text("Remove")))),
                .tbody(.forEach(model.changes) { row in
                    .tr(.td(.text(row.isExtra ? "Extra hours" : "Time off")), .td(.text(row.when)), .td(.text(row.note)),
                        .td(.form(.class("inline-form"), .method(.post), .action(SitePath.availabilityExceptionRemove.link(row.id)),
                                  FormViews.csrf(model.csrfToken),
                                  .button(.class("link-button"), .type(.submit), .text("Remove this change")))))
                })))),
            .form(.class("form inline-form"), .method(.post), .action(SitePath.availabilityExceptions.link), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  .input(.type(.hidden), .name("clinician"), .value(id)),
                  FormViews.select(name: "kind", label: "Change", options: [("unavailable", "Time off"), ("extra", "Extra hours")],
                                   selected: model.changeFields["kind"] ?? "unavailable", error: errors["kind"]),
                  FormViews.textField(name: "date", label: "Date", value: model.changeFields["date"], error: errors["date"], type: .date, maxLength: 10),
                  FormViews.textField(name: "from", label: "From", value: model.changeFields["from"] ?? "00:00", error: errors["from"], maxLength: 5,
                                      hint: "00:00 to 24:00 is the whole day."),
                  FormViews.textField(name: "until", label: "Until", value: model.changeFields["until"] ?? "24:00", error: errors["until"], maxLength: 5),
                  FormViews.textField(name: "note", label: "Note", value: model.changeFields["note"], error: errors["note"], required: false, maxLength: 120),
                  .button(.class("button secondary"), .type(.submit), .text("Add this change")))
        )
    }
}
