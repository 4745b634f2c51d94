/// Where a form sent to a client by link stands: a questionnaire, an intake or a self-assessment.
/// Only questionnaires keep drafts; the others go from sent to completed.
enum FormLinkStatus: String, Codable, Sendable, CaseIterable {
    case sent
    case draft
    case completed
}
