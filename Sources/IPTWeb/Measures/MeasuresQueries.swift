import Fluent
import Foundation
import IPTCore
import Vapor

/// The queries behind the questionnaire, alert, portal and progress pages, each on any database so
/// a test can run it without HTTP.
enum MeasuresQueries {
    // MARK: Safety alerts

    /// The alerts this person must see: those about clients on their care team now, and for the
    /// director (to whom alerts escalate), every one.
    static func visibleAlerts(_ staff: CurrentStaff, now: Date, on database: any Database) async throws -> QueryBuilder<RiskAlert> {
        let query = RiskAlert.query(on: database).with(\.$client).with(\.$clinician)
        guard staff.role != .admin else { return query }
        // Also those addressed to this person about a client nobody has accepted yet: such an alert
        // goes to the clinician the answers came from, who must be able to act on it. Once the
        // client has a care team, the team decides: a supervisor replaced, or someone who left,
        // keeps nothing by having once been addressed (TeamController).
        let clients = try await CareTeamQueries.clients(of: staff.id, at: now, on: database)
        let unassigned = try await unassignedClients(ofAlertsAddressedTo: staff.id, at: now, on: database)
        return query.group(.or) { group in
            group.filter(\.$client.$id ~~ Array(clients))
                .group(.and) { addressed in
                    addressed.filter(\.$client.$id ~~ Array(unassigned))
                        .group(.or) { to in to.filter(\.$clinician.$id == staff.id).filter(\.$supervisor.$id == staff.id) }
                }
        }
    }

    /// The clients of alerts addressed to this person who have no one on their care team now.
    static func unassignedClients(ofAlertsAddressedTo staffID: UUID, at now: Date, on database: any Database) async throws -> Set<UUID> {
        let addressed = Set(try await RiskAlert.query(on: database)
            .group(.or) { $0.filter(\.$clinician.$id == staffID).filter(\.$supervisor.$id == staffID) }
            .all(\.$client.$id))
        guard !addressed.isEmpty else { return [] }
        let withTeam = try await CareTeamMember.query(on: database).filter(\.$client.$id ~~ Array(addressed)).filter(\.$startsAt <= now)
            .group(.or) { $0.filter(\.$endsAt == nil).filter(\.$endsAt > now) }
            .all(\.$client.$id)
        return addressed.subtracting(withTeam)
    }

    /// How many alerts this person may see are open.
    static func openAlertCount(visibleTo staff: CurrentStaff, now: Date, on database: any Database) async throws -> Int {
        try await visibleAlerts(staff, now: now, on: database).filter(\.$status == .open).count()
    }

    /// Open alerts, oldest first: all of them, or the first `limit` (Today's panel).
    static func openAlerts(visibleTo staff: CurrentStaff, now: Date, limit: Int? = nil, on database: any Database) async throws -> [RiskAlert] {
        let query = try await visibleAlerts(staff, now: now, on: database).filter(\.$status == .open).sort(\.$createdAt)
        if let limit { query.limit(limit) }
        return try await query.all()
    }

    /// One alert with what raised it and who closed it, if this person may see it.
    static func alert(_ id: UUID, visibleTo staff: CurrentStaff, now: Date, on database: any Database) async throws -> RiskAlert? {
        try await visibleAlerts(staff, now: now, on: database).filter(\.$id == id)
            .with(\.$response).with(\.$note).with(\.$closedBy).first()
    }

    /// Closes an open alert with its sealed follow-up; an alert closed meanwhile is left as it is.
    static func closeAlert(_ id: UUID, followUp sealed: String, by staffID: UUID, at now: Date, on database: any Database) async throws {
        try await database.writeTransaction { db in
            try await RiskAlert.query(on: db).set(\.$status, to: .closed).set(\.$followUpSealed, to: sealed)
                .set(\.$closedBy.$id, to: staffID).set(\.$closedAt, to: now)
                .filter(\.$id == id).filter(\.$status == .open).update()
        }
    }

    // MARK: Questionnaire answers

    /// The answers kept so far (a draft or a finished response); none when nothing was kept.
    static func answers(of response: MeasureResponse, keyRing: KeyRing) throws -> [String: Int] {
        guard let sealed = response.answersSealed else { return [:] }
        let json = try keyRing.open(sealed, MeasureResponse.answersContext(try response.requireID(), client: response.$client.id))
        return (try? JSONDecoder().decode([String: Int].self, from: Data(json.utf8))) ?? [:]
    }

    /// The response an emailed link opens, with its client and clinician.
    static func response(tokenHash: String, on database: any Database) async throws -> MeasureResponse? {
        try await MeasureResponse.query(on: database).filter(\.$tokenHash == tokenHash).with(\.$client).with(\.$clinician).first()
    }

    /// A response of this client (never another's), with its client and clinician.
    static func response(_ id: UUID, of clientID: UUID, on database: any Database) async throws -> MeasureResponse? {
        try await MeasureResponse.query(on: database).filter(\.$id == id).filter(\.$client.$id == clientID)
            .with(\.$client).with(\.$clinician).first()
    }

    /// A response the clinician fills in with the client during the session: no link is sent, and
    /// it stays open for a day.
    static func createInSession(_ instrument: Instrument, for appointment: Appointment, client: ClientRecord, now: Date,
                                on database: any Database) async throws -> MeasureResponse {
        let response = MeasureResponse()
        response.id = UUID()
        response.sharedWithGuardian = false
        response.$client.id = try client.requireID()
        response.$clinician.id = appointment.$staff.id
        response.$appointment.id = appointment.id
        response.instrumentCode = instrument.code
        // No link is sent; the token only satisfies the column and opens nothing.
        response.tokenHash = HexDigest.sha256(SecureToken.make())
        response.status = .sent
        response.createdAt = now
        response.expiresAt = now.addingTimeInterval(86_400)
        try await response.create(on: database)
        return response
    }

    /// Keeps the answers so far as a draft, unless the response was completed meanwhile.
    static func keepDraft(_ id: UUID, answers sealed: String, on database: any Database) async throws {
        try await database.writeTransaction { db in
            try await MeasureResponse.query(on: db).set(\.$answersSealed, to: sealed).set(\.$status, to: .draft)
                .filter(\.$id == id).filter(\.$status != .completed).update()
        }
    }

    // MARK: The portal

    /// What the portal's home lists besides appointments (PortalQueries). A guardian gets only the
    /// questionnaires shared with them, and neither waiting questionnaires nor record requests.
    struct PortalHome {
        var consents: [ConsentRecord]
        var answered: [MeasureResponse]
        var waiting: [MeasureResponse]
        var requests: [RecordRequest]
    }

    static func portalHome(_ clientID: UUID, asGuardian: Bool, now: Date, on db: any Database) async throws -> PortalHome {
        let consents = try await ConsentRecord.query(on: db).filter(\.$client.$id == clientID).sort(\.$signedAt).all()
        let answered = try await MeasureResponse.query(on: db).filter(\.$client.$id == clientID)
            .filter(\.$status == .completed).sort(\.$completedAt, .descending).all()
            .filter { !asGuardian || $0.sharedWithGuardian }
        let waiting = asGuardian ? [] : try await MeasureResponse.query(on: db).filter(\.$client.$id == clientID)
            .filter(\.$status ~~ [.sent, .draft]).filter(\.$expiresAt > now).sort(\.$createdAt).all()
        let requests = asGuardian ? [] : try await RecordRequest.query(on: db).filter(\.$client.$id == clientID)
            .sort(\.$requestedAt, .descending).all()
        return PortalHome(consents: consents, answered: answered, waiting: waiting, requests: requests)
    }

    /// A self-assessment with its client and the clinician who sent it.
    static func selfAssessment(_ id: UUID, on db: any Database) async throws -> SelfAssessmentRecord? {
        try await SelfAssessmentRecord.query(on: db).filter(\.$id == id).with(\.$client).with(\.$clinician).first()
    }

    // MARK: Progress

    /// A client's completed questionnaires, oldest first.
    static func completedResponses(of clientID: UUID, on db: any Database) async throws -> [MeasureResponse] {
        try await MeasureResponse.query(on: db).filter(\.$client.$id == clientID).filter(\.$status == .completed).sort(\.$completedAt).all()
    }

    /// The spread of this clinic's first scores (one per client) on one measure, which the Reliable
    /// Change Index uses as its SD, and how many clients it comes from.
    static func baselineSpread(_ code: String, keyRing: KeyRing, on db: any Database) async throws -> (sd: Double?, count: Int) {
        let all = try await MeasureResponse.query(on: db).filter(\.$instrumentCode == code).filter(\.$status == .completed)
            .sort(\.$completedAt).all()
        var firsts: [UUID: Int] = [:]
        for row in all where firsts[row.$client.id] == nil { if let total = try row.total(keyRing) { firsts[row.$client.id] = total } }
        return (ChangeMetrics.baselineStandardDeviation(Array(firsts.values)), firsts.count)
    }
}
