import Fluent
import Foundation
import IPTCore
import IPTPages

/// A year of invented, ended courses so the outcomes page has something in every section: adult
/// and IPT-A courses with every focus area and both tiers, enough in several groups to pass the
/// small-group rule, a few dropouts, enquiries that led to consultations and assessments, and the
/// students' supervision log and co-signed notes; most adults also answered the GAD-7, some did
/// not, so the paired figures and their fallback both show. Most courses ended more than 95 days
/// ago; a third ended in the last three months, so the recent months show endings too, and every
/// appointment of those has a signed note (co-signed for students), so none of it is owed on anyone's
/// Today page. The variation is fixed (no randomness), so every demo clinic shows the same figures.
enum DemoOutcomes {
    private static let firstNames = ["Avery", "Blake", "Carmen", "Dev", "Elena", "Farid", "Greta", "Hana", "Idris", "Joelle", "Kai", "Lena",
                                     "Mateo", "Nia", "Omar", "Paz", "Quinn", "Rosa", "Soren", "Tala", "Uma", "Viktor", "Wren", "Xiomara",
                                     "Yusuf", "Zara", "Anders", "Bea", "Cyrus", "Daria", "Emeka", "Freya", "Gael", "Hollis", "Ines", "Jun"]
    private static let lastNames = ["Abbott", "Baptiste", "Cordero", "Dufresne", "Eklund", "Fontaine", "Gallo", "Haddad", "Iverson", "Jovanovic",
                                    "Kowalczyk", "Lindqvist"]

    static func seed(keyRing: KeyRing, zone: ClinicTimeZone, now: Date, on database: any Database) async throws {
        let staff = try await StaffUser.query(on: database).all()
        func person(_ slug: String) -> StaffUser? { staff.first { $0.slug == slug } }
        guard let daniel = person("daniel-reyes"), let aiyana = person("aiyana-thompson"), let priya = person("priya-natarajan"),
              let samuel = person("samuel-brightwater") else { return }
        let adultClinicians = [daniel, priya, aiyana, samuel]
        let today = zone.localDate(of: now)
        let focusCycle: [FocusArea] = [.grief, .roleDispute, .roleTransition, .interpersonalSensitivity]
        // Each course of a clinician keeps its own hour, as the calendar refuses overlapping appointments.
        var hours: [String: Int] = [:]
        for index in 0..<firstNames.count {
            let adolescent = index % 6 == 5
            let clinician = adolescent ? aiyana : adultClinicians[index % adultClinicians.count]
            let agreed = adolescent ? 12 : 16
            let hour = 8 + (hours[clinician.slug, default: 0])
            hours[clinician.slug, default: 0] += 1
            // Every fifth course is a dropout after a few sessions; every seventh ends a little short by agreement.
            let dropout = index % 5 == 3
            let attended = dropout ? 3 + index % 3 : (index % 7 == 2 ? agreed - 2 : agreed)
            // A recent course keeps every appointment on one weekday 1 to 4 days before today's, where
            // the other demo clients (today's weekday and the two after it) have none to collide with.
            let recent = index % 3 == 1 && index % 8 != 6
            let endedDaysAgo = recent ? recentEnd(index) : 100 + (index * 37) % 250
            let lastSession = today.adding(days: -endedDaysAgo)
            let firstSession = lastSession.adding(days: -7 * (attended - 1))
            let assessment = firstSession.adding(days: recent ? -7 : -7 - index % 4 * 3)
            let consultation = assessment.adding(days: recent ? -14 : -10 - index % 5 * 2)
            let enquiry = consultation.adding(days: -3 - index % 6)
            let born = adolescent ? "\(today.year - 15)-0\(1 + index % 9)-1\(index % 9)" : "\(1970 + index)-0\(1 + index % 9)-2\(index % 8)"
            let client = try await DemoClients.client(name: "\(firstNames[index]) \(lastNames[index % lastNames.count])",
                                                      email: "\(firstNames[index].lowercased()).\(lastNames[index % lastNames.count].lowercased())@example.org",
                                                      born: born, on: database, now: zone.startOfDay(enquiry))
            client.programme = adolescent ? Programme.adolescent.rawValue : Programme.adult.rawValue
            if adolescent { client.guardianName = "A parent of \(firstNames[index])" }
            try await client.update(on: database)
            let clientID = try client.requireID(), clinicianID = try clinician.requireID()
            try await enquiryRow(name: client.name, email: client.email, at: zone.startOfDay(enquiry).addingTimeInterval(9 * 3_600), keyRing: keyRing, on: database)
            func at(_ day: LocalDate, _ hour: Int) -> Date { zone.instant(day, hour * 60)! }
            var sessions: [Appointment] = []
            sessions.append(try await DemoClients.appointment(clinician, client, code: "consultation", start: at(consultation, hour), attended: true, on: database, now: now))
            sessions.append(try await DemoClients.appointment(clinician, client, code: "assessment", start: at(assessment, hour), attended: true, on: database, now: now))
            // Scores: a start in or near the clinical range and a course that mostly helps; some do not.
            let baseline = 9 + (index * 5) % 15
            let target: Int = switch index % 8 {
            case 0, 3: max(baseline - 3, 0)
            case 6: min(baseline + 6, 27)
            default: max(baseline / 3, 2)
            }
            let measuredEvery = index % 4 == 0 ? 2 : 1
            // Two adults in three also answered the GAD-7, from a start that is sometimes the only case.
            let anxious = !adolescent && index % 3 != 2
            let anxietyBaseline = 5 + (index * 7) % 13
            let anxietyTarget = index % 8 == 6 ? min(anxietyBaseline + 5, 21) : (index % 5 == 1 ? anxietyBaseline - 1 : max(anxietyBaseline / 3, 1))
            for session in 0..<attended {
                let day = firstSession.adding(days: 7 * session)
                let appointment = try await DemoClients.appointment(clinician, client, code: adolescent ? "ipt-a-session" : "ipt-session", start: at(day, hour),
                                                                    attended: true, on: database, now: now)
                sessions.append(appointment)
                // A few dropouts answered only the first questionnaire: their courses have no end score.
                let onlyFirst = dropout && index % 10 == 3
                guard session % measuredEvery == 0 || (session == attended - 1 && !onlyFirst) else { continue }
                if onlyFirst && session > 0 { continue }
                let progress = attended > 1 ? Double(session) / Double(attended - 1) : 1
                let total = baseline + Int((Double(target - baseline) * progress).rounded())
                try await DemoClients.score(total, client: client, clinician: clinician, daysAgo: today.daysSinceEpoch - day.daysSinceEpoch, keyRing: keyRing,
                                            on: database, now: now, instrument: adolescent ? .phqA : .phq9)
                if anxious {
                    let anxiety = anxietyBaseline + Int((Double(anxietyTarget - anxietyBaseline) * progress).rounded())
                    try await DemoClients.score(anxiety, client: client, clinician: clinician, daysAgo: today.daysSinceEpoch - day.daysSinceEpoch, keyRing: keyRing,
                                                on: database, now: now, instrument: .gad7)
                }
            }
            try await course(client: clientID, clinician: clinicianID, programme: adolescent ? .adolescent : .adult, agreed: agreed, start: firstSession,
                             focus: index % 7 == 6 ? [.grief, .roleDispute] : [focusCycle[(index / 2) % focusCycle.count]], keyRing: keyRing,
                             createdAt: at(firstSession, 16), on: database)
            let ending = dropout ? "ended-early" : (index % 11 == 10 ? "referred" : "completed")
            try await discharge(client: clientID, author: clinicianID, ending: ending, signedAt: at(lastSession, 18).addingTimeInterval(86_400),
                                keyRing: keyRing, on: database)
            // A recent course has a signed note for every appointment, or they would be owed on the
            // clinician's Today page; an older one keeps notes only for a student's last sessions,
            // for the co-signing waits.
            let supervisor = clinician.role == .student ? clinician.$supervisor.id : nil
            let noted = recent ? Array(sessions.enumerated()) : (supervisor == nil ? [] : Array(sessions.enumerated().suffix(3)))
            for (number, session) in noted {
                try await signedNote(client: clientID, author: clinicianID, supervisor: supervisor, appointment: session, number: number + 1,
                                     phase: number < 3 ? .initial : (number >= sessions.count - 3 ? .termination : .middle),
                                     waitHours: Double(6 + (index + number) % 5 * 10), keyRing: keyRing, on: database)
            }
        }
        try await supervisionLog(students: [priya, samuel], today: today, keyRing: keyRing, now: now, on: database)
    }

    private static func enquiryRow(name: String, email: String, at: Date, keyRing: KeyRing, on database: any Database) async throws {
        let row = Enquiry()
        row.id = UUID()
        row.name = name
        row.email = email
        row.preferredContact = "email"
        row.message = try keyRing.seal("I have been feeling low for a while and would like to ask about starting therapy.", Enquiry.messageContext(row.id!))
        row.source = "web"
        row.status = Enquiry.Status.handled
        row.createdAt = at
        try await row.create(on: database)
    }

    private static func course(client: UUID, clinician: UUID, programme: Programme, agreed: Int, start: LocalDate, focus: [FocusArea], keyRing: KeyRing,
                               createdAt: Date, on database: any Database) async throws {
        let contract = DemoHistory.agreedContract(client: client, clinician: clinician, programme: programme, sessions: agreed,
                                                  start: start, createdAt: createdAt)
        try await contract.create(on: database)
        let formulation = FormulationRow()
        formulation.id = UUID()
        formulation.$client.id = client
        formulation.version = 1
        formulation.framework = FocusFramework.fourAreas.rawValue
        formulation.primaryFocus = focus[0].rawValue
        formulation.secondaryFocus = focus.count > 1 ? focus[1].rawValue : nil
        formulation.textSealed = try keyRing.seal("An invented formulation for the demonstration clinic.", FormulationRow.textContext(formulation.id!, client: client))
        formulation.clientAgreed = true
        formulation.$createdBy.id = clinician
        formulation.createdAt = createdAt
        try await formulation.create(on: database)
    }

    private static func discharge(client: UUID, author: UUID, ending: String, signedAt: Date, keyRing: KeyRing, on database: any Database) async throws {
        var content = DischargeContent()
        content.endingReason = ending
        content.maintenance = "none"
        content.summary = "An invented course for the demonstration clinic."
        content.relapsePlan = "Return to the clinic if the warning signs come back."
        let row = DischargeSummaryRow()
        row.id = UUID()
        row.$client.id = client
        row.$author.id = author
        row.contentSealed = try keyRing.seal(String(decoding: try JSONEncoder().encode(content), as: UTF8.self), DischargeSummaryRow.contentContext(row.id!, client: client))
        row.status = .final
        row.signedAt = signedAt
        row.createdAt = signedAt
        row.updatedAt = signedAt
        try await row.create(on: database)
    }

    /// 4 to 87 days ago, on a weekday 1 to 4 days before today's.
    static func recentEnd(_ index: Int) -> Int {
        var days = 4 + (index * 13) % 80
        while !(1...4).contains(days % 7) { days += 1 }
        return days
    }

    /// A signed note, co-signed `waitHours` later when the author is supervised.
    private static func signedNote(client: UUID, author: UUID, supervisor: UUID?, appointment: Appointment, number: Int, phase: Phase, waitHours: Double,
                                   keyRing: KeyRing, on database: any Database) async throws {
        let content = SessionNoteContent(mood: "Steadier than at the start.", interpersonalEvents: "Reviewed the weeks since the last session.",
                                         focusWork: "Consolidated the gains and planned for the end of the course.", techniques: [.clarification],
                                         riskCheck: .noneReported, plan: "Keep the relapse plan to hand.")
        let note = SessionNoteRow()
        note.id = UUID()
        note.$client.id = client
        note.$author.id = author
        note.$appointment.id = try appointment.requireID()
        note.sessionNumber = number
        note.phase = phase.rawValue
        note.contentSealed = try keyRing.seal(String(decoding: try JSONEncoder().encode(content), as: UTF8.self), SessionNoteRow.contentContext(note.id!, client: client))
        note.status = .final
        note.signedAt = appointment.endsAt.addingTimeInterval(3_600)
        if let supervisor {
            note.$cosignedBy.id = supervisor
            note.cosignedAt = note.signedAt!.addingTimeInterval(waitHours * 3_600)
        }
        note.fidelityOnFocus = true
        note.createdAt = appointment.endsAt.addingTimeInterval(600)
        note.updatedAt = note.cosignedAt ?? note.signedAt!
        try await note.create(on: database)
    }

    /// An hour of supervision most weeks for each student, individual or group, over the last year.
    private static func supervisionLog(students: [StaffUser], today: LocalDate, keyRing: KeyRing, now: Date, on database: any Database) async throws {
        for student in students {
            guard let supervisor = student.$supervisor.id else { continue }
            for week in stride(from: 2, through: 50, by: 1) where week % 5 != 0 {
                let row = SupervisionSessionRow()
                row.id = UUID()
                row.$student.id = try student.requireID()
                row.$supervisor.id = supervisor
                row.heldOn = today.adding(days: -7 * week).description
                row.minutes = week % 3 == 0 ? 90 : 60
                row.format = week % 4 == 0 ? "group" : "individual"
                row.clientsSealed = try keyRing.seal("", SupervisionSessionRow.clientsContext(row.id!))
                row.createdAt = now.addingTimeInterval(Double(-7 * week) * 86_400)
                try await row.create(on: database)
            }
        }
    }
}
