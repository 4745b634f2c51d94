import Fluent
import Foundation
import Ink
import IPTCore
import IPTPages
import Plot
import Vapor

/// Staff side of the newsletter: subscribers, CSV export, composing and sending issues.
struct NewsletterAdminController: RouteCollection {
    static let pageSize = 100

    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "subscribers", use: subscribers)
        routes.get("staff", "subscribers.csv", use: exportCSV)
        routes.get("staff", "newsletters", use: newsletters)
        routes.post("staff", "newsletters", use: compose)
    }

    func subscribers(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewSubscribers)
        let filter = request.query[String.self, at: "status"].flatMap(Subscriber.Status.init(rawValue:))
        var query = Subscriber.query(on: request.db)
        if let filter { query = query.filter(\.$status == filter) }
        let found = try await query.sort(\.$createdAt, .descending).page(request.query[Int.self, at: "page"] ?? 1, size: Self.pageSize)
        let page = found.number
        let hasMore = found.hasMore
        let rows = found.rows
        try await request.audit(.view, recordType: "subscriber-list", detail: "status=\(filter?.rawValue ?? "all") page=\(page) rows=\(rows.count)")
        let pageLink = { (number: Int) in "/staff/subscribers?\(filter.map { "status=\($0.rawValue)&" } ?? "")page=\(number)" }
        let chrome = try await request.chrome()
        let zone = chrome.clinic.timeZone
        let filters: [(String, String?)] = [("Confirmed", "confirmed"), ("Pending", "pending"), ("Unsubscribed", "unsubscribed"), ("All", nil)]
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Newsletter subscribers")),
            .nav(.class("filters"), .ariaLabel("Filter by status"), .ul(.forEach(filters) { item in
                .li(.a(.href(item.1.map { "/staff/subscribers?status=\($0)" } ?? "/staff/subscribers"),
                       .if(item.1 == filter?.rawValue, .attribute(named: "aria-current", value: "page")),
                       .text(item.0)))
            })),
            .p(.class("actions"), .a(.class("button secondary"), .href("/staff/subscribers.csv\(filter.map { "?status=\($0.rawValue)" } ?? "")"),
                                     .text("Download as CSV"))),
            .if(rows.isEmpty, .p(.text("No subscribers here yet."))),
            .if(!rows.isEmpty, TableViews.scrollable(captionID: "subscribers-caption", .table(
                .class("data-table"),
                .caption(.id("subscribers-caption"), .text("Subscribers, newest first (page \(page))")),
                .thead(.tr(.th(.text("Email")), .th(.text("Status")), .th(.text("Consent given")), .th(.text("Wording version")), .th(.text("Source")))),
                .tbody(.forEach(rows) { row in
                    .tr(
                        .td(.text(row.email)),
                        .td(.span(.class("status \(row.status.rawValue)"), .text(row.status.rawValue.capitalized))),
                        .td(.text(DateDisplay.dateTime(row.consentAt, timeZone: zone))),
                        .td(.text(row.consentVersion)),
                        .td(.text(row.consentSource))
                    )
                })
            ))),
            TableViews.pagination(newer: page > 1 ? pageLink(page - 1) : nil, older: hasMore ? pageLink(page + 1) : nil)
        )
        return .html(PageLayout.render(title: "Subscribers", chrome: chrome, content: content))
    }

    func exportCSV(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.exportSubscribers)
        let filter = request.query[String.self, at: "status"].flatMap(Subscriber.Status.init(rawValue:))
        var query = Subscriber.query(on: request.db)
        if let filter { query = query.filter(\.$status == filter) }
        let rows = try await query.sort(\.$createdAt).all()
        var csv = CSVWriter.line(["email", "status", "consent_at", "consent_version", "consent_wording", "consent_source", "confirmed_at", "unsubscribed_at"])
        for row in rows {
            csv += CSVWriter.line([
                row.email, row.status.rawValue, DateDisplay.iso(row.consentAt), row.consentVersion, row.consentWording, row.consentSource,
                row.confirmedAt.map(DateDisplay.iso) ?? "", row.unsubscribedAt.map(DateDisplay.iso) ?? "",
            ])
        }
        try await request.audit(.export, recordType: "subscriber-list", detail: "csv status=\(filter?.rawValue ?? "all") rows=\(rows.count)")
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"subscribers.csv\"")
        return Response(status: .ok, headers: headers, body: .init(string: csv))
    }

    struct ComposeBody: Content {
        var subject: String?
        var body: String?
        var intent: String?
        var sendKey: String?
    }

    func newsletters(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.sendNewsletter)
        return try await render(request, subject: nil, body: nil, errors: FieldErrors(), preview: nil, notice: (try? request.query.get(Int.self, at: "sent")).map { "Newsletter queued for \($0 == 1 ? "1 confirmed subscriber" : "\($0) confirmed subscribers")." })
    }

    func compose(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.sendNewsletter)
        let input = try FormInput.decode(ComposeBody.self, from: request)
        var errors = FieldErrors()
        let subject = TextRules.clean(input.subject)
        let body = TextRules.clean(input.body)
        if subject == nil { errors.add("subject", "Enter a subject line.") }
        if let subject, subject.count > 150 { errors.add("subject", "The subject must be 150 characters or fewer.") }
        if body == nil { errors.add("body", "Write the newsletter before sending it.") }
        if let body, body.count > 50_000 { errors.add("body", "The newsletter must be 50,000 characters or fewer.") }
        guard errors.isEmpty, let subject, let body else {
            return try await render(request, subject: input.subject, body: input.body, errors: errors, preview: nil, notice: nil,
                                    status: .unprocessableEntity)
        }
        if input.intent == "send", try await Subscriber.query(on: request.db).filter(\.$status == Subscriber.Status.confirmed).count() == 0 {
            errors.add("body", "There are no confirmed subscribers yet, so there is no one to send it to.")
            return try await render(request, subject: subject, body: body, errors: errors, preview: nil, notice: nil,
                                    sendKey: input.sendKey, status: .unprocessableEntity)
        }
        if input.intent != "send" {
            return try await render(request, subject: subject, body: body, errors: errors, preview: body, notice: nil,
                                    sendKey: input.sendKey)
        }
        guard let sendKey = input.sendKey, (20...64).contains(sendKey.count) else {
            throw Abort(.badRequest, reason: "The form is missing its send key. Reload the page and try again.")
        }
        let count = try await NewsletterSending.send(subject: subject, text: body, sendKey: sendKey, by: staff, request: request)
        return request.redirect(to: "/staff/newsletters?sent=\(count)")
    }

    private func render(_ request: Request, subject: String?, body: String?, errors: FieldErrors, preview: String?, notice: String?,
                        sendKey: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let chrome = try await request.chrome()
        let clinicIdentity = chrome.clinic
        let zone = chrome.clinic.timeZone
        let issues = try await NewsletterIssue.query(on: request.db).with(\.$createdBy).sort(\.$createdAt, .descending).limit(20).all()
        let confirmed = try await Subscriber.query(on: request.db).filter(\.$status == Subscriber.Status.confirmed).count()
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Newsletters")),
            .unwrap(notice) { .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text($0))) },
            .h2(.text("Write a newsletter")),
            .p(.text(confirmed == 0
                ? "No one has confirmed a subscription yet; you can write and preview, and send once someone has."
                : "It goes to \(confirmed == 1 ? "the 1 confirmed subscriber" : "the \(confirmed) confirmed subscribers"). Each copy ends with a personal unsubscribe link.")),
            FormViews.errorSummary(errors),
            .form(
                .class("form"),
                .method(.post),
                .novalidate(),
                .action("/staff/newsletters"),
                FormViews.csrf(request.csrfToken),
                .input(.type(.hidden), .name("sendKey"), .value(attributeSafe(sendKey ?? SecureToken.make(bytes: 18)))),
                FormViews.textField(name: "subject", label: "Subject", value: subject, error: errors["subject"], maxLength: 150),
                FormViews.textArea(name: "body", label: "Newsletter text (Markdown)", value: body, error: errors["body"], maxLength: 50_000, rows: 14,
                                   hint: "Leave a blank line between paragraphs; ## starts a heading, - a list item, **bold**. Subscribers get it formatted, and as plain text for mail readers that prefer it."),
                .div(.class("actions"),
                     .button(.class("button secondary"), .type(.submit), .name("intent"), .value("preview"), .text("Preview")),
                     .if(confirmed > 0, .group(
                         .text(" "),
                         .button(.class("button"), .type(.submit), .name("intent"), .value("send"),
                                 .text(confirmed == 1 ? "Send to 1 subscriber" : "Send to \(confirmed) subscribers")))))
            ),
            .unwrap(preview) { text in
                .section(.class("preview"), .attribute(named: "aria-labelledby", value: "preview-heading"),
                         .h2(.id("preview-heading"), .text("Preview: what subscribers will read")),
                         .p(.class("small muted"), .text("Subject: \(subject ?? "")")),
                         .h3(.text("Formatted")),
                         .div(.class("prose newsletter-preview"), .raw(NewsletterSending.formattedHTML(markdown: text))),
                         .h3(.text("Plain text")),
                         .div(.class("message-body"), .text(NewsletterSending.emailBody(text: text, unsubscribeURL: "(each subscriber's own unsubscribe link)",
                                                                                          clinic: clinicIdentity))))
            },
            .h2(.text("Sent")),
            .if(issues.isEmpty, .p(.text("Nothing sent yet."))),
            .if(!issues.isEmpty, TableViews.scrollable(captionID: "issues-caption", .table(
                .class("data-table"),
                .caption(.id("issues-caption"), .text("Newsletters sent, newest first")),
                .thead(.tr(.th(.text("Subject")), .th(.text("Sent")), .th(.text("By")), .th(.text("Recipients")))),
                .tbody(.forEach(issues) { issue in
                    .tr(.td(.text(issue.subject)), .td(.text(issue.sentAt.map { DateDisplay.dateTime($0, timeZone: zone) } ?? "Not sent")),
                        .td(.text(issue.createdBy.name)), .td(.text(String(issue.recipientCount))))
                })
            )))
        )
        return .html(PageLayout.render(title: "Newsletters", chrome: chrome, content: content), status: status)
    }
}

enum NewsletterSending {
    /// The Markdown staff wrote, as HTML. Markup typed into the text is escaped first, so only
    /// Markdown's own formatting becomes HTML: a pasted `<script>` or `<img onerror>` stays text.
    static func formattedHTML(markdown: String) -> String {
        let neutral = markdown
            .replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        return MarkdownParser().html(from: neutral)
    }

    /// The HTML part of each copy: the formatted text, then why they get it and how to stop.
    static func emailHTML(markdown: String, unsubscribeURL: String, clinic: ClinicIdentity) -> String {
        let footer: Node<HTML.BodyContext> = .group(
            .hr(),
            .p(.small(.text("You receive this because you subscribed to the \(clinic.name) newsletter. "),
                      .a(.href(attributeSafe(unsubscribeURL)), .text("Unsubscribe at any time")),
                      .text(". \(clinic.name), \(clinic.address)")))
        )
        return HTML(
            .lang(.english),
            .head(.encoding(.utf8), .element(named: "title", nodes: [.text(clinic.name)])),
            .body(.div(.raw(formattedHTML(markdown: markdown))), footer)
        ).render()
    }

    /// The text each subscriber receives: what staff wrote, then why they get it and how to stop.
    static func emailBody(text: String, unsubscribeURL: String, clinic: ClinicIdentity) -> String {
        """
        \(text)

        --
        You receive this because you subscribed to the \(clinic.name) newsletter.
        Unsubscribe at any time: \(unsubscribeURL)
        \(clinic.name), \(clinic.address)
        """
    }

    /// Queues one email per confirmed subscriber, each with its own unsubscribe link and the
    /// RFC 8058 one-click headers, and records the issue, all in one transaction. A send key seen
    /// before means this exact form was already sent: nothing is queued twice.
    static func send(subject: String, text: String, sendKey: String, by staff: CurrentStaff, request: Request) async throws -> Int {
        let now = request.now
        let clinic = try await request.services.clinic.current(on: request.db)
        let baseURL = request.services.settings.publicBaseURL
        if let earlier = try await NewsletterIssue.query(on: request.db).filter(\.$sendKey == sendKey).first() {
            return earlier.recipientCount
        }
        let count: Int
        do {
            count = try await request.db.writeTransaction { database -> Int in
                let recipients = try await Subscriber.query(on: database).filter(\.$status == Subscriber.Status.confirmed).all()
                let issue = NewsletterIssue()
                issue.subject = subject
                issue.bodyMarkdown = text
                issue.$createdBy.id = staff.id
                issue.createdAt = now
                issue.sentAt = now
                issue.recipientCount = recipients.count
                issue.sendKey = sendKey
                try await issue.create(on: database)
                for recipient in recipients {
                    let unsubscribeURL = "\(baseURL)/newsletter/unsubscribe/\(recipient.unsubscribeToken)"
                    try await Outbox.enqueue(
                        to: recipient.email,
                        subject: subject,
                        body: emailBody(text: text, unsubscribeURL: unsubscribeURL, clinic: clinic),
                        html: emailHTML(markdown: text, unsubscribeURL: unsubscribeURL, clinic: clinic),
                        headers: [
                            "List-Unsubscribe": "<\(unsubscribeURL)>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                        ],
                        at: now, on: database)
                }
                return recipients.count
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // The same form sent twice at the same moment: the other request sent it.
            return try await NewsletterIssue.query(on: request.db).filter(\.$sendKey == sendKey).first()?.recipientCount ?? 0
        }
        try await request.audit(.send, recordType: "newsletter", detail: "recipients=\(count)")
        request.nudgeOutbox()
        return count
    }
}
