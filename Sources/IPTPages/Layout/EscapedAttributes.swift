import IPTCore
import Plot

// Plot writes attribute values exactly as given, so a `"` in a value would end the attribute and
// let markup in. These declarations shadow Plot's inside this module (a module's own declaration
// wins over an imported one with the same signature, and a String overload wins over Plot's
// URLRepresentable one), so every attribute a page writes is escaped without anyone remembering
// to. Internal on purpose, like `Node.text`: public copies would be ambiguous in a module that
// imports both. MarkupEscapingTests render each one with a hostile value.

extension Node where Context: HTMLContext {
    static func id(_ id: String) -> Node { .attribute(named: "id", value: MarkupEscaping.escape(id)) }
    static func title(_ title: String) -> Node { .attribute(named: "title", value: MarkupEscaping.escape(title)) }
}

extension Attribute where Context: HTMLContext {
    static func id(_ id: String) -> Attribute { Attribute(name: "id", value: MarkupEscaping.escape(id)) }
    static func title(_ title: String) -> Attribute { Attribute(name: "title", value: MarkupEscaping.escape(title)) }
}

extension Node where Context: HTML.BodyContext {
    /// Plot's own wrote the value raw: a clinician's name with a quote, as the calendar labels
    /// each column, ended the attribute.
    static func ariaLabel(_ label: String) -> Node { .attribute(named: "aria-label", value: MarkupEscaping.escape(label)) }
}

extension Node where Context: HTMLNamableContext {
    static func name(_ name: String) -> Node { .attribute(named: "name", value: MarkupEscaping.escape(name)) }
}

extension Attribute where Context: HTMLNamableContext {
    static func name(_ name: String) -> Attribute { Attribute(name: "name", value: MarkupEscaping.escape(name)) }
}

extension Node where Context: HTMLValueContext {
    static func value(_ value: String) -> Node { .attribute(named: "value", value: MarkupEscaping.escape(value)) }
}

extension Attribute where Context: HTMLValueContext {
    static func value(_ value: String) -> Attribute { Attribute(name: "value", value: MarkupEscaping.escape(value)) }
}

extension Node where Context: HTMLLinkableContext {
    static func href(_ url: String) -> Node { .attribute(named: "href", value: MarkupEscaping.escape(url)) }
}

extension Attribute where Context: HTMLLinkableContext {
    static func href(_ url: String) -> Attribute { Attribute(name: "href", value: MarkupEscaping.escape(url)) }
}

extension Node where Context: HTMLSourceContext {
    static func src(_ url: String) -> Node { .attribute(named: "src", value: MarkupEscaping.escape(url)) }
}

extension Attribute where Context: HTMLSourceContext {
    static func src(_ url: String) -> Attribute { Attribute(name: "src", value: MarkupEscaping.escape(url)) }
}

extension Node where Context == HTML.FormContext {
    static func action(_ url: String) -> Node { .attribute(named: "action", value: MarkupEscaping.escape(url)) }
}

extension Attribute where Context == HTML.InputContext {
    static func placeholder(_ text: String) -> Attribute { Attribute(name: "placeholder", value: MarkupEscaping.escape(text)) }
}

extension Node where Context == HTML.TextAreaContext {
    static func placeholder(_ text: String) -> Node { .attribute(named: "placeholder", value: MarkupEscaping.escape(text)) }
}

extension Attribute where Context == HTML.MetaContext {
    static func content(_ content: String) -> Attribute { Attribute(name: "content", value: MarkupEscaping.escape(content)) }
}

extension Attribute where Context == HTML.ImageContext {
    static func alt(_ text: String) -> Attribute { Attribute(name: "alt", value: MarkupEscaping.escape(text)) }
}

/// Any other attribute whose value is not a constant (aria-describedby, formaction, data-*).
func escapedAttribute<Context>(_ name: String, _ value: String) -> Node<Context> {
    .attribute(named: name, value: MarkupEscaping.escape(value))
}
