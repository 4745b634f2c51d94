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
        NavItem(title: "What IPT is", path: "/what-is-ipt"),
        NavItem(title: "When to consider it", path: "/when-to-consider"),
        NavItem(title: "What to expect", path: "/what-to-expect"),
        NavItem(title: "Teens (IPT-A)", path: "/ipt-a"),
        NavItem(title: "Evidence", path: "/evidence"),
        NavItem(title: "Our team", path: "/team"),
        NavItem(title: "Fees", path: "/fees"),
        NavItem(title: "Contact", path: "/contact"),
        NavItem(title: "Book", path: "/book"),
    ]

    public static let footerNavigation: [NavItem] = [
        NavItem(title: "Grief", path: "/focus/grief"),
        NavItem(title: "Role disputes", path: "/focus/role-disputes"),
        NavItem(title: "Role transitions", path: "/focus/role-transitions"),
        NavItem(title: "Interpersonal sensitivity", path: "/focus/interpersonal-sensitivity"),
        NavItem(title: "Newsletter", path: "/newsletter"),
        NavItem(title: "Your appointments", path: "/portal/sign-in"),
        NavItem(title: "Privacy notice", path: "/privacy"),
        NavItem(title: "Staff sign-in", path: "/staff/sign-in"),
    ]

    public static func staffNavigation(for role: StaffRole) -> [NavItem] {
        var items = [NavItem(title: "Dashboard", path: "/staff")]
        if AccessPolicy.allows(role, .viewSchedule) { items.append(NavItem(title: "Calendar", path: "/staff/calendar")) }
        if AccessPolicy.allows(role, .viewClinicalRecords) {
            items.append(NavItem(title: "Clients", path: "/staff/clients"))
            items.append(NavItem(title: "Alerts", path: "/staff/alerts"))
        }
        if [.supervisor, .student, .admin].contains(role) { items.append(NavItem(title: "Supervision", path: "/staff/supervision")) }
        if AccessPolicy.allows(role, .viewEnquiries) { items.append(NavItem(title: "Enquiries", path: "/staff/enquiries")) }
        if AccessPolicy.allows(role, .viewSubscribers) { items.append(NavItem(title: "Subscribers", path: "/staff/subscribers")) }
        if AccessPolicy.allows(role, .sendNewsletter) { items.append(NavItem(title: "Newsletters", path: "/staff/newsletters")) }
        if AccessPolicy.allows(role, .handleRecordRequests) {
            items.append(NavItem(title: "Records", path: "/staff/requests"))
        }
        if AccessPolicy.allows(role, .viewAuditTrail) { items.append(NavItem(title: "Audit trail", path: "/staff/audit")) }
        if AccessPolicy.allows(role, .editClinicSettings) { items.append(NavItem(title: "Clinic settings", path: "/staff/settings")) }
        items.append(NavItem(title: "Your account", path: "/staff/account"))
        return items
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
        html += header(chrome: chrome)
        html += #"<main id="main" class="wrap" tabindex="-1">"# + main + "</main>"
        html += footer(chrome: chrome)
        html += "</body></html>"
        return html
    }

    private static func header(chrome: PageChrome) -> String {
        let items: [NavItem]
        let navigation: String
        if let staff = chrome.staff {
            items = staff.showsMenu ? staffNavigation(for: staff.role) : []
            navigation = #"<nav class="site-nav staff-nav" aria-label="Staff">"#
        } else {
            items = publicNavigation
            navigation = #"<nav class="site-nav" aria-label="Main">"#
        }
        var html = #"<header class="site-header"><div class="wrap header-inner"><a class="brand" href=""#
        html += chrome.staff == nil ? "/" : "/staff"
        html += #"">"# + MarkupEscaping.escape(chrome.clinic.name) + "</a>"
        if !items.isEmpty {
            html += navigation + navigationList(items, role: chrome.staff?.role, currentPath: chrome.currentPath) + "</nav>"
        }
        if let staff = chrome.staff {
            html += #"<form class="inline sign-out" method="post" action="/staff/sign-out"><input type="hidden" name="_csrf" value=""#
            html += MarkupEscaping.escape(staff.csrfToken)
            html += #""/><span class="signed-in-as">Signed in as "# + MarkupEscaping.escape(staff.name)
            html += #"</span><button class="link-button" type="submit">Sign out</button></form>"#
        }
        html += "</div></header>"
        return html
    }

    /// Which item is the current page, if any.
    private static func currentIndex(in items: [NavItem], currentPath: String) -> Int? {
        items.firstIndex { item in
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
