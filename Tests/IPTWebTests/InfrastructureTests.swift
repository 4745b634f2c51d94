import ConsoleKit
import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite struct InfrastructureTests {
    @Test func an_in_memory_database_is_refused_outside_tests() async throws {
        let app = try await Application.make(.testing)
        let settings = Settings(database: .sqliteMemory, dataDirectory: "/tmp", resourceRoot: projectRoot, seedDemo: false,
                                secureCookies: false, clock: .live, mailTransport: RecordingMailTransport(), runOutboxWorker: false,
                                isTesting: false, publicBaseURL: "http://x")
        #expect(throws: ConfigurationError.self) {
            _ = try DatabaseSetup.register(app, settings: settings)
        }
        try await app.asyncShutdown()
    }

    @Test func the_sqlite_connection_runs_in_wal_with_full_sync_a_busy_timeout_and_foreign_keys() async throws {
        try await withClinic { clinic in
            guard DatabaseEngine(of: clinic.db) == .sqlite else { return }
            // The request pool's connections and the audit writer's own, on every event loop.
            for id in [nil, DatabaseSetup.auditDatabase] {
                for eventLoop in clinic.app.eventLoopGroup.makeIterator() {
                    let sql = try #require(clinic.app.databases.database(id, logger: clinic.app.logger, on: eventLoop) as? any SQLDatabase)
                    for (pragma, expected) in [("journal_mode", "wal"), ("synchronous", "2"), ("busy_timeout", "5000"), ("foreign_keys", "1")] {
                        let row = try #require(try await sql.raw(SQLQueryString("PRAGMA \(unsafeRaw: pragma)")).first())
                        let column = row.allColumns.first ?? pragma
                        let value = (try? row.decode(column: column, as: String.self)) ?? (try? row.decode(column: column, as: Int.self)).map(String.init)
                        #expect(value?.lowercased() == expected, "\(pragma) on \(id?.string ?? "the request pool")")
                    }
                }
            }
        }
    }

    @Test func a_failed_delivery_stays_in_the_outbox_and_is_retried_later_with_back_off() async throws {
        try await withClinic { clinic in
            try await Outbox.enqueue(to: "a@example.org", subject: "Hi", body: "Body", at: clinic.clock.now, on: clinic.db)
            clinic.mail.setFailing(true)
            try await clinic.deliverMail()
            let afterFailure = try #require(try await OutboxMessage.query(on: clinic.db).first())
            #expect(afterFailure.status == .pending)
            #expect(afterFailure.attempts == 1)
            #expect(afterFailure.nextAttemptAt > clinic.clock.now)
            clinic.mail.setFailing(false)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.isEmpty, "not before the back-off has passed")
            clinic.clock.advance(by: 61)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.count == 1)
            #expect(try await OutboxMessage.query(on: clinic.db).first()?.status == .sent)
        }
    }

    @Test func a_message_that_keeps_failing_is_marked_failed_not_dropped() async throws {
        try await withClinic { clinic in
            try await Outbox.enqueue(to: "a@example.org", subject: "Hi", body: "Body", at: clinic.clock.now, on: clinic.db)
            clinic.mail.setFailing(true)
            for _ in 0..<12 {
                try await clinic.deliverMail()
                clinic.clock.advance(by: 7 * 3600)
            }
            let message = try #require(try await OutboxMessage.query(on: clinic.db).first())
            #expect(message.status == .failed)
            #expect(message.attempts == 12)
        }
    }

    @Test func a_message_claimed_by_another_instance_is_not_sent_twice() async throws {
        try await withClinic { clinic in
            try await Outbox.enqueue(to: "a@example.org", subject: "Hi", body: "Body", at: clinic.clock.now, on: clinic.db)
            let message = try #require(try await OutboxMessage.query(on: clinic.db).first())
            message.claimToken = "other-instance"
            message.lockedUntil = clinic.clock.now.addingTimeInterval(60)
            try await message.update(on: clinic.db)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.isEmpty)
            clinic.clock.advance(by: 61)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.count == 1)
        }
    }

    @Test func the_file_transport_writes_an_rfc5322_message_with_crlf_and_no_header_injection() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID())").path
        let transport = FileMailTransport(directory: directory)
        let email = OutgoingEmail(messageID: "abc-123@clinic.test", from: "Clinic <c@example.org>", to: "a@example.org",
                                  subject: "Hello\r\nBcc: victim@example.org", date: Date(timeIntervalSince1970: 0),
                                  textBody: "Café = good\nsecond line", extraHeaders: [:])
        try await transport.deliver(email)
        let text = try String(contentsOfFile: directory + "/abc-123clinictest.eml", encoding: .utf8)
        #expect(text.contains("Subject: Hello  Bcc: victim@example.org\r\n"))
        #expect(!text.contains("\r\nBcc:"))
        #expect(text.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000"))
        #expect(text.contains("Caf=C3=A9 =3D good\r\nsecond line"))
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The database's no-overlap rule (written once, in migration M014) and the app's idea of which
    /// appointments hold their time must name the same statuses, or a slot could look free and fail.
    @Test func the_statuses_that_hold_time_are_the_ones_the_database_rule_names() {
        #expect(Appointment.Status.occupying.map(\.rawValue) == M014CreateScheduling.occupyingStatuses)
        #expect(Set(Appointment.Status.allCases.filter(\.occupiesTime)) == Set(Appointment.Status.occupying))
    }

    /// Status and role columns are read as their enums; a row holding text no enum knows must fail
    /// loudly at the query rather than be read as some default.
    @Test func an_unknown_status_in_the_database_is_an_error_not_a_default() async throws {
        try await withClinic { clinic in
            let id = try await clinic.makeStaff(.therapist).requireID()
            try await (clinic.db as! any SQLDatabase).raw("UPDATE staff_users SET role = 'wizard' WHERE id = \(bind: id)").run()
            await #expect(throws: (any Error).self) { try await StaffUser.find(id, on: clinic.db) }
        }
    }

    @Test func the_demo_clinic_is_seeded_once_with_every_role_and_fictional_addresses() async throws {
        try await withClinic(seedDemo: true) { clinic in
            let staff = try await StaffUser.query(on: clinic.db).all()
            #expect(staff.count == 7)
            #expect(Set(staff.map(\.role)) == [.admin, .supervisor, .therapist, .student, .receptionist])
            #expect(staff.allSatisfy { $0.email.hasSuffix(".example") })
            let students = staff.filter { $0.role == .student }
            #expect(students.count == 2 && students.allSatisfy { $0.feeTier == "reduced" && $0.$supervisor.id != nil })
            let again = try await DemoClinic.seedIfEmpty(on: clinic.db, passwordHasher: { $0 }, now: clinic.clock.now)
            #expect(again == nil)
            // Invented clients across the phases: after a first assessment, a student's middle phase,
            // a therapist's middle phase, an adolescent near the end.
            // Clients whose course has ended (DemoOutcomes' history for the outcomes page) are left aside.
            let discharged = Set(try await DischargeSummaryRow.query(on: clinic.db).all().map { $0.$client.id })
            let clients = try await ClientRecord.query(on: clinic.db).sort(\.$name).all().filter { !discharged.contains($0.id!) }
            #expect(clients.map(\.name) == ["Jesse Nakamura", "Morgan Ellis", "Riley Tan", "Theo Lambert"] && clients.allSatisfy { $0.email.hasSuffix("@example.org") })
            let assessment = try #require(try await SelfAssessmentRecord.query(on: clinic.db).first())
            let answers = try JSONDecoder().decode(SelfAssessment.self, from: Data(try clinic.app.services.keyRing.open(
                assessment.answersSealed ?? "", SelfAssessmentRecord.answersContext(assessment.id!, client: assessment.$client.id)).utf8))
            #expect(!answers.suggestions.isEmpty, "the demo shows a suggested focus")
            let riley = try #require(clients.first { $0.name == "Riley Tan" })
            let contract = try #require(try await ContractRow.query(on: clinic.db).filter(\.$client.$id == riley.id!).first())
            let held = try await CourseState.sessionsHeld(clientID: contract.$client.id, since: contract, zone: clinic.toronto, on: clinic.db)
            #expect(held == 4 && contract.agreedSessions == 16)
        }
    }
}

@Suite struct ConcurrentWriteTests {
    /// Regression: on SQLite a sign-up (read, then write, in one transaction) failed with SQLITE_BUSY
    /// and a 500 whenever the outbox worker committed on another connection in between.
    @Test func sign_ups_racing_the_outbox_worker_all_succeed() async throws {
        try await withClinic { clinic in
            let app = clinic.app
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group -> [UInt] in
                for index in 0..<40 {
                    group.addTask {
                        let response = try await Browser(app: app).postJSON("/api/v1/newsletter/subscriptions",
                                                                           json: #"{"email":"r\#(index)@example.org","consent":true}"#)
                        return response.status.code
                    }
                    group.addTask {
                        try await clinic.deliverMail()
                        return 202
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 202 }, "\(statuses.filter { $0 != 202 })")
            #expect(try await Subscriber.query(on: clinic.db).count() == 40)
        }
    }

    @Test func simultaneous_sign_ups_for_one_new_address_make_one_subscriber_and_no_error() async throws {
        try await withClinic { clinic in
            let app = clinic.app
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group -> [UInt] in
                for _ in 0..<12 {
                    group.addTask {
                        try await Browser(app: app).postJSON("/api/v1/newsletter/subscriptions",
                                                             json: #"{"email":"same@example.org","consent":true}"#).status.code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 202 }, "\(statuses)")
            #expect(try await Subscriber.query(on: clinic.db).count() == 1)
        }
    }
}

@Suite struct OutboxClaimTests {
    @Test func a_worker_whose_claim_was_taken_over_does_not_overwrite_the_new_claim() async throws {
        try await withClinic { clinic in
            try await Outbox.enqueue(to: "a@example.org", subject: "Hi", body: "Body", at: clinic.clock.now, on: clinic.db)
            let id = try #require(try await OutboxMessage.query(on: clinic.db).first()?.id)
            // A transport that, mid-delivery, sees another instance take the message over.
            struct SlowTransport: MailTransport {
                let takeOver: @Sendable () async throws -> Void
                func deliver(_ email: OutgoingEmail) async throws { try await takeOver() }
            }
            let db = clinic.db
            let outbox = Outbox(transport: SlowTransport(takeOver: {
                try await OutboxMessage.query(on: db).filter(\.$id == id).set(\.$claimToken, to: "other-instance").update()
            }), clock: clinic.clock.appClock, sender: { MailSender(from: "c@example.org", replyTo: nil) })
            try await outbox.deliverDue(on: clinic.db)
            let message = try #require(try await OutboxMessage.find(id, on: clinic.db))
            #expect(message.claimToken == "other-instance")
            #expect(message.status == .pending, "the other instance decides the outcome")
        }
    }
}

@Suite struct EmailFormatTests {
    @Test func a_long_non_ascii_subject_is_split_into_encoded_words_under_76_characters() throws {
        let email = OutgoingEmail(messageID: "m@x", from: "f@x.ca", to: "t@x.ca",
                                  subject: "Nouvelles de l'automne : séances de groupe, thérapie interpersonnelle, café", date: Date(),
                                  textBody: "", extraHeaders: [:])
        let text = email.rfc5322
        let subjectStart = try #require(text.range(of: "Subject: "))
        let subjectBlock = text[subjectStart.lowerBound...].components(separatedBy: "\r\nMIME-Version")[0]
        let lines = subjectBlock.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 78 })
        let decoded = lines.map { line in
            line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "Subject: ", with: "")
                .replacingOccurrences(of: "=?UTF-8?B?", with: "").replacingOccurrences(of: "?=", with: "")
        }.compactMap { Data(base64Encoded: $0) }.reduce(Data(), +)
        #expect(String(decoding: decoded, as: UTF8.self) == email.subject)
    }

    @Test func the_clinic_name_in_from_cannot_break_out_of_its_quotes() {
        #expect(OutgoingEmail.mailbox(name: #"Evil" <x@y.z>, "a\"#, address: "c@clinic.ca") == #""Evil <x@y.z>, a" <c@clinic.ca>"#)
        #expect(OutgoingEmail.mailbox(name: "Clinique Étoile", address: "c@clinic.ca").hasPrefix("=?UTF-8?B?"))
    }
}

/// Regression: the crash-durability check killed the server in the middle of a migration that
/// creates several tables; Fluent had committed the first ones, and every later start failed on
/// "relation already exists".
@Suite struct MigrationAtomicityTests {
    struct Probe: AsyncMigration {
        let failAfterTables: Bool
        var name: String { "ProbeTwoTables" }
        func prepare(on database: any Database) async throws {
            try await database.schema("probe_one").id().create()
            try await database.schema("probe_two").id().create()
            if failAfterTables { throw Abort(.internalServerError, reason: "stopped halfway") }
        }
        func revert(on database: any Database) async throws {}
    }

    @Test func a_migration_stopped_halfway_leaves_nothing_behind_and_runs_whole_next_time() async throws {
        try await withClinic { clinic in
            await #expect(throws: (any Error).self) {
                try await TransactionalMigrator.run(clinic.app, migrations: [Probe(failAfterTables: true)])
            }
            #expect(try await MigrationLog.query(on: clinic.db).filter(\.$name == "ProbeTwoTables").count() == 0)
            // The tables were rolled back with it, so the whole migration runs again cleanly.
            try await TransactionalMigrator.run(clinic.app, migrations: [Probe(failAfterTables: false)])
            #expect(try await MigrationLog.query(on: clinic.db).filter(\.$name == "ProbeTwoTables").count() == 1)
            try await TransactionalMigrator.run(clinic.app, migrations: [Probe(failAfterTables: false)])
        }
    }

    @Test func the_migrate_command_asks_first_and_applies_each_migration_whole() async throws {
        try await withClinic { clinic in
            func runMigrate(answer: Bool, failing: Bool) async throws {
                let terminal = Terminal()
                terminal.confirmOverride = answer
                var context = CommandContext(console: terminal, input: CommandInput(arguments: ["iptclinic", "migrate"]))
                context.application = clinic.app
                try await TransactionalMigrateCommand(migrations: Migrations.all + [Probe(failAfterTables: failing)])
                    .run(using: context, signature: .init())
            }
            func logged() async throws -> Int {
                try await MigrationLog.query(on: clinic.db).filter(\.$name == "ProbeTwoTables").count()
            }
            try await runMigrate(answer: false, failing: false)
            #expect(try await logged() == 0, "answering no changes nothing")
            await #expect(throws: (any Error).self) { try await runMigrate(answer: true, failing: true) }
            #expect(try await logged() == 0)
            try await runMigrate(answer: true, failing: false)
            #expect(try await logged() == 1, "the half-made attempt left nothing in the way")
            #expect(clinic.app.asyncCommands.commands["migrate"] is TransactionalMigrateCommand)
        }
    }

    @Test func links_in_emails_follow_the_address_serve_listens_on_when_none_is_configured() {
        #expect(Settings.localBaseURL(arguments: ["iptclinic"]) == "http://127.0.0.1:8080")
        #expect(Settings.localBaseURL(arguments: ["iptclinic", "serve", "--port", "8091"]) == "http://127.0.0.1:8091")
        #expect(Settings.localBaseURL(arguments: ["iptclinic", "serve", "-H", "192.168.1.20", "-p", "9000"]) == "http://192.168.1.20:9000")
        #expect(Settings.localBaseURL(arguments: ["iptclinic", "serve", "--hostname", "0.0.0.0"]) == "http://127.0.0.1:8080")
        #expect(Settings.localBaseURL(arguments: ["iptclinic", "serve", "--bind", "clinic.local:8443"]) == "http://clinic.local:8443")
        #expect(Settings.localBaseURL(arguments: ["iptclinic", "serve", "--env", "production", "--port", "nonsense"]) == "http://127.0.0.1:8080")
    }
}
