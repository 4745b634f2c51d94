import IPTCore
import Plot

/// The answer to the client search in the staff bar: the people this person may look up who match,
/// each with where to go next (the chart for a clinician or the director, booking for the desk).
public enum ClientSearchPage {
    public static let title = "Find a client"

    public struct Result: Sendable, Equatable {
        public var name: String
        public var dateOfBirth: String
        public var email: String
        public var phone: String
        /// "Adult IPT" or "IPT-A (adolescent)".
        public var programme: String
        /// The chart, for those who open charts; nil for the front desk.
        public var chartLink: String?
        /// A new appointment with this client chosen, for those who book.
        public var bookLink: String?
        /// The next booked appointment, written out; nil if none.
        public var next: String?

        public init(name: String, dateOfBirth: String, email: String, phone: String, programme: String, chartLink: String?,
                    bookLink: String?, next: String?) {
            self.name = name
            self.dateOfBirth = dateOfBirth
            self.email = email
            self.phone = phone
            self.programme = programme
            self.chartLink = chartLink
            self.bookLink = bookLink
            self.next = next
        }
    }

    public struct Model: Sendable, Equatable {
        public var query: String
        public var error: String?
        public var results: [Result]
        /// More matched than are shown.
        public var truncated: Bool
        public var scope: ClientSearchScope
        public var csrfToken: String

        public init(query: String, error: String?, results: [Result], truncated: Bool, scope: ClientSearchScope, csrfToken: String) {
            self.query = query
            self.error = error
            self.results = results
            self.truncated = truncated
            self.scope = scope
            self.csrfToken = csrfToken
        }
    }

    static func scopeNote(_ scope: ClientSearchScope) -> String {
        switch scope {
        case .careTeam: "You can find the clients whose care team you are on."
        case .wholeClinicWithCharts: "You can find every client of the clinic. Opening a chart outside your own caseload may ask for a reason."
        case .wholeClinicForBooking: "You can find every client of the clinic to book or contact them; charts are for their care team."
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        var errors = FieldErrors()
        if let error = model.error { errors.add("q", error) }
        return .group(
            .h1(.text(title)),
            .form(.class("form inline-form client-search-form"), .method(.post), .action(SitePath.clientSearch.link),
                  FormViews.csrf(model.csrfToken),
                  FormViews.textField(name: "q", label: "Name, email, phone or date of birth", value: model.query, error: model.error,
                                      type: .search, autocomplete: "off", maxLength: ClientSearchQuery.maximumLength,
                                      hint: "A date of birth as 1990-03-04; a phone number as digits, in part or whole."),
                  .button(.class("button"), .type(.submit), .text("Search"))),
            .p(.class("small muted"), .text(scopeNote(model.scope))),
            .if(model.error == nil, results(model))
        )
    }

    private static func results(_ model: Model) -> Node<HTML.BodyContext> {
        guard !model.results.isEmpty else {
            return .div(.class("empty-state"),
                        .p(.strong(.text("No client matches “\(model.query)”."))),
                        .p(.text(model.scope == .careTeam
                                 ? "Check the spelling, or try an email address or phone number. A client you do not see may not have you on their care team yet: the director assigns it."
                                 : "Check the spelling, or try an email address or phone number. Someone new is booked from the calendar as a new client.")))
        }
        return .group(
            .h2(.class("visually-hidden"), .text("Results")),
            .p(.attribute(named: "role", value: "status"),
               .text(model.results.count == 1 ? "1 client found." : "\(model.results.count) clients found."),
               .if(model.truncated, .text(" Only the first \(model.results.count) are shown: add to the search to narrow it."))),
            .ul(.class("client-results"), .forEach(model.results) { result in
                .li(.class("client-result"),
                    .p(.class("client-result-name"),
                       .unwrap(result.chartLink, { .a(.href($0), .text(result.name)) }, else: .strong(.text(result.name))),
                       .span(.class("small muted"), .text(" · \(result.programme)"))),
                    .dl(.class("client-result-facts"),
                        .dt(.text("Born")), .dd(.text(result.dateOfBirth)),
                        .dt(.text("Email")), .dd(.text(result.email)),
                        .dt(.text("Phone")), .dd(.text(result.phone)),
                        .dt(.text("Next appointment")), .dd(.text(result.next ?? "None booked"))),
                    .unwrap(result.bookLink) { link in
                        .p(.a(.class("button secondary"), .href(link), .text("Book an appointment")))
                    })
            })
        )
    }
}
