import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Enough invented history that every clinical screen of the demo has something to show: Riley's
/// inventory, worksheet, timeline, signed notes and anxiety scores; a client of Daniel's in the
/// middle of a role-dispute course with a session today to write up; an adolescent near the end of
/// IPT-A with a guardian; and a waitlist and enquiries for the front desk. Everything is fictional,
/// sealed like real records, and written once, on a fresh demo database.
enum DemoHistory {
    static func seed(riley: ClientRecord, student: StaffUser, therapist: StaffUser, keyRing: KeyRing, zone: ClinicTimeZone, now: Date,
                     on database: any Database) async throws {
        let supervisor = try await StaffUser.find(student.$supervisor.id, on: database)
        try await rileyHistory(riley, student: student, supervisor: supervisor, keyRing: keyRing, zone: zone, now: now, on: database)
        try await theo(therapist, keyRing: keyRing, zone: zone, now: now, on: database)
        if let aiyana = try await StaffUser.query(on: database).filter(\.$slug == "aiyana-thompson").first() {
            try await jesse(aiyana, keyRing: keyRing, zone: zone, now: now, on: database)
        }
        try await frontDesk(keyRing: keyRing, now: now, on: database)
        try await DemoOutcomes.seed(keyRing: keyRing, zone: zone, now: now, on: database)
    }

    // MARK: Riley (practicum student, early middle phase)

    private static func rileyHistory(_ riley: ClientRecord, student: StaffUser, supervisor: StaffUser?, keyRing: KeyRing, zone: ClinicTimeZone, now: Date,
                                     on database: any Database) async throws {
        let clientID = try riley.requireID(), studentID = try student.requireID()
        let people: [(String, String, Int, Int, [String: String])] = [
            ("Mei", "Sister, lives back home", 1, 1, ["contact": "Video call on Sundays", "satisfying": "Knows her best; they laugh a lot",
                                                     "wishedChanges": "Talk more than once a week"]),
            ("Jonah", "Former flatmate and closest friend", 1, 2, ["contact": "Texts now and then since the move", "unsatisfying": "Feels forgotten",
                                                                   "changesAtOnset": "Stopped the weekly climbing evenings when Riley moved"]),
            ("Dana", "New manager", 3, 3, ["clientExpectations": "Clear feedback and some welcome", "otherExpectations": "Independence from day one",
                                          "cannotTalkAbout": "Feeling lost in the new role", "conflicts": "None open; Riley goes quiet"]),
            ("Parents", "Mother and father", 2, 2, ["contact": "A call every fortnight", "canTalkAbout": "Work, the city, plans",
                                                   "cannotTalkAbout": "How low Riley has felt"]),
            ("Running club", "New acquaintances", 3, 2, ["activities": "Tuesday evening runs", "satisfying": "Easy company, a routine"]),
        ]
        try await inventory(clientID, by: studentID, people: people, keyRing: keyRing, now: now, on: database)

        let worksheet = WorksheetRow()
        worksheet.id = UUID()
        worksheet.$client.id = clientID
        worksheet.focus = FocusArea.roleTransition.rawValue
        worksheet.subjectKey = worksheet.id!.uuidString
        worksheet.version = 1
        worksheet.sessionNumber = 3
        let content = WorksheetContent(text: [
            "change": "Moved to the city for a new job about five months ago.",
            "oldRoleGood": "A close group of friends, climbing twice a week, knowing the neighbourhood.",
            "oldRoleBad": "A job with no way forward.",
            "newRoleGood": "A career step; a city with a lot going on.",
            "newRoleBad": "Evenings alone; no one to call on short notice.",
            "lost": "Daily contact with Jonah; a sense of belonging.",
            "supports": "The running club; asking a colleague for lunch.",
        ], checked: ["indications": ["timing", "positive", "support"]])
        worksheet.contentSealed = try keyRing.seal(String(decoding: try JSONEncoder().encode(content), as: UTF8.self),
                                                   WorksheetRow.contentContext(worksheet.id!, client: clientID))
        worksheet.$createdBy.id = studentID
        worksheet.createdAt = now.addingTimeInterval(-9 * 86_400)
        try await worksheet.create(on: database)

        let today = zone.localDate(of: now)
        for (months, kind, impact, note) in [(5, LifeEventKind.newJob, 3, "Offer accepted"), (5, .movingHome, 3, "Moved to the city")] {
            let row = LifeEventRow()
            row.id = UUID()
            row.$client.id = clientID
            row.month = MoodTimeline.shift(today, months: -months).description
            try row.setEvent(LifeEventRow.Event(kind: kind.rawValue, impact: impact), keyRing)
            row.noteSealed = try keyRing.sealOptional(note, LifeEventRow.noteContext(row.id!, client: clientID))
            row.$createdBy.id = studentID
            row.createdAt = now.addingTimeInterval(-20 * 86_400)
            try await row.create(on: database)
        }

        for (index, total) in [12, 11, 9, 8].enumerated() {
            try await DemoClients.score(total, client: riley, clinician: student, daysAgo: 28 - index * 7 - 1, keyRing: keyRing, on: database, now: now,
                                        instrument: .gad7)
        }

        // Sessions 1 to 3 written up and co-signed; the fourth is left for the student to write.
        let sessions = try await attended(clientID, on: database)
        let notes: [(Phase, SessionNoteContent)] = [
            (.initial, SessionNoteContent(mood: "Low most days since the move; sleeping badly. PHQ-9 15.",
                                          interpersonalEvents: "Described the move and the friends left behind.",
                                          focusWork: "Reviewed symptoms; named depression; explained the sick role.",
                                          techniques: [.exploration], riskCheck: .noneReported, plan: "Begin the interpersonal inventory next week.")),
            (.initial, SessionNoteContent(mood: "Slightly better; still lonely in the evenings.", interpersonalEvents: "Talked through five important people.",
                                          focusWork: "Inventory and closeness circle drawn.", techniques: [.exploration, .clarification],
                                          riskCheck: .noneReported, plan: "Agree the focus and the contract.")),
            (.initial, SessionNoteContent(mood: "Up and down; a good weekend with the running club.", interpersonalEvents: "Jonah did not answer a call.",
                                          focusWork: "Formulation given: role transition after the move; Riley agreed. Contract for 16 sessions.",
                                          techniques: [.clarification, .encouragementOfAffect], riskCheck: .noneReported,
                                          plan: "Notice what is missed from the old life; ask a colleague to lunch.")),
        ]
        for (index, note) in notes.enumerated() where index < sessions.count {
            try await writeNote(client: clientID, author: studentID, appointment: sessions[index], session: index + 1, phase: note.0, content: note.1,
                                cosigner: supervisor?.id, keyRing: keyRing, on: database)
        }
    }

    // MARK: Theo (Daniel, middle phase, role dispute)

    private static func theo(_ therapist: StaffUser, keyRing: KeyRing, zone: ClinicTimeZone, now: Date, on database: any Database) async throws {
        let today = zone.localDate(of: now)
        func at(_ days: Int, hour: Int) -> Date { zone.instant(today.adding(days: days), hour * 60)! }
        let theo = try await DemoClients.client(name: "Theo Lambert", email: "theo.lambert@example.org", born: "1984-02-17", on: database, now: now)
        let clientID = try theo.requireID(), therapistID = try therapist.requireID()
        try await DemoClients.careTeam(theo, treating: therapist, on: database, now: now.addingTimeInterval(-60 * 86_400))
        for week in 0..<7 {
            try await DemoClients.appointment(therapist, theo, code: week == 0 ? "assessment" : "ipt-session", start: at(-7 * (7 - week), hour: 11),
                                              attended: true, on: database, now: now)
        }
        // Today's session, confirmed: the one to write a note from.
        let todays = try await DemoClients.appointment(therapist, theo, code: "ipt-session", start: at(0, hour: 9), attended: false, on: database, now: now)
        todays.status = .confirmed
        try await todays.save(on: database)
        try await DemoClients.appointment(therapist, theo, code: "ipt-session", start: at(7, hour: 11), attended: false, on: database, now: now)
        try await contract(client: clientID, clinician: therapistID, programme: .adult, sessions: 16, start: today.adding(days: -50), startedDaysAgo: 50, now: now, on: database)
        try await formulation(client: clientID, author: therapistID, focus: .roleDispute,
                              text: "The low mood deepened as arguments with his partner Sam about her return to full-time work went unresolved. The dispute is at the renegotiation stage: both still want it to work.",
                              keyRing: keyRing, now: now, on: database)
        for (index, total) in [17, 16, 14, 13, 11, 10, 9].enumerated() {
            try await DemoClients.score(total, client: theo, clinician: therapist, daysAgo: 49 - index * 7, keyRing: keyRing, on: database, now: now)
            try await DemoClients.score(max(total - 4, 0), client: theo, clinician: therapist, daysAgo: 49 - index * 7, keyRing: keyRing, on: database,
                                        now: now, instrument: .gad7)
        }
        try await inventory(clientID, by: therapistID, people: [
            ("Sam", "Partner of twelve years", 1, 1, ["conflicts": "Evenings and the Thursday school run; end in silence",
                                                     "clientExpectations": "Share the evenings", "otherExpectations": "Support her return to work"]),
            ("Noah", "Son, aged 9", 1, 1, ["activities": "Football on Saturdays", "satisfying": "Easy, warm"]),
            ("Rosa", "Sister-in-law", 2, 3, ["unsatisfying": "Takes Sam's side"]),
        ], keyRing: keyRing, now: now, on: database)
        let sessions = try await attended(clientID, on: database)
        let plans = ["Inventory next week.", "Agree the focus.", "Map what each expects about the evenings.", "Try one calm talk about the schedule.",
                     "Write down what was said and heard in the next argument.", "Role play asking for one evening a week together."]
        for (index, plan) in plans.enumerated() where index < sessions.count {
            let session = index + 1
            let phase: Phase = session <= 3 ? .initial : .middle
            let content = SessionNoteContent(
                mood: ["Low, irritable", "Low", "A little lighter", "Better midweek", "Flat after a row on Sunday", "Steadier"][index],
                interpersonalEvents: session <= 2 ? "History of the relationship and the change in routines." : "Argued about who collects their son on Thursdays.",
                focusWork: session <= 3 ? "Assessment and focus: role dispute with Sam." : "Communication analysis of the week's argument.",
                techniques: session <= 3 ? [.exploration] : [.communicationAnalysis, .clarification], riskCheck: .noneReported, plan: plan)
            try await writeNote(client: clientID, author: therapistID, appointment: sessions[index], session: session, phase: phase, content: content,
                                cosigner: nil, keyRing: keyRing, on: database)
        }
    }

    // MARK: Jesse (IPT-A, termination phase, with a guardian)

    private static func jesse(_ therapist: StaffUser, keyRing: KeyRing, zone: ClinicTimeZone, now: Date, on database: any Database) async throws {
        let today = zone.localDate(of: now)
        func at(_ days: Int, hour: Int) -> Date { zone.instant(today.adding(days: days), hour * 60)! }
        let born = today.adding(days: -15 * 365 - 40)
        let jesse = try await DemoClients.client(name: "Jesse Nakamura", email: "jesse.nakamura@example.org", born: born.description, on: database, now: now)
        jesse.programme = Programme.adolescent.rawValue
        jesse.guardianName = "Hana Nakamura"
        jesse.guardianEmail = "hana.nakamura@example.org"
        jesse.guardianPhone = "416-555-0142"
        try await jesse.save(on: database)
        let clientID = try jesse.requireID(), therapistID = try therapist.requireID()
        try await DemoClients.careTeam(jesse, treating: therapist, on: database, now: now.addingTimeInterval(-80 * 86_400))
        for week in 0..<10 {
            try await DemoClients.appointment(therapist, jesse, code: week == 0 ? "assessment" : "ipt-session", start: at(-7 * (10 - week), hour: 16),
                                              attended: true, on: database, now: now)
        }
        try await DemoClients.appointment(therapist, jesse, code: "ipt-session", start: at(2, hour: 16), attended: false, on: database, now: now)
        try await contract(client: clientID, clinician: therapistID, programme: .adolescent, sessions: 12, start: today.adding(days: -72), startedDaysAgo: 72, now: now, on: database)
        try await formulation(client: clientID, author: therapistID, focus: .roleTransition,
                              text: "Jesse's low mood and irritability began with the change to a large high school where old friends went elsewhere. Work: mourn the old school, build new friendships, and involve a parent at the start and the end.",
                              keyRing: keyRing, now: now, on: database)
        for (index, total) in [18, 16, 15, 12, 10, 8].enumerated() {
            try await DemoClients.score(total, client: jesse, clinician: therapist, daysAgo: 70 - index * 14, keyRing: keyRing, on: database, now: now)
        }
        let sessions = try await attended(clientID, on: database)
        let phases: [Phase] = [.initial, .initial, .initial, .middle, .middle, .middle, .middle, .middle, .termination, .termination]
        for (index, phase) in phases.enumerated() where index < sessions.count {
            let content = SessionNoteContent(
                mood: index < 4 ? "Irritable and tired; skipping lunch with others." : "Brighter; joined the art club.",
                interpersonalEvents: index == 0 ? "Met with Jesse and Hana (mother) together to agree the plan." : "Sat with a classmate at lunch twice.",
                focusWork: phase == .termination ? "Reviewed gains and warning signs; planned the joint session with Hana." : "Role transition: old and new school.",
                techniques: [.exploration, .workAtHome], riskCheck: .noneReported,
                plan: phase == .termination ? "Final sessions: relapse plan; invite Hana to the last one." : "Work-at-home: one new conversation a week.")
            try await writeNote(client: clientID, author: therapistID, appointment: sessions[index], session: index + 1, phase: phase, content: content,
                                cosigner: nil, keyRing: keyRing, on: database)
        }
    }

    // MARK: The front desk: a waitlist and enquiries

    private static func frontDesk(keyRing: KeyRing, now: Date, on database: any Database) async throws {
        let waiting: [(String, String, String, String, String)] = [
            ("Nadia Haddad", "nadia.haddad@example.org", "416-555-0171", "1979-06-03", "1,3"),
            ("Owen Fraser", "owen.fraser@example.org", "416-555-0188", "1992-11-21", "2,4,5"),
        ]
        for (index, person) in waiting.enumerated() {
            let entry = WaitlistEntry()
            entry.id = UUID()
            entry.name = person.0
            entry.email = person.1
            entry.phone = person.2
            entry.dateOfBirth = person.3
            entry.typeCode = "ipt-session"
            entry.days = person.4
            entry.parts = index == 0 ? "evening" : "morning,afternoon"
            entry.position = Double(index + 1)
            entry.status = WaitlistEntry.Status.waiting
            entry.createdAt = now.addingTimeInterval(Double(-(12 - index * 5)) * 86_400)
            try await entry.create(on: database)
        }
        let enquiries: [(String, String, String, Int)] = [
            ("Grace Liu", "grace.liu@example.org", "I would like to know whether you see couples, or only individuals, and what the reduced fee is.", 1),
            ("Marcus Bell", "marcus.bell@example.org", "My daughter is 14 and has been very low since we moved. Do you offer therapy for teenagers?", 3),
        ]
        for enquiry in enquiries {
            let row = Enquiry()
            row.id = UUID()
            row.name = enquiry.0
            row.email = enquiry.1
            row.preferredContact = "email"
            row.message = try keyRing.seal(enquiry.2, Enquiry.messageContext(row.id!))
            row.source = "web"
            row.status = Enquiry.Status.open
            row.createdAt = now.addingTimeInterval(Double(-enquiry.3) * 86_400)
            try await row.create(on: database)
        }
    }

    // MARK: Helpers

    private static func inventory(_ clientID: UUID, by author: UUID, people: [(String, String, Int, Int, [String: String])], keyRing: KeyRing, now: Date,
                                  on database: any Database) async throws {
        for (offset, person) in people.enumerated() {
            var fields = person.4
            fields["name"] = person.0
            fields["relationship"] = person.1
            fields["closeness"] = String(person.3)
            guard case .success(let entry) = InventoryEntry.validate(fields: fields) else { continue }
            let row = InventoryEntryRow()
            row.id = UUID()
            row.$client.id = clientID
            row.version = 1
            row.closeness = person.3
            row.firstCloseness = person.2
            row.$createdBy.id = author
            row.createdAt = now.addingTimeInterval(Double(-25 * 86_400 + offset))
            row.updatedAt = row.createdAt
            row.detailsSealed = try keyRing.seal(String(decoding: try JSONEncoder().encode(entry), as: UTF8.self),
                                                 InventoryEntryRow.detailsContext(row.id!, version: row.version, client: clientID))
            try await row.create(on: database)
        }

    }

    private static func attended(_ clientID: UUID, on database: any Database) async throws -> [Appointment] {
        try await Appointment.query(on: database).filter(\.$client.$id == clientID).filter(\.$status == Appointment.Status.attended)
            .sort(\.$startsAt).all()
    }

    private static func writeNote(client clientID: UUID, author: UUID, appointment: Appointment, session: Int, phase: Phase, content: SessionNoteContent,
                                  cosigner: UUID?, keyRing: KeyRing, on database: any Database) async throws {
        let note = SessionNoteRow()
        note.id = UUID()
        note.$client.id = clientID
        note.$author.id = author
        note.$appointment.id = try appointment.requireID()
        note.sessionNumber = session
        note.phase = phase.rawValue
        note.contentSealed = try keyRing.seal(String(decoding: try JSONEncoder().encode(content), as: UTF8.self),
                                              SessionNoteRow.contentContext(note.id!, client: clientID))
        note.status = .final
        note.signedAt = appointment.endsAt.addingTimeInterval(3_600)
        note.$cosignedBy.id = cosigner
        note.cosignedAt = cosigner == nil ? nil : appointment.endsAt.addingTimeInterval(2 * 86_400)
        note.fidelityOnFocus = cosigner == nil ? nil : true
        note.createdAt = appointment.endsAt.addingTimeInterval(600)
        note.updatedAt = note.signedAt!
        try await note.create(on: database)
    }

    private static func contract(client: UUID, clinician: UUID, programme: Programme, sessions: Int, start: LocalDate, startedDaysAgo: Int, now: Date,
                                 on database: any Database) async throws {
        try await agreedContract(client: client, clinician: clinician, programme: programme, sessions: sessions, start: start,
                                 createdAt: now.addingTimeInterval(-Double(startedDaysAgo - 14) * 86_400)).create(on: database)
    }

    /// A first treatment contract of 50-minute sessions that the client agreed to, written by
    /// their clinician: the demo's courses (here and in DemoOutcomes) all start with one.
    static func agreedContract(client: UUID, clinician: UUID, programme: Programme, sessions: Int, start: LocalDate,
                               createdAt: Date) -> ContractRow {
        let contract = ContractRow()
        contract.id = UUID()
        contract.$client.id = client
        contract.$clinician.id = clinician
        contract.version = 1
        contract.programme = programme.rawValue
        contract.agreedSessions = sessions
        contract.sessionMinutes = 50
        contract.startDate = start.description
        contract.clientAgreed = true
        contract.$createdBy.id = clinician
        contract.createdAt = createdAt
        return contract
    }

    private static func formulation(client: UUID, author: UUID, focus: FocusArea, text: String, keyRing: KeyRing, now: Date,
                                    on database: any Database) async throws {
        let row = FormulationRow()
        row.id = UUID()
        row.$client.id = client
        row.version = 1
        row.framework = FocusFramework.fourAreas.rawValue
        row.primaryFocus = focus.rawValue
        row.textSealed = try keyRing.seal(text, FormulationRow.textContext(row.id!, client: client))
        row.clientAgreed = true
        row.$createdBy.id = author
        row.createdAt = now.addingTimeInterval(-30 * 86_400)
        try await row.create(on: database)
    }
}
