import Foundation
@testable import IPTWeb
import Logging
import NIOConcurrencyHelpers
import Testing

@Suite struct JSONLogTests {
    @Test func each_line_is_one_json_object_with_level_label_message_and_metadata() throws {
        let lines = NIOLockedValueBox<[String]>([])
        var handler = JSONLogHandler(label: "codes.ipt.test", level: .info) { line in lines.withLockedValue { $0.append(line) } }
        handler[metadataKey: "request-id"] = "r-1"
        let logger = Logger(label: "codes.ipt.test") { _ in handler }
        logger.debug("below the level")
        logger.warning("Scheduled job \"booking-sweep\" failed:\nDatabaseError", metadata: ["job": "booking-sweep"])
        let written = lines.withLockedValue { $0 }
        #expect(written.count == 1, "debug is below the level")
        let line = try #require(written.first)
        #expect(!line.contains("\n"), "one line per entry, a newline in the message escaped")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning" && object["logger"] as? String == "codes.ipt.test")
        #expect((object["message"] as? String)?.hasPrefix("Scheduled job \"booking-sweep\" failed:") == true)
        #expect((object["metadata"] as? [String: String]) == ["request-id": "r-1", "job": "booking-sweep"])
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }

    @Test func the_option_is_read_and_taken_out_of_the_arguments() {
        var arguments = ["iptclinic", "serve", "--log-format", "json", "--port", "8080"]
        #expect(JSONLogHandler.wanted(arguments: &arguments, environment: [:]))
        #expect(arguments == ["iptclinic", "serve", "--port", "8080"])
        var equals = ["iptclinic", "--log-format=text"]
        #expect(!JSONLogHandler.wanted(arguments: &equals, environment: ["IPT_LOG_FORMAT": "json"]), "the argument wins")
        #expect(equals == ["iptclinic"])
        var none = ["iptclinic"]
        #expect(JSONLogHandler.wanted(arguments: &none, environment: ["IPT_LOG_FORMAT": "json"]))
    }
}
