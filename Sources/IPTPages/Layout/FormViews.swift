import IPTCore
import Plot

/// Accessible form pieces: every input has a label, errors are tied to their input with
/// aria-describedby and listed in a summary at the top that links to each field.
public enum FormViews {
    public static func errorSummary<C: HTML.BodyContext>(_ errors: FieldErrors) -> Node<C> {
        guard !errors.isEmpty else { return .empty }
        return .div(
            .class("error-summary"),
            .attribute(named: "role", value: "alert"),
            .attribute(named: "tabindex", value: "-1"),
            // Focus lands on the summary when the page loads, so a keyboard or screen-reader user
            // starts from the list of problems, without any script.
            .attribute(named: "autofocus", value: "", ignoreIfValueIsEmpty: false),
            .attribute(named: "aria-labelledby", value: "error-summary-title"),
            .h2(.id("error-summary-title"), .text("There is a problem with what was sent")),
            .ul(.forEach(errors.entries) { entry in
                .li(.a(.href("#field-\(entry.field)"), .text(entry.message)))
            })
        )
    }

    public static func csrf<C: HTML.BodyContext>(_ token: String) -> Node<C> {
        .input(.type(.hidden), .name("_csrf"), .value(token))
    }

    /// A field people should leave empty; bots fill every input they find.
    public static func honeypot<C: HTML.BodyContext>() -> Node<C> {
        .div(
            .class("honeypot"),
            .ariaHidden(true),
            .label(
                .text("Leave this field empty"),
                .input(.type(.text), .name("website"), .attribute(named: "tabindex", value: "-1"),
                       .attribute(named: "autocomplete", value: "off"))
            )
        )
    }

    private static func describedBy(_ name: String, hint: String?, error: String?) -> String? {
        let ids = [hint.map { _ in "hint-\(name)" }, error.map { _ in "error-\(name)" }].compactMap { $0 }
        return ids.isEmpty ? nil : ids.joined(separator: " ")
    }

    public static func textField<C: HTML.BodyContext>(
        name: String, label: String, value: String?, error: String?, type: HTMLInputType = .text,
        autocomplete: String? = nil, required: Bool = true, maxLength: Int, hint: String? = nil
    ) -> Node<C> {
        .div(
            .class("field"),
            .label(.for("field-\(name)"), .text(label), .if(!required, .span(.class("muted"), .text(" (optional)")))),
            .unwrap(hint) { .p(.class("hint"), .id("hint-\(name)"), .text($0)) },
            .unwrap(error) { .p(.class("field-error"), .id("error-\(name)"), .span(.class("visually-hidden"), .text("Error: ")), .text($0)) },
            .input(
                .type(type),
                .id("field-\(name)"),
                .name(name),
                .value(value ?? ""),
                .class(error == nil ? "input" : "input invalid"),
                .attribute(named: "maxlength", value: String(maxLength)),
                .required(required),
                .unwrap(autocomplete) { .attribute(named: "autocomplete", value: $0) },
                .unwrap(describedBy(name, hint: hint, error: error)) { .attribute(named: "aria-describedby", value: $0) },
                .attribute(named: "aria-invalid", value: error == nil ? nil : "true")
            )
        )
    }

    public static func textArea<C: HTML.BodyContext>(
        name: String, label: String, value: String?, error: String?, maxLength: Int, rows: Int = 8, hint: String? = nil,
        required: Bool = true
    ) -> Node<C> {
        .div(
            .class("field"),
            .label(.for("field-\(name)"), .text(label)),
            .unwrap(hint) { .p(.class("hint"), .id("hint-\(name)"), .text($0)) },
            .unwrap(error) { .p(.class("field-error"), .id("error-\(name)"), .span(.class("visually-hidden"), .text("Error: ")), .text($0)) },
            .textarea(
                .id("field-\(name)"),
                .name(name),
                .class(error == nil ? "input" : "input invalid"),
                .rows(rows),
                .attribute(named: "maxlength", value: String(maxLength)),
                .required(required),
                .unwrap(describedBy(name, hint: hint, error: error)) { .attribute(named: "aria-describedby", value: $0) },
                .if(error != nil, .attribute(named: "aria-invalid", value: "true")),
                .text(value ?? "")
            )
        )
    }

    public static func radioGroup<C: HTML.BodyContext>(
        name: String, legend: String, options: [(value: String, label: String)], selected: String?, error: String?
    ) -> Node<C> {
        .fieldset(
            .class("field"),
            .id("field-\(name)"),
            .unwrap(error) { _ in .attribute(named: "aria-describedby", value: "error-\(name)") },
            .element(named: "legend", nodes: [.text(legend)]),
            .unwrap(error) { .p(.class("field-error"), .id("error-\(name)"), .span(.class("visually-hidden"), .text("Error: ")), .text($0)) },
            .forEach(options) { option in
                .div(
                    .class("choice"),
                    .input(.type(.radio), .id("field-\(name)-\(option.value)"), .name(name), .value(option.value),
                           .checked(option.value == selected)),
                    .label(.for("field-\(name)-\(option.value)"), .text(option.label))
                )
            }
        )
    }

    public static func select<C: HTML.BodyContext>(
        name: String, label: String, options: [(value: String, label: String)], selected: String?, error: String?, hint: String? = nil
    ) -> Node<C> {
        .div(
            .class("field"),
            .label(.for("field-\(name)"), .text(label)),
            .unwrap(hint) { .p(.class("hint"), .id("hint-\(name)"), .text($0)) },
            .unwrap(error) { .p(.class("field-error"), .id("error-\(name)"), .span(.class("visually-hidden"), .text("Error: ")), .text($0)) },
            .select(
                .id("field-\(name)"), .attribute(named: "name", value: name), .class(error == nil ? "input" : "input invalid"),
                .unwrap(describedBy(name, hint: hint, error: error)) { .attribute(named: "aria-describedby", value: $0) },
                SelectViews.options(options, selected: selected)
            )
        )
    }

    /// Several checkboxes under one legend; `name` ends in [] so the values arrive as a list.
    public static func checkboxGroup<C: HTML.BodyContext>(
        name: String, id: String, legend: String, options: [(value: String, label: String)], selected: Set<String>
    ) -> Node<C> {
        .fieldset(
            .class("field"),
            .id("field-\(id)"),
            .element(named: "legend", nodes: [.text(legend)]),
            .forEach(options) { option in
                .div(
                    .class("choice"),
                    .input(.type(.checkbox), .id("field-\(id)-\(option.value)"), .name(name), .value(option.value),
                           .checked(selected.contains(option.value))),
                    .label(.for("field-\(id)-\(option.value)"), .text(option.label))
                )
            }
        )
    }

    public static func checkbox<C: HTML.BodyContext>(name: String, label: String, checked: Bool, error: String?) -> Node<C> {
        .div(
            .class("field checkbox"),
            .unwrap(error) { .p(.class("field-error"), .id("error-\(name)"), .span(.class("visually-hidden"), .text("Error: ")), .text($0)) },
            .input(
                .type(.checkbox), .id("field-\(name)"), .name(name), .value("yes"), .checked(checked),
                .unwrap(error) { _ in .attribute(named: "aria-describedby", value: "error-\(name)") },
                .attribute(named: "aria-invalid", value: error == nil ? nil : "true")
            ),
            .label(.for("field-\(name)"), .text(label))
        )
    }
}
