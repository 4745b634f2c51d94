import IPTCore
import Plot

/// A client's whole record as a readable, printable page: what the client reads in the portal once
/// a copy is released, and what staff open from the chart. Every value arrives formatted.
public enum RecordCopyPage {
    public struct Link: Sendable, Equatable {
        public var href: String
        public var label: String

        public init(href: String, label: String) {
            self.href = href
            self.label = label
        }
    }

    public struct Detail: Sendable, Equatable {
        public var label: String
        public var value: String

        public init(label: String, value: String) {
            self.label = label
            self.value = value
        }
    }

    public struct Questionnaire: Sendable, Equatable {
        /// "PHQ-9, Friday, December 4, 2026".
        public var heading: String
        /// "14 (Moderate)" or "not scored".
        public var score: String
        /// "Question: answer" lines; nil when the instrument is no longer known, so the answers cannot be named.
        public var answers: [String]?

        public init(heading: String, score: String, answers: [String]?) {
            self.heading = heading
            self.score = score
            self.answers = answers
        }
    }

    public struct NoteSection: Sendable, Equatable {
        public var label: String
        public var text: String
        /// Struck through: a later amendment changed it.
        public var changed: Bool

        public init(label: String, text: String, changed: Bool) {
            self.label = label
            self.text = text
            self.changed = changed
        }
    }

    public struct Amendment: Sendable, Equatable {
        public var signed: String
        public var reason: String
        public var sections: [NoteSection]

        public init(signed: String, reason: String, sections: [NoteSection]) {
            self.signed = signed
            self.reason = reason
            self.sections = sections
        }
    }

    public struct Note: Sendable, Equatable {
        public var heading: String
        public var sections: [NoteSection]
        public var amendments: [Amendment]

        public init(heading: String, sections: [NoteSection], amendments: [Amendment]) {
            self.heading = heading
            self.sections = sections
            self.amendments = amendments
        }
    }

    public enum Answer: Sendable, Equatable {
        case corrected(before: String, after: String)
        case refused(reason: String, statement: String?)
    }

    public struct Correction: Sendable, Equatable {
        /// "Asked on ...: accepted".
        public var heading: String
        public var asked: String
        public var answer: Answer?

        public init(heading: String, asked: String, answer: Answer?) {
            self.heading = heading
            self.asked = asked
            self.answer = answer
        }
    }

    public struct Opening: Sendable, Equatable {
        public var when: String
        public var who: String
        public var what: String

        public init(when: String, who: String, what: String) {
            self.when = when
            self.who = who
            self.what = what
        }
    }

    public struct Record: Sendable, Equatable {
        public var clientName: String
        public var clinicName: String
        public var madeOn: String
        public var about: [Detail]
        public var appointments: [String]
        public var consents: [String]
        public var questionnaires: [Questionnaire]
        public var includesNotes: Bool
        /// The heading ("Formulation (focus: grief)") and the text.
        public var formulation: Detail?
        public var notes: [Note]
        /// The discharge summary and the relapse plan.
        public var discharge: Detail?
        public var corrections: [Correction]
        public var openings: [Opening]
        /// The rest of the discharge summary: why the course ended, the recommendation, referrals.
        public var dischargeDetails: [Detail] = []
        /// Each safety alert (what raised it, when) and the clinician's follow-up.
        public var safetyAlerts: [Detail] = []

        public init(clientName: String, clinicName: String, madeOn: String, about: [Detail], appointments: [String], consents: [String],
                    questionnaires: [Questionnaire], includesNotes: Bool, formulation: Detail?, notes: [Note], discharge: Detail?,
                    corrections: [Correction], openings: [Opening]) {
            self.clientName = clientName
            self.clinicName = clinicName
            self.madeOn = madeOn
            self.about = about
            self.appointments = appointments
            self.consents = consents
            self.questionnaires = questionnaires
            self.includesNotes = includesNotes
            self.formulation = formulation
            self.notes = notes
            self.discharge = discharge
            self.corrections = corrections
            self.openings = openings
        }
    }

    public struct Model: Sendable, Equatable {
        /// The links above the copy (back, download, the other version), left out when printed.
        public var links: [Link]
        public var record: Record

        public init(links: [Link], record: Record) {
            self.links = links
            self.record = record
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.class("no-print"), .forEach(model.links.indices) { index in
                .group(.if(index > 0, .text(" · ")), .a(.href(model.links[index].href), .text(model.links[index].label)))
            }),
            record(model.record)
        )
    }

    public static func record(_ record: Record) -> Node<HTML.BodyContext> {
        .article(
            .class("record-export"),
            .h1(.text("Health record: \(record.clientName)")),
            .p(.class("lede"), .text("A copy of the record \(record.clinicName) keeps about you, made on \(record.madeOn).")),
            .h2(.text("About you")),
            .dl(.class("details"), .forEach(record.about) { .group(.dt(.text($0.label)), .dd(.text($0.value))) }),
            .h2(.text("Appointments")),
            .if(record.appointments.isEmpty, .p(.text("None."))),
            .ul(.forEach(record.appointments) { .li(.text($0)) }),
            .h2(.text("Consents")),
            .if(record.consents.isEmpty, .p(.text("None."))),
            .ul(.forEach(record.consents) { .li(.text($0)) }),
            .h2(.text("Questionnaires")),
            .if(record.questionnaires.isEmpty, .p(.text("None."))),
            .forEach(record.questionnaires) { questionnaire in
                .section(.class("record-item"),
                    .h3(.text(questionnaire.heading)),
                    .p(.text("Score \(questionnaire.score)")),
                    .unwrap(questionnaire.answers) { answers in .ul(.forEach(answers) { .li(.text($0)) }) })
            },
            .if(record.includesNotes, treatment(record)),
            .if(!record.includesNotes, .p(.class("hint"), .text("Clinical notes are not part of this copy. Ask the clinic if you would like them."))),
            .h2(.text("Corrections you asked for")),
            .if(record.corrections.isEmpty, .p(.text("None."))),
            .forEach(record.corrections) { correction in
                .section(.class("record-item"),
                    .h3(.text(correction.heading)),
                    .p(.strong(.text("What you asked: ")), .text(correction.asked)),
                    .unwrap(correction.answer, answer))
            },
            .h2(.text("Who has opened this record")),
            .p(.class("hint"), .text("Every time someone at the clinic viewed, changed or exported part of your record.")),
            TableViews.scrollable(captionID: "access-log", .table(
                .class("data-table"),
                .caption(.id("access-log"), .text("Openings, oldest first")),
                .thead(.tr(.th(.text("When")), .th(.text("Who")), .th(.text("What")))),
                .tbody(.forEach(record.openings) { opening in
                    .tr(.td(.text(opening.when)), .td(.text(opening.who)), .td(.text(opening.what)))
                })))
        )
    }

    private static func treatment(_ record: Record) -> Node<HTML.BodyContext> {
        .group(
            .h2(.text("Treatment")),
            .unwrap(record.formulation) { .group(.h3(.text($0.label)), .p(.text($0.value))) },
            .h3(.text("Session notes")),
            .if(record.notes.isEmpty, .p(.text("None signed."))),
            .forEach(record.notes) { note in
                .section(.class("record-item"),
                    .h4(.text(note.heading)),
                    .div(.class(note.amendments.isEmpty ? "" : "original"), sections(note.sections)),
                    .forEach(note.amendments) { amendment in
                        .div(.class("amendment"), .p(.strong(.text("Amended \(amendment.signed): ")), .text(amendment.reason)),
                             sections(amendment.sections))
                    })
            },
            .if(!record.safetyAlerts.isEmpty, .group(
                .h3(.text("Safety alerts and follow-up")),
                .forEach(record.safetyAlerts) { alert in .section(.class("record-item"), .h4(.text(alert.label)), .p(.text(alert.value))) })),
            .unwrap(record.discharge) { summary in
                .group(.h3(.text("Discharge summary")), .p(.text(summary.label)), .p(.strong(.text("Relapse plan: ")), .text(summary.value)),
                       .forEach(record.dischargeDetails) { .p(.strong(.text("\($0.label): ")), .text($0.value)) })
            }
        )
    }

    private static func answer(_ answer: Answer) -> Node<HTML.BodyContext> {
        switch answer {
        case let .corrected(before, after):
            return .p(.class("correction"), .strong(.text("Corrected: ")), .element(named: "del", nodes: [.text(before)]),
                      .text(" "), .element(named: "ins", nodes: [.text(after)]))
        case let .refused(reason, statement):
            return .group(.p(.strong(.text("Refused: ")), .text(reason)),
                          .unwrap(statement) { .p(.class("statement"), .strong(.text("Statement of disagreement: ")), .text($0)) })
        }
    }

    /// A note's sections, those an amendment changed struck through (and said to be, for screen readers).
    private static func sections(_ sections: [NoteSection]) -> Node<HTML.BodyContext> {
        .dl(.class("details"), .forEach(sections) { part in
            .group(.dt(.text(part.label)), .dd(.class(part.changed ? "changed" : ""),
                                               .if(part.changed, .span(.class("visually-hidden"), .text("Struck out by an amendment: "))), .text(part.text)))
        })
    }
}
