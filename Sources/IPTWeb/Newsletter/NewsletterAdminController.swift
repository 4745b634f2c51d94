import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Staff side of the newsletter: subscribers, CSV export, composing and sending issues.
struct NewsletterAdminController: SiteRouteCollection {
    static let pageSize = 100

    func boot(site: SiteRoutes) throws {
        site.get(.subscribers, use: subscribers)
        site.get(.subscribersCSV, use: exportCSV)
        site.get(.newsletters, use: newsletters)
        site.post(.newsletters, use: compose)
    }

    func subscribers(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewSubscribers)
        let filter = request.query[String.self, at: "status"].flatMap(Subscriber.Status.init(rawValue:))
        let found = try await NewsletterQueries.subscribers(status: filter, page: request.query[Int.self, at: "page"] ?? 1, size: Self.pageSize,
                                                            on: request.db)
        let zone = try await request.services.clinic.current(on: request.db).timeZone
        return try await request.auditedPage(SubscribersPage.title, recordType: "subscriber-list", subject: nil,
                                             detail: "status=\(filter?.rawValue ?? "all") page=\(found.number) rows=\(found.rows.count)") {
            SubscribersPage.view(SubscribersPage.Model(
                filter: filter?.rawValue,
                rows: found.rows.map { row in
                    SubscribersPage.Row(email: row.email, status: row.status.rawValue, consentGiven: DateDisplay.dateTime(row.consentAt, timeZone: zone),
                                        consentVersion: row.consentVersion, consentSource: row.consentSource)
                },
                page: found.number, hasMore: found.hasMore))
        }
    }

    func exportCSV(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.exportSubscribers)
        let filter = request.query[String.self, at: "status"].flatMap(Subscriber.Status.init(rawValue:))
        let rows = try await NewsletterQueries.allSubscribers(status: filter, on: request.db)
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
        if input.intent == "send", try await NewsletterQueries.confirmedCount(on: request.db) == 0 {
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
        return request.redirect(to: SitePath.newsletters.link(query: ["sent": String(count)]))
    }

    private func render(_ request: Request, subject: String?, body: String?, errors: FieldErrors, preview: String?, notice: String?,
                        sendKey: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let clinic = try await request.services.clinic.current(on: request.db)
        let issues = try await NewsletterQueries.recentIssues(on: request.db)
        let model = NewslettersPage.Model(
            notice: notice, confirmedSubscribers: try await NewsletterQueries.confirmedCount(on: request.db), subject: subject, body: body,
            sendKey: sendKey ?? SecureToken.make(bytes: 18),
            preview: preview.map { text in
                NewslettersPage.Preview(subject: subject ?? "", formattedHTML: NewsletterSending.formattedHTML(markdown: text),
                                        plainText: NewsletterSending.emailBody(text: text, unsubscribeURL: "(each subscriber's own unsubscribe link)",
                                                                               clinic: clinic))
            },
            issues: issues.map { issue in
                NewslettersPage.SentIssue(subject: issue.subject, sent: issue.sentAt.map { DateDisplay.dateTime($0, timeZone: clinic.timeZone) } ?? "Not sent",
                                          by: issue.createdBy.name, recipients: issue.recipientCount)
            },
            errors: errors, csrfToken: request.csrfToken)
        return try await request.page(NewslettersPage.title, NewslettersPage.view(model), status: status)
    }
}
