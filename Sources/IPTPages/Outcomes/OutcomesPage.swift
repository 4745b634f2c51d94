import Foundation
import IPTCore
import Plot

/// What the clinic's ended courses achieved over a period, for the director (the whole clinic) and a
/// supervisor (their students' courses): outcomes per programme with their breakdowns, the data's
/// completeness beside each figure, the path into care, supervision, and how each figure is counted.
/// Every chart has its numbers in a table beside it; a group of fewer than five courses shows no figure.
public enum OutcomesPage {
    public struct Model: Sendable {
        public var from: String
        public var to: String
        public var periodLabel: String
        public var isDirector: Bool
        public var courses: Int
        public var programmes: [ProgrammeOutcomes]
        public var path: [PathMonth]?
        public var waits: [StepWait]?
        public var supervision: [StudentSupervision]
        public var dropout: DropoutRule
        public var notice: String?
        public var csrfToken: String

        public init(from: String, to: String, periodLabel: String, isDirector: Bool, courses: Int, programmes: [ProgrammeOutcomes],
                    path: [PathMonth]?, waits: [StepWait]?, supervision: [StudentSupervision], dropout: DropoutRule, notice: String?, csrfToken: String) {
            self.from = from
            self.to = to
            self.periodLabel = periodLabel
            self.isDirector = isDirector
            self.courses = courses
            self.programmes = programmes
            self.path = path
            self.waits = waits
            self.supervision = supervision
            self.dropout = dropout
            self.notice = notice
            self.csrfToken = csrfToken
        }

        public var title: String { "Outcomes" }
    }

    /// "April 2025 to March 2026".
    public static func periodLabel(_ period: OutcomesPeriod) -> String {
        func month(_ date: LocalDate) -> String { "\(DateDisplay.months[date.month - 1]) \(date.year)" }
        return period.first == period.last ? month(period.first) : "\(month(period.first)) to \(month(period.last))"
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .div(
            .class("out-page"),
            .h1(.text(model.isDirector ? "The clinic's outcomes" : "Your students' outcomes")),
            .p(.class("lead"), .text("\(model.courses) \(model.courses == 1 ? "course" : "courses") ended in \(model.periodLabel)"
                + (model.isDirector ? "." : ", among the clients of the students you supervise."))),
            .unwrap(model.notice) { .p(.class("notice success"), .attribute(named: "role", value: "status"), .text($0)) },
            periodForm(model),
            glance(model),
            .nav(.class("out-contents no-print"), .ariaLabel("On this page"),
                 .ul(.forEach(model.programmes) { .li(.a(.href("#out-\($0.programme.rawValue)"), .text($0.programme.label))) },
                     .if(model.path != nil, .li(.a(.href("#out-path"), .text("Path into care")))),
                     .li(.a(.href("#out-supervision"), .text("Supervision"))),
                     .li(.a(.href("#out-how"), .text("How this is counted"))))),
            .forEach(model.programmes) { programmeSection($0, namingClinicians: model.isDirector) },
            .unwrap(model.path) { pathSection($0, waits: model.waits ?? []) },
            supervisionSection(model.supervision),
            howCounted(model)
        )
    }

    private static func periodForm(_ model: Model) -> Node<HTML.BodyContext> {
        .form(
            .class("out-period no-print"), .method(.get), .action(SitePath.outcomes.link),
            .div(.class("field"), .label(.for("out-from"), .text("First month")),
                 .input(.type(.month), .id("out-from"), .name("from"), .value(model.from), .class("input"), .attribute(named: "placeholder", value: "2026-01"))),
            .div(.class("field"), .label(.for("out-to"), .text("Last month")),
                 .input(.type(.month), .id("out-to"), .name("to"), .value(model.to), .class("input"), .attribute(named: "placeholder", value: "2026-12"))),
            .button(.class("button"), .type(.submit), .text("Show this period")),
            .a(.class("button secondary"), .href(SitePath.outcomesCSV.link(query: ["from": model.from, "to": model.to])),
               .text("Download these figures (CSV)"))
        )
    }

    // MARK: At a glance

    /// The few numbers a director reads first, each with how complete the data behind it is; the
    /// details follow below.
    private static func glance(_ model: Model) -> Node<HTML.BodyContext> {
        let present = model.programmes.filter { $0.overall.courses > 0 }
        let all = present.map(\.overall)
        let courses = all.reduce(0) { $0 + $1.courses }
        let completed = Share(all.reduce(0) { $0 + $1.completed.count }, of: courses)
        let endedEarly = Share(all.reduce(0) { $0 + $1.endedEarly.count }, of: courses)
        let measured = Share(all.reduce(0) { $0 + $1.withEndScore.count }, of: courses)
        let cards: [(title: String, pick: (OutcomeFigures) -> Share, of: String)] = [
            ("Reliable recovery", \.reliableRecovery, "of courses that started as a case"),
            ("Reliable improvement", \.reliableImprovement, "of courses with a first and an end score"),
            ("Reliable deterioration", \.reliableDeterioration, "of courses with a first and an end score"),
        ]
        let paired = Share(all.reduce(0) { $0 + $1.bothMeasures.count }, of: all.reduce(0) { $0 + $1.bothMeasures.of })
        let sessions = Share(all.reduce(0) { $0 + $1.sessionsMeasured.count }, of: all.reduce(0) { $0 + $1.sessionsMeasured.of })
        return .section(
            .class("out-glance"), .id("out-glance"), .ariaLabel("At a glance"),
            .h2(.text("At a glance")),
            .if(courses == 0, .p(.text("No course ended in this period, so there is nothing to report yet."))),
            .if(courses > 0, .ul(
                .class("out-cards"),
                .li(.class("out-card"),
                    .h3(.text("Courses ended")),
                    .p(.class("out-figure"), .span(.class("out-big"), .text("\(courses)")),
                       .text(completed.isReportable ? " \(completed.text) completed, \(endedEarly.text) ended early" : " too few to say how they ended")),
                    trustLine([(measured, "of courses have a first and an end score"), (sessions, "of sessions had a questionnaire")])),
                .forEach(cards) { card in
                    .li(.class("out-card"),
                        .h3(.text(card.title)),
                        .p(.class("out-of"), .text(card.of)),
                        .forEach(present) { programme in
                            let share = card.pick(programme.overall)
                            return .p(.class("out-figure"),
                                      .span(.class("out-big"), .text(share.percent.map { "\($0)%" } ?? "too few")),
                                      .text(" \(shortName(programme.programme))" + (share.isReportable ? ", \(share.count) of \(share.of)" : ", fewer than 5")))
                        },
                        trustLine([(measured, "of courses have a first and an end score"), (paired, "of those were scored on the GAD-7 too")]))
                }
            )),
            .if(courses > 0, .p(.class("hint"), .text("Each figure is explained under \u{201C}How this is counted\u{201D}; each programme's section below breaks it down by focus area, clinician tier, "
                + (model.isDirector ? "clinician " : "") + "and sessions attended.")))
        )
    }

    private static func shortName(_ programme: Programme) -> String { programme == .adolescent ? "IPT-A" : programme.label }

    /// "Data: 88% of courses have a first and an end score; 67% of those were scored on the GAD-7
    /// too." Marked as a caution when the first share is under 70%: the figures may then describe
    /// only the courses that were measured.
    private static func trustLine(_ parts: [(Share, String)]) -> Node<HTML.BodyContext> {
        guard let first = parts.first?.0, first.isReportable else {
            return .p(.class("out-trust"), .text("Data: too few courses to judge how complete it is."))
        }
        let low = (first.percent ?? 0) < 70
        let text = parts.filter { $0.0.isReportable }.map { "\($0.0.text) \($0.1)" }.joined(separator: "; ")
        return .p(.class(low ? "out-trust out-warning" : "out-trust"), .text((low ? "Caution, data incomplete: " : "Data: ") + text + "."))
    }

    // MARK: Outcomes per programme

    private static func programmeSection(_ programme: ProgrammeOutcomes, namingClinicians: Bool) -> Node<HTML.BodyContext> {
        let overall = programme.overall
        let code = programme.programme.rawValue
        let measure = programme.programme == .adolescent ? "PHQ-A" : "PHQ-9"
        return .section(
            .class("out-section"), .id("out-\(code)"), .ariaLabel(programme.programme.label),
            .h2(.text(programme.programme.label)),
            .if(!overall.isReportable,
                .p(.class("notice"), .text("\(overall.courses == 0 ? "No courses" : "Fewer than 5 courses") ended in this period: too few to report any figure. A percentage of so few courses could point at one client."))),
            .if(overall.isReportable, .group(
                .p(.text("\(overall.courses) courses ended. Scores are the \(measure) (with the GAD-7 for the paired figures where it was scored), the first of the course against the last before it ended.")),
                .div(.class("out-chart-with-table"),
                     .raw(barChart(id: "out-\(code)-chart", title: "\(programme.programme.label): what the courses achieved",
                                   bars: headlineShares(overall).map { ($0.label, $0.share) })),
                     headlineTable(overall, code: code)),
                completeness(overall),
                .h3(.id("out-\(code)-differs"), .text("Where reliable recovery differs")),
                .div(.class("out-chart-with-table"),
                     .raw(barChart(id: "out-\(code)-groups", title: "\(programme.programme.label): reliable recovery by focus area and clinician tier",
                                   bars: (programme.byFocus + programme.byTier).filter { $0.courses > 0 }.map { ($0.label, $0.reliableRecovery) })),
                     .p(.class("hint"), .text("Groups of fewer than five courses starting as a case show no bar. The table below has every figure for every group."))))),
            .h3(.text("Broken down")),
            .p(.class("hint"), .text("Each row counts the courses in its group; rows of fewer than five courses say so instead of giving figures, and \u{201C}too few\u{201D} marks a figure whose own count is under five (too few to report).")),
            breakdownTables(programme, namingClinicians: namingClinicians)
        )
    }

    private static func headlineShares(_ figures: OutcomeFigures) -> [(label: String, share: Share, of: String)] {
        [("Response", figures.response, "of courses starting in the clinical range"),
         ("Remission", figures.remission, "of courses with both scores"),
         ("Reliable improvement", figures.reliableImprovement, "of courses with both scores"),
         ("Reliable recovery", figures.reliableRecovery, "of courses starting as a case"),
         ("Reliable deterioration", figures.reliableDeterioration, "of courses with both scores")]
    }

    private static func headlineTable(_ figures: OutcomeFigures, code: String) -> Node<HTML.BodyContext> {
        .table(
            .class("out-table"),
            .caption(.id("out-\(code)-headline"), .text("The figures in the chart")),
            .thead(.tr(.th(.attribute(named: "scope", value: "col"), .text("Measure")), .th(.attribute(named: "scope", value: "col"), .text("Share")),
                       .th(.attribute(named: "scope", value: "col"), .text("Courses")))),
            .tbody(
                // What each share is counted among sits under its name, so the count column stays
                // short enough for a phone.
                .forEach(headlineShares(figures)) { row in
                    .tr(.th(.attribute(named: "scope", value: "row"), .text(row.label), .span(.class("out-of"), .text(row.of))), .td(.text(row.share.text)),
                        .td(.text(row.share.isReportable ? "\(row.share.count) of \(row.share.of)" : "")))
                },
                .tr(.th(.attribute(named: "scope", value: "row"), .text("Mean drop in score"),
                        .span(.class("out-of"), .text("a fall is a positive number; the spread is the standard deviation"))),
                    .td(.attribute(named: "colspan", value: "2"), .text(meanText(figures))))
            )
        )
    }

    private static func meanText(_ figures: OutcomeFigures) -> String {
        guard let mean = figures.meanDrop else { return OutcomeFigures.tooFew }
        return String(format: "%.1f points (spread %.1f)", mean, figures.dropSpread ?? 0)
    }

    private static func coursesText(_ figures: OutcomeFigures) -> String {
        figures.isReportable ? "\(figures.courses)" : (figures.courses == 0 ? "None" : "Under 5")
    }

    private static func completeness(_ figures: OutcomeFigures) -> Node<HTML.BodyContext> {
        let trusted = [figures.withBaseline, figures.withEndScore, figures.sessionsMeasured].allSatisfy { ($0.percent ?? 0) >= 70 }
        return .div(
            .class(trusted ? "out-completeness" : "out-completeness out-warning"),
            .h3(.text("How complete the data is")),
            .ul(
                .li(.text("Courses with a first score: \(figures.withBaseline.text)")),
                .li(.text("Courses with an end score as well: \(figures.withEndScore.text)")),
                .li(.text("Sessions with a questionnaire: \(figures.sessionsMeasured.text)")),
                .li(.text("Courses with both scores judged on the GAD-7 as well: \(figures.bothMeasures.text)"))
            ),
            .p(.text(trusted ? "Enough of the data is there for these figures to describe the courses."
                : "Caution: less than 70% of one of these is recorded, so the figures above may describe only the courses that were measured."))
        )
    }

    /// The breakdown in two tables, the outcomes and then the data and endings, each narrow enough
    /// for a wide screen without scrolling sideways (one table of thirteen columns was not).
    private static func breakdownTables(_ programme: ProgrammeOutcomes, namingClinicians: Bool) -> Node<HTML.BodyContext> {
        let outcomes: [(String, (OutcomeFigures) -> Node<HTML.TableRowContext>)] = [
            ("Response", { cell($0.response) }), ("Remission", { cell($0.remission) }), ("Reliable improvement", { cell($0.reliableImprovement) }),
            ("Reliable recovery", { cell($0.reliableRecovery) }), ("Reliable deterioration", { cell($0.reliableDeterioration) }),
            ("Mean drop (spread)", { figures in
                figures.meanDrop.map { .td(.text(String(format: "%.1f (%.1f)", $0, figures.dropSpread ?? 0))) } ?? .td(.class("out-too-few"), .text("too few"))
            }),
        ]
        let data: [(String, (OutcomeFigures) -> Node<HTML.TableRowContext>)] = [
            ("First score", { cell($0.withBaseline) }), ("End score", { cell($0.withEndScore) }), ("Sessions measured", { cell($0.sessionsMeasured) }),
            ("Both measures", { cell($0.bothMeasures) }), ("Completed", { cell($0.completed) }), ("Ended early", { cell($0.endedEarly) }),
        ]
        let code = programme.programme.rawValue
        return .group(
            breakdownTable(programme, namingClinicians: namingClinicians, captionID: "out-\(code)-breakdown",
                           caption: "\(programme.programme.label): outcomes by group", columns: outcomes),
            breakdownTable(programme, namingClinicians: namingClinicians, captionID: "out-\(code)-breakdown-data",
                           caption: "\(programme.programme.label): data and endings by group", columns: data)
        )
    }

    private static func breakdownTable(_ programme: ProgrammeOutcomes, namingClinicians: Bool, captionID: String, caption: String,
                                       columns: [(String, (OutcomeFigures) -> Node<HTML.TableRowContext>)]) -> Node<HTML.BodyContext> {
        var groups: [(String, [OutcomeFigures])] = [("By focus area", programme.byFocus), ("By clinician tier", programme.byTier)]
        if namingClinicians { groups.append(("By clinician", programme.byClinician)) }
        groups.append(("By sessions attended", programme.bySessions))
        let headings = ["Group", "Courses"] + columns.map(\.0)
        return TableViews.scrollable(captionID: captionID, .table(
            .class("out-table out-breakdown"),
            .caption(.id(captionID), .text(caption)),
            .thead(.tr(.forEach(headings) { .th(.attribute(named: "scope", value: "col"), .text($0)) })),
            .forEach(groups) { group in
                .tbody(
                    .tr(.class("out-group"), .th(.attribute(named: "scope", value: "colgroup"), .attribute(named: "colspan", value: "\(headings.count)"), .text(group.0))),
                    .if(group.1.isEmpty, .tr(.td(.attribute(named: "colspan", value: "\(headings.count)"), .text("No courses in this period.")))),
                    .forEach(group.1) { figures in
                        .tr(.th(.attribute(named: "scope", value: "row"), .text(figures.label)), .td(.text(coursesText(figures))),
                            .if(figures.isReportable, .group(columns.map { $0.1(figures) })),
                            .if(!figures.isReportable, .td(.class("out-too-few"), .attribute(named: "colspan", value: "\(headings.count - 2)"),
                                                           .text(figures.courses == 0 ? "" : OutcomeFigures.tooFew))))
                    }
                )
            }
        ))
    }

    /// A share in the breakdown: its percentage, or "too few" in a muted style (the table's hint
    /// says what that means), short enough that the table fits a wide screen.
    private static func cell(_ share: Share) -> Node<HTML.TableRowContext> {
        share.percent.map { .td(.text("\($0)%")) } ?? .td(.class("out-too-few"), .text("too few"))
    }

    // MARK: The path into care

    private static func pathSection(_ months: [PathMonth], waits: [StepWait]) -> Node<HTML.BodyContext> {
        let total = months.reduce(PathMonth(month: "all")) { sum, month in
            PathMonth(month: "all", enquiries: sum.enquiries + month.enquiries, consultations: sum.consultations + month.consultations,
                      assessments: sum.assessments + month.assessments, started: sum.started + month.started, completed: sum.completed + month.completed,
                      endedEarly: sum.endedEarly + month.endedEarly, endedOtherwise: sum.endedOtherwise + month.endedOtherwise)
        }
        let steps: [(String, Int)] = [("Enquiries", total.enquiries), ("Consultations", total.consultations), ("Assessments", total.assessments),
                                      ("Courses started", total.started), ("Completed", total.completed), ("Ended early", total.endedEarly),
                                      ("Ended another way", total.endedOtherwise)]
        let ended = total.ended
        let headings = ["Month", "Enquiries", "Consultations", "Assessments", "Started", "Completed", "Ended early", "Ended another way"]
        return .section(
            .class("out-section"), .id("out-path"), .ariaLabel("Path into care"),
            .h2(.text("Path into care")),
            .p(.text("How many people reached each step in the period, and how the courses that ended in it ended"
                + (ended >= OutcomeFigures.minimumGroup ? ": \(Share(total.completed, of: ended).text) completed, \(Share(total.endedEarly, of: ended).text) ended early." : "."))),
            .div(.class("out-chart-with-table"),
                 .raw(countChart(id: "out-path-chart", title: "People at each step of the path into care", bars: steps)),
                 .table(.class("out-table"), .caption(.id("out-waits"), .text("Median waits")),
                        .thead(.tr(.th(.attribute(named: "scope", value: "col"), .text("Step")), .th(.attribute(named: "scope", value: "col"), .text("Median wait")),
                                   .th(.attribute(named: "scope", value: "col"), .text("Clients")))),
                        .tbody(.forEach(waits) { wait in
                            .tr(.th(.attribute(named: "scope", value: "row"), .text(wait.label)), .td(.text(wait.text)), .td(.text("\(wait.clients)")))
                        }))),
            TableViews.scrollable(captionID: "out-path-months", .table(
                .class("out-table"),
                .caption(.id("out-path-months"), .text("Each month")),
                .thead(.tr(.forEach(headings) { .th(.attribute(named: "scope", value: "col"), .text($0)) })),
                .tbody(.forEach(months) { month in
                    .tr(.th(.attribute(named: "scope", value: "row"), .text(monthLabel(month.month))),
                        .forEach([month.enquiries, month.consultations, month.assessments, month.started, month.completed, month.endedEarly, month.endedOtherwise]) {
                            .td(.text("\($0)"))
                        })
                }),
                .tfoot(.tr(.th(.attribute(named: "scope", value: "row"), .text("Whole period")),
                           .forEach([total.enquiries, total.consultations, total.assessments, total.started, total.completed, total.endedEarly, total.endedOtherwise]) {
                               .td(.text("\($0)"))
                           }))
            ))
        )
    }

    static func monthLabel(_ key: String) -> String {
        guard let date = LocalDate(iso: key + "-01") else { return key }
        return "\(DateDisplay.months[date.month - 1].prefix(3)) \(date.year)"
    }

    // MARK: Supervision

    private static func supervisionSection(_ students: [StudentSupervision]) -> Node<HTML.BodyContext> {
        func hours(_ minutes: Int) -> String { String(format: "%.1f", Double(minutes) / 60) }
        let headings = ["Student", "Caseload", "Direct hours in the period", "Supervision hours in the period", "Ratio in the period",
                        "Since starting (goal 450 direct, 100 supervision)", "Median wait for a co-signature", "Waiting now"]
        return .section(
            .class("out-section"), .id("out-supervision"), .ariaLabel("Supervision"),
            .h2(.text("Supervision")),
            .p(.text("Practicum students' caseloads and hours in the period, against the college's guide of at least one supervision hour for every 4.5 direct hours, and how long their notes waited for a co-signature.")),
            .if(students.isEmpty, .p(.text("No practicum students."))),
            .if(!students.isEmpty, TableViews.scrollable(captionID: "out-supervision-table", .table(
                .class("out-table"),
                .caption(.id("out-supervision-table"), .text("Each student")),
                .thead(.tr(.forEach(headings) { .th(.attribute(named: "scope", value: "col"), .text($0)) })),
                .tbody(.forEach(students) { student in
                    .tr(.th(.attribute(named: "scope", value: "row"), .text(student.student)),
                        .td(.text("\(student.caseload)")),
                        .td(.text(hours(student.periodDirectMinutes))),
                        .td(.text(hours(student.periodSupervisionMinutes))),
                        .td(.class(student.withinRatio == false ? "out-flag" : ""),
                            .text(student.periodRatio.map { String(format: "1 to %.1f", $0) + (student.withinRatio == true ? " (within 1 to 4.5)" : " (beyond 1 to 4.5: more supervision is due)") }
                                  ?? "No supervision logged")),
                        .td(.text(String(format: "%.0f of 450 direct, %.0f of 100 supervision", student.sinceStart.directHours, student.sinceStart.supervisionHours))),
                        .td(.text(student.medianCosignHours.map { $0 < 48 ? String(format: "%.0f hours", $0) : String(format: "%.0f days", $0 / 24) }
                                  ?? (student.cosignWaitHours.isEmpty ? "None co-signed" : "Fewer than 5 co-signed"))),
                        .td(.text("\(student.waitingNow)")))
                })
            )))
        )
    }

    // MARK: How this is counted

    private static func howCounted(_ model: Model) -> Node<HTML.BodyContext> {
        let all = model.programmes.map(\.overall)
        let paired = Share(all.reduce(0) { $0 + $1.bothMeasures.count }, of: all.reduce(0) { $0 + $1.bothMeasures.of })
        let pairedNow = paired.of == 0 ? "" : " In this period \(paired.count) of the \(paired.of) courses with both depression scores had both GAD-7 scores too; the other \(paired.of - paired.count) are judged on the depression measure alone."
        var definitions: [(String, String)] = [
            ("A course in the period", "A client's course whose discharge summary was signed in the period; maintenance courses are left out. Adult courses are scored on the PHQ-9 and IPT-A courses on the PHQ-A (the depression measure), with the GAD-7 (the anxiety measure) where the clinic gave it, as on each client's chart."),
            ("First and end score", "On each measure, the first score of the course and the last one before its discharge summary was signed. A course with a single score has a first score but no end score."),
            ("Clinical range, or a case", "A score above the measure's caseness threshold (PHQ-9: above 9; PHQ-A: above 10; GAD-7: above 7). A course starts as a case when either measure is in the clinical range at its first score."),
            ("Both measures or one", "Reliable improvement, reliable deterioration and reliable recovery follow NHS Talking Therapies, which judges the depression and the anxiety measure together. Where a course has no first and end GAD-7 score, they fall back to the depression measure alone." + pairedNow),
            ("Response", "The depression score fell by half or more; counted among courses whose depression score started in the clinical range. Depression measure only."),
            ("Remission", "The depression score ended below 5; counted among courses with both depression scores. Depression measure only."),
            ("Reliable improvement", "A fall larger than the measure's error allows (PHQ-9 and PHQ-A: 6 points or more; GAD-7: 4 or more) on at least one measure, and no such rise on the other; counted among courses with both depression scores."),
            ("Reliable deterioration", "A rise of that size on at least one measure and no such fall on the other; a course that improved on one measure and worsened on the other counts as neither."),
            ("Reliable recovery", "A course that started as a case, ended out of the clinical range on every measure it was judged on, and reliably improved (NHS Talking Therapies); counted among courses that started as a case."),
            ("Mean drop and spread", "The average of first minus end depression score over courses with both, and its sample standard deviation."),
            ("Sessions measured", "Attended sessions with a completed depression questionnaire, as a share of sessions attended (a course's questionnaires count up to its sessions)."),
            ("Completed and ended early", "Completed when the clinician recorded a completed course or every agreed session was held. " + model.dropout.explanation + " The rest ended another way (referred on, or another reason)."),
            ("Too few to report", "No percentage, mean or median is shown for fewer than five courses or clients, so that no figure can point at one person."),
            ("Data completeness", "Beside the figures: the share of courses with a first score, with an end score too, of sessions with a questionnaire, and of courses judged on both measures. Under 70% on one of the first three, the figures may describe only the courses that were measured, and the page says so."),
        ]
        // The path into care is the whole clinic's, shown to the director only: explain it only where it is shown.
        if model.path != nil {
            definitions.append(("Path into care", "Enquiries received, consultations held or booked, assessments attended, courses whose contract started, and courses that ended, in each month. Waits run from each client's first enquiry (matched by email address), consultation, assessment and IPT session, for clients whose course started in the period."))
        }
        definitions.append(("Supervision", "Direct hours are a student's attended appointments with clients; supervision hours are the sessions logged; the co-signature wait runs from signing a note to its co-signature, for notes co-signed in the period."))
        return .section(
            .class("out-section out-how"), .id("out-how"), .ariaLabel("How this is counted"),
            .h2(.text("How this is counted")),
            .dl(.forEach(definitions) { .group(.dt(.text($0.0)), .dd(.text($0.1))) }),
            .if(model.isDirector, dropoutForm(model))
        )
    }

    private static func dropoutForm(_ model: Model) -> Node<HTML.BodyContext> {
        let sessions: String = {
            if case let .fewerSessionsThan(count) = model.dropout { return "\(count)" }
            return "4"
        }()
        return .form(
            .class("form out-dropout no-print"), .method(.post), .action(SitePath.outcomesDropout.link),
            FormViews.csrf(model.csrfToken),
            .fieldset(
                .element(named: "legend", nodes: [.text("How this clinic counts dropout")]),
                .div(.class("choice"),
                     .input(.type(.radio), .id("out-rule-recorded"), .name("rule"), .value("recorded"), .checked(model.dropout == .recordedByClinician)),
                     .label(.for("out-rule-recorded"), .text("As the clinician recorded it on the discharge summary"))),
                .div(.class("choice"),
                     .input(.type(.radio), .id("out-rule-sessions"), .name("rule"), .value("sessions"), .checked(model.dropout != .recordedByClinician)),
                     .label(.for("out-rule-sessions"), .text("Any course not completed that held fewer sessions than the number below"))),
                .div(.class("field"),
                     .label(.for("out-rule-count"), .text("Sessions")),
                     .input(.type(.number), .id("out-rule-count"), .name("sessions"), .value(sessions), .class("input out-narrow"),
                            .attribute(named: "min", value: "1"), .attribute(named: "max", value: "20")))
            ),
            .button(.class("button"), .type(.submit), .text("Save the dropout rule"))
        )
    }

    // MARK: Charts

    /// Horizontal bars of shares, each labelled with its percentage in words, or with "too few to
    /// report" and no bar; sized to fit a phone and scaled up on a wide screen.
    static func barChart(id: String, title: String, bars: [(String, Share)]) -> String {
        let longest = Double(bars.map(\.0.count).max() ?? 10)
        let width = 340.0, row = 34.0, labelWidth = min(max(longest * 6.6 + 8, 110), 180), barSpace = width - labelWidth - 56
        let description = bars.map { "\($0.0): \($0.1.text)" }.joined(separator: "; ")
        var svg = ##"<svg class="out-chart" viewBox="0 0 \##(Int(width)) \##(Int(row * Double(bars.count) + 8))" role="img" aria-labelledby="\##(id)-title \##(id)-desc" xmlns="http://www.w3.org/2000/svg">"##
        svg += ##"<title id="\##(id)-title">\##(MarkupEscaping.escape(title))</title><desc id="\##(id)-desc">\##(MarkupEscaping.escape(description))</desc>"##
        for (index, bar) in bars.enumerated() {
            let y = Double(index) * row + 6
            svg += ##"<text x="0" y="\##(y + 17)" font-size="12" fill="#1d2b2a">\##(MarkupEscaping.escape(bar.0))</text>"##
            svg += ##"<rect x="\##(labelWidth)" y="\##(y + 4)" width="\##(barSpace)" height="18" fill="#eef2f1"/>"##
            if let percent = bar.1.percent {
                svg += ##"<rect x="\##(labelWidth)" y="\##(y + 4)" width="\##(barSpace * Double(percent) / 100)" height="18" fill="#1f5f5b"/>"##
            }
            svg += ##"<text x="\##(width - 2)" y="\##(y + 17)" font-size="12" text-anchor="end" fill="#1d2b2a">\##(bar.1.percent.map { "\($0)%" } ?? "too few")</text>"##
        }
        return svg + "</svg>"
    }

    /// Horizontal bars of counts, the longest bar the largest count, each with its number written.
    static func countChart(id: String, title: String, bars: [(String, Int)]) -> String {
        let width = 340.0, row = 30.0, labelWidth = 130.0, barSpace = width - labelWidth - 44
        let largest = Double(max(bars.map(\.1).max() ?? 0, 1))
        let description = bars.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
        var svg = ##"<svg class="out-chart" viewBox="0 0 \##(Int(width)) \##(Int(row * Double(bars.count) + 8))" role="img" aria-labelledby="\##(id)-title \##(id)-desc" xmlns="http://www.w3.org/2000/svg">"##
        svg += ##"<title id="\##(id)-title">\##(MarkupEscaping.escape(title))</title><desc id="\##(id)-desc">\##(MarkupEscaping.escape(description))</desc>"##
        for (index, bar) in bars.enumerated() {
            let y = Double(index) * row + 4
            svg += ##"<text x="0" y="\##(y + 16)" font-size="12" fill="#1d2b2a">\##(MarkupEscaping.escape(bar.0))</text>"##
            svg += ##"<rect x="\##(labelWidth)" y="\##(y + 3)" width="\##(max(barSpace * Double(bar.1) / largest, 1))" height="18" fill="#1f5f5b"/>"##
            svg += ##"<text x="\##(width - 2)" y="\##(y + 16)" font-size="12" text-anchor="end" fill="#1d2b2a">\##(bar.1)</text>"##
        }
        return svg + "</svg>"
    }
}
