import Fluent
import SQLKit

/// The new-note form carries a key made when it was opened. A second post of the same form (a
/// double click, a retried request, the button pressed while the first draft save is on its way
/// without the script) finds the note the first one made and saves into it, instead of starting
/// another note for the same session; the unique index decides between two posts at the same
/// moment. Notes written before this have no key.
struct M069NoteFormKey: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One connection for every step: a pooled SQLite connection that last read the schema
        // before the change can refuse the next statement about the new column.
        try await database.withConnection { database in
            try await database.schema(SessionNoteRow.schema).field("form_key", .string).update()
            try await (database as! any SQLDatabase).create(index: "session_notes_form_key").unique().on(SessionNoteRow.schema).column("form_key").run()
        }
    }

    func revert(on database: any Database) async throws {
        // One connection for every step: a pooled SQLite connection that last read the schema
        // before the change can refuse the next statement about the new column.
        try await database.withConnection { database in
            try await (database as! any SQLDatabase).drop(index: "session_notes_form_key").run()
            // Plain ALTER TABLE: Fluent leaves a column in place on SQLite, which has dropped columns since 3.35.
            try await (database as! any SQLDatabase).raw("ALTER TABLE session_notes DROP COLUMN form_key").run()
        }
    }
}
