import Fluent
import FluentSQLiteDriver
import Foundation
import IPTPages
@testable import IPTWeb
import NIOCore
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Short reads on SQLite run on the calling thread (`InlineSQLiteReader`); whatever should not
/// is handed to the pooled connection and still gets its answer.
@Suite struct InlineReadsTests {
    private func inline(_ clinic: TestClinic) throws -> (InlineSQLiteReader, InlineSQLiteDatabase)? {
        guard DatabaseEngine(of: clinic.db) == .sqlite else { return nil }
        let reader = try #require(clinic.app.services.inlineReader)
        // sqlite-nio's own handle, under the one pages get (which reads through the reader too).
        let pooled = (clinic.db as? InlineReadingDatabase)?.pooled as? any SQLDatabase ?? clinic.db as! any SQLDatabase
        return (reader, InlineSQLiteDatabase(reader: reader, eventLoop: pooled.eventLoop, logger: pooled.logger) { pooled })
    }

    private func name(of email: String, on database: any SQLDatabase) async throws -> String? {
        try await database.raw("SELECT name FROM staff_users WHERE email = \(bind: email)").first()?
            .decode(column: "name", as: String.self)
    }

    /// Fails loudly if a dependency update changes the C library the inline reader imports (a
    /// rename stops the build): it must be the very SQLite build that sqlite-nio runs, since two
    /// copies in one process do not see each other's file locks.
    @Test func the_inline_reader_runs_the_same_sqlite_as_sqlite_nio() async throws {
        try await withClinic { clinic in
            guard let (reader, _) = try inline(clinic) else { return }
            let pooled = clinic.db as! any SQLDatabase
            let nioBuild = try await pooled.raw("SELECT sqlite_source_id() AS v").first()?.decode(column: "v", as: String.self)
            #expect(nioBuild == InlineSQLiteReader.linkedSourceID, "the imported SQLite is not the build sqlite-nio runs")
            let inlineBuild = try reader.rows("SELECT sqlite_source_id() AS v", binds: [])?.first?.decode(column: "v", as: String.self)
            #expect(inlineBuild == nioBuild)
        }
    }

    /// A report's long reads go to sqlite-nio from the start; a page's reads are answered inline.
    @Test func a_long_read_is_not_tried_inline_first() async throws {
        try await withClinic { clinic in
            guard let (reader, _) = try inline(clinic) else { return }
            _ = try await clinic.makeStaff(.therapist, email: "long@example.org", name: "Long Read")
            let before = reader.statementCounts
            let long = try await RowReader.long("SELECT name FROM staff_users WHERE email = \(bind: "long@example.org")", on: clinic.db)
            #expect(try long.first?.decode(column: "name", as: String.self) == "Long Read")
            let between = reader.statementCounts
            #expect(between.served == before.served && between.handedOver == before.handedOver, "not through the inline reader")
            let short = try await RowReader.all("SELECT name FROM staff_users WHERE email = \(bind: "long@example.org")", on: clinic.db)
            #expect(try short.first?.decode(column: "name", as: String.self) == "Long Read")
            #expect(reader.statementCounts.served == between.served + 1)
        }
    }

    /// A client's whole access log (thousands of rows at a large clinic) is read on the pool from
    /// the start; through the reader it ran out its budget and was read a second time.
    @Test func a_clients_access_log_is_read_on_the_pool_from_the_start() async throws {
        try await withClinic { clinic in
            guard let (reader, _) = try inline(clinic) else { return }
            let client = UUID()
            try await clinic.app.auditWriter.record(AuditEntry(actorID: "u", actorLabel: "Test", action: .view, recordType: "chart",
                                                               recordID: client.uuidString, subject: client.uuidString, requestID: nil, detail: nil))
            let before = reader.statementCounts
            let log = try await AuditQueries.events(aboutClient: client, on: clinic.db)
            #expect(log.count == 1 && log.first?.recordType == "chart")
            let after = reader.statementCounts
            #expect(after.served == before.served && after.handedOver == before.handedOver, "not through the inline reader")
        }
    }

    @Test func a_keyed_read_is_answered_here_and_sees_every_committed_write() async throws {
        try await withClinic { clinic in
            guard let (reader, database) = try inline(clinic) else { return }
            let staff = try await clinic.makeStaff(.therapist, email: "inline@example.org", name: "First Name")
            let before = reader.statementCounts
            #expect(try await name(of: "inline@example.org", on: database) == "First Name")
            staff.name = "Second Name"
            try await staff.save(on: clinic.db)
            // The same prepared statement again: it must not keep the snapshot of its first run.
            #expect(try await name(of: "inline@example.org", on: database) == "Second Name")
            #expect(try await name(of: "nobody@example.org", on: database) == nil)
            // From an event loop thread, through that loop's own connection.
            let onLoop = try await clinic.app.eventLoopGroup.next().submit {
                reader.rows("SELECT name FROM staff_users WHERE email = ?", binds: [.text("inline@example.org")])
            }.get()
            #expect(try onLoop?.first?.decode(column: "name", as: String.self) == "Second Name")
            let after = reader.statementCounts
            #expect(after.served - before.served == 4)
            #expect(after.handedOver == before.handedOver)
        }
    }

    @Test func a_statement_over_its_time_budget_is_stopped_and_answered_by_the_pool() async throws {
        try await withClinic(configure: { $0.metricsToken = "a-long-metrics-token" }) { clinic in
            guard let (reader, database) = try inline(clinic) else { return }
            func stoppedSoFar() async throws -> Int {
                let text = try await Browser(app: clinic.app).get("/metrics", headers: ["Authorization": "Bearer a-long-metrics-token"]).body.string
                let line = text.split(separator: "\n").first { $0.hasPrefix("ipt_inline_reads_stopped_total ") }
                return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
            }
            let stoppedBefore = try await stoppedSoFar()
            // Millions of rows: far past the budget (2 ms, 100 ms in tests) if it were left to run.
            let slow = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3000000) SELECT count(*) AS total FROM c"
            #expect(reader.rows(slow, binds: []) == nil, "interrupted by the watchdog, not run to the end")
            #expect(try await stoppedSoFar() > stoppedBefore, "counted for the operator")
            let before = reader.statementCounts.handedOver
            let row = try #require(try await database.raw(SQLQueryString(slow)).first())
            #expect(try row.decode(column: "total", as: Int.self) == 3_000_000)
            #expect(row is InlineSQLiteRow, "the pool's answer decodes as the reader's does")
            #expect(reader.statementCounts.handedOver == before + 1)
            // The connection is usable again at once.
            let again = try #require(reader.rows("SELECT 1 AS one", binds: [])?.first)
            #expect(try again.decode(column: "one", as: Int.self) == 1)
        }
    }

    /// A long read, or one handed over, comes back from the pool as plain rows that decode exactly
    /// as SQLiteKit's own rows of the same statement; a write still goes the usual way.
    @Test func reads_answered_by_the_pool_come_back_as_plain_rows_that_decode_as_sqlitekit_does() async throws {
        try await withClinic { clinic in
            guard let (_, database) = try inline(clinic) else { return }
            let staff = try await clinic.makeStaff(.therapist, email: "plain@example.org", name: "Plain Rows")
            let id = try #require(staff.id)
            let query: SQLQueryString = """
                SELECT id, name, email, CAST(1765000000.5 AS REAL) AS at, NULL AS never, 3 AS count, 1 AS yes, 2.5 AS half
                FROM staff_users WHERE id = \(bind: id)
                """
            let plain = try await RowReader.long(query, on: clinic.db)
            let pooled = (clinic.db as? InlineReadingDatabase)?.pooled as? any SQLDatabase ?? clinic.db as! any SQLDatabase
            let kit = try await pooled.raw(query).all()
            #expect(plain.count == 1 && kit.count == 1)
            let row = try #require(plain.first), reference = try #require(kit.first)
            #expect(row is InlineSQLiteRow, "not SQLiteKit's row")
            #expect(!(reference is InlineSQLiteRow))
            #expect(row.allColumns == reference.allColumns)
            #expect(try row.decode(column: "id", as: UUID.self) == id)
            #expect(try row.decode(column: "id", as: UUID.self) == reference.decode(column: "id", as: UUID.self))
            #expect(try row.decode(column: "name", as: String.self) == reference.decode(column: "name", as: String.self))
            #expect(try row.decode(column: "at", as: Date.self) == reference.decode(column: "at", as: Date.self))
            #expect(try row.decode(column: "never", as: Date?.self) == nil)
            #expect(try reference.decode(column: "never", as: Date?.self) == nil)
            #expect(try row.decode(column: "count", as: Int.self) == reference.decode(column: "count", as: Int.self))
            #expect(try row.decode(column: "yes", as: Bool.self) == reference.decode(column: "yes", as: Bool.self))
            #expect(try row.decode(column: "half", as: Double.self) == reference.decode(column: "half", as: Double.self))
            // No rows is an empty answer, not a failure.
            let none = try await RowReader.long("SELECT id FROM staff_users WHERE email = \(bind: "nobody@example.org")", on: clinic.db)
            #expect(none.isEmpty)
            // A write is not taken as a read: it runs on the pool through SQLKit, as before.
            let update: SQLQueryString = "UPDATE staff_users SET name = 'Renamed' WHERE id = \(bind: id)"
            #expect(try await PooledSQLiteRows.all(update, on: pooled) == nil)
            try await database.raw(update).run()
            #expect(try await name(of: "plain@example.org", on: pooled) == "Renamed")
        }
    }

    @Test func a_write_sent_this_way_goes_to_the_pooled_connection() async throws {
        try await withClinic { clinic in
            guard let (reader, database) = try inline(clinic) else { return }
            _ = try await clinic.makeStaff(.therapist, email: "writer@example.org", name: "Before")
            let update = "UPDATE staff_users SET name = 'After' WHERE email = 'writer@example.org'"
            #expect(reader.rows(update, binds: []) == nil, "a read-only connection does not take writes")
            try await database.raw(SQLQueryString(update)).run()
            #expect(try await name(of: "writer@example.org", on: clinic.db as! any SQLDatabase) == "After")
        }
    }

    @Test func only_fully_bound_queries_run_here() async throws {
        try await withClinic { clinic in
            guard let (reader, database) = try inline(clinic) else { return }
            // Read-only to SQLite, but each would change the connection for every later read.
            for statement in ["BEGIN", "SAVEPOINT s1", "PRAGMA busy_timeout = 5000", "ATTACH DATABASE ':memory:' AS other"] {
                #expect(reader.rows(statement, binds: []) == nil, "\(statement)")
            }
            // A parameter left unbound would keep the previous run's value (another visitor's token).
            _ = try await clinic.makeStaff(.therapist, email: "bound@example.org", name: "Bound")
            let sql = "SELECT name FROM staff_users WHERE email = ?"
            #expect(reader.rows(sql, binds: [.text("bound@example.org")])?.count == 1)
            #expect(reader.rows(sql, binds: []) == nil)
            // Still answered, by the pool.
            #expect(try await name(of: "bound@example.org", on: database) == "Bound")
            #expect(reader.rows("SELECT COUNT(*) AS n FROM staff_users", binds: [])?.count == 1, "nothing left open")
        }
    }

    @Test func a_staff_page_reads_its_session_and_list_here() async throws {
        try await withClinic { clinic in
            guard let (reader, _) = try inline(clinic) else { return }
            let (browser, _) = try await clinic.signedIn(as: .receptionist)
            let before = reader.statementCounts
            let page = try await browser.get("/staff/enquiries")
            #expect(page.status == .ok)
            let after = reader.statementCounts
            #expect(after.served - before.served == 2, "the session and the inbox list")
            #expect(after.handedOver == before.handedOver)
            // Kept statements are not compiled again: the session lookup was, on every page,
            // while its bindings were cleared after each run.
            // (SQLite compiles a statement once more at its first run when a bound OFFSET of 0
            // could change the plan; after that, never.)
            let compiled = reader.recompilations
            for _ in 0..<5 { #expect(try await browser.get("/staff/enquiries").status == .ok) }
            #expect(reader.recompilations == compiled)
        }
    }

    @Test func fluent_reads_outside_a_transaction_are_answered_here() async throws {
        try await withClinic { clinic in
            guard let (reader, _) = try inline(clinic) else { return }
            #expect(clinic.db is InlineReadingDatabase, "the database pages get reads through the reader")
            let clinician = try await clinic.makeStaff(.therapist, email: "fluent@example.org", name: "Fluent Reader")
            let client = try await clinic.addClient(name: "Ada Inline", email: "ada@example.org")
            try await clinic.assignCareTeam(client: try client.requireID(), treating: clinician)
            let before = reader.statementCounts
            let found = try await StaffUser.query(on: clinic.db).filter(\.$email == "fluent@example.org").first()
            #expect(found?.name == "Fluent Reader")
            #expect(try await StaffUser.query(on: clinic.db).filter(\.$email == "fluent@example.org").count() == 1)
            // A parent loaded with its child (a second query) and a join, whose columns carry the
            // table's prefix.
            let member = try await CareTeamMember.query(on: clinic.db).filter(\.$client.$id == client.requireID()).with(\.$staff).first()
            #expect(member?.staff.name == "Fluent Reader")
            let joined = try await CareTeamMember.query(on: clinic.db).join(StaffUser.self, on: \CareTeamMember.$staff.$id == \StaffUser.$id)
                .filter(StaffUser.self, \.$email == "fluent@example.org").first()
            #expect(try joined?.joined(StaffUser.self).name == "Fluent Reader")
            let after = reader.statementCounts
            #expect(after.served - before.served == 5)
            #expect(after.handedOver == before.handedOver)
        }
    }

    @Test func a_transaction_reads_its_own_writes_on_its_own_connection() async throws {
        try await withClinic { clinic in
            guard let (reader, _) = try inline(clinic) else { return }
            let before = reader.statementCounts
            let seenInside = try await clinic.db.transaction { db in
                let user = StaffUser(email: "uncommitted@example.org", name: "Not Yet", role: .therapist, passwordHash: "x",
                                     slug: "s-uncommitted", createdAt: clinic.clock.now)
                try await user.create(on: db)
                // The reader sees committed rows only; inside the transaction the read must not go there.
                return try await StaffUser.query(on: db).filter(\.$email == "uncommitted@example.org").first()?.name
            }
            #expect(seenInside == "Not Yet")
            #expect(reader.statementCounts.served == before.served, "nothing inside the transaction was read inline")
            // Committed now, so a read outside sees it at once.
            #expect(try await StaffUser.query(on: clinic.db).filter(\.$email == "uncommitted@example.org").first()?.name == "Not Yet")
            #expect(reader.statementCounts.served == before.served + 1)
        }
    }

    @Test func a_chart_is_read_here() async throws {
        try await withClinic { clinic in
            guard let (reader, _) = try inline(clinic) else { return }
            let (browser, clinician) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.addClient(name: "Chart Inline", email: "chart@example.org")
            try await clinic.assignCareTeam(client: try client.requireID(), treating: clinician)
            let before = reader.statementCounts
            let page = try await browser.get("/staff/clients/\(try client.requireID().uuidString)/chart")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Chart Inline"))
            let after = reader.statementCounts
            #expect(after.served - before.served >= 10, "the chart's reads, not only the session")
            #expect(after.handedOver == before.handedOver)
        }
    }

    @Test func a_closed_reader_hands_everything_to_the_pool() async throws {
        try await withClinic { clinic in
            guard let (reader, database) = try inline(clinic) else { return }
            reader.close()
            reader.close()  // again at shutdown: must not close the handle twice
            #expect(reader.rows("SELECT 1 AS one", binds: []) == nil)
            let row = try #require(try await database.raw("SELECT 2 AS two").first())
            #expect(try row.decode(column: "two", as: Int.self) == 2)
        }
    }
}

/// `UUIDText` reads ids in place of Foundation's parser on the inline reader's rows: it must read
/// what Foundation reads, and leave alone what Foundation would refuse.
@Suite struct UUIDTextTests {
    @Test func it_reads_every_id_as_foundation_does_in_either_case() {
        for _ in 0..<2_000 {
            let id = UUID()
            #expect(UUIDText.parse(id.uuidString) == id)
            #expect(UUIDText.parse(id.uuidString.lowercased()) == id)
        }
        for text in ["00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "5CA1E001-0000-4001-8000-00000000ab9F"] {
            #expect(UUIDText.parse(text) == UUID(uuidString: text))
        }
    }

    @Test func it_writes_every_id_as_foundation_does() {
        var ids = (0..<2_000).map { _ in UUID() }
        ids += ["00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "5CA1E001-0000-4001-8000-00000000AB9F"]
            .compactMap(UUID.init(uuidString:))
        for id in ids {
            #expect(UUIDText.string(id) == id.uuidString)
            #expect(UUIDText.string(id, lowercase: true) == id.uuidString.lowercased())
        }
    }

    @Test func it_refuses_what_is_not_an_id() {
        let bad = ["", "5CA1E001-0000-4001-8000-00000000000", "5CA1E001-0000-4001-8000-0000000000000", "5CA1E0010-000-4001-8000-000000000000",
                   "5CA1E001-0000-4001-8000-00000000000G", "{CA1E001-0000-4001-8000-000000000000}", "5CA1E001 0000 4001 8000 000000000000",
                   "5CA1E001-0000-4001-8000-0000000000é", "5CA1E0010000400180000000000000000000"]
        for text in bad {
            #expect(UUIDText.parse(text) == nil, "\(text)")
            #expect(UUID(uuidString: text) == nil, "Foundation refuses it too: \(text)")
        }
        // Whatever Foundation makes of a 36-character oddity, this makes the same.
        for text in ["+1CA1E001-0000-4001-8000-000000000000", " 1CA1E001-0000-4001-8000-000000000000", "5CA1E001-0000-4001-8000-00000000000 "] {
            #expect(UUIDText.parse(text) == UUID(uuidString: text), "\(text)")
        }
    }

    @Test func rows_read_inline_give_ids_and_missing_ids_as_they_were_stored() async throws {
        try await withClinic { clinic in
            guard DatabaseEngine(of: clinic.db) == .sqlite else { return }
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let client = try await clinic.addClient(name: "Riley Tan", email: "riley@example.org")
            let appointment = try await TodayTests.appointment(clinic, clinician: therapist, client: client, hours: 1)
            let rows = try await RowReader.all("SELECT id, client_id, series_id FROM appointments WHERE id = \(bind: appointment.requireID())", on: clinic.db)
            let row = try #require(rows.first)
            #expect(row is InlineSQLiteRow)
            #expect(try row.decode(column: "id", as: UUID.self) == appointment.id)
            #expect(try row.decode(column: "client_id", as: UUID?.self) == client.id)
            #expect(try row.decode(column: "series_id", as: UUID?.self) == nil)
            #expect(throws: (any Error).self) { try row.decode(column: "series_id", as: UUID.self) }
            // A Fluent model read inline decodes its ids the same way.
            let found = try #require(try await Appointment.find(appointment.id, on: clinic.db))
            #expect(found.$client.id == client.id && found.$staff.id == therapist.id && found.$series.id == nil)
        }
    }
}

@Suite struct CookieHeaderTests {
    @Test func pairs_are_split_trimmed_and_unquoted_and_a_repeated_name_keeps_its_last_value() {
        let cookies = CookieHeader.parse(["ipt_session=abc123;  ipt_csrf = \"q-r_s\" ; flag; =nameless; pad=YQ==", "ipt_session=later"])
        #expect(cookies["ipt_session"] == "later")
        #expect(cookies["ipt_csrf"] == "q-r_s")
        #expect(cookies["pad"] == "YQ==", "only the first = separates name from value")
        #expect(cookies["flag"] == nil)
        #expect(cookies[""] == nil)
        #expect(cookies.count == 3)
        // A prepend mark before `;` joins it into one Character; the pair after it still counts.
        #expect(CookieHeader.parse(["a=x\u{600}; ipt_session=tok"])["ipt_session"] == "tok")
    }

    @Test func an_empty_or_missing_header_gives_no_cookies() {
        #expect(CookieHeader.parse([]).isEmpty)
        #expect(CookieHeader.parse([""]).isEmpty)
        #expect(CookieHeader.parse([" ; ;"]).isEmpty)
        #expect(CookieHeader.parse(["a="])["a"] == "")
    }
}

@Suite struct DateDisplayTests {
    @Test func dates_format_in_their_zone_the_same_from_many_threads_at_once() async {
        // 2026-01-15 14:30 UTC and 2026-07-15 14:30 UTC: winter and summer time.
        let winter = Date(timeIntervalSince1970: 1_768_487_400), summer = Date(timeIntervalSince1970: 1_784_125_800)
        let expected = [
            "America/Toronto|winter": "2026-01-15 09:30 EST", "America/Toronto|summer": "2026-07-15 10:30 EDT",
            "America/Vancouver|winter": "2026-01-15 06:30 PST", "America/Vancouver|summer": "2026-07-15 07:30 PDT",
        ]
        // The formatters are kept and shared; formatting from many threads must not mix them up.
        let results = await withTaskGroup(of: (String, String).self) { group in
            for index in 0..<400 {
                let zone = index % 2 == 0 ? "America/Toronto" : "America/Vancouver"
                let season = index % 4 < 2 ? "winter" : "summer"
                group.addTask { ("\(zone)|\(season)", DateDisplay.dateTime(season == "winter" ? winter : summer, timeZone: zone)) }
            }
            return await group.reduce(into: [(String, String)]()) { $0.append($1) }
        }
        #expect(results.count == 400)
        for (key, text) in results { #expect(text == expected[key], "\(key)") }
        #expect(DateDisplay.iso(winter) == "2026-01-15T14:30:00Z")
    }
}

/// `InlineSQLiteRow.plain` reads times, words and counts in place of SQLiteDataDecoder: for every
/// storage class it answers, it must read what SQLiteDataDecoder reads, and leave the rest to it.
@Suite struct InlineRowPlainDecodingTests {
    static let values: [SQLiteData] = [.float(1_765_000_000.25), .float(-3.5), .float(0), .integer(1_765_000_000), .integer(0), .integer(1), .integer(2), .integer(-7),
                                       .text("assessment"), .text(""), .text("2026-12-07T10:00:00Z"), .text("12"), .null,
                                       .text("5CA1E001-0000-4001-8000-000000000000"), .text("5ca1e001-0000-4001-8000-00000000ab9f"),
                                       .blob(ByteBuffer(string: "x"))]

    /// What SQLiteDataDecoder makes of `data`, or nil where it refuses.
    static func reference<D: Decodable>(_ data: SQLiteData, as type: D.Type) -> D? { try? SQLiteDataDecoder().decode(D.self, from: data) }

    @Test func it_reads_what_sqlite_data_decoder_reads() {
        for data in Self.values {
            if let plain = try? InlineSQLiteRow.plain(data, as: Date.self) { #expect(plain == Self.reference(data, as: Date.self), "\(data)") }
            if let plain = try? InlineSQLiteRow.plain(data, as: Date?.self) { #expect(plain == Self.reference(data, as: Date?.self), "\(data)") }
            if let plain = try? InlineSQLiteRow.plain(data, as: Int.self) { #expect(plain == Self.reference(data, as: Int.self), "\(data)") }
            if let plain = try? InlineSQLiteRow.plain(data, as: Int?.self) { #expect(plain == Self.reference(data, as: Int?.self), "\(data)") }
            if let plain = try? InlineSQLiteRow.plain(data, as: Int64.self) { #expect(plain == Self.reference(data, as: Int64.self), "\(data)") }
            if let plain = try? InlineSQLiteRow.plain(data, as: Int64?.self) { #expect(plain == Self.reference(data, as: Int64?.self), "\(data)") }
            if let plain = try? InlineSQLiteRow.plain(data, as: String.self) { #expect(plain == Self.reference(data, as: String.self), "\(data)") }
            if let plain = try? InlineSQLiteRow.plain(data, as: String?.self) { #expect(plain == Self.reference(data, as: String?.self), "\(data)") }
            if let plain = try? InlineSQLiteRow.plain(data, as: Bool.self) { #expect(plain == Self.reference(data, as: Bool.self), "\(data)") }
            if let plain = try? InlineSQLiteRow.plain(data, as: Bool?.self) { #expect(plain == Self.reference(data, as: Bool?.self), "\(data)") }
            if let plain = try? InlineSQLiteRow.plain(data, as: UUID.self) { #expect(plain == Self.reference(data, as: UUID.self), "\(data)") }
            if let plain = try? InlineSQLiteRow.plain(data, as: UUID?.self) { #expect(plain == Self.reference(data, as: UUID?.self), "\(data)") }
        }
    }

    @Test func it_answers_the_pairings_pages_use_and_no_others() {
        #expect((try? InlineSQLiteRow.plain(.float(1_765_000_000), as: Date.self)) == Date(timeIntervalSince1970: 1_765_000_000))
        #expect((try? InlineSQLiteRow.plain(.float(10), as: Date?.self)) == .some(Date(timeIntervalSince1970: 10)))
        #expect((try? InlineSQLiteRow.plain(.null, as: Date?.self)) == .some(nil), "a null time is an answer: none")
        #expect((try? InlineSQLiteRow.plain(.null, as: Int?.self)) == .some(nil))
        #expect((try? InlineSQLiteRow.plain(.null, as: String?.self)) == .some(nil))
        #expect((try? InlineSQLiteRow.plain(.integer(4), as: Int.self)) == 4)
        #expect((try? InlineSQLiteRow.plain(.integer(1_796_686_733_190), as: Int64.self)) == 1_796_686_733_190)
        #expect((try? InlineSQLiteRow.plain(.null, as: Int64?.self)) == .some(nil))
        #expect((try? InlineSQLiteRow.plain(.text("held"), as: String.self)) == "held")
        let id = UUID()
        #expect((try? InlineSQLiteRow.plain(.text(id.uuidString), as: UUID.self)) == id)
        #expect((try? InlineSQLiteRow.plain(.text(id.uuidString), as: UUID?.self)) == .some(id))
        #expect((try? InlineSQLiteRow.plain(.null, as: UUID?.self)) == .some(nil))
        // Left to SQLiteDataDecoder: conversions between storage classes, text that is not an id,
        // and other types.
        #expect((try? InlineSQLiteRow.plain(.text("not an id"), as: UUID.self)) == nil)
        #expect((try? InlineSQLiteRow.plain(.text("not an id"), as: UUID?.self)) == nil)
        #expect((try? InlineSQLiteRow.plain(.null, as: Date.self)) == nil)
        #expect((try? InlineSQLiteRow.plain(.integer(4), as: Date.self)) == nil)
        #expect((try? InlineSQLiteRow.plain(.text("4"), as: Int.self)) == nil)
        #expect((try? InlineSQLiteRow.plain(.integer(4), as: String.self)) == nil)
        #expect((try? InlineSQLiteRow.plain(.integer(1), as: Bool.self)) == true)
        #expect((try? InlineSQLiteRow.plain(.integer(0), as: Bool?.self)) == .some(false))
        #expect((try? InlineSQLiteRow.plain(.null, as: Bool?.self)) == .some(nil))
        #expect((try? InlineSQLiteRow.plain(.integer(2), as: Bool.self)) == nil, "SQLiteDataDecoder refuses it")
        #expect((try? InlineSQLiteRow.plain(.float(1), as: Double.self)) == nil)
    }

    /// Through the reader: a row's times, words, counts and nulls come back as stored.
    @Test func rows_read_through_the_inline_reader_decode_as_before() async throws {
        try await withClinic { clinic in
            guard DatabaseEngine(of: clinic.db) == .sqlite else { return }
            let reader = try #require(clinic.app.services.inlineReader)
            let row = try #require(reader.rows("""
                SELECT CAST(1765000000.5 AS REAL) AS at, NULL AS never, 'held' AS word, 3 AS count, NULL AS none
                """, binds: [])?.first)
            #expect(try row.decode(column: "at", as: Date.self) == Date(timeIntervalSince1970: 1_765_000_000.5))
            #expect(try row.decode(column: "never", as: Date?.self) == nil)
            #expect(try row.decode(column: "word", as: String.self) == "held")
            #expect(try row.decode(column: "count", as: Int.self) == 3)
            #expect(try row.decode(column: "none", as: Int?.self) == nil)
            #expect(throws: (any Error).self) { try row.decode(column: "never", as: Date.self) }
        }
    }
}
