import Fluent
import Foundation
import IPTCore
import IPTPages
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

/// The chart's summary (scores, next appointment, care team, alerts) is read as plain rows; it
/// must say what the records say.
@Suite struct ChartSummaryTests {
    /// A PHQ-9 sent `daysAgo`: completed with `total`, or (nil) sent and not answered.
    private func score(_ clinic: TestClinic, client: UUID, clinician: UUID, total: Int?, daysAgo: Double) async throws {
        let response = MeasureResponse()
        response.id = UUID()
        response.sharedWithGuardian = false
        response.$client.id = client
        response.$clinician.id = clinician
        response.instrumentCode = "phq-9"
        response.tokenHash = UUID().uuidString
        response.status = total == nil ? .sent : .completed
        if let total { try response.setScore(.init(total: total, band: ""), clinic.app.services.keyRing) }
        response.createdAt = clinic.clock.now.addingTimeInterval(-daysAgo * 86_400)
        response.expiresAt = clinic.clock.now.addingTimeInterval(86_400)
        response.completedAt = total == nil ? nil : response.createdAt
        try await response.create(on: clinic.db)
    }

    @Test func the_summary_names_the_latest_scores_the_next_session_the_team_and_open_alerts() async throws {
        try await withClinic { clinic in
            let (_, supervisorUser, student, studentUser) = try await clinic.supervisedStudent()
            let client = try await clinic.clientSeen(by: studentUser, name: "Summary Client")
            let clientID = try client.requireID()
            let chart = "/staff/clients/\(clientID.uuidString)/chart"
            let empty = try await student.get(chart).body.string
            #expect(empty.contains("None booked"))
            #expect(empty.contains("None yet"))

            try await score(clinic, client: clientID, clinician: studentUser.requireID(), total: 15, daysAgo: 14)
            try await score(clinic, client: clientID, clinician: studentUser.requireID(), total: 11, daysAgo: 7)
            // A questionnaire sent and not answered has no score and is not counted.
            try await score(clinic, client: clientID, clinician: studentUser.requireID(), total: nil, daysAgo: 0)
            try await clinic.addAppointment(client: clientID, clinician: studentUser, start: clinic.tenOClock(inDays: 9), type: "ipt-session")
            try await clinic.addAppointment(client: clientID, clinician: studentUser, start: clinic.tenOClock(inDays: 2), type: "ipt-session")
            try await clinic.addAppointment(client: clientID, clinician: studentUser, start: clinic.tenOClock(inDays: 1), type: "ipt-session",
                                            status: .cancelled)
            let alert = RiskAlert()
            alert.id = UUID()
            alert.$client.id = clientID
            alert.source = .questionnaire
            alert.$clinician.id = try studentUser.requireID()
            alert.status = .open
            alert.createdAt = clinic.clock.now
            try await alert.create(on: clinic.db)

            let html = try await student.get(chart).body.string
            #expect(html.contains("PHQ-9 11 ("), "the latest score first")
            #expect(html.contains(", down from 15"))
            let next = DateDisplay.shortDay(clinic.toronto.localDate(of: clinic.tenOClock(inDays: 2)))
            #expect(html.contains("\(next), \(DateDisplay.time(clinic.tenOClock(inDays: 2), zone: clinic.toronto)) with \(studentUser.name)"),
                    "the nearest booked session, not the cancelled one")
            #expect(html.contains("\(studentUser.name), supervised by \(supervisorUser.name)"))
            #expect(html.contains("by a questionnaire"))
            #expect(html.contains(alert.id!.uuidString))

            // Off the team: the summary no longer names the student as treating.
            for member in try await CareTeamMember.query(on: clinic.db).filter(\.$client.$id == clientID).all() {
                member.endsAt = clinic.clock.now.addingTimeInterval(-1)
                try await member.update(on: clinic.db)
            }
            let (director, _) = try await clinic.signedIn(as: .admin)
            let asked = try #require(try await director.get(chart).location)
            _ = try await director.get(asked)
            #expect(try await director.post(asked, form: ["reason": "Checking the summary"]).status == .seeOther)
            let after = try await director.get(chart).body.string
            #expect(after.contains("No treating clinician assigned"))
        }
    }
}
