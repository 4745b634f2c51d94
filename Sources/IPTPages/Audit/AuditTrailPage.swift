import IPTCore
import Plot

/// The admin's view of the audit trail: filters (who, action, record type, about whom), a page of
/// events newest first, and a count of those by someone outside the client's care team.
public enum AuditTrailPage {
    public struct Choice: Sendable, Equatable {
        public var id: String
        public var label: String

        public init(id: String, label: String) {
            self.id = id
            self.label = label
        }
    }

    public struct Event: Sendable, Equatable {
        public var sequence: Int64
        public var when: String
        public var who: String
        public var action: String
        public var recordType: String
        public var recordID: String?
        /// Whether the record id is a UUID, shown shortened with the whole id in its title.
        public var recordIDIsUUID: Bool
        /// The client's name when the subject is a client, else the subject as stored.
        public var about: String
        public var outsideCareTeam: Bool
        public var detail: String?
        public var requestID: String?

        public init(sequence: Int64, when: String, who: String, action: String, recordType: String, recordID: String?, recordIDIsUUID: Bool,
                    about: String, outsideCareTeam: Bool, detail: String?, requestID: String?) {
            self.sequence = sequence
            self.when = when
            self.who = who
            self.action = action
            self.recordType = recordType
            self.recordID = recordID
            self.recordIDIsUUID = recordIDIsUUID
            self.about = about
            self.outsideCareTeam = outsideCareTeam
            self.detail = detail
            self.requestID = requestID
        }
    }

    public struct Model: Sendable, Equatable {
        public var staff: [Choice]
        public var actor: String?
        public var action: AuditAction?
        public var recordType: String?
        public var subject: String?
        public var events: [Event]
        /// The filters as a query string ("actor=...&type=..."), for the links to other pages.
        public var filterQuery: String
        public var page: Int
        public var hasMore: Bool

        public init(staff: [Choice], actor: String?, action: AuditAction?, recordType: String?, subject: String?, events: [Event],
                    filterQuery: String, page: Int, hasMore: Bool) {
            self.staff = staff
            self.actor = actor
            self.action = action
            self.recordType = recordType
            self.subject = subject
            self.events = events
            self.filterQuery = filterQuery
            self.page = page
            self.hasMore = hasMore
        }

        public var flagged: Int { events.count { $0.outsideCareTeam } }
    }

    public static let title = "Audit trail"

    private static func pageLink(_ model: Model, _ number: Int) -> String {
        "\(SitePath.audit.link)?\(model.filterQuery)&page=\(number)"
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(title)),
            .p(.class("lede"), .text("Every sign-in, every record viewed, changed or exported. Rows cannot be edited; each is chained to the one before by a hash.")),
            .p(.a(.href(SitePath.auditVerify.link), .text("Check the chain now"))),
            .form(
                .class("form filters-form"),
                .method(.get),
                .action(SitePath.audit.link),
                .div(.class("field"),
                     .label(.for("field-actor"), .text("Who")),
                     .select(.id("field-actor"), .attribute(named: "name", value: "actor"),
                             SelectViews.options([("", "Anyone")] + model.staff.map { ($0.id, $0.label) }, selected: model.actor ?? ""))),
                .div(.class("field"),
                     .label(.for("field-action"), .text("Action")),
                     .select(.id("field-action"), .attribute(named: "name", value: "action"),
                             SelectViews.option(value: "", label: "Any action", selected: model.action == nil),
                             .forEach(AuditAction.allCases) { action in
                                 SelectViews.option(value: action.rawValue, label: action.rawValue, selected: action == model.action)
                             })),
                FormViews.textField(name: "type", label: "Record type", value: model.recordType, error: nil, required: false, maxLength: 60,
                                    hint: "For example enquiry, subscriber-list, staff-account"),
                FormViews.textField(name: "subject", label: "About (a client's id or a person's email)", value: model.subject, error: nil, required: false,
                                    maxLength: 254, hint: "Shows who opened records about this person; a chart's \"Who opened this record\" link fills it in"),
                .button(.class("button"), .type(.submit), .text("Filter"))
            ),
            .if(model.events.isEmpty, .p(.text("No events match."))),
            .if(model.flagged > 0, .div(.class("notice warning"), .p(.text("\(model.flagged) of these events are by someone outside the client's care team (not the treating clinician, a clinician the client saw, or their supervisor). Check each one has a reason.")))),
            .if(!model.events.isEmpty, TableViews.scrollable(captionID: "audit-caption", .table(
                .class("data-table"),
                .caption(.id("audit-caption"), .text("Audit events, newest first")),
                .thead(.tr(.th(.text("#")), .th(.text("When")), .th(.text("Who")), .th(.text("Action")), .th(.text("Record")),
                           .th(.text("About")), .th(.text("Detail")))),
                .tbody(rows(model.events))
            ))),
            TableViews.pagination(newer: model.page > 1 ? pageLink(model, model.page - 1) : nil,
                                  older: model.hasMore ? pageLink(model, model.page + 1) : nil)
        )
    }

    /// The table's rows, written by `MarkupWriter` rather than as a Plot tree: a page of the trail
    /// is 50 rows of seven cells, and building and rendering them was most of the view's time
    /// (docs/PERFORMANCE.md, "Runs of 2026-12-07, fifth session"). The page snapshot holds the
    /// bytes to what Plot wrote.
    static func rows(_ events: [Event]) -> Node<HTML.TableContext> {
        var out = MarkupWriter(capacity: events.count * 480)
        for event in events {
            out.open("tr")
            out.element("td", text: String(event.sequence))
            out.element("td", text: event.when)
            out.element("td", text: event.who)
            out.element("td", text: event.action)
            out.open("td")
            out.text(event.recordType)
            if let id = event.recordID {
                // A record's UUID is shortened to its first 8 characters (enough to tell rows
                // apart; the full id is in the title); other ids are shown whole.
                if event.recordIDIsUUID {
                    out.text(" ")
                    out.element("abbr", ["title": id], text: String(id.prefix(8)))
                } else {
                    out.text(" " + id)
                }
            }
            out.close("td")
            out.open("td")
            out.text(event.about)
            if event.outsideCareTeam {
                out.empty("br")
                out.element("strong", ["class": "flag"], text: "Outside the care team")
            }
            out.close("td")
            out.open("td")
            out.text(event.detail ?? "")
            if let requestID = event.requestID {
                out.open("span", ["class": "small muted request-id"])
                if event.detail != nil { out.empty("br") }
                out.text("Request \(requestID)")
                out.close("span")
            }
            out.close("td")
            out.close("tr")
        }
        return out.node()
    }
}

/// The result of checking the audit chain: intact, or where it breaks and what to do.
public enum AuditVerifyPage {
    public static let title = "Audit chain check"

    public static func view(broken: AuditChainVerifier.Break?, checkpointProblem: String? = nil,
                            checkpointSummary: String = "") -> Node<HTML.BodyContext> {
        let intact = broken == nil && checkpointProblem == nil
        return .group(
            .h1(.text(title)),
            .unwrap(broken, { broken in
                .div(.class("notice error"), .attribute(named: "role", value: "alert"),
                     .p(.text("The chain is broken at row \(broken.sequence): \(broken.reason). Treat this as a possible privacy breach and keep a copy of the database.")))
            }),
            .if(broken == nil && checkpointProblem != nil,
                .div(.class("notice error"), .attribute(named: "role", value: "alert"),
                     .p(.text("\(checkpointSummary) Treat this as a possible privacy breach and keep a copy of the checkpoint directory and the database.")))),
            .if(intact, .div(.class("notice success"), .attribute(named: "role", value: "status"),
                             .p(.text("Every row matches its hash and links to the row before.")),
                             .if(!checkpointSummary.isEmpty, .p(.text(checkpointSummary))))),
            .p(.a(.href(SitePath.audit.link), .text("Back to the audit trail")))
        )
    }
}
