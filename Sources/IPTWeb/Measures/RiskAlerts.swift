import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// The safety workflow. One rule, on every path answers take: whenever answers reach the server (a
/// draft, a form refused as incomplete, a complete one; by link, in the portal or in session; built-in
/// or a clinic's own instrument) and whenever a session note records thoughts with plan or intent,
/// a current risk answer opens an alert for the treating clinician (and a student's supervisor) in
/// that same request, and a history answer is kept as a standing flag on the chart.
enum RiskAlerts {
    /// An alert still open after this many hours goes to the clinic director as well.
    static let escalateAfterHours = 24

    /// What started an alert; each source opens at most one (unique indexes on both columns).
    enum Origin {
        case response(UUID)
        case note(UUID)
    }

    /// What `record` did, for the page and the audit trail.
    struct Outcome {
        var openedAlert: UUID?
        var flagged: [ClientFlag.Kind] = []
    }

    /// Records the risk answers among `answers` (complete or not) before anything else is decided.
    static func record(_ signals: RiskSignals, response: MeasureResponse, actor: (id: String?, label: String), request: Request) async throws -> Outcome {
        guard !signals.isEmpty else { return Outcome() }
        let responseID = try response.requireID()
        let clientID = response.$client.id
        let now = request.now
        let outcome = try await request.db.writeTransaction { db -> Outcome in
            var outcome = Outcome()
            if !signals.history.isEmpty, try await flag(.suicideAttemptHistory, clientID: clientID, responseID: responseID, now: now, on: db) {
                outcome.flagged.append(.suicideAttemptHistory)
            }
            if !signals.current.isEmpty {
                outcome.openedAlert = try await open(.response(responseID), clientID: clientID, clinicianID: response.$clinician.id,
                                                     services: request.services, now: now, on: db)
            }
            return outcome
        }
        try await audit(outcome, clientID: clientID, actor: actor, request: request)
        return outcome
    }

    /// A session note whose risk check records thoughts with plan or intent.
    static func record(note: SessionNoteRow, content: SessionNoteContent, actor: (id: String?, label: String), request: Request) async throws {
        guard content.riskCheck == .presentActOnIt else { return }
        // An amendment belongs with the note it amends: one alert for the session.
        let noteID = try note.$amends.id ?? note.requireID()
        let clientID = note.$client.id
        let now = request.now
        let opened = try await request.db.writeTransaction { db in
            try await open(.note(noteID), clientID: clientID, clinicianID: note.$author.id, services: request.services, now: now, on: db)
        }
        try await audit(Outcome(openedAlert: opened), clientID: clientID, actor: actor, request: request)
    }

    private static func audit(_ outcome: Outcome, clientID: UUID, actor: (id: String?, label: String), request: Request) async throws {
        if let alert = outcome.openedAlert {
            request.nudgeOutbox()
            try await request.application.auditWriter.record(AuditEntry(
                actorID: actor.id, actorLabel: actor.label, action: .create, recordType: "risk-alert",
                recordID: alert.uuidString, subject: clientID.uuidString, requestID: request.referenceID, detail: "opened"))
        }
        for kind in outcome.flagged {
            try await request.application.auditWriter.record(AuditEntry(
                actorID: actor.id, actorLabel: actor.label, action: .create, recordType: "client-flag",
                recordID: kind.rawValue, subject: clientID.uuidString, requestID: request.referenceID, detail: "recorded"))
        }
    }

    /// Who is told: the client's treating clinician where the clinic assigned one (and is still
    /// active), with a practicum student's supervisor. Where no one treats the client yet (a new
    /// client answering before being accepted) the clinician the answers came from is told, and so
    /// are the clinic's directors at once, not only after the 24-hour escalation. The alert is
    /// addressed to `clinician`, who may open it whatever the care team says (see AlertsController).
    static func recipients(clientID: UUID, fallback clinicianID: UUID, at now: Date, on db: any Database)
        async throws -> (clinician: StaffUser, supervisor: StaffUser?, others: [StaffUser]) {
        let treating = try await CareTeamQueries.treatingClinician(of: clientID, at: now, on: db)
        var found = try await treating.asyncMap { try await StaffUser.find($0, on: db) } ?? nil
        if found?.isActive != true { found = nil }
        let assigned = found != nil
        if found == nil { found = try await StaffUser.find(clinicianID, on: db) }
        guard let clinician = found else { throw Abort(.internalServerError, reason: "The clinician of a risk alert no longer exists.") }
        let supervisor = clinician.role == StaffRole.student ? try await StaffUser.find(clinician.$supervisor.id, on: db) : nil
        let directors = assigned ? [] : try await StaffUser.query(on: db).filter(\.$role == StaffRole.admin).filter(\.$isActive == true).all()
        let told = Set([clinician.id, supervisor?.id].compactMap { $0 })
        return (clinician, supervisor.flatMap { $0.isActive ? $0 : nil }, directors.filter { !told.contains($0.id ?? UUID()) })
    }

    /// Opens the alert for `origin` unless one exists already, and queues the emails in the same
    /// transaction. The insert itself decides (ON CONFLICT DO NOTHING ... RETURNING), so two
    /// simultaneous risk answers for one questionnaire open one alert. Returns the new alert's id.
    static func open(_ origin: Origin, clientID: UUID, clinicianID: UUID, services: AppServices, now: Date, on db: any Database) async throws -> UUID? {
        let (clinician, supervisor, others) = try await recipients(clientID: clientID, fallback: clinicianID, at: now, on: db)
        let alertID = UUID()
        let (source, responseID, noteID, conflictColumn): (RiskAlert.Source, UUID?, UUID?, String) = switch origin {
        case .response(let id): (.questionnaire, id, nil, "response_id")
        case .note(let id): (.sessionNote, nil, id, "note_id")
        }
        let inserted = try await (db as! any SQLDatabase).insert(into: RiskAlert.schema)
            .columns("id", "client_id", "source", "response_id", "note_id", "clinician_id", "supervisor_id", "status", "created_at")
            .values(SQLBind(alertID), SQLBind(clientID), SQLBind(source.rawValue), SQLBind(responseID), SQLBind(noteID),
                    SQLBind(try clinician.requireID()), SQLBind(supervisor?.id), SQLBind("open"), SQLBind(now))
            .ignoringConflicts(with: [conflictColumn])
            .returning("id")
            .all()
        guard !inserted.isEmpty else { return nil }
        let clinic = try await services.clinic.current(on: db)
        // No answer, score, name or questionnaire in the email: only that something waits.
        for person in ([clinician] + (supervisor.map { [$0] } ?? []) + others) where person.isActive {
            try await Outbox.enqueue(
                to: person.email, subject: "Action needed: a client alert is waiting - \(clinic.name)",
                body: """
                Hello \(TeamQueries.givenName(of: person.name)),

                A safety alert about one of your clients needs your follow-up today.

                Sign in to see it: \(services.settings.publicBaseURL)/staff/alerts

                This email deliberately carries no details.
                """, at: now, on: db)
        }
        return alertID
    }

    /// Records a standing flag once; true when this call recorded it.
    static func flag(_ kind: ClientFlag.Kind, clientID: UUID, responseID: UUID?, now: Date, on db: any Database) async throws -> Bool {
        let inserted = try await (db as! any SQLDatabase).insert(into: ClientFlag.schema)
            .columns("id", "client_id", "kind", "response_id", "created_at")
            .values(SQLBind(UUID()), SQLBind(clientID), SQLBind(kind.rawValue), SQLBind(responseID), SQLBind(now))
            .ignoringConflicts(with: ["client_id", "kind"])
            .returning("id")
            .all()
        return !inserted.isEmpty
    }

    /// Completes a questionnaire once; the risk answers were recorded before this is called.
    static func complete(_ response: MeasureResponse, score: InstrumentScore, sealedAnswers: String, actor: (id: String?, label: String),
                         request: Request) async throws {
        let id = try response.requireID()
        let now = request.now
        // The update that completes it is the check: of two submissions only one gets a row back.
        let sealedScore = try request.services.keyRing.seal(json: MeasureResponse.Score(total: score.total, band: score.band.label),
                                                            MeasureResponse.scoreContext(id, client: response.$client.id))
        guard try await request.db.updateUnlessStatus(MeasureResponse.schema, id: id, status: "completed", set: [
            ("answers_sealed", sealedAnswers), ("score_sealed", sealedScore), ("status", "completed"), ("completed_at", now),
        ]) else { throw Abort(.gone, reason: "These answers were already sent.") }
        try await request.application.auditWriter.record(AuditEntry(
            actorID: actor.id, actorLabel: actor.label, action: .create, recordType: "measure-response",
            recordID: id.uuidString, subject: response.$client.id.uuidString, requestID: request.referenceID, detail: "completed"))
    }

    /// Tells the directors about alerts left open too long; each alert once.
    static func escalate(app: Application, now: Date) async throws {
        let due = try await RiskAlert.query(on: app.db).filter(\.$status == .open).filter(\.$escalatedAt == nil)
            .filter(\.$createdAt <= now.addingTimeInterval(-TimeInterval(escalateAfterHours * 3600))).all()
        guard !due.isEmpty else { return }
        let directors = try await StaffUser.query(on: app.db).filter(\.$role == StaffRole.admin).filter(\.$isActive == true).all()
        let clinic = try await app.services.clinic.current(on: app.db)
        for alert in due {
            guard let id = alert.id else { continue }
            try await app.db.writeTransaction { db in
                let claimed = try await (db as! any SQLDatabase).update(RiskAlert.schema).set("escalated_at", to: now)
                    .where("id", .equal, id).where("escalated_at", .is, SQLLiteral.null).returning("id").all()
                guard !claimed.isEmpty else { return }
                for director in directors {
                    try await Outbox.enqueue(
                        to: director.email, subject: "Escalated: a client alert has been open over \(escalateAfterHours) hours - \(clinic.name)",
                        body: """
                        Hello,

                        A client safety alert has had no recorded follow-up for more than \(escalateAfterHours) hours.

                        Sign in to see it: \(app.services.settings.publicBaseURL)/staff/alerts

                        This email deliberately carries no details.
                        """, at: now, on: db)
                }
            }
        }
        app.services.outboxWorker?.nudge()
    }
}
