import IPTCore
import Plot

/// The clinic's team as the director manages it: everyone with a staff account, what they do,
/// whom a student works under, who is offered to new clients, and who no longer has access.
public enum StaffTeamPage {
    public struct Row: Sendable, Equatable {
        public var id: String
        public var name: String
        public var email: String
        public var role: StaffRole
        /// A practicum student's supervisor, by name.
        public var supervisor: String?
        public var level: FeeTierCode?
        public var acceptingNewClients: Bool
        public var isPublic: Bool
        public var isActive: Bool

        public init(id: String, name: String, email: String, role: StaffRole, supervisor: String?, level: FeeTierCode?,
                    acceptingNewClients: Bool, isPublic: Bool, isActive: Bool) {
            self.id = id
            self.name = name
            self.email = email
            self.role = role
            self.supervisor = supervisor
            self.level = level
            self.acceptingNewClients = acceptingNewClients
            self.isPublic = isPublic
            self.isActive = isActive
        }
    }

    public struct Model: Sendable {
        public var rows: [Row]
        /// What the last change did, in a sentence (added, saved, access removed).
        public var notice: String?

        public init(rows: [Row], notice: String?) {
            self.rows = rows
            self.notice = notice
        }

        public var active: [Row] { rows.filter(\.isActive) }
        public var former: [Row] { rows.filter { !$0.isActive } }
    }

    public static let title = "Team"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .div(.class("page-head"),
                 .h1(.text(title)),
                 .a(.class("button"), .href(SitePath.staffTeamNew.link), .text("Add a team member"))),
            .unwrap(model.notice) { .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text($0))) },
            .p(.class("lede"), .text("Everyone with a staff account. A role decides what a person may open; a client's chart still opens only to their care team.")),
            table(model.active, captionID: "team-active", caption: "With access (\(model.active.count))"),
            .if(!model.former.isEmpty, table(model.former, captionID: "team-former", caption: "No longer with access (\(model.former.count))"))
        )
    }

    private static func table(_ rows: [Row], captionID: String, caption: String) -> Node<HTML.BodyContext> {
        func cell(_ label: String, _ text: String) -> Node<HTML.TableRowContext> {
            .td(.attribute(named: "data-label", value: label), .text(text))
        }
        // On a phone each person becomes a card of "column: value" lines (the billing tables' style).
        return TableViews.scrollable(captionID: captionID, .table(
            .class("data-table bill-cards"),
            .caption(.id(captionID), .text(caption)),
            .thead(.tr(.th(.text("Name")), .th(.text("Role")), .th(.text("Supervisor")), .th(.text("Level")),
                       .th(.text("New clients")), .th(.text("On the website")))),
            .tbody(.forEach(rows) { row in
                .tr(.td(.attribute(named: "data-label", value: "Name"),
                        .div(.a(.href(SitePath.staffTeamMember.link(row.id)), .text(row.name)), .br(), .span(.class("muted"), .text(row.email)))),
                    cell("Role", row.role.displayName),
                    cell("Supervisor", row.supervisor ?? (row.role == .student ? "None named" : "-")),
                    cell("Level", row.level.map(shortLabel) ?? "-"),
                    cell("New clients", row.acceptingNewClients ? "Accepting" : "No"),
                    cell("On the website", row.isPublic ? "Listed" : "No"))
            })))
    }

    /// The level in a word or two, for a table row; the form gives the whole label.
    static func shortLabel(_ level: FeeTierCode) -> String {
        switch level {
        case .full: "Full fee"
        case .qualifying: "Qualifying"
        case .reduced: "Reduced rate"
        }
    }
}

/// One team member's account as the director adds or edits it, and the removal (or return) of
/// their access, with what still needs someone else: their future appointments and clients.
public enum StaffAccountPage {
    public struct Model: Sendable {
        /// Nil while adding someone new.
        public var id: String?
        public var name: String?
        public var isActive: Bool
        /// The director's own account: its access and role are not changed here.
        public var isSelf: Bool
        /// They have set up two-factor sign-in (so there is something to reset).
        public var hasTwoFactor = false
        /// Everything the form shows, by field name: the stored values or what was typed.
        public var fields: [String: String]
        /// Who may supervise a practicum student: (id, label).
        public var supervisors: [(String, String)]
        public var futureAppointments: Int
        public var treatingClients: Int
        /// Practicum students with access who work under this person.
        public var supervisedStudents: Int
        public var notice: String?
        /// Why nothing was saved, when it is not a field's fault (someone else changed the account).
        public var warning: String?
        public var errors: FieldErrors
        public var csrfToken: String

        public init(id: String?, name: String?, isActive: Bool, isSelf: Bool, fields: [String: String], supervisors: [(String, String)],
                    futureAppointments: Int, treatingClients: Int, supervisedStudents: Int = 0, notice: String?, warning: String? = nil,
                    errors: FieldErrors, csrfToken: String) {
            self.warning = warning
            self.id = id
            self.name = name
            self.isActive = isActive
            self.isSelf = isSelf
            self.fields = fields
            self.supervisors = supervisors
            self.futureAppointments = futureAppointments
            self.treatingClients = treatingClients
            self.supervisedStudents = supervisedStudents
            self.notice = notice
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String {
            let base = id == nil ? "Add a team member" : (name ?? "Team member")
            return errors.isEmpty ? base : "Please check: \(base)"
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let fields = model.fields, errors = model.errors
        let action = model.id.map { SitePath.staffTeamMember.link($0) } ?? SitePath.staffTeamNew.link
        return .group(
            .p(.class("breadcrumb"), .a(.href(SitePath.staffTeam.link), .text("Team")), .text(" / "), .text(model.id == nil ? "New" : model.name ?? "")),
            .h1(.text(model.id == nil ? "Add a team member" : model.name ?? "Team member")),
            .unwrap(model.notice) { .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text($0))) },
            .unwrap(model.warning) { .div(.class("notice warning"), .attribute(named: "role", value: "alert"), .p(.text($0))) },
            .if(model.id != nil && !model.isActive,
                .p(.class("notice warning"), .text("This person no longer has access: they cannot sign in, are not offered for bookings and are not on the website."))),
            .if(model.id == nil, .p(.class("lede"), .text("They get an email with a link to choose their own password, valid for seven days. No password is set or seen by you."))),
            FormViews.errorSummary(errors),
            .form(
                .class("form"), .method(.post), .novalidate(), .action(action),
                FormViews.csrf(model.csrfToken),
                // What the account's role and supervisor were when this form opened, so a save can
                // tell whether someone else changed them meanwhile.
                .if(model.id != nil, .group(
                    .input(.type(.hidden), .name("shownRole"), .value(fields["shownRole"] ?? "")),
                    .input(.type(.hidden), .name("shownSupervisor"), .value(fields["shownSupervisor"] ?? "")))),
                .h2(.text("Account")),
                FormViews.textField(name: "name", label: "Full name", value: fields["name"], error: errors["name"], maxLength: 120,
                                    hint: "As colleagues and, if listed, the website show it."),
                FormViews.textField(name: "email", label: "Work email", value: fields["email"], error: errors["email"], type: .email,
                                    autocomplete: "off", maxLength: 254, hint: "They sign in with it, and clinic email to them goes there."),
                .if(model.isSelf,
                    .p(.class("hint"), .text("Your own role stays as it is here; another director can change it.")),
                    else: FormViews.select(name: "role", label: "Role", options: [("", "Choose a role")] + StaffRole.allCases.map { ($0.rawValue, $0.displayName) },
                                     selected: fields["role"], error: errors["role"],
                                     hint: "Receptionists see no health information. Practicum students work under a supervisor.")),
                FormViews.select(name: "supervisor", label: "Supervisor (practicum students)",
                                 options: [("", "No supervisor")] + model.supervisors,
                                 selected: fields["supervisor"], error: errors["supervisor"],
                                 hint: "Co-signs the student's notes and joins the care team of each of their clients. Changing it moves those care teams to the new supervisor."),
                .h2(.text("Booking and the website")),
                FormViews.select(name: "feeTier", label: "Level", options: [("", "Not a treating clinician")] + FeeTierCode.allCases.map { ($0.rawValue, $0.label) },
                                 selected: fields["feeTier"], error: errors["feeTier"],
                                 hint: "Decides the fee clients are quoted and which appointment types they offer."),
                FormViews.checkbox(name: "acceptingNewClients", label: "Accepting new clients (offered when someone books online)",
                                   checked: fields["acceptingNewClients"] == "yes", error: errors["acceptingNewClients"]),
                FormViews.checkbox(name: "isPublic", label: "Listed on the website's team page",
                                   checked: fields["isPublic"] == "yes", error: nil),
                FormViews.textField(name: "credentials", label: "Credentials", value: fields["credentials"], error: errors["credentials"],
                                    required: false, maxLength: 200, hint: "For example: MSW, RSW. Shown under the name on the website."),
                FormViews.textField(name: "designation", label: "Designation on receipts", value: fields["designation"], error: errors["designation"],
                                    required: false, maxLength: 60, hint: "For example: RP or RSW."),
                FormViews.textField(name: "registrationNumber", label: "College registration number", value: fields["registrationNumber"],
                                    error: errors["registrationNumber"], required: false, maxLength: 40),
                FormViews.textArea(name: "bio", label: "About them, for the website (optional)", value: fields["bio"], error: errors["bio"], maxLength: 2_000, rows: 5,
                                   required: false),
                .button(.class("button"), .type(.submit), .text(model.id == nil ? "Add and send the welcome email" : "Save"))
            ),
            .unwrap(model.id) { id in access(model, id: id) }
        )
    }

    private static func access(_ model: Model, id: String) -> Node<HTML.BodyContext> {
        .section(
            .class("danger-zone"),
            .h2(.text("Access")),
            .if(model.isSelf,
                .p(.text("You cannot remove your own access. Another director can.")),
                else: .if(model.isActive,
                    .group(
                        .p(.text("When someone leaves, remove their access: they are signed out at once, cannot sign in or reset their password, are no longer offered for bookings or listed on the website, and leave every care team they are on. Their notes and history stay.")),
                        .if(model.futureAppointments > 0 || model.treatingClients > 0,
                            .p(.class("notice warning"),
                               .text("Still theirs: \(count(model.futureAppointments, "future appointment")) and \(count(model.treatingClients, "client")) they treat. "),
                               .text("Move the appointments in the calendar and name a new treating clinician for each client, before or after."))),
                        .if(model.supervisedStudents > 0,
                            .p(.class("notice warning"),
                               .text("They supervise \(count(model.supervisedStudents, "practicum student")): choose another supervisor on each student's page first, so their notes can still be co-signed."))),
                        .form(.method(.post), .action(SitePath.staffTeamMemberAccess.link(id)), .class("inline-form"),
                              FormViews.csrf(model.csrfToken), .input(.type(.hidden), .name("access"), .value("remove")),
                              .button(.class("button danger"), .type(.submit), .text("Remove access"))),
                        .form(.method(.post), .action(SitePath.staffTeamMemberInvite.link(id)), .class("inline-form"),
                              FormViews.csrf(model.csrfToken),
                              .button(.class("button secondary"), .type(.submit), .text("Send a new password link"))),
                        .if(model.hasTwoFactor, .group(
                            .p(.class("hint"), .text("Lost or replaced phone: reset their two-factor sign-in. Their recovery codes stop working, they are signed out, and they set it up again with the new phone the next time they sign in.")),
                            .form(.method(.post), .action(SitePath.staffTeamMemberTwoFactor.link(id)), .class("inline-form"),
                                  FormViews.csrf(model.csrfToken),
                                  .button(.class("button secondary"), .type(.submit), .text("Reset two-factor sign-in")))))
                    ),
                    else: .group(
                        .if(model.futureAppointments > 0,
                            .p(.class("notice warning"),
                               .text("\(count(model.futureAppointments, "future appointment")) still in their calendar: move or cancel \(model.futureAppointments == 1 ? "it" : "them") in the calendar, and tell the clients."))),
                        .p(.text("Giving access back lets them sign in again (with a new password link). Care teams are not restored: assign them again where needed.")),
                        .form(.method(.post), .action(SitePath.staffTeamMemberAccess.link(id)), .class("inline-form"),
                              FormViews.csrf(model.csrfToken), .input(.type(.hidden), .name("access"), .value("restore")),
                              .button(.class("button secondary"), .type(.submit), .text("Give access back")))
                    )))
        )
    }

    private static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}
