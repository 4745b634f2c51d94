import Foundation
import IPTCore
import Synchronization
import Plot

/// The clinic's identity as pages show it.
public struct ClinicIdentity: Sendable, Equatable {
    public var name: String
    public var phone: String
    public var email: String
    public var address: String
    public var timeZone: String
    /// Whether staff who see health information must use two-factor sign-in (on unless an admin
    /// turns it off).
    public var requireTwoFactor: Bool = true

    public init(name: String, phone: String, email: String, address: String, timeZone: String, requireTwoFactor: Bool = true) {
        self.name = name
        self.phone = phone
        self.email = email
        self.address = address
        self.timeZone = timeZone
        self.requireTwoFactor = requireTwoFactor
    }

    /// The clinic's time zone; an identifier the system does not know falls back to Toronto's, the
    /// default every clinic starts with.
    public var zone: ClinicTimeZone { ClinicTimeZone(identifier: timeZone) ?? ClinicTimeZone(identifier: "America/Toronto")! }

    public static let defaults = ClinicIdentity(
        name: "Harbourview Interpersonal Therapy Clinic",
        phone: "416-555-0142",
        email: "hello@harbourview-ipt.example",
        address: "200 Example Street, Suite 4, Toronto, ON M5V 0A1",
        timeZone: "America/Toronto"
    )
}

/// The signed-in staff member as the layout needs them.
public struct StaffChrome: Sendable {
    public var name: String
    public var role: StaffRole
    public var csrfToken: String
    /// False until the second factor is entered (or set up where the clinic requires it): every
    /// menu item would only lead back to that step, so the menu is left out until then.
    public var showsMenu: Bool = true

    public init(name: String, role: StaffRole, csrfToken: String, showsMenu: Bool = true) {
        self.name = name
        self.role = role
        self.csrfToken = csrfToken
        self.showsMenu = showsMenu
    }
}

/// What every page frame needs besides its own content.
public struct PageChrome: Sendable {
    public var clinic: ClinicIdentity
    public var currentPath: String
    public var staff: StaffChrome?

    public init(clinic: ClinicIdentity, currentPath: String, staff: StaffChrome?) {
        self.clinic = clinic
        self.currentPath = currentPath
        self.staff = staff
    }
}

public enum PageLayout {
    public struct NavItem: Sendable {
        public let title: String
        public let path: String

        public init(title: String, path: String) {
            self.title = title
            self.path = path
        }
    }

    static let publicNavigation: [NavItem] = [
        NavItem(title: "What IPT is", path: SitePath.whatIsIPT.link),
        NavItem(title: "When to consider it", path: SitePath.whenToConsider.link),
        NavItem(title: "What to expect", path: SitePath.whatToExpect.link),
        NavItem(title: "Teens (IPT-A)", path: SitePath.iptA.link),
        NavItem(title: "Evidence", path: SitePath.evidence.link),
        NavItem(title: "Our team", path: SitePath.team.link),
        NavItem(title: "Fees", path: SitePath.fees.link),
        NavItem(title: "Contact", path: SitePath.contact.link),
        NavItem(title: "Book", path: SitePath.book.link),
    ]

    public static let footerNavigation: [NavItem] = [
        NavItem(title: "Grief", path: SitePath.focusGrief.link),
        NavItem(title: "Role disputes", path: SitePath.focusRoleDisputes.link),
        NavItem(title: "Role transitions", path: SitePath.focusRoleTransitions.link),
        NavItem(title: "Interpersonal sensitivity", path: SitePath.focusInterpersonalSensitivity.link),
        NavItem(title: "Newsletter", path: SitePath.newsletter.link),
        NavItem(title: "Your appointments", path: SitePath.portalSignIn.link),
        NavItem(title: "Privacy notice", path: SitePath.privacyNotice.link),
        NavItem(title: "Staff sign-in", path: SitePath.signIn.link),
    ]

    /// One heading of the staff sidebar and the links under it.
    public struct NavGroup: Sendable {
        public let title: String
        public let items: [NavItem]
    }

    /// The staff menu, grouped by the work it serves, with only what this role may open. A group
    /// left with no items is left out.
    public static func staffNavigation(for role: StaffRole) -> [NavGroup] {
        func item(_ title: String, _ path: SitePath, when allowed: Bool = true) -> NavItem? {
            allowed ? NavItem(title: title, path: path.link) : nil
        }
        func allows(_ permission: Permission) -> Bool { AccessPolicy.allows(role, permission) }
        let groups: [(String, [NavItem?])] = [
            ("Daily work", [
                item("Today", .dashboard),
                item("Calendar", .calendar, when: allows(.viewSchedule)),
                item("Clients", .clients, when: allows(.viewClinicalRecords)),
                item("Risk alerts", .alerts, when: allows(.viewClinicalRecords)),
                item("Supervision", .supervision, when: [.supervisor, .student, .admin].contains(role)),
            ]),
            ("Front desk", [
                item("Waitlist", .waitlistAdmin, when: allows(.manageSchedule)),
                item("Possible duplicates", .duplicates, when: allows(.reconcileClients)),
                item("Enquiries", .enquiries, when: allows(.viewEnquiries)),
                item("Record requests", .recordRequests, when: allows(.handleRecordRequests)),
                item("Billing", .billing, when: allows(.handleBilling)),
                item("My sessions' billing", .billingMySessions, when: allows(.viewClinicalRecords) && role != .admin),
            ]),
            ("Newsletter", [
                item("Subscribers", .subscribers, when: allows(.viewSubscribers)),
                item("Newsletters", .newsletters, when: allows(.sendNewsletter)),
            ]),
            ("Clinic", [
                item("Working hours", .availability, when: allows(.viewSchedule)),
                item("Outcomes", .outcomes, when: [.admin, .supervisor].contains(role)),
                item("Audit trail", .audit, when: allows(.viewAuditTrail)),
                item("Team", .staffTeam, when: allows(.manageTeam)),
                item("Clinic settings", .clinicSettings, when: allows(.editClinicSettings)),
                item("Your account", .account),
            ]),
        ]
        return groups.compactMap { title, items in
            let present = items.compactMap { $0 }
            return present.isEmpty ? nil : NavGroup(title: title, items: present)
        }
    }

    /// Renders a complete HTML document: the page's own content with Plot, the frame around it
    /// (head, header, footer) as text. The frame was most of Plot's work on every staff page and
    /// the largest single cost of an audited page view (docs/PERFORMANCE.md); the fixed parts of it
    /// are rendered once and kept, and the few values that change are escaped here.
    public static func render(title: String, description: String? = nil, chrome: PageChrome,
                       content: Node<HTML.BodyContext>) -> String {
        let isStaff = chrome.staff != nil || chrome.currentPath.hasPrefix("/staff")
        let fullTitle = chrome.currentPath == "/" ? chrome.clinic.name : "\(title) | \(chrome.clinic.name)"
        let main = content.render()
        var html = ""
        html.reserveCapacity(main.utf8.count + 6_000)
        html += #"<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/><title>"#
        html += MarkupEscaping.escape(fullTitle)
        html += "</title>"
        if let description {
            html += #"<meta name="description" content=""# + MarkupEscaping.escape(description) + #""/>"#
        }
        if isStaff { html += #"<meta name="robots" content="noindex, nofollow"/>"# }
        html += #"<link rel="stylesheet" href="/css/site.css" type="text/css"/></head><body class=""#
        html += isStaff ? "staff" : "public"
        html += ##""><a class="skip-link" href="#main">Skip to main content</a>"##
        if let staff = chrome.staff {
            // Staff work in a frame of their own: a compact bar, the grouped menu beside the page,
            // and no public footer (the crisis line is for clients; staff pages are not theirs).
            html += staffHeader(chrome.clinic, staff: staff)
            html += #"<div class="staff-body">"#
            if staff.showsMenu { html += staffSidebar(role: staff.role, currentPath: chrome.currentPath) }
            html += #"<main id="main" class="staff-main" tabindex="-1">"# + main + "</main></div>"
        } else {
            html += header(chrome: chrome)
            html += #"<main id="main" class="wrap" tabindex="-1">"# + main + "</main>"
            // The staff entrance (sign-in, two-factor, password reset) is for staff, not clients.
            if !isStaff { html += footer(chrome: chrome) }
        }
        html += "</body></html>"
        return html
    }

    /// The staff bar: the clinic's name, the client search (for those who may look clients up),
    /// and who is signed in with the way out. The search posts, so a client's name or birth date
    /// never lands in an address bar, a browser history or a proxy's log.
    private static func staffHeader(_ clinic: ClinicIdentity, staff: StaffChrome) -> String {
        let csrf = MarkupEscaping.escape(staff.csrfToken)
        var html = #"<header class="site-header staff-top"><div class="staff-top-inner"><a class="brand" href=""#
        html += SitePath.dashboard.link + #"">"# + MarkupEscaping.escape(clinic.name) + "</a>"
        if staff.showsMenu {
            html += #"<form class="staff-search" role="search" method="post" action=""# + SitePath.clientSearch.link + #"">"#
            html += #"<input type="hidden" name="_csrf" value=""# + csrf + #""/>"#
            html += #"<label class="visually-hidden" for="staff-search-q">Find a client by name, email, phone or date of birth</label>"#
            html += #"<input id="staff-search-q" type="search" name="q" maxlength="100" autocomplete="off" placeholder="Find a client: name, email, phone, birth date"/>"#
            html += #"<button class="staff-search-go" type="submit">Search</button></form>"#
        }
        html += #"<form class="inline sign-out" method="post" action=""# + SitePath.signOut.link + #""><input type="hidden" name="_csrf" value=""#
        html += csrf
        html += #""/><span class="signed-in-as">"# + MarkupEscaping.escape(staff.name)
        html += #" <span class="staff-role">"# + MarkupEscaping.escape(staff.role.displayName) + "</span>"
        html += #"</span><button class="link-button" type="submit">Sign out</button></form>"#
        html += "</div></header>"
        return html
    }

    /// The grouped menu twice over: a column beside the page on a wide screen, and a folded
    /// "Menu" on a phone (a details element, so it opens without JavaScript). The stylesheet shows
    /// one of the two; the hidden one is out of the accessibility tree as well.
    private static func staffSidebar(role: StaffRole, currentPath: String) -> String {
        let groups = staffNavigation(for: role)
        let flat = groups.flatMap(\.items)
        let current = currentIndex(in: flat, currentPath: currentPath)
        return cachedFragment("staff-side|\(role.rawValue)|\(current ?? -1)") {
            var index = 0
            let lists: [Node<HTML.BodyContext>] = groups.enumerated().map { number, group in
                let headingID = "staff-menu-\(number)"
                let items: [Node<HTML.ListContext>] = group.items.map { item in
                    defer { index += 1 }
                    let isCurrent = index == current
                    return .li(.a(.href(item.path), .if(isCurrent, .attribute(named: "aria-current", value: "page")), .text(item.title)))
                }
                return .div(.class("staff-menu-group"),
                            .p(.class("staff-menu-heading"), .id(headingID), .text(group.title)),
                            .ul(.attribute(named: "aria-labelledby", value: headingID), .group(items)))
            }
            // The phone copy repeats the ids' text only through aria-label, so no id appears twice.
            var phoneIndex = 0
            let phoneLists: [Node<HTML.BodyContext>] = groups.map { group in
                let items: [Node<HTML.ListContext>] = group.items.map { item in
                    defer { phoneIndex += 1 }
                    let isCurrent = phoneIndex == current
                    return .li(.a(.href(item.path), .if(isCurrent, .attribute(named: "aria-current", value: "page")), .text(item.title)))
                }
                return .div(.class("staff-menu-group"),
                            .p(.class("staff-menu-heading"), .attribute(named: "aria-hidden", value: "true"), .text(group.title)),
                            .ul(.attribute(named: "aria-label", value: group.title), .group(items)))
            }
            let currentTitle = current.map { ": " + flat[$0].title } ?? ""
            return Node<HTML.BodyContext>.group(
                .nav(.class("staff-side"), .ariaLabel("Staff"), .group(lists)),
                .element(named: "details", nodes: [
                    .class("staff-menu-phone"),
                    .element(named: "summary", nodes: [.text("Menu"), .span(.class("staff-menu-here"), .text(currentTitle))]),
                    .nav(.ariaLabel("Staff"), .group(phoneLists)),
                ])
            ).render()
        }
    }

    /// The public header: the clinic's name and the public menu. Also on the staff entrance, where
    /// nobody is signed in yet.
    private static func header(chrome: PageChrome) -> String {
        var html = #"<header class="site-header"><div class="wrap header-inner"><a class="brand" href=""#
        html += SitePath.home.link + #"">"# + MarkupEscaping.escape(chrome.clinic.name) + "</a>"
        html += #"<nav class="site-nav" aria-label="Main">"# + navigationList(publicNavigation, role: nil, currentPath: chrome.currentPath) + "</nav>"
        html += "</div></header>"
        return html
    }

    /// Pages opened only from Today (its whole lists), so the menu shows them under Today.
    static let underToday: Set<String> = [SitePath.notesToWrite.link, SitePath.formsOutstanding.link]

    /// Which item is the current page, if any.
    private static func currentIndex(in items: [NavItem], currentPath: String) -> Int? {
        let currentPath = underToday.contains(currentPath) ? SitePath.dashboard.link : currentPath
        return items.firstIndex { item in
            item.path == currentPath
                || (item.path != "/" && item.path != "/staff" && currentPath.hasPrefix(item.path + "/"))
        }
    }

    /// Rendered fragments of the frame that are the same for many requests. Rendering them with
    /// Plot on every staff page was a tenth of the page's cost; they are small and few (one list per
    /// role and current item, one footer per clinic identity).
    private static let fragments = Mutex<[String: String]>([:])

    private static func cachedFragment(_ key: String, render: () -> String) -> String {
        if let html = fragments.withLock({ $0[key] }) { return html }
        let html = render()
        fragments.withLock { cache in
            // A bound for safety: the keys come from roles, menu positions and clinic identities.
            if cache.count > 500 { cache.removeAll() }
            cache[key] = html
        }
        return html
    }

    private static func navigationList(_ items: [NavItem], role: StaffRole?, currentPath: String) -> String {
        let current = currentIndex(in: items, currentPath: currentPath)
        return cachedFragment("nav|\(role?.rawValue ?? "public")|\(current ?? -1)") {
            Node<HTML.BodyContext>.ul(.forEach(items.indices) { index in
                .li(.a(
                    .href(items[index].path),
                    .if(index == current, .attribute(named: "aria-current", value: "page")),
                    .text(items[index].title)
                ))
            }).render()
        }
    }

    private static func footer(chrome: PageChrome) -> String {
        let clinic = chrome.clinic
        // Each field with its length first, so no two identities can make the same key.
        let key = [clinic.name, clinic.phone, clinic.email, clinic.address, clinic.timeZone].map { "\($0.utf8.count):\($0)" }.joined()
        return cachedFragment("footer|" + key) {
            footerMarkup(clinic).render()
        }
    }

    private static func footerMarkup(_ clinic: ClinicIdentity) -> Node<HTML.BodyContext> {
        .footer(
            .class("site-footer"),
            .div(
                .class("wrap"),
                .section(
                    .class("crisis"),
                    .attribute(named: "aria-labelledby", value: "crisis-heading"),
                    .h2(.id("crisis-heading"), .text("Need help right now?")),
                    .p(
                        .text("This clinic is not an emergency service. If you are thinking about suicide, call or text "),
                        .strong(.a(.href("tel:988"), .text("9-8-8"))),
                        .text(" (Suicide Crisis Helpline, any time, in English or French). If you or someone else is in immediate danger, call "),
                        .strong(.a(.href("tel:911"), .text("911"))),
                        .text(". Young people can reach Kids Help Phone at 1-800-668-6868 or by texting CONNECT to 686868.")
                    )
                ),
                .div(
                    .class("footer-cols"),
                    .div(
                        .p(.strong(.text(clinic.name))),
                        .p(.text(clinic.address)),
                        .p(.text("Phone: "), .a(.href("tel:\(clinic.phone.filter { $0.isNumber || $0 == "+" })"), .text(clinic.phone))),
                        .p(.text("Email: "), .a(.href("mailto:\(clinic.email)"), .text(clinic.email)))
                    ),
                    .nav(
                        .ariaLabel("Footer"),
                        .ul(.forEach(footerNavigation) { item in .li(.a(.href(item.path), .text(item.title))) })
                    )
                ),
                .p(.class("small"), .text("Please do not send urgent or detailed health information by email. Times are shown in the clinic's time zone (\(clinic.timeZone))."))
            )
        )
    }
}
