import Foundation
import Ink

/// A public page written in Markdown under Resources/Content, so a clinic edits its words
/// without touching Swift.
struct ContentPage: Sendable, Equatable {
    let slug: String
    let title: String
    let summary: String?
    let html: String
}

/// Loads and renders every Markdown file once at start-up.
struct ContentLibrary: Sendable {
    private let pages: [String: ContentPage]

    init(pages: [String: ContentPage]) {
        self.pages = pages
    }

    static func load(from directory: String) throws -> ContentLibrary {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".md") }
        var pages: [String: ContentPage] = [:]
        let parser = MarkdownParser()
        for file in files {
            let text = try String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8)
            let slug = String(file.dropLast(3))
            let markdown = parser.parse(text)
            pages[slug] = ContentPage(
                slug: slug,
                title: markdown.metadata["title"] ?? markdown.title ?? slug,
                summary: markdown.metadata["description"],
                html: markdown.html
            )
        }
        return ContentLibrary(pages: pages)
    }

    func page(_ slug: String) -> ContentPage? {
        pages[slug]
    }

    var slugs: [String] { pages.keys.sorted() }
}
