import IPTCore
import Plot

/// The worksheets of the client's focus areas: for each, the worksheets started (one, or one per
/// dispute) and the link to start one.
public enum WorksheetsPage {
    public struct Thread: Sendable, Equatable {
        /// The thread's key in the path: "main", or a dispute's id.
        public var key: String
        public var name: String
        /// " (version 3, impasse)": what follows the link.
        public var detail: String

        public init(key: String, name: String, detail: String) {
            self.key = key
            self.name = name
            self.detail = detail
        }
    }

    public struct Section: Sendable, Equatable {
        public var focus: FocusArea
        public var title: String
        public var threads: [Thread]
        /// A dispute worksheet may be started for each other person; a single one only once.
        public var perSubject: Bool

        public init(focus: FocusArea, title: String, threads: [Thread], perSubject: Bool) {
            self.focus = focus
            self.title = title
            self.threads = threads
            self.perSubject = perSubject
        }
    }

    public struct Model: Sendable {
        public var header: ChartHeader
        public var done: String?
        public var sections: [Section]

        public init(header: ChartHeader, done: String?, sections: [Section]) {
            self.header = header
            self.done = done
            self.sections = sections
        }
    }

    /// The thread key of a client's one worksheet of a focus.
    public static let single = "main"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let client = model.header.clientID
        return .group(
            ChartFrame.header(model.header),
            ChartFrame.notice(model.done),
            .if(model.sections.isEmpty, .p(.text("Worksheets follow the focus. Choose the focus in the formulation first."), .text(" "),
                                           .a(.href(SitePath.formulation.link(client)), .text("Go to the formulation")))),
            .forEach(model.sections) { section in
                .section(
                    .h2(.text(section.title)),
                    .if(section.threads.isEmpty, .p(.text("Not started."))),
                    .ul(.forEach(section.threads) { thread in
                        .li(.a(.href(SitePath.worksheetThread.link(client, section.focus.rawValue, thread.key)), .text(thread.name)), .text(thread.detail))
                    }),
                    .if(section.perSubject || section.threads.isEmpty,
                        .p(.a(.class("button secondary"), .href(SitePath.worksheetThread.link(client, section.focus.rawValue, section.perSubject ? "new" : single)),
                              .text(section.perSubject ? "Add a dispute" : "Start the worksheet")))))
            }
        )
    }
}

/// One worksheet: the stage of a dispute over the course, the versions, and the form (or, for an
/// earlier version, its answers to read).
public enum WorksheetPage {
    public struct Earlier: Sendable, Equatable {
        public var version: Int
        /// "2 (Fri Dec 4, Daniel Reyes)".
        public var label: String

        public init(version: Int, label: String) {
            self.version = version
            self.label = label
        }
    }

    public struct Model: Sendable {
        public var header: ChartHeader
        public var done: String?
        public var template: WorksheetTemplate
        public var key: String
        /// Each change of a dispute's stage, in words.
        public var stages: [String]
        public var versionCount: Int
        public var shownVersion: Int
        /// The other versions, newest first.
        public var earlier: [Earlier]
        public var isOld: Bool
        public var content: WorksheetContent
        public var errors: FieldErrors
        public var csrfToken: String

        public init(header: ChartHeader, done: String?, template: WorksheetTemplate, key: String, stages: [String], versionCount: Int, shownVersion: Int,
                    earlier: [Earlier], isOld: Bool, content: WorksheetContent, errors: FieldErrors, csrfToken: String) {
            self.header = header
            self.done = done
            self.template = template
            self.key = key
            self.stages = stages
            self.versionCount = versionCount
            self.shownVersion = shownVersion
            self.earlier = earlier
            self.isOld = isOld
            self.content = content
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? template.title : "Please check: \(template.title)" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let template = model.template, content = model.content, errors = model.errors, client = model.header.clientID
        let action = SitePath.worksheetThread.link(client, template.focus.rawValue, model.key)
        let fieldNodes: [Node<HTML.FormContext>] = template.fields.map { field in
            switch field.kind {
            case .text(let rows):
                rows == 1
                    ? FormViews.textField(name: field.key, label: field.label, value: content.text[field.key], error: errors[field.key], required: field.required,
                                          maxLength: WorksheetTemplate.textLimit, hint: field.hint)
                    : FormViews.textArea(name: field.key, label: field.label, value: content.text[field.key], error: errors[field.key],
                                         maxLength: WorksheetTemplate.textLimit, rows: rows, hint: field.hint, required: field.required)
            case .choice(let options):
                FormViews.radioGroup(name: field.key, legend: field.label, options: options, selected: content.text[field.key], error: errors[field.key])
            case .checklist(let options):
                FormViews.checkboxGroup(name: "\(field.key)[]", id: field.key, legend: field.label, options: options, selected: Set(content.checked[field.key] ?? []))
            }
        }
        return .group(
            ChartFrame.header(model.header),
            ChartFrame.notice(model.done),
            .p(.a(.href(SitePath.worksheets.link(client)), .text("All worksheets"))),
            .if(!model.stages.isEmpty, .section(
                .h2(.text("Stage of the dispute over the course")),
                .ol(.class("stage-history"), .forEach(model.stages) { .li(.text($0)) }))),
            .if(model.versionCount > 0, .p(.class("hint"), .text("Version \(model.shownVersion) of \(model.versionCount). Earlier versions: "),
                                           .group(model.earlier.map { row in
                                               .group(.a(.href(SitePath.worksheetThread.link(client, template.focus.rawValue, model.key,
                                                                                             query: ["version": String(row.version)])),
                                                         .text(row.label)), .text(" "))
                                           }))),
            .if(model.isOld, .group(
                .p(.class("notice"), .text("You are reading an earlier version. It cannot be changed; "), .a(.href(action), .text("open the current version")), .text(" to edit.")),
                .dl(.class("details"), .forEach(template.fields) { field in
                    .group(.dt(.text(field.label)), .dd(.text(template.display(field, in: content) ?? "")))
                }))),
            .if(!model.isOld, .group(
                FormViews.errorSummary(errors),
                .form(.method(.post), .action(action), .class("form"), .novalidate(),
                      FormViews.csrf(model.csrfToken),
                      .group(fieldNodes),
                      .button(.class("button"), .type(.submit), .text(model.versionCount == 0 ? "Save the worksheet" : "Save as a new version")))))
        )
    }
}
