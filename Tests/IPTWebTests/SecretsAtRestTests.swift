import Crypto
import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Logging
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
import VaporTesting

extension TestClinic {
    /// Whether any column of any row of `table` holds `text` in the clear (columns that are not
    /// text, or not a value of that type, are skipped), on either engine.
    func holdsInTheClear(_ table: String, _ text: String) async throws -> Bool {
        try await sql.raw("SELECT * FROM \(ident: table)").all().contains { row in
            row.allColumns.contains { column in (try? row.decode(column: column, as: String.self))?.contains(text) == true }
        }
    }

    /// Whether any column of any row of `table` holds the number `value` as a number.
    func holdsNumber(_ table: String, _ value: Int) async throws -> Bool {
        try await sql.raw("SELECT * FROM \(ident: table)").all().contains { row in
            row.allColumns.contains { column in (try? row.decode(column: column, as: Int.self)) == value }
        }
    }
}

@Suite struct DeliveredEmailTests {
    @Test func a_delivered_email_keeps_who_when_and_its_subject_but_not_its_body_or_links() async throws {
        try await withClinic { clinic in
            let link = "http://clinic.test/staff/password/reset/secret-token-123"
            try await Outbox.enqueue(to: "pat@example.org", subject: "Reset your password", body: "Open \(link) within the hour.",
                                     html: "<a href=\"\(link)\">Reset</a>", headers: ["List-Unsubscribe": "<\(link)>"],
                                     attachment: EmailAttachment(filename: "invite.ics", contentType: "text/calendar", content: "URL:\(link)"),
                                     at: clinic.clock.now, on: clinic.db)
            // Not delivered yet: the body stays for the next attempt.
            clinic.mail.setFailing(true)
            try await clinic.deliverMail()
            #expect(try await clinic.holdsInTheClear("outbox_messages", "secret-token-123"), "kept while it still has to go out")
            clinic.mail.setFailing(false)
            clinic.clock.advance(by: 3600)
            try await clinic.deliverMail()

            #expect(clinic.mail.sent.count == 1 && clinic.mail.sent[0].textBody.contains(link), "the recipient got the link")
            let row = try #require(try await OutboxMessage.query(on: clinic.db).first())
            #expect(row.status == "sent" && row.recipient == "pat@example.org" && row.subject == "Reset your password" && row.sentAt != nil)
            #expect(row.bodyText.isEmpty && row.bodyHTML == nil && row.extraHeaders.isEmpty && row.attachmentBody == nil)
            #expect(!(try await clinic.holdsInTheClear("outbox_messages", "secret-token-123")))
        }
    }

    @Test func the_upgrade_empties_emails_already_delivered_and_keeps_those_still_waiting() async throws {
        try await withClinic { clinic in
            for (recipient, status) in [("sent@example.org", "sent"), ("waiting@example.org", "pending")] {
                try await Outbox.enqueue(to: recipient, subject: "Your portal", body: "Sign in: http://clinic.test/portal/link/\(status)-token",
                                         at: clinic.clock.now, on: clinic.db)
                try await OutboxMessage.query(on: clinic.db).filter(\.$recipient == recipient).set(\.$status, to: status).update()
            }
            try await M035DropDeliveredEmailBodies().prepare(on: clinic.db)
            #expect(!(try await clinic.holdsInTheClear("outbox_messages", "sent-token")))
            #expect(try await clinic.holdsInTheClear("outbox_messages", "pending-token"))
            #expect(try await OutboxMessage.query(on: clinic.db).filter(\.$recipient == "sent@example.org").first()?.subject == "Your portal")
        }
    }

    @Test func starting_in_production_with_the_file_transport_warns_that_no_email_reaches_anyone() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ipt-mailwarn-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func warnings(_ environment: Environment, transport: any MailTransport) async throws -> [String] {
            let app = try await Application.make(environment)
            let captured = CapturedLog()
            app.logger = Logger(label: "test") { _ in captured }
            let settings = Settings(database: .sqliteFile(directory + "/clinic.sqlite"), dataDirectory: directory, resourceRoot: projectRoot,
                                    seedDemo: false, secureCookies: false, clock: .live, mailTransport: transport,
                                    runOutboxWorker: false, isTesting: true, publicBaseURL: "http://x").withMasterKey(SymmetricKey(size: .bits256))
            do { try await configure(app, settings: settings) } catch { try? await app.asyncShutdown(); throw error }
            try await app.asyncShutdown()
            return captured.warnings
        }
        let files = FileMailTransport(directory: directory + "/outbox")
        let production = try await warnings(.production, transport: files)
        #expect(production.contains { $0.contains("no email reaches anyone") && $0.contains(directory + "/outbox") })
        try? FileManager.default.removeItem(atPath: directory)
        #expect(!(try await warnings(.development, transport: files)).contains { $0.contains("no email reaches anyone") }, "expected while developing")
    }
}

/// Keeps the warnings logged while an app is configured.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lines = NIOLockedValueBox<[String]>([])
    var warnings: [String] { lines.withLockedValue { $0 } }
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if event.level >= .warning { lines.withLockedValue { $0.append(event.message.description) } }
    }
}
