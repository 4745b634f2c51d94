import Fluent
import Foundation
import IPTCore
import Vapor

/// Two invented clients so the clinical workspace has something to open on first start: one who has
/// just had a first assessment session with a registered therapist, and one a practicum student is
/// seeing in the middle phase under supervision.
enum DemoClients {
    static func seed(on database: any Database, keyRing: KeyRing, zone: ClinicTimeZone, now: Date) async throws {
        guard try await ClientRecord.query(on: database).count() == 0,
              let therapist = try await StaffUser.query(on: database).filter(\.$slug == "daniel-reyes").first(),
              let student = try await StaffUser.query(on: database).filter(\.$slug == "priya-natarajan").first() else { return }
        let today = zone.localDate(of: now)
        func monthsAgo(_ months: Int) -> String {
            var year = today.year, month = today.month - months
            while month < 1 { month += 12; year -= 1 }
            return String(format: "%04d-%02d", year, month)
        }
        /// 10:00 (therapist) or 17:00 (student) on the weekday `days` from today.
        func at(_ days: Int, hour: Int) -> Date { zone.instant(today.adding(days: days), hour * 60)! }

        // Morgan: one assessment session held a week ago; the self-assessment and a first PHQ-9 are in.
        let morgan = try await client(name: "Morgan Ellis", email: "morgan.ellis@example.org", born: "1990-04-12", on: database, now: now)
        try await appointment(therapist, morgan, code: "assessment", start: at(-7, hour: 10), attended: true, on: database, now: now)
        for week in 0..<3 { try await appointment(therapist, morgan, code: "ipt-session", start: at(7 * week + 1, hour: 10), attended: false, on: database, now: now) }
        let answers = try SelfAssessment.validate(fields: [
            "distress-home": "3", "distress-romantic": "4", "distress-work": "2", "course": "comes-and-goes",
            "moodSituations": "Evenings at home after we argue; better at work.", "onset": monthsAgo(4),
            "event-moving-home": "yes", "event-moving-home-month": monthsAgo(6), "event-moving-home-impact": "2",
            "event-ongoing-conflict": "yes", "event-ongoing-conflict-month": monthsAgo(5), "event-ongoing-conflict-impact": "3",
            "event-ongoing-conflict-note": "With my partner, about the move",
        ], today: today).get()
        let record = SelfAssessmentRecord()
        record.id = UUID()
        record.$client.id = try morgan.requireID()
        record.$clinician.id = try therapist.requireID()
        record.tokenHash = HexDigest.sha256(SecureToken.make())
        record.status = .completed
        record.answersSealed = try keyRing.seal(String(decoding: try JSONEncoder().encode(answers), as: UTF8.self), SelfAssessmentRecord.answersContext(record.id!, client: record.$client.id))
        record.createdAt = now.addingTimeInterval(-14 * 86_400)
        record.expiresAt = now
        record.completedAt = now.addingTimeInterval(-10 * 86_400)
        try await record.create(on: database)
        try await score(16, client: morgan, clinician: therapist, daysAgo: 8, keyRing: keyRing, on: database, now: now)
        try await careTeam(morgan, treating: therapist, on: database, now: now.addingTimeInterval(-14 * 86_400))

        // Riley: four sessions held with the student, contract and focus agreed.
        let riley = try await client(name: "Riley Tan", email: "riley.tan@example.org", born: "1996-09-30", on: database, now: now)
        try await careTeam(riley, treating: student, on: database, now: now.addingTimeInterval(-35 * 86_400))
        for week in 0..<4 { try await appointment(student, riley, code: week == 0 ? "assessment" : "ipt-session", start: at(-7 * (4 - week), hour: 17), attended: true, on: database, now: now) }
        try await appointment(student, riley, code: "ipt-session", start: at(1, hour: 17), attended: false, on: database, now: now)
        for (index, total) in [15, 13, 11, 9].enumerated() {
            try await score(total, client: riley, clinician: student, daysAgo: 28 - index * 7 - 1, keyRing: keyRing, on: database, now: now)
        }
        let contract = ContractRow()
        contract.id = UUID()
        contract.$client.id = try riley.requireID()
        contract.$clinician.id = try student.requireID()
        contract.version = 1
        contract.programme = Programme.adult.rawValue
        contract.agreedSessions = 16
        contract.sessionMinutes = 50
        contract.startDate = today.adding(days: -30).description
        contract.clientAgreed = true
        contract.$createdBy.id = try student.requireID()
        contract.createdAt = now.addingTimeInterval(-20 * 86_400)
        try await contract.create(on: database)
        let formulation = FormulationRow()
        formulation.id = UUID()
        formulation.$client.id = try riley.requireID()
        formulation.version = 1
        formulation.framework = FocusFramework.fourAreas.rawValue
        formulation.primaryFocus = FocusArea.roleTransition.rawValue
        formulation.textSealed = try keyRing.seal("The low mood began with the move to a new city for work: friends and routines were left behind and the new role still feels empty. We will look at what was lost, what the new role can offer, and build support here.",
                                                  FormulationRow.textContext(formulation.id!, client: formulation.$client.id))
        formulation.clientAgreed = true
        formulation.$createdBy.id = try student.requireID()
        formulation.createdAt = now.addingTimeInterval(-14 * 86_400)
        try await formulation.create(on: database)
        try await DemoHistory.seed(riley: riley, student: student, therapist: therapist, keyRing: keyRing, zone: zone, now: now, on: database)
        try await DemoBilling.seed(zone: zone, now: now, on: database)
    }

    /// Accepted by the director: the treating clinician, and a student's supervisor with them.
    static func careTeam(_ client: ClientRecord, treating clinician: StaffUser, on database: any Database, now: Date) async throws {
        let director = try await StaffUser.query(on: database).filter(\.$role == StaffRole.admin).first()
        var members = [(try clinician.requireID(), CareTeamMember.Role.treating)]
        if clinician.role == StaffRole.student, let supervisor = clinician.$supervisor.id { members.append((supervisor, .supervisor)) }
        for (staffID, role) in members {
            let member = CareTeamMember()
            member.$client.id = try client.requireID()
            member.$staff.id = staffID
            member.role = role
            member.reason = role == .treating ? "Accepted as the treating clinician" : "Supervises the treating practicum student"
            member.startsAt = now
            member.$addedBy.id = director?.id
            member.createdAt = now
            try await member.create(on: database)
        }
    }

    static func client(name: String, email: String, born: String, on database: any Database, now: Date) async throws -> ClientRecord {
        let client = ClientRecord()
        client.name = name
        client.email = email
        client.phone = "416-555-01\(Int.random(in: 10...99))"
        client.dateOfBirth = born
        client.programme = Programme.adult.rawValue
        client.slidingScalePercent = 0
        client.createdAt = now.addingTimeInterval(-40 * 86_400)
        try await client.create(on: database)
        return client
    }

    @discardableResult
    static func appointment(_ clinician: StaffUser, _ client: ClientRecord, code: String, start: Date, attended: Bool,
                            on database: any Database, now: Date) async throws -> Appointment {
        let kind = AppointmentKind(code: code, name: code, durationMinutes: 50)
        let appointment = BookingService.newAppointment(staffID: try clinician.requireID(), clientID: try client.requireID(), kind: kind, start: start,
                                                        locationID: nil, source: "staff", now: now)
        if attended { appointment.status = Appointment.Status.attended }
        try await appointment.create(on: database)
        return appointment
    }

    static func score(_ total: Int, client: ClientRecord, clinician: StaffUser, daysAgo: Int, keyRing: KeyRing, on database: any Database, now: Date,
                      instrument: Instrument = .phq9) async throws {
        let response = MeasureResponse()
        response.sharedWithGuardian = false
        response.$client.id = try client.requireID()
        response.$clinician.id = try clinician.requireID()
        response.instrumentCode = instrument.code
        response.tokenHash = HexDigest.sha256(SecureToken.make())
        response.status = .completed
        response.id = UUID()
        try response.setScore(MeasureResponse.Score(total: total, band: instrument.band(for: total)?.label ?? ""), keyRing)
        response.createdAt = now.addingTimeInterval(-Double(daysAgo + 2) * 86_400)
        response.expiresAt = now
        response.completedAt = now.addingTimeInterval(-Double(daysAgo) * 86_400)
        try await response.create(on: database)
    }
}
