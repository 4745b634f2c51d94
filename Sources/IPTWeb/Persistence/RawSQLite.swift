import NIOCore
import SQLiteNIO
// The C library inside sqlite-nio, as the inline reader uses it.
import VaporCSQLite

/// The calls made on an SQLite handle of the app's own (the inline reader's connections and the
/// audit appender's), apart from sqlite-nio's.
enum RawSQLite {
    /// Opens the file with these flags, or says what the connection was for and SQLite's code.
    static func open(_ path: String, flags: Int32, for purpose: String) throws -> OpaquePointer {
        var handle: OpaquePointer?
        let opened = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard opened == SQLITE_OK, let handle else {
            sqlite_nio_sqlite3_close(handle)
            throw ConfigurationError("Could not open the database file \(purpose) (SQLite code \(opened)).")
        }
        return handle
    }

    /// Binds every value in order, as sqlite-nio binds them; false if SQLite refused one.
    static func bind(_ binds: [SQLiteData], to statement: OpaquePointer) -> Bool {
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32
            switch value {
            case .integer(let number): result = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
            case .float(let number): result = sqlite_nio_sqlite3_bind_double(statement, index, number)
            case .text(let text):
                result = sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
            case .blob(let bytes):
                result = bytes.withUnsafeReadableBytes {
                    sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient)
                }
            case .null: result = sqlite_nio_sqlite3_bind_null(statement, index)
            }
            guard result == SQLITE_OK else { return false }
        }
        return true
    }
}
