import ConsoleKit
import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite struct AuditTrailTests {
    private func runVerify(_ app: Application) async throws {
        var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["iptclinic", "audit", "verify"]))
        context.application = app
        try await AuditVerifyCommand().run(using: context, signature: .init())
    }

    private func addEvents(_ clinic: TestClinic, count: Int) async throws {
        for index in 0..<count {
            try await clinic.app.auditWriter.record(AuditEntry(actorID: "u", actorLabel: "Test", action: .view, recordType: "enquiry",
                                                               recordID: "e\(index)", subject: "p\(index)@example.org",
                                                               requestID: "r\(index)", detail: nil))
        }
    }

    /// An audited page is built while its row is committed, but is sent only once the row is: when
    /// the row cannot be written, the clinical page does not go out.
    @Test func a_page_whose_audit_row_cannot_be_written_is_not_shown() async throws {
        try await withClinic { clinic in
            let (browser, _) = try await clinic.signedIn(as: .therapist)
            let shown = try await browser.get("/staff")
            #expect(shown.status == .ok && shown.body.string.contains("today-alerts"))
            // The trail's table gone from under the writer: every append fails.
            try await clinic.db.withConnection { db in
                try await (db as! any SQLDatabase).raw("ALTER TABLE audit_events RENAME TO audit_events_away").run()
            }
            let refused = try await browser.get("/staff")
            #expect(refused.status == .internalServerError)
            #expect(!refused.body.string.contains("today-alerts"), "nothing of the page without its audit row")
            try await clinic.db.withConnection { db in
                try await (db as! any SQLDatabase).raw("ALTER TABLE audit_events_away RENAME TO audit_events").run()
            }
            #expect(try await browser.get("/staff").status == .ok, "shown again once rows can be written")
        }
    }

    @Test func the_database_refuses_to_update_or_delete_an_audit_row() async throws {
        try await withClinic { clinic in
            try await addEvents(clinic, count: 1)
            await #expect(throws: (any Error).self) {
                try await clinic.sql.raw("UPDATE audit_events SET actor_label = 'someone else'").run()
            }
            await #expect(throws: (any Error).self) {
                try await clinic.sql.raw("DELETE FROM audit_events").run()
            }
            #expect(try await AuditEvent.query(on: clinic.db).first()?.actorLabel == "Test")
        }
    }

    @Test func editing_an_audit_row_by_sql_makes_audit_verify_fail_and_name_the_row() async throws {
        try await withClinic { clinic in
            try await addEvents(clinic, count: 5)
            try await runVerify(clinic.app)
            // Someone with database access first removes the guard, then edits row 3.
            let engine = DatabaseEngine(of: clinic.db)
            for statement in AppendOnlyGuard.dropStatements(engine: engine) {
                try await clinic.sql.raw(SQLQueryString(statement)).run()
            }
            try await clinic.sql.raw("UPDATE audit_events SET subject = 'nobody@example.org' WHERE sequence = 3").run()
            do {
                try await runVerify(clinic.app)
                Issue.record("verify must fail on an edited chain")
            } catch let failure as CommandFailure {
                #expect(failure.description.contains("row 3"))
            }
        }
    }

    @Test func deleting_the_newest_rows_is_caught_by_the_chain_head() async throws {
        try await withClinic { clinic in
            try await addEvents(clinic, count: 4)
            let engine = DatabaseEngine(of: clinic.db)
            for statement in AppendOnlyGuard.dropStatements(engine: engine) {
                try await clinic.sql.raw(SQLQueryString(statement)).run()
            }
            try await clinic.sql.raw("DELETE FROM audit_events WHERE sequence = 4").run()
            let broken = try #require(try await clinic.auditChainBreak())
            #expect(broken.sequence == 4)
        }
    }

    @Test func rows_added_past_the_chain_head_are_caught() async throws {
        try await withClinic { clinic in
            try await addEvents(clinic, count: 5)
            // A well-formed row 5 whose head was wound back, as a writer bypassing the app would leave it.
            let fourth = try #require(try await AuditEvent.query(on: clinic.db).filter(\.$sequence == 4).first())
            try await clinic.sql.raw("UPDATE audit_chain_head SET last_sequence = 4, last_hash = \(bind: fourth.hash) WHERE id = 1").run()
            let broken = try #require(try await clinic.auditChainBreak())
            #expect(broken.sequence == 5)
            #expect(broken.reason.contains("past the chain head"))
        }
    }

    @Test func checking_the_chain_while_views_are_being_audited_finds_nothing_wrong() async throws {
        try await withClinic { clinic in
            let writer = clinic.app.auditWriter
            // One checker reading the whole trail again and again while eighty writes land, as an
            // operator's `audit verify` would during a busy hour. (Twenty checkers at once queued
            // whole-trail reads on the two-connection SQLite pool and, on a loaded machine, waited
            // past the pool's timeout: a test of the pool, not of the chain.)
            let findings = try await withThrowingTaskGroup(of: [AuditChainVerifier.Break].self) { group in
                for index in 0..<80 {
                    group.addTask {
                        try await writer.record(AuditEntry(actorID: nil, actorLabel: "load", action: .view, recordType: "page",
                                                           recordID: String(index), subject: nil, requestID: nil, detail: nil))
                        return []
                    }
                }
                group.addTask {
                    var found: [AuditChainVerifier.Break] = []
                    for _ in 0..<20 {
                        if let finding = try await clinic.auditChainBreak() { found.append(finding) }
                    }
                    return found
                }
                return try await group.reduce([], +)
            }
            #expect(findings.isEmpty, "\(findings)")
        }
    }

    @Test func concurrent_audit_writes_are_group_committed_into_one_unbroken_chain() async throws {
        try await withClinic { clinic in
            let writer = clinic.app.auditWriter
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        try await writer.record(AuditEntry(actorID: nil, actorLabel: "load", action: .view, recordType: "page",
                                                           recordID: String(index), subject: nil, requestID: nil, detail: nil))
                    }
                }
                try await group.waitForAll()
            }
            let sequences = try await AuditEvent.query(on: clinic.db).sort(\.$sequence).all().map(\.sequence)
            #expect(sequences == Array(1...60))
            #expect(try await clinic.auditChainBreak() == nil)
        }
    }

    @Test func one_batch_of_more_than_fifty_rows_keeps_every_field_and_the_chain() async throws {
        try await withClinic { clinic in
            // Written as one batch: the insert goes out in chunks of 50 rows.
            let entries = (0..<120).map { index in
                AuditEntry(actorID: index.isMultiple(of: 2) ? "actor-\(index)" : nil, actorLabel: "Label \(index)", action: .view,
                           recordType: "page", recordID: "r\(index)", subject: index.isMultiple(of: 3) ? nil : "s\(index)",
                           requestID: "q\(index)", detail: index == 7 ? "it's \"quoted\"" : nil)
            }
            try await AuditWriter.append(entries, at: Date(timeIntervalSince1970: 1_790_000_000.25), to: clinic.db, key: clinic.chainKey())
            let rows = try await AuditEvent.query(on: clinic.db).sort(\.$sequence).all()
            #expect(rows.map(\.sequence) == Array(1...120))
            #expect(rows[7].detail == "it's \"quoted\"" && rows[8].detail == nil)
            #expect(rows[3].actorID == nil && rows[4].actorID == "actor-4")
            #expect(rows[3].subject == nil && rows[4].subject == "s4")
            #expect(rows[119].actorLabel == "Label 119" && rows[119].requestID == "q119")
            #expect(rows.allSatisfy { $0.occurredAtMilliseconds == 1_790_000_000_250 })
            #expect(Set(rows.compactMap(\.id)).count == 120)
            #expect(try await clinic.auditChainBreak() == nil)
        }
    }

    /// On an SQLite file the writer's batches go through `SQLiteAuditAppender`, not Fluent: the two
    /// must write the same fields the same way and extend one chain, whichever wrote last, while
    /// other writes of the process take the write lock between them.
    @Test func the_sqlite_appender_writes_what_the_pooled_path_writes_and_extends_the_same_chain() async throws {
        try await withClinic { clinic in
            guard DatabaseEngine(of: clinic.db) == .sqlite else { return }
            let appender = try #require(clinic.app.auditWriter.appender, "a clinic on an SQLite file has the appender")
            let entries = { (from: Int) in
                (from..<from + 60).map { index in
                    AuditEntry(actorID: index.isMultiple(of: 2) ? "actor-\(index)" : nil, actorLabel: "Label \(index)", action: .view,
                               recordType: "page", recordID: "r\(index)", subject: index.isMultiple(of: 3) ? nil : "s\(index)",
                               requestID: "q\(index)", detail: index == 7 ? "it's \"quoted\" <b>é</b>" : nil)
                }
            }
            let moment = Date(timeIntervalSince1970: 1_790_000_000.25)
            try await appender.append(entries(0), at: moment, key: clinic.chainKey())
            try await AuditWriter.append(entries(60), at: moment, to: clinic.db, key: clinic.chainKey())
            try await appender.append(entries(120), at: moment, key: clinic.chainKey())
            let rows = try await AuditEvent.query(on: clinic.db).sort(\.$sequence).all()
            #expect(rows.map(\.sequence) == Array(1...180))
            #expect(rows[7].detail == "it's \"quoted\" <b>é</b>" && rows[8].detail == nil)
            #expect(rows[3].actorID == nil && rows[4].actorID == "actor-4" && rows[124].actorID == "actor-124")
            #expect(rows[3].subject == nil && rows[4].subject == "s4" && rows[125].subject == "s125")
            #expect(rows[179].actorLabel == "Label 179" && rows[179].requestID == "q179" && rows[179].recordID == "r179")
            #expect(rows.allSatisfy { $0.occurredAtMilliseconds == 1_790_000_000_250 && $0.action == AuditAction.view.rawValue && $0.recordType == "page" })
            #expect(Set(rows.compactMap(\.id)).count == 180, "every id read back as an id")
            #expect(try await clinic.auditChainBreak() == nil)

            // Batches through both paths at once, and other write transactions between them.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for batch in 0..<6 {
                    group.addTask {
                        let some = (0..<5).map { AuditEntry(actorID: nil, actorLabel: "batch \(batch)", action: .view, recordType: "page",
                                                            recordID: "\(batch)-\($0)", subject: nil, requestID: nil, detail: nil) }
                        if batch.isMultiple(of: 2) {
                            try await appender.append(some, at: clinic.clock.now, key: clinic.chainKey())
                        } else {
                            try await AuditWriter.append(some, at: clinic.clock.now, to: clinic.app.db, key: clinic.chainKey())
                        }
                    }
                    group.addTask {
                        try await clinic.app.db.writeTransaction { db in
                            try await (db as! any SQLDatabase).raw("UPDATE clinic_profile SET name = name").run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let after = try await AuditEvent.query(on: clinic.db).sort(\.$sequence).all()
            #expect(after.map(\.sequence) == Array(1...210))
            for start in stride(from: 180, to: 210, by: 5) {
                #expect(Set(after[start..<start + 5].map(\.actorLabel)).count == 1, "each batch's rows together")
            }
            #expect(try await clinic.auditChainBreak() == nil)
        }
    }

    @Test func writers_of_several_app_instances_extend_the_chain_one_after_another() async throws {
        try await withClinic { clinic in
            // Each task stands for another instance's writer, straight to the database: like the
            // real AuditWriter, each commits one batch at a time, so four instances hold at most
            // four connections, whatever the load. (Twenty tasks sharing one pool of six, as this
            // test once had, left five connections waiting for the head row's lock and fourteen
            // tasks waiting for a connection; on a busy machine the last waited past the pool's
            // timeout. No deployment has that shape: see docs/OPERATIONS.md, "Several instances".)
            // On PostgreSQL the head row's lock (FOR UPDATE) orders them; on SQLite the write lock
            // of BEGIN IMMEDIATE does it across processes, and in one process the write gate.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for instance in 0..<4 {
                    group.addTask {
                        for batch in 0..<5 {
                            let entries = (0..<3).map { index in
                                AuditEntry(actorID: nil, actorLabel: "instance \(instance) batch \(batch)", action: .view, recordType: "page",
                                           recordID: "\(instance)-\(batch)-\(index)", subject: nil, requestID: nil, detail: nil)
                            }
                            try await AuditWriter.append(entries, at: clinic.clock.now, to: clinic.app.db, key: clinic.chainKey())
                        }
                    }
                }
                try await group.waitForAll()
            }
            let rows = try await AuditEvent.query(on: clinic.db).sort(\.$sequence).all()
            #expect(rows.map(\.sequence) == Array(1...60))
            // Each batch's rows stayed together: no other writer slipped in between.
            for start in stride(from: 0, to: 60, by: 3) {
                #expect(Set(rows[start..<start + 3].map(\.actorLabel)).count == 1)
            }
            #expect(try await clinic.auditChainBreak() == nil)
        }
    }

    @Test func the_trail_is_written_while_pages_hold_every_connection_of_their_pool() async throws {
        try await withClinic { clinic in
            // A busy minute: page queries hold every connection of the pool pages use. The audit
            // commit, which every audited page waits for, must not queue behind them. Before the
            // audit writer had connections of its own on PostgreSQL, this waited out the pool's
            // timeout and failed.
            let settings = clinic.app.services.settings
            let holders = DatabaseSetup.requestPoolSize(settings) * clinic.app.eventLoopGroup.makeIterator().map { $0 }.count
            let gate = HoldGate()
            let holding = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for eventLoop in clinic.app.eventLoopGroup.makeIterator() {
                        for _ in 0..<DatabaseSetup.requestPoolSize(settings) {
                            group.addTask {
                                try await clinic.app.databases.database(nil, logger: clinic.app.logger, on: eventLoop)!.withConnection { _ in
                                    await gate.arrive()
                                    await gate.waitForRelease()
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            await gate.waitUntilArrived(holders)
            let written: Result<Void, any Error>
            do {
                try await addEvents(clinic, count: 1)
                written = .success(())
            } catch {
                written = .failure(error)
            }
            await gate.release()
            try await holding.value
            #expect(throws: Never.self) { try written.get() }
            #expect(try await AuditEvent.query(on: clinic.db).count() == 1)
        }
    }

    private func dropGuard(_ clinic: TestClinic) async throws {
        for statement in AppendOnlyGuard.dropStatements(engine: DatabaseEngine(of: clinic.db)) {
            try await clinic.sql.raw(SQLQueryString(statement)).run()
        }
    }

    /// What someone with write access to the database, but not the master key, can do: change a
    /// row and recompute every later link and the head with the only hash they can compute.
    private func rewriteWithPlainHashes(_ clinic: TestClinic, from first: Int64) async throws {
        let rows = try await AuditEvent.query(on: clinic.db).sort(\.$sequence).all()
        var previous = rows.first { $0.sequence == first - 1 }?.hash ?? AuditRecord.genesisHash
        for row in rows where row.sequence >= first {
            let record = AuditRecord(sequence: row.sequence, occurredAtMilliseconds: row.occurredAtMilliseconds, actorID: row.actorID,
                                     actorLabel: row.actorLabel, action: AuditAction(rawValue: row.action)!, recordType: row.recordType,
                                     recordID: row.recordID, subject: row.subject, requestID: row.requestID, detail: row.detail)
            let hash = HexDigest.sha256(previous + record.canonicalText)
            try await clinic.sql.raw("UPDATE audit_events SET previous_hash = \(bind: previous), hash = \(bind: hash) WHERE sequence = \(bind: row.sequence)").run()
            previous = hash
        }
        try await clinic.sql.raw("UPDATE audit_chain_head SET last_hash = \(bind: previous) WHERE id = 1").run()
    }

    @Test func a_row_changed_and_every_link_recomputed_without_the_key_is_caught() async throws {
        try await withClinic { clinic in
            try await addEvents(clinic, count: 5)
            try await dropGuard(clinic)
            try await clinic.sql.raw("UPDATE audit_events SET subject = 'nobody@example.org' WHERE sequence = 3").run()
            try await rewriteWithPlainHashes(clinic, from: 3)
            // With a plain SHA-256 chain this edit passed every check.
            let broken = try #require(try await clinic.auditChainBreak())
            #expect(broken.sequence == 3)
            #expect(broken.reason.contains("changed"))
        }
    }

    @Test func a_trail_emptied_with_its_head_reset_is_found_by_the_signed_checkpoint() async throws {
        try await withClinic { clinic in
            try await addEvents(clinic, count: 5)
            let checkpoint = try #require(try await AuditCheckpoints.write(clinic.app, database: clinic.db, now: clinic.clock.now))
            #expect(checkpoint.sequence == 5)
            #expect(try await clinic.auditChainBreak() == nil)
            try await dropGuard(clinic)
            // TRUNCATE skips row triggers on PostgreSQL; SQLite has only DELETE.
            let empty: SQLQueryString = DatabaseEngine(of: clinic.db) == .postgres ? "TRUNCATE audit_events" : "DELETE FROM audit_events"
            try await clinic.sql.raw(empty).run()
            try await clinic.sql.raw("UPDATE audit_chain_head SET last_sequence = 0, last_hash = \(bind: AuditRecord.genesisHash) WHERE id = 1").run()
            let broken = try #require(try await clinic.auditChainBreak())
            #expect(broken.sequence == 1)
            #expect(broken.reason.contains("records 5 rows but the trail ends at 0"))
        }
    }

    @Test func a_checkpoint_is_written_only_when_the_chain_moved_and_one_changed_by_hand_fails_the_check() async throws {
        try await withClinic { clinic in
            try await addEvents(clinic, count: 2)
            let first = try #require(try await AuditCheckpoints.write(clinic.app, database: clinic.db, now: clinic.clock.now))
            #expect(try await AuditCheckpoints.write(clinic.app, database: clinic.db, now: clinic.clock.now) == nil)
            try await addEvents(clinic, count: 1)
            clinic.clock.advance(by: 60)
            let second = try #require(try await AuditCheckpoints.write(clinic.app, database: clinic.db, now: clinic.clock.now))
            #expect(first.sequence == 2 && second.sequence == 3)
            let folder = AuditCheckpoints.directory(clinic.app.services.settings)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 2)
            try await runVerify(clinic.app)

            // Someone lowers the newest checkpoint to hide a removed row: the signature no longer fits.
            let path = folder + "/" + second.fileName
            let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"sequence\":3", with: "\"sequence\":2")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let check = try await AuditCheck.run(clinic.app, on: clinic.db)
            #expect(check.checkpointProblem?.contains("not signed with this clinic's audit key") == true)
            await #expect(throws: CommandFailure.self) { try await runVerify(clinic.app) }
        }
    }

    @Test func moving_the_keyed_boundary_to_pass_plain_hashes_is_caught_by_a_checkpoint() async throws {
        try await withClinic { clinic in
            try await addEvents(clinic, count: 4)
            try await AuditCheckpoints.write(clinic.app, database: clinic.db, now: clinic.clock.now)
            try await dropGuard(clinic)
            try await clinic.sql.raw("UPDATE audit_events SET detail = 'changed' WHERE sequence = 2").run()
            try await rewriteWithPlainHashes(clinic, from: 1)
            try await M040KeyTheAuditChain.keyFromNextRow(clinic.sql)
            let broken = try #require(try await clinic.auditChainBreak())
            #expect(broken.reason.contains("keyed from was moved"))
        }
    }

    @Test func a_trail_written_before_the_chain_was_keyed_still_verifies_and_stays_protected() async throws {
        try await withClinic { clinic in
            // Rows as the previous release wrote them: plain SHA-256 links, then the upgrade's boundary.
            try await dropGuard(clinic)
            var previous = AuditRecord.genesisHash
            for sequence in Int64(1)...3 {
                let record = AuditRecord(sequence: sequence, occurredAtMilliseconds: 1_790_000_000_000, actorID: nil, actorLabel: "old release",
                                         action: .view, recordType: "page", recordID: "\(sequence)", subject: nil, requestID: nil, detail: nil)
                let hash = HexDigest.sha256(previous + record.canonicalText)
                try await clinic.sql.raw("""
                    INSERT INTO audit_events (id, sequence, occurred_at_ms, actor_label, action, record_type, record_id, previous_hash, hash) \
                    VALUES (\(bind: UUID()), \(bind: sequence), \(bind: record.occurredAtMilliseconds), 'old release', 'view', 'page', \(bind: "\(sequence)"), \(bind: previous), \(bind: hash))
                    """).run()
                previous = hash
            }
            try await clinic.sql.raw("UPDATE audit_chain_head SET last_sequence = 3, last_hash = \(bind: previous) WHERE id = 1").run()
            try await M040KeyTheAuditChain.keyFromNextRow(clinic.sql)
            try await addEvents(clinic, count: 2)
            #expect(try await clinic.auditChainBreak() == nil)
            #expect(try await AuditVerification.head(on: clinic.db)?.keyedFrom == 4)

            // An old row changed and the old links recomputed: the first keyed row no longer links to it.
            try await clinic.sql.raw("UPDATE audit_events SET actor_label = 'someone else' WHERE sequence = 2").run()
            try await rewriteWithPlainHashes(clinic, from: 2)
            let broken = try #require(try await clinic.auditChainBreak())
            #expect(broken.sequence == 4)
        }
    }

    @Test func a_trail_checked_in_parts_finds_what_a_whole_check_finds_across_the_part_borders() async throws {
        try await withClinic { clinic in
            // audit verify walks a long trail in parts so it never holds it all in memory
            // (20 million rows at a large clinic); links across the border of two parts count too.
            try await addEvents(clinic, count: 7)
            let key = try await clinic.chainKey()
            try await AuditCheckpoints.write(clinic.app, database: clinic.db, now: clinic.clock.now)
            let checkpoints = try AuditCheckpoints.load(from: AuditCheckpoints.directory(clinic.app.services.settings), key: key).checkpoints
            #expect(try await AuditVerification.firstBreak(on: clinic.db, key: key, checkpoints: checkpoints, batchSize: 2) == nil)
            try await dropGuard(clinic)
            // Row 5 starts the third part of two rows: its link to row 4 crosses the border.
            try await clinic.sql.raw("UPDATE audit_events SET previous_hash = \(bind: AuditRecord.genesisHash) WHERE sequence = 5").run()
            #expect(try await AuditVerification.firstBreak(on: clinic.db, key: key, batchSize: 2)?.sequence == 5)
            try await clinic.sql.raw("DELETE FROM audit_events WHERE sequence >= 5").run()
            try await clinic.sql.raw("UPDATE audit_chain_head SET last_sequence = 4, last_hash = (SELECT hash FROM audit_events WHERE sequence = 4) WHERE id = 1").run()
            let truncated = try #require(try await AuditVerification.firstBreak(on: clinic.db, key: key, checkpoints: checkpoints, batchSize: 2))
            #expect(truncated.sequence == 5 && truncated.reason.contains("records 7 rows but the trail ends at 4"))
        }
    }

    @Test func a_request_id_sent_by_the_client_never_reaches_the_trail() async throws {
        try await withClinic { clinic in
            let (browser, _) = try await clinic.signedIn(as: .receptionist)
            var headers = HTTPHeaders()
            headers.add(name: .xRequestId, value: "someone-elses-request")
            #expect(try await browser.send(.GET, "/staff/enquiries", headers: headers, body: nil).status == .ok)
            let row = try #require(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "enquiry-list").first())
            #expect(row.requestID != "someone-elses-request")
            #expect(row.requestID.flatMap(UUID.init(uuidString:)) != nil)
            #expect(Request.looksLikeRequestID("7f3c-abc_1.2") && !Request.looksLikeRequestID("two words") && !Request.looksLikeRequestID(""))
        }
    }

    @Test func the_hex_digest_matches_the_published_sha256_vectors() {
        #expect(HexDigest.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(HexDigest.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(HexDigest.hex([0x00, 0x0f, 0xf0, 0xff]) == "000ff0ff")
    }

    @Test func the_admin_filters_the_trail_by_the_person_a_record_is_about() async throws {
        try await withClinic { clinic in
            try await addEvents(clinic, count: 3)
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let page = try await browser.get("/staff/audit?subject=p1@example.org")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("p1@example.org"))
            #expect(!html.contains("p2@example.org"))
            let check = try await browser.get("/staff/audit/verify")
            #expect(check.status == .ok)
            #expect(check.body.string.contains("Every row matches its hash"))
        }
    }

    /// The person filter offers every member of staff by name (read as plain rows), the one asked
    /// for chosen.
    @Test func the_person_filter_lists_the_staff_by_name_with_the_chosen_one_selected() async throws {
        try await withClinic { clinic in
            let zed = try await clinic.makeStaff(.therapist, name: "Zed Zimmer")
            let abe = try await clinic.makeStaff(.receptionist, name: "Abe Ahmed")
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let html = try await browser.get("/staff/audit?actor=\(zed.id!.uuidString)").body.string
            let abeAt = try #require(html.range(of: #"<option value="\#(abe.id!.uuidString)">Abe Ahmed</option>"#))
            let zedAt = try #require(html.range(of: #"<option value="\#(zed.id!.uuidString)" selected="selected">Zed Zimmer</option>"#)
                                     ?? html.range(of: #"<option value="\#(zed.id!.uuidString)" selected>Zed Zimmer</option>"#))
            #expect(abeAt.lowerBound < zedAt.lowerBound, "by name")
        }
    }

    /// The list is read as plain rows now: the filters still combine, pages follow one another
    /// newest first without a gap or a repeat, and a clinical event names its client.
    @Test func filters_combine_and_pages_follow_each_other_newest_first() async throws {
        try await withClinic { clinic in
            let count = AuditController.pageSize + 10
            try await addEvents(clinic, count: count)
            let client = try await clinic.addClient(name: "Named Person", email: "named@example.org")
            try await clinic.app.auditWriter.record(AuditEntry(actorID: "u", actorLabel: "Test", action: .update, recordType: "chart",
                                                               recordID: nil, subject: client.id!.uuidString, requestID: "rc", detail: nil))
            let (browser, _) = try await clinic.signedIn(as: .admin)
            func recordIDs(_ html: String) -> [String] {
                html.matches(of: /enquiry (e[0-9]+)</).map { String($0.1) }
            }
            let first = try await browser.get("/staff/audit?type=enquiry&action=view").body.string
            let second = try await browser.get("/staff/audit?type=enquiry&action=view&page=2").body.string
            let shown = recordIDs(first) + recordIDs(second)
            #expect(recordIDs(second).count == 10)
            #expect(shown == (0..<count).reversed().map { "e\($0)" })
            #expect(first.contains("page=2") && !second.contains("page=3"))
            #expect(recordIDs(try await browser.get("/staff/audit?type=enquiry&action=update").body.string).isEmpty)
            let about = try await browser.get("/staff/audit?subject=\(client.id!.uuidString.lowercased())").body.string
            #expect(about.contains("Named Person"))
            #expect(recordIDs(about).isEmpty)
        }
    }

    /// The "Older" link of a filtered page once carried a bare & in its href, which is invalid HTML.
    @Test func paging_links_of_a_filtered_trail_are_escaped() async throws {
        try await withClinic { clinic in
            try await addEvents(clinic, count: 120)
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let html = try await browser.get("/staff/audit?type=enquiry").body.string
            #expect(html.contains(#"href="/staff/audit?type=enquiry&amp;page=2""#))
            #expect(!html.contains("type=enquiry&page="))
        }
    }

    @Test func sign_in_and_sign_out_are_recorded() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            try await browser.get("/staff")
            try await browser.post("/staff/sign-out", form: [:])
            let actions = try await AuditEvent.query(on: clinic.db).filter(\.$actorID == user.id?.uuidString).sort(\.$sequence).all().map(\.action)
            // Today names clients beside their alerts and sessions, so opening it is a view in the trail.
            #expect(actions == ["sign-in", "view", "sign-out"])
        }
    }
}

/// Lets tasks hold something until the test says so, and tells the test when they all hold it.
private actor HoldGate {
    private var arrived = 0
    private var released = false
    private var arrivalWaiters: [(count: Int, waiter: CheckedContinuation<Void, Never>)] = []
    private var releaseWaiters: [CheckedContinuation<Void, Never>] = []

    func arrive() {
        arrived += 1
        let ready = arrivalWaiters.filter { $0.count <= arrived }
        arrivalWaiters.removeAll { $0.count <= arrived }
        ready.forEach { $0.waiter.resume() }
    }

    func waitUntilArrived(_ count: Int) async {
        if arrived >= count { return }
        await withCheckedContinuation { arrivalWaiters.append((count, $0)) }
    }

    func waitForRelease() async {
        if released { return }
        await withCheckedContinuation { releaseWaiters.append($0) }
    }

    func release() {
        released = true
        releaseWaiters.forEach { $0.resume() }
        releaseWaiters = []
    }
}
