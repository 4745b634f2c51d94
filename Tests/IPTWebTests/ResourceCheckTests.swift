import Foundation
@testable import IPTWeb
import Testing

/// Starting from a folder without the shipped texts names the missing path and the way out.
@Suite struct ResourceCheckTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func the_checkout_has_everything_the_app_reads_at_start() throws {
        try requireResources(in: Self.repository.path)
    }

    @Test func an_empty_folder_is_named_with_what_to_do() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ipt-no-resources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect {
            try requireResources(in: empty.path)
        } throws: { error in
            let message = String(describing: error)
            return message.contains(empty.appendingPathComponent("Resources/Content").path) && message.contains("IPT_RESOURCE_ROOT")
                && !message.contains("NSCocoaErrorDomain")
        }
    }

    @Test func a_folder_with_the_texts_but_not_the_password_list_is_refused_too() throws {
        let partial = FileManager.default.temporaryDirectory.appendingPathComponent("ipt-partial-resources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: partial.appendingPathComponent("Resources/Content"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: partial) }
        #expect {
            try requireResources(in: partial.path)
        } throws: { error in
            String(describing: error).contains("common-passwords.txt")
        }
    }
}
