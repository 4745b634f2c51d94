import Fluent
import SQLKit

/// What the outcomes report keeps of each ended course, so that a report over thousands of courses
/// reads one row and opens one seal per course instead of every response and appointment
/// (`CourseOutcomeCache`; docs/PERFORMANCE.md, "Outcomes page").
///
/// `client_outcome_versions` counts the changes to what a course's outcome is made of: triggers
/// add one for the client whenever an appointment's status, start, kind or client changes, a
/// questionnaire response's status, time, score, measure or client changes, or a discharge
/// summary's content, status or signing time changes; and for any such row inserted or deleted.
/// The database keeps the count, so no path that writes those rows (a page, a job, an import, a
/// merge, a hand-written statement) can leave a kept outcome looking current. A kept outcome
/// records the count it was computed at and is used only while the count is the same.
struct M064CreateCourseOutcomes: AsyncMigration {
    /// Each watched table, the columns whose change matters, and the trigger-name prefix.
    static let watched: [(table: String, columns: [String])] = [
        ("appointments", ["status", "starts_at", "type_code", "client_id"]),
        ("measure_responses", ["status", "completed_at", "score_sealed", "instrument_code", "client_id"]),
        ("discharge_summaries", ["content_sealed", "status", "signed_at", "client_id"]),
    ]

    static func triggerStatements(engine: DatabaseEngine) -> [String] {
        switch engine {
        case .postgres:
            var statements = ["""
                CREATE FUNCTION course_outcome_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    watched text;
                    changed boolean := TG_OP <> 'UPDATE';
                BEGIN
                    -- The watched columns come as the trigger's arguments and are compared here:
                    -- an UPDATE OF list would make them depend on the trigger, and a migration that
                    -- drops or rebuilds one of them (M037's revert does) would be refused.
                    IF TG_OP = 'UPDATE' THEN
                        FOREACH watched IN ARRAY TG_ARGV LOOP
                            IF to_jsonb(NEW) -> watched IS DISTINCT FROM to_jsonb(OLD) -> watched THEN changed := true; END IF;
                        END LOOP;
                    END IF;
                    IF NOT changed THEN RETURN NULL; END IF;
                    IF TG_OP <> 'DELETE' AND NEW.client_id IS NOT NULL THEN
                        INSERT INTO client_outcome_versions (client_id, version) VALUES (NEW.client_id, 1)
                        ON CONFLICT (client_id) DO UPDATE SET version = client_outcome_versions.version + 1;
                    END IF;
                    IF TG_OP <> 'INSERT' AND OLD.client_id IS NOT NULL THEN
                        IF TG_OP = 'DELETE' OR OLD.client_id IS DISTINCT FROM NEW.client_id THEN
                            INSERT INTO client_outcome_versions (client_id, version) VALUES (OLD.client_id, 1)
                            ON CONFLICT (client_id) DO UPDATE SET version = client_outcome_versions.version + 1;
                        END IF;
                    END IF;
                    RETURN NULL;
                END $$
                """]
            for (table, columns) in watched {
                statements.append("""
                    CREATE TRIGGER \(table)_course_outcome AFTER INSERT OR DELETE OR UPDATE ON \(table)
                    FOR EACH ROW EXECUTE FUNCTION course_outcome_changed(\(columns.map { "'\($0)'" }.joined(separator: ", ")))
                    """)
            }
            return statements
        case .sqlite:
            func bump(_ row: String) -> String {
                """
                INSERT INTO client_outcome_versions (client_id, version) SELECT \(row).client_id, 1 WHERE \(row).client_id IS NOT NULL
                ON CONFLICT (client_id) DO UPDATE SET version = version + 1;
                """
            }
            return watched.flatMap { table, columns in [
                "CREATE TRIGGER \(table)_course_outcome_insert AFTER INSERT ON \(table) BEGIN \(bump("NEW")) END",
                "CREATE TRIGGER \(table)_course_outcome_delete AFTER DELETE ON \(table) BEGIN \(bump("OLD")) END",
                """
                CREATE TRIGGER \(table)_course_outcome_update AFTER UPDATE OF \(columns.joined(separator: ", ")) ON \(table) BEGIN
                \(bump("NEW"))
                INSERT INTO client_outcome_versions (client_id, version) SELECT OLD.client_id, 1
                WHERE OLD.client_id IS NOT NULL AND (NEW.client_id IS NULL OR OLD.client_id <> NEW.client_id)
                ON CONFLICT (client_id) DO UPDATE SET version = version + 1;
                END
                """,
            ] }
        }
    }

    static func dropStatements(engine: DatabaseEngine) -> [String] {
        switch engine {
        case .postgres:
            watched.map { "DROP TRIGGER \($0.table)_course_outcome ON \($0.table)" } + ["DROP FUNCTION course_outcome_changed()"]
        case .sqlite:
            watched.flatMap { table, _ in ["insert", "delete", "update"].map { "DROP TRIGGER \(table)_course_outcome_\($0)" } }
        }
    }

    func prepare(on database: any Database) async throws {
        try await database.schema("client_outcome_versions")
            .field("client_id", .uuid, .identifier(auto: false))
            .field("version", .int64, .required)
            .create()
        // No foreign keys: a kept outcome is only ever looked up by its summary, and a client's
        // destruction removes these rows with the rest (`PrivacyQueries`).
        try await database.schema("course_outcomes")
            .field("discharge_id", .uuid, .identifier(auto: false))
            .field("client_id", .uuid, .required)
            .field("version", .int64, .required)
            .field("outcome_sealed", .string, .required)
            .create()
        let sql = database as! any SQLDatabase
        for statement in Self.triggerStatements(engine: DatabaseEngine(of: database)) {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for statement in Self.dropStatements(engine: DatabaseEngine(of: database)) {
            try await sql.raw(SQLQueryString(statement)).run()
        }
        try await database.schema("course_outcomes").delete()
        try await database.schema("client_outcome_versions").delete()
    }
}
