import Fluent
import Foundation
import SQLKit

/// A migration that reads or writes sealed values and so needs the clinic's key ring. The
/// transactional migrator (at start and in `iptclinic migrate`) hands it a way to load the ring
/// inside the migration's own transaction, only used when there are rows to seal; run any other
/// way, it refuses rather than leave values it cannot seal.
protocol SealingMigration: AsyncMigration {
    func prepare(on database: any Database, keyRing: KeyRingLoader) async throws
    func revert(on database: any Database, keyRing: KeyRingLoader) async throws
}

/// Loads the key ring from the database it is given (the migration's transaction).
typealias KeyRingLoader = @Sendable (any Database) async throws -> KeyRing

extension SealingMigration {
    func prepare(on database: any Database) async throws { throw SealingMigrationError.needsKeyRing(name) }
    func revert(on database: any Database) async throws { throw SealingMigrationError.needsKeyRing(name) }
}

enum SealingMigrationError {
    static func needsKeyRing(_ name: String) -> ConfigurationError {
        ConfigurationError("Migration \(name) seals stored values and needs the clinic's key: run it with `iptclinic migrate` or by starting the clinic.")
    }
}

/// One sealed column as the migrations see it: where the client id and, for versioned rows, the
/// version bound into the seal are found.
struct SealedColumn: Sendable {
    let table: String
    let column: String
    /// nil for tables about no client (staff two-factor secrets, enquiries, the supervision log).
    let clientColumn: String?
    let versionColumn: String?

    init(_ table: String, _ column: String, client clientColumn: String? = "client_id", version versionColumn: String? = nil) {
        self.table = table
        self.column = column
        self.clientColumn = clientColumn
        self.versionColumn = versionColumn
    }

    /// Every stored value of the column with the context of its row.
    func values(on database: any Database) async throws -> [(stored: String, context: SealContext)] {
        let sql = database as! any SQLDatabase
        var columns = [SQLIdentifier("id"), SQLIdentifier(column)]
        if let clientColumn { columns.append(SQLIdentifier(clientColumn)) }
        if let versionColumn { columns.append(SQLIdentifier(versionColumn)) }
        return try await sql.select().columns(columns).from(table).where(SQLIdentifier(column), .isNot, SQLLiteral.null).all().map { row in
            let client = try clientColumn.flatMap { try row.decodeNil(column: $0) ? nil : try row.decode(column: $0, as: UUID.self) }
            let version = try versionColumn.map { try row.decode(column: $0, as: Int.self) } ?? 1
            return (try row.decode(column: column, as: String.self),
                    SealContext(table, row: try row.decode(column: "id", as: UUID.self), column: column, client: client, version: version))
        }
    }

    func store(_ value: String, for context: SealContext, on database: any Database) async throws {
        try await (database as! any SQLDatabase).update(table).set(SQLIdentifier(column), to: value).where("id", .equal, context.rowID).run()
    }
}

extension SealedColumn {
    /// Every sealed column bound to a client, as the schema stands now (M036's list and the columns
    /// M037 added). A row that moves to another client (merging two records) is sealed again with
    /// the new client, or it would no longer open.
    static let clientBound: [SealedColumn] = M036BindSealsToClient.columns.filter { $0.clientColumn != nil } + [
        SealedColumn("measure_responses", "score_sealed"),
        SealedColumn("life_events", "event_sealed"),
        SealedColumn("consents", "typed_name_sealed"),
    ]

    /// Seals this column's values of one client's rows again for another client.
    func reseal(from oldClient: UUID, to newClient: UUID, keyRing: KeyRing, on database: any Database) async throws {
        guard let clientColumn else { return }
        let sql = database as! any SQLDatabase
        var columns = [SQLIdentifier("id"), SQLIdentifier(column)]
        if let versionColumn { columns.append(SQLIdentifier(versionColumn)) }
        let rows = try await sql.select().columns(columns).from(table).where(SQLIdentifier(clientColumn), .equal, SQLBind(oldClient))
            .where(SQLIdentifier(column), .isNot, SQLLiteral.null).all()
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            let version = try versionColumn.map { try row.decode(column: $0, as: Int.self) } ?? 1
            let plain = try keyRing.open(try row.decode(column: column, as: String.self),
                                         SealContext(table, row: id, column: column, client: oldClient, version: version))
            let moved = SealContext(table, row: id, column: column, client: newClient, version: version)
            try await store(try keyRing.seal(plain, moved), for: moved, on: database)
        }
    }
}
