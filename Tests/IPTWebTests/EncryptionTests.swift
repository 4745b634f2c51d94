import Crypto
import Fluent
import Foundation
@testable import IPTWeb
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite struct EncryptionTests {
    @Test func an_enquiry_message_is_stored_sealed_and_shown_opened() async throws {
        try await withClinic { clinic in
            let visitor = Browser(app: clinic.app)
            try await visitor.get("/contact")
            try await visitor.post("/contact", form: ContactTests.validForm)
            let row = try #require(try await clinic.sql.raw("SELECT id, message FROM enquiries").first())
            let stored = try row.decode(column: "message", as: String.self)
            #expect(stored.hasPrefix("enc:v1:"))
            #expect(!stored.contains("cannot sleep"))
            let (staff, _) = try await clinic.signedIn(as: .receptionist)
            let id = try #require(try await Enquiry.query(on: clinic.db).first()?.id)
            #expect(try await staff.get("/staff/enquiries/\(id)").body.string.contains("My mother died in spring and I cannot sleep."))
        }
    }

    @Test func a_sealed_value_copied_to_another_row_or_column_does_not_open() throws {
        let ring = KeyRing(activeKeyID: "k1", keys: ["k1": SymmetricKey(size: .bits256)])
        let first = UUID(), second = UUID()
        let sealed = try ring.seal("private words", Enquiry.messageContext(first))
        #expect(try ring.open(sealed, Enquiry.messageContext(first)) == "private words")
        #expect(throws: FieldEncryptionError.self) { try ring.open(sealed, Enquiry.messageContext(second)) }
        #expect(throws: FieldEncryptionError.self) { try ring.open(sealed, Enquiry.noteContext(first)) }
        var tampered = Array(sealed)
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        #expect(throws: FieldEncryptionError.self) { try ring.open(String(tampered), Enquiry.messageContext(first)) }
    }

    @Test func the_clinic_refuses_to_start_with_the_wrong_master_key_or_none() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ipt-keys-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func start(_ key: SymmetricKey?) async throws {
            let app = try await Application.make(.testing)
            let settings = Settings(database: .sqliteFile(directory + "/clinic.sqlite"), dataDirectory: directory, resourceRoot: projectRoot,
                                    seedDemo: false, secureCookies: false, clock: .live, mailTransport: RecordingMailTransport(),
                                    runOutboxWorker: false, isTesting: true, publicBaseURL: "http://x").withMasterKey(key)
            do {
                try await configure(app, settings: settings)
                try await app.asyncShutdown()
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
        }
        let right = SymmetricKey(size: .bits256)
        try await start(right)
        try await start(right)
        await #expect(throws: ConfigurationError.self) { try await start(SymmetricKey(size: .bits256)) }
        // With no key given and none in the data directory, an existing database is not opened.
        await #expect(throws: ConfigurationError.self) { try await start(nil) }
    }
}

@Suite struct KeyRotationTests {
    @Test func after_rotation_the_new_master_key_opens_the_old_records_and_the_old_key_no_longer_starts_the_clinic() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ipt-rotate-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func make(_ key: SymmetricKey) async throws -> Application {
            let app = try await Application.make(.testing)
            let settings = Settings(database: .sqliteFile(directory + "/clinic.sqlite"), dataDirectory: directory, resourceRoot: projectRoot,
                                    seedDemo: false, secureCookies: false, clock: .live, mailTransport: RecordingMailTransport(),
                                    runOutboxWorker: false, isTesting: true, publicBaseURL: "http://x").withMasterKey(key)
            do { try await configure(app, settings: settings) } catch { try? await app.asyncShutdown(); throw error }
            return app
        }
        let old = SymmetricKey(size: .bits256), new = SymmetricKey(size: .bits256)
        let id = UUID()
        let first = try await make(old)
        let sealed = try first.services.keyRing.seal("kept across rotation", Enquiry.messageContext(id))
        try await first.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "before rotation", action: .view, recordType: "page",
                                                      recordID: nil, subject: nil, requestID: nil, detail: nil))
        let chainKey = try await first.auditWriter.chainKeys.key(on: first.db)
        // The data key and the audit chain's key.
        #expect(try await MasterKey.rewrap(first.services.keyRing, auditChainKey: chainKey, with: new, on: first.db) == 2)
        try await first.asyncShutdown()

        let second = try await make(new)
        #expect(try second.services.keyRing.open(sealed, Enquiry.messageContext(id)) == "kept across rotation")
        // The chain written under the old master key still verifies, and grows, under the new one.
        try await second.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "after rotation", action: .view, recordType: "page",
                                                       recordID: nil, subject: nil, requestID: nil, detail: nil))
        #expect(try await AuditCheck.run(second, on: second.db).broken == nil)
        try await second.asyncShutdown()
        await #expect(throws: ConfigurationError.self) { _ = try await make(old) }
    }
}
