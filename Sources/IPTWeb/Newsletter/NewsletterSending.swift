import Fluent
import Foundation
import Ink
import IPTCore
import IPTPages
import Vapor

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
        NewsletterEmail.html(formattedHTML: formattedHTML(markdown: markdown), unsubscribeURL: unsubscribeURL, clinic: clinic)
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
                    let unsubscribeURL = baseURL + SitePath.newsletterUnsubscribe.link(recipient.unsubscribeToken)
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
