import Fluent
import SQLKit

/// Client search finds a client by part of a name, an email address or a phone number, which no
/// B-tree index answers: before this, every search read the whole clients table (docs/PERFORMANCE.md,
/// "At the size of a large clinic": 227 ms p95 at 100,000 clients). Each engine gets the index made
/// for substrings, and `ClientSearchQueries.matching` asks each engine in its own way:
/// - PostgreSQL: pg_trgm's GIN indexes on exactly the expressions the search compares (lower(name),
///   lower(email), the phone's digits ...), so the same LIKE uses them.
/// - SQLite: an FTS5 table with the trigram tokenizer, kept by triggers on `clients` so that every
///   path that adds, changes or removes a client (a page, a merge, a destruction, an import) keeps
///   it right. FTS5 rows are numbered by integers and `clients` has uuids (whose hidden rowid a
///   VACUUM may renumber), so `client_search_rows` gives each client a lasting number.
/// The date of birth gets a plain index.
struct M065IndexClientSearch: AsyncMigration {
    /// The searchable columns, and what a change to them must update.
    static let searchedColumns = ["name", "email", "guardian_email", "phone", "guardian_phone"]

    static func sqliteStatements() -> [String] {
        let phones = { (row: String) in
            "\(ClientSearchQueries.digitsSQL("\(row).phone")) || char(10) || ifnull(\(ClientSearchQueries.digitsSQL("\(row).guardian_phone")), '')"
        }
        // One value per line, so that no pattern (which holds no line break) matches across two.
        let values = { (row: String) in
            "\(row).name, \(row).email || char(10) || ifnull(\(row).guardian_email, ''), \(phones(row))"
        }
        let number = { (row: String) in "(SELECT row FROM client_search_rows WHERE client_id = \(row).id)" }
        return [
            "CREATE TABLE client_search_rows (row INTEGER PRIMARY KEY, client_id NOT NULL UNIQUE)",
            "CREATE VIRTUAL TABLE client_search USING fts5(name, emails, phones, tokenize = 'trigram')",
            "INSERT INTO client_search_rows (client_id) SELECT id FROM clients",
            "INSERT INTO client_search (rowid, name, emails, phones) SELECT r.row, \(values("c")) FROM clients c JOIN client_search_rows r ON r.client_id = c.id",
            """
            CREATE TRIGGER clients_search_insert AFTER INSERT ON clients BEGIN
            INSERT INTO client_search_rows (client_id) VALUES (NEW.id);
            INSERT INTO client_search (rowid, name, emails, phones) VALUES (\(number("NEW")), \(values("NEW")));
            END
            """,
            """
            CREATE TRIGGER clients_search_update AFTER UPDATE OF \(searchedColumns.joined(separator: ", ")) ON clients BEGIN
            DELETE FROM client_search WHERE rowid = \(number("OLD"));
            INSERT INTO client_search (rowid, name, emails, phones) VALUES (\(number("NEW")), \(values("NEW")));
            END
            """,
            """
            CREATE TRIGGER clients_search_delete AFTER DELETE ON clients BEGIN
            DELETE FROM client_search WHERE rowid = \(number("OLD"));
            DELETE FROM client_search_rows WHERE client_id = OLD.id;
            END
            """,
        ]
    }

    /// PostgreSQL's trigram indexes, each on the expression `ClientSearchQueries` compares.
    static let postgresIndexes: [(name: String, expression: String)] = [
        ("clients_search_name", "lower(name)"),
        ("clients_search_email", "lower(email)"),
        ("clients_search_guardian_email", "lower(guardian_email)"),
        ("clients_search_phone", ClientSearchQueries.digitsSQL("phone")),
        ("clients_search_guardian_phone", ClientSearchQueries.digitsSQL("guardian_phone")),
    ]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.create(index: "clients_date_of_birth").on("clients").column("date_of_birth").run()
        switch DatabaseEngine(of: database) {
        case .postgres:
            let schema = try await PostgresExtension.ensureInstalled("pg_trgm", sql)
            for index in Self.postgresIndexes {
                try await sql.raw("CREATE INDEX \(ident: index.name) ON clients USING gin ((\(unsafeRaw: index.expression)) \(ident: schema).gin_trgm_ops)").run()
            }
        case .sqlite:
            for statement in Self.sqliteStatements() { try await sql.raw(SQLQueryString(statement)).run() }
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        switch DatabaseEngine(of: database) {
        case .postgres:
            for index in Self.postgresIndexes { try await sql.drop(index: index.name).run() }
        case .sqlite:
            for statement in ["DROP TRIGGER clients_search_insert", "DROP TRIGGER clients_search_update", "DROP TRIGGER clients_search_delete",
                              "DROP TABLE client_search", "DROP TABLE client_search_rows"] {
                try await sql.raw(SQLQueryString(statement)).run()
            }
        }
        try await sql.drop(index: "clients_date_of_birth").run()
    }
}
