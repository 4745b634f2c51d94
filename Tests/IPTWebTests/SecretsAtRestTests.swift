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
            #expect(row.status == .sent && row.recipient == "pat@example.org" && row.subject == "Reset your password" && row.sentAt != nil)
            #expect(row.bodyText.isEmpty && row.bodyHTML == nil && row.extraHeaders.isEmpty && row.attachmentBody == nil)
            #expect(!(try await clinic.holdsInTheClear("outbox_messages", "secret-token-123")))
        }
    }

    @Test func the_upgrade_empties_emails_already_delivered_and_keeps_those_still_waiting() async throws {
        try await withClinic { clinic in
            for (recipient, status) in [("sent@example.org", "sent"), ("waiting@example.org", "pending")] {
                try await Outbox.enqueue(to: recipient, subject: "Your portal", body: "Sign in: http://clinic.test/portal/link/\(status)-token",
                                         at: clinic.clock.now, on: clinic.db)
                try await OutboxMessage.query(on: clinic.db).filter(\.$recipient == recipient).set(\.$status, to: OutboxMessage.Status(rawValue: status)!).update()
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

@Suite struct SealedHealthInformationTests {
    @Test func a_questionnaire_score_is_sealed_and_still_drawn_on_the_progress_chart() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user)
            try await clinic.addScore(17, client: client.id!, clinician: user)
            try await clinic.addScore(5, client: client.id!, clinician: user, weeksLater: 1)
            let totalInTheClear = try await clinic.holdsNumber("measure_responses", 17)
            let bandInTheClear = try await clinic.holdsInTheClear("measure_responses", "Moderately severe")
            #expect(!totalInTheClear && !bandInTheClear)
            let page = try await browser.get("/staff/clients/\(client.id!.uuidString)/progress").body.string
            #expect(page.contains(">17 of 27<") && page.contains(">5 of 27<"), "the totals are read back for the chart and its table")
        }
    }

    @Test func a_life_event_added_in_session_is_sealed_and_shown_on_the_timeline() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await browser.get("\(base)/timeline")
            #expect(try await browser.post("\(base)/timeline", form: ["kind": "death-in-family", "month": "2025-03", "impact": "3"]).status == .seeOther)
            let label = LifeEventKind.deathInFamily.label
            let kindInTheClear = try await clinic.holdsInTheClear("life_events", "death")
            let impactInTheClear = try await clinic.holdsNumber("life_events", 3)
            #expect(!kindInTheClear && !impactInTheClear)
            #expect(try await browser.get("\(base)/timeline").body.string.contains("1. \(label)"))
        }
    }

    @Test func a_value_moved_to_another_client_or_stored_in_plain_text_does_not_open() async throws {
        try await withClinic { clinic in
            let ring = clinic.app.services.keyRing
            let (_, user) = try await clinic.signedIn(as: .therapist)
            let first = try await clinic.clientSeen(by: user, name: "First Client")
            let second = try await clinic.addClient(name: "Second Client", email: "second@example.org")
            let note = UUID()
            let sealed = try ring.seal("They spoke about the argument.", SessionNoteRow.contentContext(note, client: first.id!))
            #expect(try ring.open(sealed, SessionNoteRow.contentContext(note, client: first.id!)) == "They spoke about the argument.")
            // The same row and column, but the row now says it is about someone else.
            #expect(throws: FieldEncryptionError.cannotOpen) { try ring.open(sealed, SessionNoteRow.contentContext(note, client: second.id!)) }
            #expect(throws: FieldEncryptionError.notSealed) { try ring.open("They spoke about the argument.", SessionNoteRow.contentContext(note, client: first.id!)) }
        }
    }

    /// An upgraded clinic: rows written before M036 and M037 (values bound to row and column only,
    /// a plain enquiry from before sealing existed, scores, events, stages and a signature in the
    /// open) are all sealed and bound to their client by the migrations, and still read back.
    @Test func upgrading_seals_what_was_plain_and_binds_old_seals_to_their_client() async throws {
        try await withClinic { clinic in
            let ring = clinic.app.services.keyRing
            let settings = clinic.app.services.settings
            let loader: KeyRingLoader = { try await MasterKey.keyRing(on: $0, settings: settings, now: settings.clock.now()) }
            try await M037SealScoresEventsAndSignatures().revert(on: clinic.db, keyRing: loader)
            try await M036BindSealsToClient().revert(on: clinic.db, keyRing: loader)
            try await MigrationLog.query(on: clinic.db).filter(\.$name ~~ [M036BindSealsToClient().name, M037SealScoresEventsAndSignatures().name]).delete()

            let (_, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user, name: "Robin Example")
            let clientID = try client.requireID()
            func oldSeal(_ text: String, _ context: SealContext) throws -> String { try ring.seal(text, associatedData: context.associatedDataWithoutClient) }
            let enquiry = Enquiry()
            enquiry.name = "Visitor"
            enquiry.email = "visitor@example.org"
            enquiry.preferredContact = "email"
            enquiry.message = "Plain words from before sealing"
            enquiry.source = "form"
            enquiry.status = .open
            enquiry.createdAt = clinic.clock.now
            try await enquiry.create(on: clinic.db)
            let response = UUID(), event = UUID(), consent = UUID(), worksheet = UUID()
            let now = clinic.clock.now
            try await clinic.sql.insert(into: "measure_responses")
                .columns("id", "client_id", "clinician_id", "instrument_code", "token_hash", "status", "answers_sealed", "total", "band",
                         "created_at", "expires_at", "completed_at", "shared_with_guardian")
                .values(SQLBind(response), SQLBind(clientID), SQLBind(user.id!), SQLBind("phq-9"), SQLBind("t-\(response)"), SQLBind("completed"),
                        SQLBind(try oldSeal(#"{"1":3}"#, MeasureResponse.answersContext(response, client: clientID))), SQLBind(17),
                        SQLBind("Moderately severe"), SQLBind(now), SQLBind(now), SQLBind(now), SQLBind(false))
                .run()
            try await clinic.sql.insert(into: "life_events")
                .columns("id", "client_id", "month", "kind", "impact", "note_sealed", "created_by_id", "created_at")
                .values(SQLBind(event), SQLBind(clientID), SQLBind("2025-03-01"), SQLBind("death-in-family"), SQLBind(3),
                        SQLBind(try oldSeal("Their father", LifeEventRow.noteContext(event, client: clientID))), SQLBind(user.id!), SQLBind(now))
                .run()
            try await clinic.sql.insert(into: "consents")
                .columns("id", "client_id", "kind", "version", "text_sha256", "typed_name", "signed_at")
                .values(SQLBind(consent), SQLBind(clientID), SQLBind("treatment"), SQLBind("1"), SQLBind("abc"), SQLBind("Robin Q. Example"), SQLBind(now))
                .run()
            let content = WorksheetContent(text: ["otherPerson": "Alex", "stage": "impasse"], checked: [:])
            try await clinic.sql.insert(into: "worksheets")
                .columns("id", "client_id", "focus", "subject_key", "version", "stage", "content_sealed", "created_by_id", "created_at")
                .values(SQLBind(worksheet), SQLBind(clientID), SQLBind("role-dispute"), SQLBind(worksheet.uuidString), SQLBind(1), SQLBind("impasse"),
                        SQLBind(try oldSeal(String(decoding: try JSONEncoder().encode(content), as: UTF8.self), WorksheetRow.contentContext(worksheet, client: clientID))),
                        SQLBind(user.id!), SQLBind(now))
                .run()

            try await TransactionalMigrator.run(clinic.app, settings: settings)

            let enquiryID = try enquiry.requireID()
            let storedEnquiry = try #require(try await Enquiry.find(enquiryID, on: clinic.db))
            #expect(storedEnquiry.message.hasPrefix(KeyRing.prefix))
            #expect(try ring.open(storedEnquiry.message, Enquiry.messageContext(enquiryID)) == "Plain words from before sealing")
            let score = try #require(try await MeasureResponse.find(response, on: clinic.db))
            #expect(try score.score(ring) == MeasureResponse.Score(total: 17, band: "Moderately severe"))
            #expect(try ring.open(score.answersSealed!, MeasureResponse.answersContext(response, client: clientID)) == #"{"1":3}"#)
            #expect(throws: FieldEncryptionError.cannotOpen, "the old binding no longer opens it") {
                try ring.open(score.answersSealed!, associatedData: MeasureResponse.answersContext(response, client: clientID).associatedDataWithoutClient)
            }
            let lifeEvent = try #require(try await LifeEventRow.find(event, on: clinic.db))
            #expect(try lifeEvent.event(ring) == LifeEventRow.Event(kind: "death-in-family", impact: 3))
            #expect(try ring.openOptional(lifeEvent.noteSealed, LifeEventRow.noteContext(event, client: clientID)) == "Their father")
            #expect(try await ConsentRecord.find(consent, on: clinic.db)?.typedName(ring) == "Robin Q. Example")
            let sheet = try #require(try await WorksheetRow.find(worksheet, on: clinic.db))
            #expect(try ring.open(sheet.contentSealed, as: WorksheetContent.self, WorksheetRow.contentContext(worksheet, client: clientID)) == content)
            for (table, text) in [("enquiries", "Plain words"), ("measure_responses", "Moderately"), ("life_events", "death"),
                                  ("consents", "Robin Q."), ("worksheets", "impasse")] {
                #expect(!(try await clinic.holdsInTheClear(table, text)), "\(table) holds nothing in the clear")
            }
            #expect(!(try await clinic.holdsNumber("measure_responses", 17)))
        }
    }
}

@Suite struct RetentionReachTests {
    @Test func destroying_a_record_removes_the_emails_enquiries_and_waitlist_entries_under_the_clients_address() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            let adult = try await RetentionWebTests().oldClient(clinic, name: "Old Adult", yearsAgo: 11, age: 40, by: therapist)
            // A delivered email and one still waiting, to the address as the client typed it.
            try await Outbox.enqueue(to: adult.email, subject: "Your portal", body: "http://clinic.test/portal/link/x", at: clinic.clock.now, on: clinic.db)
            try await clinic.deliverMail()
            try await Outbox.enqueue(to: adult.email.uppercased(), subject: "Reminder", body: "See you soon", at: clinic.clock.now, on: clinic.db)
            func enquiry(from email: String) async throws {
                let row = Enquiry()
                row.name = "Someone"
                row.email = email
                row.preferredContact = "email"
                row.message = try clinic.app.services.keyRing.seal("I would like help", Enquiry.messageContext(UUID()))
                row.source = "form"
                row.status = .open
                row.createdAt = clinic.clock.now
                try await row.create(on: clinic.db)
            }
            try await enquiry(from: adult.email)
            try await enquiry(from: "someone.else@example.org")
            let waiting = WaitlistEntry()
            waiting.name = "Old Adult"
            waiting.email = adult.email
            waiting.phone = "416-555-0100"
            waiting.dateOfBirth = adult.dateOfBirth
            waiting.typeCode = "ipt-session"
            waiting.days = "mon"
            waiting.parts = "morning"
            waiting.position = 1
            waiting.status = WaitlistEntry.Status.waiting
            waiting.createdAt = clinic.clock.now
            try await waiting.create(on: clinic.db)
            let change = WaitlistChange()
            change.id = UUID()
            change.$entry.id = waiting.id!
            change.direction = "up"
            change.reasonSealed = try clinic.app.services.keyRing.seal("Urgent", WaitlistChange.reasonContext(change.id!))
            change.createdAt = clinic.clock.now
            try await change.create(on: clinic.db)

            let (director, _) = try await clinic.signedIn(as: .admin)
            try await director.get("/staff/retention/\(adult.id!.uuidString)")
            #expect(try await director.post("/staff/retention/\(adult.id!.uuidString)/destroy", form: ["confirm": "Old Adult"]).status == .seeOther)

            #expect(try await OutboxMessage.query(on: clinic.db).count() == 0, "sent and waiting, whatever the letter case")
            #expect(try await Enquiry.query(on: clinic.db).all().map(\.email) == ["someone.else@example.org"])
            #expect(try await WaitlistEntry.query(on: clinic.db).count() == 0)
            #expect(try await WaitlistChange.query(on: clinic.db).count() == 0, "the desk's reasons go with the entry")
        }
    }

    @Test func an_address_another_client_shares_keeps_its_emails_and_enquiries() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            let adult = try await RetentionWebTests().oldClient(clinic, name: "Old Adult", yearsAgo: 11, age: 40, by: therapist)
            try await clinic.addClient(name: "Their Child", email: "child@example.org", dateOfBirth: "2015-01-01", guardian: (name: "Old Adult", email: adult.email))
            try await Outbox.enqueue(to: adult.email, subject: "About your child's appointment", body: "-", at: clinic.clock.now, on: clinic.db)
            let (director, _) = try await clinic.signedIn(as: .admin)
            try await director.get("/staff/retention/\(adult.id!.uuidString)")
            #expect(try await director.post("/staff/retention/\(adult.id!.uuidString)/destroy", form: ["confirm": "Old Adult"]).status == .seeOther)
            #expect(try await OutboxMessage.query(on: clinic.db).count() == 1, "the address is still the child's guardian's")
        }
    }

    @Test func a_record_with_an_appointment_booked_ahead_is_not_past_retention() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            let adult = try await RetentionWebTests().oldClient(clinic, name: "Old Adult", yearsAgo: 11, age: 40, by: therapist)
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
            let booked = BookingService.newAppointment(staffID: therapist.id!, clientID: adult.id!, kind: kind, start: clinic.tenOClock(inDays: 5),
                                                       locationID: nil, source: "web", now: clinic.clock.now)
            booked.status = Appointment.Status.requested
            try await booked.create(on: clinic.db)
            let (director, _) = try await clinic.signedIn(as: .admin)
            #expect(!(try await director.get("/staff/retention").body.string.contains("Old Adult")), "not listed as past retention")
            let review = try await director.get("/staff/retention/\(adult.id!.uuidString)").body.string
            #expect(!review.contains("Destroy this record") && review.contains("an appointment is booked"))
            #expect(try await director.post("/staff/retention/\(adult.id!.uuidString)/destroy", form: ["confirm": "Old Adult"]).status == .conflict)
            #expect(try await ClientRecord.find(adult.id, on: clinic.db) != nil)
        }
    }
}
