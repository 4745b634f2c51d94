import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// The queries behind the record pages: copies released, requests, and the retention report.
enum PrivacyQueries {
    /// The latest copy released to the client, if any.
    static func releasedCopy(of clientID: UUID, on db: any Database) async throws -> RecordRequest? {
        try await RecordRequest.query(on: db).filter(\.$client.$id == clientID).filter(\.$kind == RecordRequest.Kind.access)
            .filter(\.$status == RecordRequest.Status.provided).sort(\.$resolvedAt, .descending).first()
    }

    /// Whether the client already has a request for a copy waiting.
    static func hasOpenAccessRequest(_ clientID: UUID, on db: any Database) async throws -> Bool {
        try await RecordRequest.query(on: db).filter(\.$client.$id == clientID).filter(\.$kind == RecordRequest.Kind.access)
            .filter(\.$status == RecordRequest.Status.open).count() > 0
    }

    /// The newest requests (at most 200) with their clients.
    static func recentRequests(on db: any Database) async throws -> [RecordRequest] {
        try await RecordRequest.query(on: db).with(\.$client).sort(\.$requestedAt, .descending).limit(200).all()
    }

    static func request(_ id: UUID, on db: any Database) async throws -> RecordRequest? {
        try await RecordRequest.query(on: db).filter(\.$id == id).with(\.$client).first()
    }

    /// Records destroyed, newest first, with who destroyed them.
    static func tombstones(on db: any Database) async throws -> [RecordTombstone] {
        try await RecordTombstone.query(on: db).sort(\.$destroyedAt, .descending).limit(100).with(\.$destroyedBy).all()
    }

    /// The holds on a record not yet lifted.
    static func activeHolds(of clientID: UUID, on db: any Database) async throws -> [RecordHold] {
        try await RecordHold.query(on: db).filter(\.$client.$id == clientID).filter(\.$liftedAt == nil).all()
    }

    /// The message a staff page shows after a redirect with `done`, as the chart pages word it.
    static func doneNotice(_ request: Request) -> String? {
        request.query[String.self, at: "done"].flatMap { ChartFrame.messages[$0] }
    }

    /// Deletes everything about the client and writes the tombstone, in one write transaction that
    /// checks again for a hold, an open request or a booked appointment; returns the rows deleted.
    static func destroy(_ client: ClientRecord, tombstone: RecordTombstone, now: Date, on database: any Database) async throws -> Int {
        let clientID = try client.requireID()
        // The client's addresses, less any another client also uses (a parent's address for two
        // children): what arrived from or went to a shared address may be about the other client.
        let others = try await ClientRecord.query(on: database).filter(\.$id != clientID).all()
        let shared = Set(others.flatMap { [$0.email, $0.guardianEmail].compactMap { $0?.lowercased() } })
        let addresses = Set([client.email, client.guardianEmail].compactMap { $0?.lowercased() }).subtracting(shared).sorted()
        return try await database.writeTransaction { db -> Int in
            // The account first, as billing takes it, so a payment at this moment waits rather than deadlocks.
            try await BillingQueries.lockAccount(clientID, on: db)
            // Checked again inside the write: a request or a hold that arrived a moment ago still wins.
            let openRequests = try await RecordRequest.query(on: db).filter(\.$client.$id == clientID).filter(\.$status == RecordRequest.Status.open).count()
            let holds = try await RecordHold.query(on: db).filter(\.$client.$id == clientID).filter(\.$liftedAt == nil).count()
            // A request answered in the last six months: the client may still complain about the answer.
            let recentlyAnswered = try await RecordRequest.query(on: db).filter(\.$client.$id == clientID).filter(\.$status != RecordRequest.Status.open)
                .filter(\.$resolvedAt >= now.addingTimeInterval(-Double(RetentionController.complaintWindowDays) * 86_400)).count()
            guard openRequests == 0, holds == 0, recentlyAnswered == 0 else { throw Abort(.conflict, reason: "The record is held. Nothing was destroyed.") }
            let booked = try await Appointment.query(on: db).filter(\.$client.$id == clientID).filter(\.$startsAt > now).count()
            guard booked == 0 else { throw Abort(.conflict, reason: "An appointment is booked for this client, so the record is kept. Nothing was destroyed.") }
            let sql = db as! any SQLDatabase
            var count = 0
            // What the clinic holds under the client's address goes with the record: every email to
            // it (waiting ones carry links; sent ones still say who was written to, when and about
            // what), the enquiries it sent, and the waitlist entries made with it. Waitlist entries
            // first: an offer points at an appointment.
            if !addresses.isEmpty {
                for (table, column) in [("outbox_messages", "recipient"), ("enquiries", "email"), ("waitlist_entries", "email"), ("waitlist_entries", "guardian_email")] {
                    let matching = SQLBinaryExpression(SQLFunction("LOWER", args: SQLIdentifier(column)), .in, SQLGroupExpression(addresses.map { SQLBind($0) }))
                    let countRow = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table).where(matching).first()
                    count += try countRow?.decode(column: "n", as: Int.self) ?? 0
                    try await sql.delete(from: table).where(matching).run()
                }
            }
            func delete(_ table: String, column: String = "client_id") async throws {
                let countRow = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
                    .where(SQLIdentifier(column), .equal, SQLBind(clientID)).first()
                count += try countRow?.decode(column: "n", as: Int.self) ?? 0
                try await sql.delete(from: table).where(SQLIdentifier(column), .equal, SQLBind(clientID)).run()
            }
            // Alerts may point at session notes, and duplicate tasks at either record: both before their targets.
            try await delete("risk_alerts")
            try await delete("possible_duplicates")
            try await delete("possible_duplicates", column: "existing_client_id")
            // Amendments first: they point at the notes they amend.
            let amendments = try await SessionNoteRow.query(on: db).filter(\.$client.$id == clientID).filter(\.$amends.$id != nil).all()
            for amendment in amendments { try await amendment.delete(on: db) }
            count += amendments.count
            try await delete("session_notes")
            // The client's billing: by the end of the record's retention it is older than the six
            // years the tax rules ask a clinic to keep its books. Allocations and lines first (they
            // point at payments and invoices), charges before invoices and appointments, credit
            // notes before the invoices they correct.
            let invoicesOfClient = SQLSubquery.select { $0.column("id").from("invoices").where("client_id", .equal, clientID) }
            let paymentsOfClient = SQLSubquery.select { $0.column("id").from("payments").where("client_id", .equal, clientID) }
            for (table, column, owners) in [("payment_allocations", "invoice_id", invoicesOfClient), ("payment_allocations", "payment_id", paymentsOfClient),
                                            ("invoice_lines", "invoice_id", invoicesOfClient)] {
                try await sql.delete(from: table).where(SQLIdentifier(column), .in, owners).run()
            }
            try await delete("charges")
            try await sql.delete(from: "invoices").where("client_id", .equal, clientID).where("corrects_id", .isNot, SQLLiteral.null).run()
            for table in RetentionController.billingTables { try await delete(table) }
            for table in RetentionController.clientTables { try await delete(table) }
            try await delete("clients", column: "id")
            if DatabaseEngine(of: db) == .sqlite {
                // The trigger took the client out of the search table (M065), but FTS5 only marks a
                // deleted row in its index and drops it at a later merge; merging now leaves no
                // trigram of the destroyed name or address in the index. (Freed pages are zeroed:
                // SQLiteNIO builds SQLite with SECURE_DELETE; the WAL holds them until the next
                // checkpoint, as it does every other row deleted here.)
                try await sql.raw("INSERT INTO client_search (client_search) VALUES ('optimize')").run()
            }
            // What the outcomes report kept of the client's courses, and the count of changes the
            // deletions above just added to (M064): last, so nothing is left behind.
            try await delete("course_outcomes")
            try await delete("client_outcome_versions")
            tombstone.rowsDestroyed = count
            try await tombstone.create(on: db)
            return count
        }
    }
}
