import Fluent
import Foundation

/// Binds every sealed value to the client its row is about (`SealContext.clientID`), so a row
/// moved to another client no longer opens, and seals what was stored in plain text before
/// sealing existed (enquiry messages); from here on a sealed column refuses plain text.
/// Values sealed before this migration were bound to table, row and column only: each is opened
/// with that binding and sealed again with the client added.
struct M036BindSealsToClient: SealingMigration {
    /// The sealed columns as they stand at this migration.
    static let columns: [SealedColumn] = [
        SealedColumn("staff_users", "totp_secret", client: nil),
        SealedColumn("staff_users", "totp_pending_secret", client: nil),
        SealedColumn("enquiries", "message", client: nil),
        SealedColumn("enquiries", "handling_note", client: nil),
        SealedColumn("supervision_sessions", "clients_sealed", client: nil),
        SealedColumn("appointments", "manage_token_sealed"),
        SealedColumn("measure_responses", "answers_sealed"),
        SealedColumn("risk_alerts", "follow_up_sealed"),
        SealedColumn("self_assessments", "answers_sealed"),
        SealedColumn("intakes", "details_sealed"),
        SealedColumn("treatment_contracts", "reason_sealed"),
        SealedColumn("phase_overrides", "reason_sealed"),
        SealedColumn("inventory_entries", "details_sealed", version: "version"),
        SealedColumn("formulations", "text_sealed"),
        SealedColumn("worksheets", "content_sealed"),
        SealedColumn("session_notes", "content_sealed"),
        SealedColumn("session_notes", "amendment_reason_sealed"),
        SealedColumn("session_notes", "review_comment_sealed"),
        SealedColumn("discharge_summaries", "content_sealed"),
        SealedColumn("chart_access_reasons", "reason_sealed"),
        SealedColumn("life_events", "note_sealed"),
        SealedColumn("record_requests", "details_sealed"),
        SealedColumn("record_requests", "response_sealed"),
        SealedColumn("record_holds", "reason_sealed"),
    ]

    func prepare(on database: any Database, keyRing load: KeyRingLoader) async throws {
        var ring: KeyRing?
        for column in Self.columns {
            for (stored, context) in try await column.values(on: database) {
                if ring == nil { ring = try await load(database) }
                let plain = stored.hasPrefix(KeyRing.prefix)
                    ? try ring!.open(stored, associatedData: context.associatedDataWithoutClient)
                    : stored
                try await column.store(try ring!.seal(plain, context), for: context, on: database)
            }
        }
    }

    /// Binds the values to table, row and column only again (plain text once stored stays sealed).
    func revert(on database: any Database, keyRing load: KeyRingLoader) async throws {
        var ring: KeyRing?
        for column in Self.columns {
            for (stored, context) in try await column.values(on: database) {
                if ring == nil { ring = try await load(database) }
                let plain = try ring!.open(stored, context)
                try await column.store(try ring!.seal(plain, associatedData: context.associatedDataWithoutClient), for: context, on: database)
            }
        }
    }
}
