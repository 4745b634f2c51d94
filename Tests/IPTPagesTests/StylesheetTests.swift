import Foundation
import Testing

/// The one stylesheet is edited by several features at once; a brace lost in a merge silently
/// drops every rule after it (it happened: the calendar's grid fell back to plain links).
@Suite struct StylesheetTests {
    @Test func every_block_of_the_stylesheet_is_closed() throws {
        var root = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) { root.deleteLastPathComponent() }
        let css = try String(contentsOf: root.appendingPathComponent("Public/css/site.css"), encoding: .utf8)
        let code = css.replacingOccurrences(of: #"/\*[\s\S]*?\*/"#, with: "", options: .regularExpression)
        var depth = 0, line = 1
        for character in code {
            if character == "\n" { line += 1 }
            if character == "{" { depth += 1 }
            if character == "}" { depth -= 1 }
            #expect(depth >= 0, "a '}' without its '{' near line \(line) (comments removed)")
            if depth < 0 { return }
        }
        #expect(depth == 0, "\(depth) block(s) left open at the end of site.css")
    }
}
