import Fluent
import Foundation
import IPTCore
import SQLKit

/// Seals what was still stored in the open about a client's health: a questionnaire's total and
/// band (together in `score_sealed`), a life event's kind and impact (`event_sealed`), and the
/// name typed to sign a consent (`typed_name_sealed`). The plain columns are filled into the
/// sealed ones and dropped. A worksheet's dispute stage was a copy of a field of its sealed
/// content, so its plain column is simply dropped.
struct M037SealScoresEventsAndSignatures: SealingMigration {
    func prepare(on database: any Database, keyRing load: KeyRingLoader) async throws {
        let sql = database as! any SQLDatabase
        var ring: KeyRing?
        func sealAll(_ table: String, into column: String, from plainColumns: [String], _ value: (any SQLRow) throws -> String?) async throws {
            try await database.schema(table).field(.string(column), .string).update()
            let rows = try await sql.select().columns(["id", "client_id"] + plainColumns).from(table).all()
            for row in rows {
                guard let plain = try value(row) else { continue }
                if ring == nil { ring = try await load(database) }
                let context = SealContext(table, row: try row.decode(column: "id", as: UUID.self), column: column,
                                          client: try row.decode(column: "client_id", as: UUID.self))
                try await sql.update(table).set(SQLIdentifier(column), to: try ring!.seal(plain, context)).where("id", .equal, context.rowID).run()
            }
            for plainColumn in plainColumns { try await database.schema(table).deleteField(.string(plainColumn)).update() }
        }
        try await sealAll("measure_responses", into: "score_sealed", from: ["total", "band"]) { row in
            guard let total = try row.decode(column: "total", as: Int?.self) else { return nil }
            return try json(MeasureResponse.Score(total: total, band: try row.decode(column: "band", as: String?.self) ?? ""))
        }
        try await sealAll("life_events", into: "event_sealed", from: ["kind", "impact"]) { row in
            try json(LifeEventRow.Event(kind: try row.decode(column: "kind", as: String.self), impact: try row.decode(column: "impact", as: Int.self)))
        }
        try await sealAll("consents", into: "typed_name_sealed", from: ["typed_name"]) { row in
            try row.decode(column: "typed_name", as: String.self)
        }
        try await database.schema("worksheets").deleteField("stage").update()
    }

    /// Puts the plain columns back, filled from the sealed ones (they come back optional).
    func revert(on database: any Database, keyRing load: KeyRingLoader) async throws {
        let sql = database as! any SQLDatabase
        let ring = try await load(database)
        func openAll(_ table: String, from column: String, into plainColumns: [(String, DatabaseSchema.DataType)],
                     _ values: (String) throws -> [String: any Encodable & Sendable]) async throws {
            for (name, type) in plainColumns {
                try await database.schema(table).field(.string(name), type).update()
            }
            for (stored, context) in try await SealedColumn(table, column).values(on: database) {
                var update = sql.update(table)
                for (name, value) in try values(try ring.open(stored, context)) { update = update.set(SQLIdentifier(name), to: value) }
                try await update.where("id", .equal, context.rowID).run()
            }
            try await database.schema(table).deleteField(.string(column)).update()
        }
        try await openAll("measure_responses", from: "score_sealed", into: [("total", .int), ("band", .string)]) { text in
            let score = try JSONDecoder().decode(MeasureResponse.Score.self, from: Data(text.utf8))
            return ["total": score.total, "band": score.band]
        }
        try await openAll("life_events", from: "event_sealed", into: [("kind", .string), ("impact", .int)]) { text in
            let event = try JSONDecoder().decode(LifeEventRow.Event.self, from: Data(text.utf8))
            return ["kind": event.kind, "impact": event.impact]
        }
        try await openAll("consents", from: "typed_name_sealed", into: [("typed_name", .string)]) { ["typed_name": $0] }
        try await database.schema("worksheets").field("stage", .string).update()
        for (stored, context) in try await SealedColumn("worksheets", "content_sealed").values(on: database) {
            let content = try JSONDecoder().decode(WorksheetContent.self, from: Data(try ring.open(stored, context).utf8))
            try await sql.update("worksheets").set("stage", to: content.text["stage"]).where("id", .equal, context.rowID).run()
        }
    }

    private func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
}
