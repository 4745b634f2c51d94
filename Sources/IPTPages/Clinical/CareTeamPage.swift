import IPTCore
import Plot

/// Who is on a client's care team now and before, and (for those who assign teams) the forms to
/// accept the client, change the treating clinician, add someone with a reason, or end a membership.
/// Shows no clinical content.
public enum CareTeamPage {
    public struct Member: Sendable, Equatable {
        /// The membership's id, for ending it.
        public var id: String
        public var staffID: String
        public var name: String
        public var role: CareTeamRole
        public var reason: String
        public var since: String
        /// The last day, or nil when open-ended.
        public var until: String?

        public init(id: String, staffID: String, name: String, role: CareTeamRole, reason: String, since: String, until: String?) {
            self.id = id
            self.staffID = staffID
            self.name = name
            self.role = role
            self.reason = reason
            self.since = since
            self.until = until
        }
    }

    public struct Choice: Sendable, Equatable {
        public var id: String
        public var label: String

        public init(id: String, label: String) {
            self.id = id
            self.label = label
        }
    }

    public struct Model: Sendable {
        public var clientName: String
        public var clientID: String
        public var saved: Bool
        public var current: [Member]
        public var past: [Member]
        /// The forms show only to those who may change the team.
        public var mayAssign: Bool
        public var clinicians: [Choice]
        public var people: [Choice]
        public var fields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(clientName: String, clientID: String, saved: Bool, current: [Member], past: [Member], mayAssign: Bool,
                    clinicians: [Choice], people: [Choice], fields: [String: String], errors: FieldErrors, csrfToken: String) {
            self.clientName = clientName
            self.clientID = clientID
            self.saved = saved
            self.current = current
            self.past = past
            self.mayAssign = mayAssign
            self.clinicians = clinicians
            self.people = people
            self.fields = fields
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var treating: Member? { current.first { $0.role == .treating } }
        public var title: String { errors.isEmpty ? "Care team" : "Please check: Care team" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let client = model.clientID
        let treating = model.treating
        return .group(
            .p(.class("breadcrumb"), .a(.href(SitePath.clients.link), .text("Clients")), .text(" / "), .a(.href(SitePath.chart.link(client)), .text(model.clientName))),
            .h1(.text("Care team: \(model.clientName)")),
            .if(model.saved, .p(.class("notice"), .attribute(named: "role", value: "status"), .text("Saved."))),
            .p(.class("lede"), .text("Only the people listed here (and the clinic director) may open this client's clinical record. Booking an appointment gives no access by itself.")),
            .if(model.current.isEmpty, .p(.class("notice warning"), .text("No one is on this client's care team yet. Name the treating clinician to accept the client."))),
            .if(!model.current.isEmpty, currentTable(model)),
            .if(model.mayAssign, .group(
                .h2(.text(treating == nil ? "Accept the client: name the treating clinician" : "Change the treating clinician")),
                FormViews.errorSummary(model.errors),
                .form(.method(.post), .action(SitePath.careTeamTreating.link(client)), .class("form"), .novalidate(),
                      FormViews.csrf(model.csrfToken),
                      FormViews.select(name: "clinician", label: "Treating clinician",
                                       options: [("", "Choose a clinician")] + model.clinicians.map { ($0.id, $0.label) },
                                       selected: model.fields["clinician"] ?? model.treating?.staffID, error: model.errors["clinician"],
                                       hint: "A practicum student's supervisor joins the team with them."),
                      .button(.class("button"), .type(.submit), .text(treating == nil ? "Accept and assign" : "Change"))),
                .h2(.text("Add someone else")),
                .form(.method(.post), .action(SitePath.careTeamMembers.link(client)), .class("form"), .novalidate(),
                      FormViews.csrf(model.csrfToken),
                      FormViews.select(name: "member", label: "Who", options: [("", "Choose a person")] + model.people.map { ($0.id, $0.label) },
                                       selected: model.fields["member"], error: model.errors["member"]),
                      FormViews.textField(name: "reason", label: "Why", value: model.fields["reason"], error: model.errors["reason"], maxLength: 500,
                                          hint: "For example: covering while the treating clinician is away."),
                      FormViews.textField(name: "until", label: "Until", value: model.fields["until"], error: model.errors["until"], type: .date,
                                          required: false, maxLength: 10, hint: "Leave empty for no end date."),
                      .button(.class("button secondary"), .type(.submit), .text("Add to the care team")))
            )),
            .if(!model.past.isEmpty, .group(
                .h2(.text("Earlier members")),
                .ul(.forEach(model.past) { member in
                    .li(.text("\(member.name), \(member.role.label.lowercased()), \(member.since) to \(member.until ?? "")"))
                })))
        )
    }

    private static func currentTable(_ model: Model) -> Node<HTML.BodyContext> {
        TableViews.scrollable(captionID: "team-now", .table(
            .class("data-table"),
            .caption(.id("team-now"), .text("On the care team now")),
            .thead(.tr(.th(.text("Who")), .th(.text("Role")), .th(.text("Why")), .th(.text("Since")), .th(.text("Until")),
                       .if(model.mayAssign, .th(.span(.class("visually-hidden"), .text("Actions")))))),
            .tbody(.forEach(model.current) { member in
                .tr(.td(.text(member.name)), .td(.text(member.role.label)), .td(.text(member.reason)),
                    .td(.text(member.since)), .td(.text(member.until ?? "Open-ended")),
                    .if(model.mayAssign, .td(.if(member.role == .member,
                        .form(.method(.post), .action(SitePath.careTeamMemberEnd.link(model.clientID, member.id)), .class("inline-form"),
                              FormViews.csrf(model.csrfToken),
                              .button(.class("button small secondary"), .type(.submit), .text("End now"),
                                      escapedAttribute("aria-label", "End \(member.name)'s membership now")))))))
            })))
    }
}
