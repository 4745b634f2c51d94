import Fluent
import Foundation
import IPTCore
import SQLKit
import Vapor

/// Everything about where a client's course stands, read once per page.
struct CourseState: Sendable {
    let contract: ContractRow?
    let contractVersions: [ContractRow]
    let sessionsHeld: Int
    let progress: CourseProgress?
    let override: PhaseOverrideRow?
    let formulation: FormulationRow?
    let checklist: [String: ChecklistMark]
    let clinician: StaffUser?
    let supervisor: StaffUser?

    var focusAreas: [FocusArea] { formulation?.focusAreas ?? [] }

    static func load(_ context: ChartContext, on database: any Database) async throws -> CourseState {
        let versions = try await ContractRow.query(on: database).filter(\.$client.$id == context.clientID).sort(\.$version, .descending).all()
        let contract = versions.first
        let latestOverride = try await PhaseOverrideRow.query(on: database).filter(\.$client.$id == context.clientID).sort(\.$createdAt, .descending).first()
        let override = latestOverride?.phase == nil ? nil : latestOverride
        var held = 0
        var progress: CourseProgress?
        if let contract {
            held = try await sessionsHeld(clientID: context.clientID, since: contract, zone: context.zone, on: database)
            progress = CourseProgress(sessionsHeld: held, agreedSessions: contract.agreedSessions, settings: context.settings.course,
                                      override: override?.phase.flatMap(Phase.init(rawValue:)))
        }
        let marks = try await ChecklistMark.query(on: database).filter(\.$client.$id == context.clientID).all()
        let clinician = try await StaffUser.find(optional: contract?.$clinician.id, on: database)
        let supervisor = try await StaffUser.find(optional: clinician?.$supervisor.id, on: database)
        return CourseState(contract: contract, contractVersions: versions, sessionsHeld: held, progress: progress, override: override,
                           formulation: try await FormulationRow.latest(for: context.clientID, on: database),
                           checklist: Dictionary(marks.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first }),
                           clinician: clinician, supervisor: supervisor)
    }

    /// Sessions held under the current contract: attended appointments from its start date on.
    static func sessionsHeld(clientID: UUID, since contract: ContractRow, zone: ClinicTimeZone, on database: any Database) async throws -> Int {
        try await sessionsHeld(since: [clientID: contract], zone: zone, on: database)[clientID] ?? 0
    }

    /// Sessions held under each client's current contract, counted in one statement: a caseload
    /// asked one count per client, and building each query (Fluent finds a model's fields by
    /// reflection) cost more than the count (docs/PERFORMANCE.md). Clients with none are absent.
    static func sessionsHeld(since contracts: [UUID: ContractRow], zone: ClinicTimeZone, on database: any Database) async throws -> [UUID: Int] {
        try await sessionsHeld(startingOn: contracts.mapValues(\.startDate), zone: zone, on: database)
    }

    /// The same, given each client's contract start date (as the contract keeps it, "2026-01-31").
    static func sessionsHeld(startingOn startDates: [UUID: String], zone: ClinicTimeZone, on database: any Database) async throws -> [UUID: Int] {
        let starts = startDates.compactMap { client, date in LocalDate(iso: date).map { (client, zone.startOfDay($0)) } }
        guard !starts.isEmpty else { return [:] }
        // The clients are a list of constant rows that the count joins, so each client is one
        // range of the (client, status, start) index. Written as "status = attended AND (client and
        // start) OR (...)", SQLite's planner chose the status index once there were about forty
        // clients, and counted every attended session of the clinic's ten years: 2.6 s, where this
        // takes under a millisecond (docs/PERFORMANCE.md).
        let each: [SQLQueryString] = starts.map { client, from in "(\(bind: client), \(bind: from))" }
        let rows = try await RowReader.all("""
            WITH starts (client_id, since) AS (VALUES \(each.joined(separator: ", ")))
            SELECT starts.client_id AS client_id, COUNT(*) AS held FROM starts
            JOIN appointments ON appointments.client_id = starts.client_id
                AND appointments.status = \(bind: Appointment.Status.attended.rawValue) AND appointments.starts_at >= starts.since
            GROUP BY starts.client_id
            """, on: database)
        return try Dictionary(rows.map { (try $0.decode(column: "client_id", as: UUID.self), try $0.decode(column: "held", as: Int.self)) },
                              uniquingKeysWith: { first, _ in first })
    }

    /// The session an appointment is in the course: the attended sessions under the contract before
    /// it, plus itself. Counted the way the chart counts sessions held, so the two agree.
    static func sessionNumber(of appointment: Appointment, under contract: ContractRow, zone: ClinicTimeZone, on database: any Database) async throws -> Int {
        guard let start = LocalDate(iso: contract.startDate), let clientID = appointment.$client.id else { return 1 }
        let before = try await Appointment.query(on: database).filter(\.$client.$id == clientID)
            .filter(\.$status == Appointment.Status.attended).filter(\.$startsAt >= zone.startOfDay(start))
            .filter(\.$startsAt < appointment.startsAt).count()
        return before + 1
    }
}
