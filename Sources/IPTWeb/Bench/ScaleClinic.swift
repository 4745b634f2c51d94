import Crypto
import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// A fictional large clinic for measuring the product at size (issue 16 §7; run by the ScaleClinic
/// executable and scripts/bench-scale, never by the app). It writes straight into a database the
/// real migrations made, with the product's own sealing key ring and audit chain hash, so the app
/// and `iptclinic audit verify` read the result like their own.
///
/// What it makes, at `clients` = 100,000 (every figure scales with `clients`):
///
/// | table             | rows         | how                                                              |
/// | ----------------- | ------------ | ---------------------------------------------------------------- |
/// | staff_users       | 195          | one clinician per 520 clients, a director, a front desk          |
/// | availability      | 5 a clinician| Monday to Friday, 9:00 to 17:00 (clinician 1 to 18:00 on Friday)|
/// | clients           | 100,000      | invented names on example.org                                    |
/// | care_team_members | 100,000      | the treating clinician; ended 4 weeks after the course           |
/// | appointments      | ~2,000,000   | a weekly course of 10 to 30 sessions over 10 years; 200 for one  |
/// | measure_responses | 1,000,000    | ten PHQ-9s a client, score sealed                                |
/// | session_notes     | 200,000      | the first two sessions' notes, signed, content sealed            |
/// | treatment_contracts | 100,000    | the course as agreed: its sessions, its first session's date      |
/// | formulations      | 100,000      | one focus area (one in ten courses two), text sealed             |
/// | discharge_summaries | ~95,000    | every course that has ended, signed a week after its last session|
/// | audit_events      | 20,000,000   | page views spread over the 10 years, chained                     |
///
/// Each clinician has 40 weekly slots (Monday to Friday, 9:00 to 16:00 on the hour); each slot holds
/// 13 courses one after another, one every 40 weeks, so a slot is busy about half the time and the
/// present week (week 10 of the last course) is nearly full. Client 1 ("the long-term client") has
/// 200 weekly sessions on Fridays at 17:00, for the right-of-access export.
public enum ScaleClinic {
    public struct Size: Sendable {
        public let clients: Int
        public init(clients: Int) { self.clients = max(10, clients) }

        static let slotsPerWeek = 40
        static let coursesPerSlot = 13
        static let weeksPerCourse = 40
        /// 13 courses of 40 weeks: the 10 years (520 weeks) the clinic has run.
        static let weeks = coursesPerSlot * weeksPerCourse
        /// The present is in week 490: week 10 of every slot's last course.
        static let presentWeek = 490

        var clinicians: Int { (clients + Self.slotsPerWeek * Self.coursesPerSlot - 1) / (Self.slotsPerWeek * Self.coursesPerSlot) }
        var auditRowsPerClient: Int { 200 }
        var auditRows: Int { clients * auditRowsPerClient }
        static let measuresPerClient = 10
        static let notesPerClient = 2
        static let longTermSessions = 200
    }

    /// Everyone's password (the bench signs in with it; a generated clinic is never a real one).
    public static let benchPassword = "a-long-bench-password-123"
    public static let adminEmail = "bench-admin@scale.example"
    public static let deskEmail = "bench-desk@scale.example"
    public static func clinicianEmail(_ number: Int) -> String { String(format: "clinician-%04d@scale.example", number) }

    // MARK: ids
    // Made from the row's number, so related rows can point at each other without a lookup, and
    // the bench can name a client or a clinician without asking the database.

    enum Kind: UInt8 { case staff = 1, client, appointment, care, measure, note, audit, availability, contract, formulation, discharge }

    static func id(_ kind: Kind, _ a: Int, _ b: Int = 0) -> UUID {
        let a = UInt32(truncatingIfNeeded: a), b = UInt32(truncatingIfNeeded: b)
        return UUID(uuid: (0x5C, 0xA1, 0xE0, kind.rawValue,
                           UInt8(a >> 24), UInt8(a >> 16 & 0xFF), 0x40 | UInt8(a >> 8 & 0x0F), UInt8(a & 0xFF),
                           0x80 | UInt8(a >> 12 & 0x0F), UInt8(b >> 24), UInt8(b >> 16 & 0xFF), UInt8(b >> 8 & 0xFF),
                           UInt8(b & 0xFF), UInt8(a >> 16 & 0xFF), 0, 0))
    }

    /// The id of client `number` (1-based); client 1 is the long-term client with 200 sessions.
    public static func clientID(_ number: Int) -> UUID { id(.client, number) }
    /// The id of clinician `number` (1-based); clinician 1 treats the long-term client.
    public static func clinicianID(_ number: Int) -> UUID { id(.staff, number) }
    static let adminID = id(.staff, 0, 1)
    static let deskID = id(.staff, 0, 2)

    // MARK: the course plan

    struct Course {
        let client: Int        // 1-based
        let clinician: Int     // 1-based
        let slot: Int          // 0..<40, or 40 for the long-term client's Friday 17:00
        let firstWeek: Int
        let sessions: Int
    }

    static func course(ofClient client: Int, size: Size) -> Course {
        if client == 1 {
            return Course(client: 1, clinician: 1, slot: Size.slotsPerWeek, firstWeek: Size.presentWeek - Size.longTermSessions,
                          sessions: Size.longTermSessions)
        }
        let index = client - 1
        let clinicians = size.clinicians
        let slot = (index / clinicians) % Size.slotsPerWeek
        let position = index / (clinicians * Size.slotsPerWeek)
        // 10 to 30 sessions, 20 on average (13 is prime to 21, so every length comes up; the
        // 7 of the first runs gave only 10, 17 and 24).
        return Course(client: client, clinician: index % clinicians + 1, slot: slot, firstWeek: position * Size.weeksPerCourse,
                      sessions: 10 + (index * 13) % 21)
    }

    /// The client whose course holds `slot` of `clinician` in `week`, and which session it is.
    static func session(clinician: Int, slot: Int, week: Int, size: Size) -> (client: Int, session: Int)? {
        let position = week / Size.weeksPerCourse
        let index = (clinician - 1) + size.clinicians * (slot + Size.slotsPerWeek * position)
        let client = index + 1
        guard client > 1, client <= size.clients else { return nil }
        let session = week - position * Size.weeksPerCourse
        return session < course(ofClient: client, size: size).sessions ? (client, session) : nil
    }

    // MARK: running it

    public struct Report: Sendable {
        public var rows: [(table: String, count: Int, seconds: Double)] = []
    }

    /// Fills the database of an app that `configure` has set up (migrations run, defaults and data
    /// keys made). Refuses a database that already has clients.
    @discardableResult
    public static func generate(_ size: Size, app: Application, log: @escaping @Sendable (String) -> Void = { print($0) }) async throws -> Report {
        let database = app.db
        guard try await ClientRecord.query(on: database).count() == 0 else {
            throw Abort(.conflict, reason: "This database already has clients; the generator fills an empty clinic only.")
        }
        let now = app.services.settings.clock.now()
        let clinic = try await app.services.clinic.current(on: database)
        let plan = Plan(size: size, now: now, zone: clinic.zone, keyRing: app.services.keyRing,
                        officeID: try await Location.query(on: database).filter(\.$isOnline == false).first()?.requireID(),
                        session: try await kind("ipt-session", on: database))
        var report = Report()
        func step(_ table: String, _ work: () async throws -> Int) async throws {
            let started = ContinuousClock.now
            let count = try await work()
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            report.rows.append((table, count, seconds))
            log(String(format: "%@: %d rows in %.1f s", table, count, seconds))
        }
        try await step("staff_users") { try await staff(plan, app: app) }
        try await step("availability") { try await availability(plan, on: database) }
        try await step("clients") { try await clients(plan, on: database) }
        try await step("care_team_members") { try await careTeams(plan, on: database) }
        try await step("appointments") { try await appointments(plan, on: database) }
        try await step("measure_responses") { try await measures(plan, on: database) }
        try await step("session_notes") { try await notes(plan, on: database) }
        try await step("treatment_contracts") { try await contracts(plan, on: database) }
        try await step("formulations") { try await formulations(plan, on: database) }
        try await step("discharge_summaries") { try await discharges(plan, on: database) }
        let chainKey = try await app.auditWriter.chainKeys.key(on: database)
        try await step("audit_events") { try await auditTrail(plan, chainKey: chainKey, on: database) }
        // A bench clinic: nobody has a second factor to enter (the clinic setting, not a bypass).
        try await (database as! any SQLDatabase).raw("UPDATE clinic_profile SET require_two_factor = \(bind: false)").run()
        return report
    }

    struct Plan: @unchecked Sendable {
        let size: Size
        let now: Date
        let zone: ClinicTimeZone
        let keyRing: KeyRing
        let officeID: UUID?
        let session: AppointmentKind
        /// Monday of week 0.
        let firstMonday: LocalDate

        init(size: Size, now: Date, zone: ClinicTimeZone, keyRing: KeyRing, officeID: UUID?, session: AppointmentKind) {
            self.size = size
            self.now = now
            self.zone = zone
            self.keyRing = keyRing
            self.officeID = officeID
            self.session = session
            self.firstMonday = zone.localDate(of: now).startOfWeek.adding(days: -7 * Size.presentWeek)
        }

        /// When a slot of a week starts: slot 0 is Monday 9:00, slot 39 Friday 16:00, slot 40 Friday 17:00.
        func start(week: Int, slot: Int) -> Date {
            let day = slot == Size.slotsPerWeek ? 4 : slot % 5
            let hour = slot == Size.slotsPerWeek ? 17 : 9 + slot / 5
            return zone.instant(firstMonday.adding(days: 7 * week + day), hour * 60)!
        }

        func clientName(_ client: Int) -> (name: String, email: String) {
            let first = ScaleClinic.firstNames[client % ScaleClinic.firstNames.count]
            let last = ScaleClinic.lastNames[(client / ScaleClinic.firstNames.count) % ScaleClinic.lastNames.count]
            return ("\(first) \(last)", "\(first.lowercased()).\(last.lowercased()).\(client)@example.org")
        }

        func clinicianName(_ number: Int) -> String {
            "\(ScaleClinic.firstNames[(number * 7) % ScaleClinic.firstNames.count]) \(ScaleClinic.lastNames[(number * 13) % ScaleClinic.lastNames.count]) \(number)"
        }
    }

    static func kind(_ code: String, on database: any Database) async throws -> AppointmentKind {
        guard let row = try await AppointmentTypeRow.query(on: database).filter(\.$code == code).first() else {
            throw Abort(.internalServerError, reason: "The appointment type \(code) is missing.")
        }
        return AppointmentKind(code: row.code, name: row.name, durationMinutes: row.durationMinutes,
                               bufferBeforeMinutes: row.bufferBeforeMinutes, bufferAfterMinutes: row.bufferAfterMinutes)
    }

    // MARK: one function per table

    static func staff(_ plan: Plan, app: Application) async throws -> Int {
        // One bcrypt hash for everyone: hashing 200 passwords at cost 12 would take a minute.
        let hash = try app.password.hash(benchPassword)
        var people: [StaffUser] = [
            StaffUser(email: adminEmail, name: "Bench Director", role: .admin, passwordHash: hash, slug: "bench-director", createdAt: plan.now),
            StaffUser(email: deskEmail, name: "Bench Front Desk", role: .receptionist, passwordHash: hash, slug: "bench-front-desk", createdAt: plan.now),
        ]
        people[0].id = adminID
        people[1].id = deskID
        for number in 1...plan.size.clinicians {
            let person = StaffUser(email: clinicianEmail(number), name: plan.clinicianName(number), role: .therapist, passwordHash: hash,
                                   // Public, on the full fee level and taking clients: the booking pages find their times.
                                   slug: "clinician-\(number)", credentials: "Registered Psychotherapist", feeTier: FeeTierCode.full.rawValue,
                                   isPublic: true, acceptingNewClients: true,
                                   createdAt: plan.now)
            person.id = clinicianID(number)
            people.append(person)
        }
        try await people.create(on: app.db)
        return people.count
    }

    static func availability(_ plan: Plan, on database: any Database) async throws -> Int {
        let columns = ["id", "staff_id", "location_id", "weekday", "start_minute", "end_minute"]
        return try await insert(into: "availability", columns: columns, on: database) { add in
            for number in 1...plan.size.clinicians {
                for weekday in 1...5 {
                    let end = number == 1 && weekday == 5 ? 18 * 60 : 17 * 60
                    try await add([id(.availability, number, weekday), clinicianID(number), plan.officeID, weekday, 9 * 60, end])
                }
            }
        }
    }

    static func clients(_ plan: Plan, on database: any Database) async throws -> Int {
        let columns = ["id", "name", "email", "phone", "date_of_birth", "programme", "sliding_scale_percent", "privacy_consent_version",
                       "privacy_consent_at", "created_at", "scores_in_portal"]
        return try await insert(into: "clients", columns: columns, on: database) { add in
            for client in 1...plan.size.clients {
                let course = course(ofClient: client, size: plan.size)
                let (name, email) = plan.clientName(client)
                let born = String(format: "%04d-%02d-%02d", 1950 + client % 55, 1 + client % 12, 1 + client % 28)
                let phone = String(format: "416-555-%04d", client % 10_000)
                let created = plan.start(week: course.firstWeek, slot: course.slot).addingTimeInterval(-14 * 86_400)
                try await add([clientID(client), name, email, phone, born, Programme.adult.rawValue, 0, "1", created, created, false])
            }
        }
    }

    static func careTeams(_ plan: Plan, on database: any Database) async throws -> Int {
        let columns = ["id", "client_id", "staff_id", "role", "reason", "starts_at", "ends_at", "added_by_id", "ended_by_id", "created_at"]
        return try await insert(into: "care_team_members", columns: columns, on: database) { add in
            for client in 1...plan.size.clients {
                let course = course(ofClient: client, size: plan.size)
                let starts = plan.start(week: course.firstWeek, slot: course.slot).addingTimeInterval(-7 * 86_400)
                // Four weeks after the last session the course is over and the membership ended.
                let ended = plan.start(week: course.firstWeek + course.sessions + 4, slot: course.slot)
                let endsAt: Date? = ended < plan.now ? ended : nil
                try await add([id(.care, client), clientID(client), clinicianID(course.clinician), CareTeamRole.treating.rawValue,
                               "Accepted as the treating clinician", starts, endsAt, adminID, endsAt == nil ? nil : adminID, starts])
            }
        }
    }

    static func appointmentID(client: Int, session: Int) -> UUID { id(.appointment, client, session) }

    /// The reminders a running clinic would already have sent for an appointment at `start`: those
    /// whose moment has passed, as `reminders_sent` stores them. Without them, the first start on a
    /// generated clinic sent a thousand reminders at once.
    static func remindersAlreadySent(start: Date, now: Date) -> String {
        ReminderSchedule.hoursBefore.filter { start.addingTimeInterval(TimeInterval(-$0 * 3600)) <= now }.sorted().map(String.init).joined(separator: ",")
    }

    static func appointments(_ plan: Plan, on database: any Database) async throws -> Int {
        let columns = ["id", "staff_id", "client_id", "type_code", "location_id", "starts_at", "ends_at", "blocked_from", "blocked_until",
                       "status", "sequence", "reminders_sent", "source", "created_at", "updated_at", "cancelled_at"]
        let longTerm = course(ofClient: 1, size: plan.size)
        return try await insert(into: "appointments", columns: columns, on: database) { add in
            func appointment(client: Int, clinician: Int, session: Int, week: Int, slot: Int) async throws {
                let start = plan.start(week: week, slot: slot)
                let occupied = plan.session.occupied(at: start)
                // About one in twenty past sessions cancelled and one in twenty missed.
                let roll = (client * 31 + session * 17) % 20
                let status: Appointment.Status = start > plan.now ? .confirmed : roll == 0 ? .cancelled : roll == 1 ? .noShow : .attended
                let booked = start.addingTimeInterval(-7 * 86_400)
                let reminded = status == .confirmed ? remindersAlreadySent(start: start, now: plan.now) : ""
                try await add([appointmentID(client: client, session: session), clinicianID(clinician), clientID(client), plan.session.code,
                               plan.officeID, start, plan.session.session(at: start).end, occupied.start, occupied.end, status.rawValue, 0, reminded,
                               "staff", booked, booked, status == .cancelled ? booked.addingTimeInterval(86_400) : nil])
            }
            // Latest week first: the database's overlap check (a trigger on SQLite) then finds
            // nothing earlier than the new row to compare with, and inserting stays linear.
            for week in stride(from: Size.weeks - 1, through: 0, by: -1) {
                for clinician in 1...plan.size.clinicians {
                    if clinician == 1, week >= longTerm.firstWeek, week < longTerm.firstWeek + longTerm.sessions {
                        try await appointment(client: 1, clinician: 1, session: week - longTerm.firstWeek, week: week, slot: longTerm.slot)
                    }
                    for slot in 0..<Size.slotsPerWeek {
                        guard let (client, session) = session(clinician: clinician, slot: slot, week: week, size: plan.size) else { continue }
                        try await appointment(client: client, clinician: clinician, session: session, week: week, slot: slot)
                    }
                }
            }
        }
    }

    static func measures(_ plan: Plan, on database: any Database) async throws -> Int {
        let columns = ["id", "client_id", "clinician_id", "appointment_id", "instrument_code", "token_hash", "status", "created_at",
                       "expires_at", "completed_at", "shared_with_guardian", "score_sealed"]
        let phq9 = Instrument.phq9
        return try await insert(into: "measure_responses", columns: columns, on: database) { add in
            for client in 1...plan.size.clients {
                let course = course(ofClient: client, size: plan.size)
                for number in 0..<Size.measuresPerClient {
                    let session = number * course.sessions / Size.measuresPerClient
                    let sessionStart = plan.start(week: course.firstWeek + session, slot: course.slot)
                    let rowID = id(.measure, client, number)
                    let sent = sessionStart.addingTimeInterval(-2 * 86_400)
                    let done = sessionStart < plan.now
                    // Improving over the course, as most courses do: 19 down to about 7.
                    let total = max(0, 19 - number - (client + number) % 4)
                    let sealed = done ? try plan.keyRing.seal(json: MeasureResponse.Score(total: total, band: phq9.band(for: total)?.label ?? ""),
                                                              MeasureResponse.scoreContext(rowID, client: clientID(client))) : nil
                    try await add([rowID, clientID(client), clinicianID(course.clinician), appointmentID(client: client, session: session),
                                   phq9.code, HexDigest.sha256(rowID.uuidString), done ? FormLinkStatus.completed.rawValue : FormLinkStatus.sent.rawValue,
                                   sent, sessionStart, done ? sessionStart.addingTimeInterval(-3_600) : nil, false, sealed])
                }
            }
        }
    }

    static func notes(_ plan: Plan, on database: any Database) async throws -> Int {
        let columns = ["id", "client_id", "author_id", "appointment_id", "session_number", "phase", "content_sealed", "status", "signed_at",
                       "created_at", "updated_at"]
        let encoder = JSONEncoder()
        return try await insert(into: "session_notes", columns: columns, on: database) { add in
            for client in 1...plan.size.clients {
                let course = course(ofClient: client, size: plan.size)
                for session in 0..<Size.notesPerClient {
                    let ends = plan.session.session(at: plan.start(week: course.firstWeek + session, slot: course.slot)).end
                    let rowID = id(.note, client, session)
                    let content = SessionNoteContent(mood: "Low most days; sleeping a little better.", interpersonalEvents: "An argument at home at the weekend.",
                                                     focusWork: session == 0 ? "Reviewed symptoms; explained the sick role." : "Began the interpersonal inventory.",
                                                     techniques: [.exploration], riskCheck: .noneReported, plan: "Continue next week.")
                    let sealed = try plan.keyRing.seal(String(decoding: try encoder.encode(content), as: UTF8.self),
                                                       SessionNoteRow.contentContext(rowID, client: clientID(client)))
                    try await add([rowID, clientID(client), clinicianID(course.clinician), appointmentID(client: client, session: session), session + 1,
                                   Phase.initial.rawValue, sealed, NoteStatus.final.rawValue, ends.addingTimeInterval(3_600),
                                   ends.addingTimeInterval(600), ends.addingTimeInterval(3_600)])
                }
            }
        }
    }

    /// Each course's contract: as many sessions as the course plans, from its first session's day.
    static func contracts(_ plan: Plan, on database: any Database) async throws -> Int {
        let columns = ["id", "client_id", "clinician_id", "version", "programme", "agreed_sessions", "session_minutes", "start_date",
                       "client_agreed", "created_by_id", "created_at"]
        return try await insert(into: "treatment_contracts", columns: columns, on: database) { add in
            for client in 1...plan.size.clients {
                let course = course(ofClient: client, size: plan.size)
                let first = plan.start(week: course.firstWeek, slot: course.slot)
                try await add([id(.contract, client), clientID(client), clinicianID(course.clinician), 1, Programme.adult.rawValue, course.sessions,
                               plan.session.durationMinutes, plan.zone.localDate(of: first).description, true, clinicianID(course.clinician), first])
            }
        }
    }

    /// The focus agreed at the end of the initial phase (session 3): the four areas in turn, and one
    /// course in ten with a second area, so the outcomes page has every row of its focus table.
    static func formulations(_ plan: Plan, on database: any Database) async throws -> Int {
        let columns = ["id", "client_id", "version", "framework", "primary_focus", "secondary_focus", "text_sealed", "client_agreed",
                       "created_by_id", "created_at"]
        let areas = FocusArea.allCases
        return try await insert(into: "formulations", columns: columns, on: database) { add in
            for client in 1...plan.size.clients {
                let course = course(ofClient: client, size: plan.size)
                let rowID = id(.formulation, client)
                let primary = areas[client % areas.count]
                let secondary: FocusArea? = client % 10 == 0 ? areas[(client + 1) % areas.count] : nil
                let text = try plan.keyRing.seal("Low mood since the changes at home; we agreed to work on \(primary.label.lowercased()).",
                                                 FormulationRow.textContext(rowID, client: clientID(client)))
                try await add([rowID, clientID(client), 1, FocusFramework.fourAreas.rawValue, primary.rawValue, secondary?.rawValue, text, true,
                               clinicianID(course.clinician), plan.start(week: course.firstWeek + 3, slot: course.slot)])
            }
        }
    }

    /// A signed discharge summary a week after the last session of every course that has ended
    /// (the care team closes four weeks after it). One in eight was ended early by the client; the
    /// rest completed. The long-term client's course goes on.
    static func discharges(_ plan: Plan, on database: any Database) async throws -> Int {
        let columns = ["id", "client_id", "author_id", "content_sealed", "status", "signed_at", "created_at", "updated_at"]
        let encoder = JSONEncoder()
        return try await insert(into: "discharge_summaries", columns: columns, on: database) { add in
            for client in 2...plan.size.clients {
                let course = course(ofClient: client, size: plan.size)
                let signed = plan.start(week: course.firstWeek + course.sessions - 1, slot: course.slot).addingTimeInterval(7 * 86_400)
                guard signed < plan.now else { continue }
                let rowID = id(.discharge, client)
                var content = DischargeContent()
                content.endingReason = client % 8 == 0 ? "ended-early" : "completed"
                content.summary = "Mood lifted over the course; the client now speaks up at home."
                content.relapsePlan = "Notice early withdrawal from friends and book a review."
                let sealed = try plan.keyRing.seal(String(decoding: try encoder.encode(content), as: UTF8.self),
                                                   DischargeSummaryRow.contentContext(rowID, client: clientID(client)))
                try await add([rowID, clientID(client), clinicianID(course.clinician), sealed, NoteStatus.final.rawValue, signed,
                               signed.addingTimeInterval(-3_600), signed])
            }
        }
    }

    static let auditRecordTypes = ["chart", "notes", "progress", "appointment", "timeline"]

    /// Page views over the ten years, in time order, each about a client and by that client's
    /// clinician (one in ten by the front desk), chained from the head the migrations wrote with
    /// the app's own keyed link hash (`AuditChainKey.nextHash`, the one the writer uses).
    static func auditTrail(_ plan: Plan, chainKey: AuditChainKey, on database: any Database) async throws -> Int {
        let sql = database as! any SQLDatabase
        guard let head = try await sql.raw("SELECT last_sequence, last_hash FROM audit_chain_head WHERE id = 1").first() else {
            throw Abort(.internalServerError, reason: "The audit chain head row is missing.")
        }
        var sequence = try head.decode(column: "last_sequence", as: Int64.self)
        var previousHash = try head.decode(column: "last_hash", as: String.self)
        let total = plan.size.auditRows
        let firstMs = AuditRecord.milliseconds(plan.start(week: 0, slot: 0))
        let stepMs = max(1, (AuditRecord.milliseconds(plan.now) - firstMs - 3_600_000) / Int64(total))
        let columns = ["id", "sequence", "occurred_at_ms", "actor_id", "actor_label", "action", "record_type", "record_id", "subject",
                       "request_id", "detail", "previous_hash", "hash"]
        let clinicianLabels = (0...plan.size.clinicians).map { "\(plan.clinicianName($0)) (\(StaffRole.therapist.rawValue))" }
        let deskLabel = "Bench Front Desk (\(StaffRole.receptionist.rawValue))"
        // The head moves with the rows, in the same transaction, as AuditWriter.append does.
        let written = try await insert(into: "audit_events", columns: columns, on: database, lastStatement: {
            "UPDATE audit_chain_head SET last_sequence = \(bind: sequence), last_hash = \(bind: previousHash) WHERE id = 1"
        }) { add in
            for number in 0..<total {
                // A multiplicative hash spreads each client's rows over the years.
                let client = Int((UInt64(number) &* 2_654_435_761) % UInt64(plan.size.clients)) + 1
                let clinician = course(ofClient: client, size: plan.size).clinician
                let byDesk = number % 10 == 9
                sequence += 1
                let record = AuditRecord(
                    sequence: sequence, occurredAtMilliseconds: firstMs + Int64(number) * stepMs,
                    actorID: (byDesk ? deskID : clinicianID(clinician)).uuidString,
                    actorLabel: byDesk ? deskLabel : clinicianLabels[clinician], action: .view,
                    recordType: byDesk ? "appointment" : auditRecordTypes[number % auditRecordTypes.count],
                    recordID: nil, subject: clientID(client).uuidString, requestID: String(format: "scale-%08x", number), detail: nil)
                let link = previousHash
                let hash = chainKey.nextHash(previous: link, record: record)
                // Before `add`, which may commit: the head written with a batch is its last row.
                previousHash = hash
                try await add([id(.audit, number, number >> 32), sequence, record.occurredAtMilliseconds, record.actorID, record.actorLabel,
                               record.action.rawValue, record.recordType, record.recordID, record.subject, record.requestID, record.detail,
                               link, hash])
            }
        }
        return written
    }

    // MARK: writing in bulk

    /// Rows go in multi-row INSERT statements (as many rows as the engine takes bound values for)
    /// and 50,000 rows to a transaction: one durable commit per batch instead of per row, and a
    /// SQLite write-ahead log that stays small.
    static func insert(into table: String, columns: [String], on database: any Database,
                       lastStatement: @escaping () -> SQLQueryString? = { nil },
                       rows: (_ add: ([any Encodable & Sendable]) async throws -> Void) async throws -> Void) async throws -> Int {
        // SQLite takes up to 32,766 bound values in a statement, PostgreSQL 65,535.
        let rowsPerStatement = max(1, 32_000 / columns.count)
        let rowsPerTransaction = 50_000
        var statement: [[any Encodable & Sendable]] = []
        var transaction: [[[any Encodable & Sendable]]] = []
        var pendingRows = 0
        var written = 0
        statement.reserveCapacity(rowsPerStatement)

        func commit() async throws {
            if !statement.isEmpty { transaction.append(statement); statement = [] }
            guard !transaction.isEmpty else { return }
            let batches = transaction
            let last = lastStatement()
            transaction = []
            try await database.writeTransaction { db in
                let sql = db as! any SQLDatabase
                // SQLite's default page cache is 2 MB; at 100,000 clients the indexes being filled
                // are gigabytes, and each row's index entries then cost reads from the OS (measured:
                // appointments went 60 times slower per row than at 10,000). 1 GB for this connection.
                if DatabaseEngine(of: db) == .sqlite { try await sql.raw("PRAGMA cache_size = -1048576").run() }
                for batch in batches {
                    var insert = sql.insert(into: table).columns(columns)
                    for row in batch { insert = insert.values(row) }
                    try await insert.run()
                }
                if let last { try await sql.raw(last).run() }
            }
            written += pendingRows
            pendingRows = 0
        }

        try await rows { row in
            statement.append(row)
            pendingRows += 1
            if statement.count == rowsPerStatement {
                transaction.append(statement)
                statement = []
                statement.reserveCapacity(rowsPerStatement)
            }
            if pendingRows >= rowsPerTransaction { try await commit() }
        }
        try await commit()
        return written
    }

    static let firstNames = ["Avery", "Jordan", "Taylor", "Morgan", "Riley", "Casey", "Jamie", "Quinn", "Robin", "Sasha", "Alex", "Charlie",
                             "Dana", "Elliot", "Frankie", "Harper", "Indigo", "Jules", "Kai", "Logan", "Marley", "Noor", "Oakley", "Parker",
                             "Reese", "Sam", "Tatum", "Umi", "Val", "Wren", "Yael", "Zion", "Amara", "Bashir", "Chiara", "Dmitri", "Esme",
                             "Farah", "Goran", "Hana", "Ines", "Joaquin", "Keiko", "Lior", "Mateo", "Nadia", "Oren", "Priya", "Rafael", "Sofia"]
    static let lastNames = ["Abbott", "Baptiste", "Castillo", "Dubois", "Eriksen", "Fontaine", "Gallagher", "Haddad", "Ishikawa", "Jovanovic",
                            "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okonkwo", "Petrov", "Quintero", "Rasmussen", "Sato", "Tremblay",
                            "Ueda", "Varga", "Whitfield", "Xu", "Yilmaz", "Zielinski", "Achebe", "Bergstrom", "Cardenas", "Delacroix",
                            "Ekwueme", "Fitzgerald", "Gunawardena", "Halvorsen", "Iqbal", "Jablonski", "Kaur", "Lefebvre", "Mbeki", "Novak"]
}
