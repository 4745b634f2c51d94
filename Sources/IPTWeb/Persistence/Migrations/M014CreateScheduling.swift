import Fluent
import SQLKit

/// Scheduling: locations, appointment kinds and their fees, booking settings, weekly hours and
/// exceptions, clients, appointments (with series), the waitlist and calendar feeds; and the rule
/// that no clinician and no client is ever in two appointments at once, kept by the database.
struct M014CreateScheduling: AsyncMigration {
    /// Statuses in which an appointment holds its time. Cancelled, late-cancelled, expired and
    /// declined ones free it.
    static let occupyingStatuses = ["held", "requested", "offered", "confirmed", "attended", "no_show", "blocked"]

    func prepare(on database: any Database) async throws {
        try await database.schema("locations")
            .id()
            .field("name", .string, .required)
            .field("address", .string, .required)
            .field("is_online", .bool, .required)
            .field("sort_order", .int, .required)
            .create()
        try await database.schema("appointment_types")
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("duration_minutes", .int, .required)
            .field("buffer_before_minutes", .int, .required)
            .field("buffer_after_minutes", .int, .required)
            .field("offered_by", .string, .required)
            .field("bookable_online", .bool, .required)
            .field("sort_order", .int, .required)
            .unique(on: "code")
            .create()
        try await database.schema("appointment_fees")
            .id()
            .field("type_code", .string, .required)
            .field("tier_code", .string, .required)
            .field("cents", .int, .required)
            .field("currency", .string, .required)
            .unique(on: "type_code", "tier_code")
            .create()
        try await database.schema("booking_settings")
            .id()
            .field("minimum_notice_hours", .int, .required)
            .field("not_same_day", .bool, .required)
            .field("horizon_days", .int, .required)
            .field("grid_minutes", .int, .required)
            .field("max_per_day", .int)
            .field("hold_minutes", .int, .required)
            .field("require_approval", .bool, .required)
            .field("cancel_notice_hours", .int, .required)
            .field("late_cancel_fee_cents", .int)
            .field("offer_hours", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("availability")
            .id()
            .field("staff_id", .uuid, .required, .references("staff_users", "id", onDelete: .cascade))
            .field("location_id", .uuid, .references("locations", "id", onDelete: .setNull))
            .field("weekday", .int, .required)
            .field("start_minute", .int, .required)
            .field("end_minute", .int, .required)
            .create()
        try await database.schema("availability_exceptions")
            .id()
            .field("staff_id", .uuid, .required, .references("staff_users", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("note", .string, .required)
            .create()
        try await database.schema("clients")
            .id()
            .field("name", .string, .required)
            .field("email", .string, .required)
            .field("phone", .string, .required)
            .field("date_of_birth", .string, .required)
            .field("programme", .string, .required)
            .field("guardian_name", .string)
            .field("guardian_email", .string)
            .field("guardian_phone", .string)
            .field("sliding_scale_percent", .int, .required)
            .field("privacy_consent_version", .string)
            .field("privacy_consent_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("appointment_series")
            .id()
            .field("staff_id", .uuid, .required, .references("staff_users", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("type_code", .string, .required)
            .field("weekday", .int, .required)
            .field("start_minute", .int, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("appointments")
            .id()
            .field("staff_id", .uuid, .required, .references("staff_users", "id"))
            .field("client_id", .uuid, .references("clients", "id"))
            .field("type_code", .string)
            .field("location_id", .uuid, .references("locations", "id", onDelete: .setNull))
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("blocked_from", .datetime, .required)
            .field("blocked_until", .datetime, .required)
            .field("status", .string, .required)
            .field("hold_expires_at", .datetime)
            .field("confirm_token_hash", .string)
            .field("manage_token_hash", .string)
            .field("manage_token_sealed", .string)
            .field("series_id", .uuid, .references("appointment_series", "id"))
            .field("series_number", .int)
            .field("fee_cents", .int)
            .field("currency", .string)
            .field("late_fee_cents", .int)
            .field("sequence", .int, .required)
            .field("reminders_sent", .string, .required)
            .field("block_note", .string)
            .field("source", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("cancelled_at", .datetime)
            .create()
        try await database.schema("waitlist_entries")
            .id()
            .field("name", .string, .required)
            .field("email", .string, .required)
            .field("phone", .string, .required)
            .field("date_of_birth", .string, .required)
            .field("guardian_name", .string)
            .field("guardian_email", .string)
            .field("guardian_phone", .string)
            .field("tier_code", .string)
            .field("staff_id", .uuid, .references("staff_users", "id", onDelete: .setNull))
            .field("type_code", .string, .required)
            .field("days", .string, .required)
            .field("parts", .string, .required)
            .field("position", .double, .required)
            .field("status", .string, .required)
            .field("offer_appointment_id", .uuid, .references("appointments", "id", onDelete: .setNull))
            .field("offer_expires_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("calendar_feeds")
            .id()
            .field("staff_id", .uuid, .required, .references("staff_users", "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .unique(on: "token_hash")
            .create()

        let sql = database as! any SQLDatabase
        try await sql.create(index: "appointments_staff_time").on("appointments").column("staff_id").column("blocked_from").run()
        try await sql.create(index: "appointments_client_time").on("appointments").column("client_id").column("starts_at").run()
        try await sql.create(index: "appointments_status_hold").on("appointments").column("status").column("hold_expires_at").run()
        try await sql.create(index: "appointments_confirm_token").on("appointments").column("confirm_token_hash").run()
        try await sql.create(index: "appointments_manage_token").on("appointments").column("manage_token_hash").run()
        try await sql.create(index: "availability_staff").on("availability").column("staff_id").run()
        try await sql.create(index: "clients_email").on("clients").column("email").run()
        try await sql.create(index: "waitlist_status_position").on("waitlist_entries").column("status").column("position").run()
        try await Self.createOverlapGuards(sql, engine: DatabaseEngine(of: database))
    }

    /// PostgreSQL: exclusion constraints over (clinician, time range) and (client, time range), with
    /// btree_gist for the equality part. SQLite: triggers that refuse an overlapping row; SQLite has
    /// one writer at a time, so the check and the write cannot interleave with another writer's.
    static func createOverlapGuards(_ sql: any SQLDatabase, engine: DatabaseEngine) async throws {
        let occupying = occupyingStatuses.map { "'\($0)'" }.joined(separator: ", ")
        switch engine {
        case .postgres:
            let schema = try await PostgresExtension.ensureInstalled("btree_gist", sql)
            let opclass = "\"\(schema)\".gist_uuid_ops"
            try await sql.raw("""
                ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap EXCLUDE USING gist \
                (staff_id \(unsafeRaw: opclass) WITH =, tstzrange(blocked_from, blocked_until, '[)') WITH &&) \
                WHERE (status IN (\(unsafeRaw: occupying)))
                """).run()
            try await sql.raw("""
                ALTER TABLE appointments ADD CONSTRAINT appointments_client_no_overlap EXCLUDE USING gist \
                (client_id \(unsafeRaw: opclass) WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) \
                WHERE (client_id IS NOT NULL AND status IN (\(unsafeRaw: occupying)))
                """).run()
        case .sqlite:
            for (event, notSelf) in [("INSERT", ""), ("UPDATE", "AND a.id <> NEW.id")] {
                try await sql.raw("""
                    CREATE TRIGGER appointments_no_overlap_\(unsafeRaw: event.lowercased()) BEFORE \(unsafeRaw: event) ON appointments
                    WHEN NEW.status IN (\(unsafeRaw: occupying))
                    BEGIN
                        SELECT RAISE(ABORT, 'appointments_no_overlap') WHERE EXISTS (
                            SELECT 1 FROM appointments a WHERE a.staff_id = NEW.staff_id \(unsafeRaw: notSelf)
                            AND a.status IN (\(unsafeRaw: occupying))
                            AND a.blocked_from < NEW.blocked_until AND a.blocked_until > NEW.blocked_from);
                        SELECT RAISE(ABORT, 'appointments_client_no_overlap') WHERE NEW.client_id IS NOT NULL AND EXISTS (
                            SELECT 1 FROM appointments a WHERE a.client_id = NEW.client_id \(unsafeRaw: notSelf)
                            AND a.status IN (\(unsafeRaw: occupying))
                            AND a.starts_at < NEW.ends_at AND a.ends_at > NEW.starts_at);
                    END
                    """).run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        for table in ["calendar_feeds", "waitlist_entries", "appointments", "appointment_series", "clients", "availability_exceptions",
                      "availability", "booking_settings", "appointment_fees", "appointment_types", "locations"] {
            try await database.schema(table).delete()
        }
    }
}

/// PostgreSQL's contrib extensions the schema uses: btree_gist (M014: an exclusion constraint
/// compares uuids with =) and pg_trgm (M065: client search by part of a name).
enum PostgresExtension {
    /// Installs `name` if missing and returns the schema it lives in. Installed in `public` so that
    /// every schema (each test runs in its own) finds its operator classes by qualified name.
    static func ensureInstalled(_ name: String, _ sql: any SQLDatabase) async throws -> String {
        struct Row: Decodable { let nspname: String }
        func lookup() async throws -> String? {
            let row = try await sql.raw("""
                SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = \(bind: name)
                """).first(decoding: Row.self)
            return row?.nspname
        }
        if let schema = try await lookup() { return schema }
        do {
            try await sql.raw("CREATE EXTENSION IF NOT EXISTS \(ident: name) WITH SCHEMA public").run()
        } catch {
            // Another instance (or test) may have installed it at the same moment.
            if let schema = try await lookup() { return schema }
            throw error
        }
        guard let schema = try await lookup() else {
            throw ConfigurationError("PostgreSQL has no \(name) extension; install the server's contrib modules.")
        }
        return schema
    }
}
