import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// The reads and small writes of the staff area's own pages: the dashboard's counts, the calendar feed.
enum StaffQueries {
    struct Counts {
        var openEnquiries = 0
        var confirmedSubscribers = 0
        var pendingMail = 0
        var failedMail = 0
    }

    /// What needs attention; counts a role may not see stay zero and are not even queried.
    static func counts(enquiries: Bool, subscribers: Bool, on database: any Database) async throws -> Counts {
        var counts = Counts()
        if enquiries {
            counts.openEnquiries = try await Enquiry.query(on: database).filter(\.$status == Enquiry.Status.open).count()
        }
        if subscribers {
            counts.confirmedSubscribers = try await Subscriber.query(on: database)
                .filter(\.$status == Subscriber.Status.confirmed).count()
        }
        counts.pendingMail = try await OutboxMessage.query(on: database).filter(\.$status == OutboxMessage.Status.pending).count()
        counts.failedMail = try await OutboxMessage.query(on: database).filter(\.$status == OutboxMessage.Status.failed).count()
        return counts
    }

    /// Confirmed and attended appointments of these clinicians on one day of the clinic's.
    static func appointmentsCount(of clinicianIDs: [UUID], on day: LocalDate, zone: ClinicTimeZone, database: any Database) async throws -> Int {
        guard !clinicianIDs.isEmpty else { return 0 }
        return try await Appointment.query(on: database).filter(\.$staff.$id ~~ clinicianIDs)
            .filter(\.$status ~~ [Appointment.Status.confirmed, Appointment.Status.attended])
            .filter(\.$startsAt >= zone.startOfDay(day)).filter(\.$startsAt < zone.startOfDay(day.adding(days: 1))).count()
    }

    /// Booking requests waiting for these clinicians' approval.
    static func requestsCount(of clinicianIDs: [UUID], on database: any Database) async throws -> Int {
        guard !clinicianIDs.isEmpty else { return 0 }
        return try await Appointment.query(on: database).filter(\.$staff.$id ~~ clinicianIDs)
            .filter(\.$status == Appointment.Status.requested).count()
    }

    /// Notes by these students waiting for their supervisor's co-signature.
    static func notesToCosign(by supervisees: [UUID], on database: any Database) async throws -> Int {
        guard !supervisees.isEmpty else { return 0 }
        return try await SessionNoteRow.query(on: database).filter(\.$author.$id ~~ supervisees)
            .filter(\.$status == NoteStatus.awaitingCosignature).count()
    }

    static func notesReturned(to author: UUID, on database: any Database) async throws -> Int {
        try await SessionNoteRow.query(on: database).filter(\.$author.$id == author).filter(\.$status == NoteStatus.returned).count()
    }

    static func openRecordRequests(on database: any Database) async throws -> Int {
        try await RecordRequest.query(on: database).filter(\.$status == RecordRequest.Status.open).count()
    }

    static func openDuplicates(on database: any Database) async throws -> Int {
        try await PossibleDuplicate.query(on: database).filter(\.$status == .open).count()
    }

    struct Worsened {
        let client: ClientRecord
        let instrument: Instrument
        let from: Int
        let to: Int
    }

    /// Clients among `clients` whose latest score is reliably worse than their first, on a measure
    /// with a rule for it.
    static func worsened(among clients: [UUID], services: AppServices, on database: any Database) async throws -> [Worsened] {
        guard !clients.isEmpty else { return [] }
        // Plain rows: a long-standing caseload has thousands of completed questionnaires, and only
        // each series' first and last are opened. A Fluent model of each (found by reflection, with
        // its client) was a tenth of Today's time at 100,000 clients (docs/PERFORMANCE.md).
        let rows = try await RowReader.all("""
            SELECT id, client_id, instrument_code, score_sealed FROM measure_responses
            WHERE status = \(bind: FormLinkStatus.completed.rawValue) AND client_id IN (\(binds: clients)) AND score_sealed IS NOT NULL
            ORDER BY completed_at, id
            """, on: database)
        struct Response { let id: UUID, client: UUID, sealedScore: String }
        var series: [String: (code: String, first: Response, last: Response, count: Int)] = [:]
        for row in rows {
            let response = Response(id: try row.decode(column: "id", as: UUID.self), client: try row.decode(column: "client_id", as: UUID.self),
                                    sealedScore: try row.decode(column: "score_sealed", as: String.self))
            let code = try row.decode(column: "instrument_code", as: String.self)
            let key = "\(response.client.uuidString)|\(code)"
            if let known = series[key] {
                series[key] = (code, known.first, response, known.count + 1)
            } else {
                series[key] = (code, response, response, 1)
            }
        }
        func total(_ response: Response) throws -> Int {
            try services.openedScores.total(sealed: response.sealedScore, response: response.id, client: response.client) {
                try services.keyRing.open(response.sealedScore, as: MeasureResponse.Score.self,
                                          MeasureResponse.scoreContext(response.id, client: response.client)).total
            }
        }
        var found: [(client: UUID, instrument: Instrument, from: Int, to: Int)] = []
        for (_, measure) in series.sorted(by: { $0.key < $1.key }) where measure.count >= 2 {
            guard let instrument = services.instruments.named(measure.code) else { continue }
            let first = try total(measure.first), last = try total(measure.last)
            guard ChangeMetrics(instrument: instrument, baseline: first, latest: last).reliableDeterioration == true else { continue }
            found.append((measure.first.client, instrument, first, last))
        }
        guard !found.isEmpty else { return [] }
        let records = try await ClientRecord.query(on: database).filter(\.$id ~~ Array(Set(found.map(\.client)))).all()
        let byID = Dictionary(records.compactMap { record in record.id.map { ($0, record) } }, uniquingKeysWith: { first, _ in first })
        return found.compactMap { item in byID[item.client].map { Worsened(client: $0, instrument: item.instrument, from: item.from, to: item.to) } }
    }

    /// A new private feed address for this person; any older one stops working in the same transaction.
    static func replaceCalendarFeed(of staffID: UUID, tokenHash: String, at now: Date, on database: any Database) async throws {
        try await database.writeTransaction { db in
            try await CalendarFeed.query(on: db).set(\.$revokedAt, to: now).filter(\.$staff.$id == staffID).filter(\.$revokedAt == nil).update()
            let feed = CalendarFeed()
            feed.$staff.id = staffID
            feed.tokenHash = tokenHash
            feed.createdAt = now
            try await feed.create(on: db)
        }
    }

    static func revokeCalendarFeeds(of staffID: UUID, at now: Date, on database: any Database) async throws {
        try await database.writeTransaction { db in
            try await CalendarFeed.query(on: db).set(\.$revokedAt, to: now).filter(\.$staff.$id == staffID).filter(\.$revokedAt == nil).update()
        }
    }

    /// Writes the clinic's identity (there is one row; the first save makes it).
    static func saveClinicProfile(_ identity: ClinicIdentity, at now: Date, on database: any Database) async throws -> ClinicProfile {
        let profile = try await ClinicProfile.query(on: database).first() ?? ClinicProfile()
        profile.name = identity.name
        profile.phone = identity.phone
        profile.email = identity.email
        profile.address = identity.address
        profile.timeZone = identity.timeZone
        profile.requireTwoFactor = identity.requireTwoFactor
        profile.updatedAt = now
        try await profile.save(on: database)
        return profile
    }
}

/// The address part of a new team member's public profile (/team/jordan-lee): their name in
/// lower case with dashes, and a number after it when a colleague already has it.
extension StaffQueries {
    static func freeSlug(for name: String, on database: any Database) async throws -> String {
        let base = name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce(into: "") { slug, character in
            if character != "-" || slug.last != "-" { slug.append(character) }
        }.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        let stem = base.isEmpty ? "staff" : base
        var slug = stem
        var suffix = 2
        while try await StaffUser.query(on: database).filter(\.$slug == slug).first() != nil {
            slug = "\(stem)-\(suffix)"
            suffix += 1
        }
        return slug
    }
}

/// A staff member's sessions: started at sign-in, rotated when the password changes, ended
/// elsewhere when the account's rights change.
enum AccountSessions {
    /// A new session for a correct password. The session the browser held before (`replacing`, its
    /// token) is deleted, so an id is never promoted; sessions past the absolute limit go too.
    static func start(for staffID: UUID, token: String, replacing old: String?, secondFactorDone: Bool, at now: Date,
                      on database: any Database) async throws -> StaffSession {
        if let old {
            try await StaffSession.query(on: database).filter(\.$tokenHash == HexDigest.sha256(old)).delete()
        }
        // Sessions whose cookie never comes back would otherwise stay for ever; every sign-in
        // clears those past the absolute limit, which bounds the table without a timer.
        try await StaffSession.query(on: database)
            .filter(\.$createdAt < now.addingTimeInterval(-SessionLifetime.staff.absolute))
            .delete()
        let session = StaffSession(tokenHash: HexDigest.sha256(token), staffID: staffID, csrfToken: SecureToken.make(), createdAt: now,
                                   secondFactorDone: secondFactorDone)
        try await session.create(on: database)
        return session
    }

    /// Signs a person out everywhere but here (`except`), e.g. after their password changed.
    static func endAll(of staffID: UUID, except keep: UUID? = nil, on database: any Database) async throws {
        var query = StaffSession.query(on: database).filter(\.$staff.$id == staffID)
        if let keep { query = query.filter(\.$id != keep) }
        try await query.delete()
    }

    /// Replaces this session with a new one (new id, token and CSRF token; same start, so the
    /// 12-hour limit still counts from the sign-in) and ends every other session of the person:
    /// whoever held a copy of the old cookie, here or elsewhere, is signed out.
    static func rotate(_ staff: CurrentStaff, newToken: String, at now: Date, on database: any Database) async throws {
        guard let current = try await StaffSession.find(staff.sessionID, on: database) else { throw Abort(.unauthorized) }
        let replacement = StaffSession(tokenHash: HexDigest.sha256(newToken), staffID: staff.id, csrfToken: SecureToken.make(),
                                       createdAt: current.createdAt, secondFactorDone: current.secondFactorDone)
        replacement.lastSeenAt = now
        try await StaffSession.query(on: database).filter(\.$staff.$id == staff.id).delete()
        try await replacement.create(on: database)
    }
}
