import IPTCore
import Plot

extension Node {
    /// The byte-escaping `.text` of IPTPages (see MarkupEscapingNodes.swift there), declared again
    /// for the markup still built in this module: a module's own declaration shadows Plot's only
    /// inside that module. Goes away when the last page has moved to IPTPages.
    static func text(_ text: String) -> Node {
        .raw(MarkupEscaping.escapeText(text))
    }
}
