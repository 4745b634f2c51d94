import Fluent
import Foundation

/// Who is in a client's care team: the treating clinician of any contract, every clinician the
/// client had an appointment with, and the supervisors of those clinicians. The audit view flags an
/// opening of a chart by anyone else, which is what a privacy-breach review looks for first.
enum CareTeam {
    static func members(of clientIDs: [UUID], on database: any Database) async throws -> [UUID: Set<UUID>] {
        guard !clientIDs.isEmpty else { return [:] }
        var team: [UUID: Set<UUID>] = [:]
        for contract in try await ContractRow.query(on: database).filter(\.$client.$id ~~ clientIDs).all() {
            team[contract.$client.id, default: []].insert(contract.$clinician.id)
        }
        for appointment in try await Appointment.query(on: database).filter(\.$client.$id ~~ clientIDs).filter(\.$status ~~ Appointment.careStatuses).all() {
            if let client = appointment.$client.id { team[client, default: []].insert(appointment.$staff.id) }
        }
        let clinicians = Set(team.values.flatMap { $0 })
        let supervisors = clinicians.isEmpty ? [:] : Dictionary(
            try await StaffUser.query(on: database).filter(\.$id ~~ Array(clinicians)).all().compactMap { user in
                user.$supervisor.id.map { (user.id!, $0) }
            }, uniquingKeysWith: { first, _ in first })
        for (client, members) in team {
            team[client] = members.union(members.compactMap { supervisors[$0] })
        }
        return team
    }
}
