import Foundation
import Logging

/// One JSON object per line for log shippers (`--log-format json` or `IPT_LOG_FORMAT=json`): time,
/// level, logger label, message, source and metadata. What is logged is unchanged (no health
/// information in any line, see OPERATIONS.md); only its shape is.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    /// Where lines go; standard error like Vapor's console logger, replaceable in tests.
    let write: @Sendable (String) -> Void

    init(label: String, level: Logger.Level, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    private struct Line: Encodable {
        var time: String
        var level: String
        var logger: String
        var message: String
        var source: String
        var metadata: [String: String]?
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let entry = Line(time: Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)),
                         level: event.level.rawValue, logger: label, message: event.message.description, source: event.source,
                         metadata: merged.isEmpty ? nil : merged.mapValues(\.description))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(entry) else { return }
        write(String(decoding: data, as: UTF8.self))
    }

    @Sendable static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Whether the arguments or the environment ask for JSON lines; the option is taken out of the
    /// arguments so Vapor's command parser never sees it.
    static func wanted(arguments: inout [String], environment: [String: String]) -> Bool {
        var json = environment["IPT_LOG_FORMAT"] == "json"
        if let index = arguments.firstIndex(of: "--log-format"), arguments.indices.contains(index + 1) {
            json = arguments[index + 1] == "json"
            arguments.removeSubrange(index...(index + 1))
        } else if let index = arguments.firstIndex(where: { $0.hasPrefix("--log-format=") }) {
            json = arguments[index] == "--log-format=json"
            arguments.remove(at: index)
        }
        return json
    }
}
