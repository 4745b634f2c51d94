import Fluent
import Foundation
import SQLKit
import IPTCore
import IPTPages
import Vapor

/// Joining the waitlist for a tier or a clinician, with the days and times that suit.
struct WaitlistController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.waitlist, use: form)
        site.post(.waitlist, use: submit)
        site.get(.waitlistThanks, use: thanks)
    }

    struct Body: Content {
        var with: String?
        var type: String?
        var days: [String]?
        var parts: [String]?
        var name: String?
        var email: String?
        var phone: String?
        var dateOfBirth: String?
        var guardianName: String?
        var guardianEmail: String?
        var guardianPhone: String?
        var consent: String?
        var website: String?

        var draft: BookingDetailsDraft {
            BookingDetailsDraft(name: name, email: email, phone: phone, dateOfBirth: dateOfBirth, guardianName: guardianName,
                                guardianEmail: guardianEmail, guardianPhone: guardianPhone, consent: consent == "yes")
        }
    }

    func form(_ request: Request) async throws -> Response {
        var body = Body()
        body.with = request.query[String.self, at: "with"] ?? "reduced"
        body.type = request.query[String.self, at: "type"] ?? "consultation"
        return try await render(request, body: body, errors: FieldErrors())
    }

    func submit(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(Body.self, from: request)
        guard try await request.services.rateLimits.allowPublicForm(.waitlist, from: request.clientAddress, at: request.now, on: request.db) else {
            throw Abort(.tooManyRequests)
        }
        if let trap = body.website, !trap.isEmpty { return request.redirect(to: SitePath.waitlistThanks.link) }
        let setup = try await request.bookingSetup()
        var errors = FieldErrors()
        let kind = setup.kind(body.type).flatMap { $0.bookableOnline ? $0 : nil }
        let choice = BookingChoice(body.with)
        var member: StaffUser?
        if kind == nil { errors.add("type", "Choose what you would like to book.") }
        if let kind, let choice {
            if case .member(let slug) = choice {
                member = try await SchedulingQueries.clinicians(for: .member(slug), kind: kind, on: request.db).first
                if member == nil { errors.add("with", "Choose one of the options listed.") }
            }
        } else if choice == nil {
            errors.add("with", "Choose whom you would like to see.")
        }
        let preference = WaitlistPreference(
            days: Set((body.days ?? []).compactMap { Int($0).flatMap(Weekday.init(rawValue:)) }),
            parts: Set((body.parts ?? []).compactMap(DayPart.init(rawValue:))))
        let validated = BookingDetails.validate(body.draft, today: setup.zone.localDate(of: request.now))
        if case .failure(let rejection) = validated {
            for entry in rejection.errors.entries { errors.add(entry.field, entry.message) }
        }
        guard errors.isEmpty, case .success(let details) = validated, let kind, let choice else {
            return try await render(request, body: body, errors: errors, status: .unprocessableEntity)
        }
        let now = request.now
        let memberID = member?.id
        let entryID = try await request.db.writeTransaction { db in
            try await Self.add(details, kind: kind, tierCode: memberID == nil ? choice.value : nil, memberID: memberID, preference: preference,
                               now: now, on: db)
        }
        try await request.audit(.create, recordType: "waitlist-entry", recordID: entryID.uuidString, detail: "joined online")
        return request.redirect(to: SitePath.waitlistThanks.link)
    }

    /// Puts the person at the end of the list.
    private static func add(_ details: BookingDetails, kind: AppointmentKind, tierCode: String?, memberID: UUID?, preference: WaitlistPreference,
                            now: Date, on db: any Database) async throws -> UUID {
        // The same person asking again for the same thing (the form sent twice, or again a week
        // later) keeps their one place as it is; a second entry would get a second offer. The
        // entry is not changed from this public form either: anyone knowing an address and a birth
        // date could otherwise rewrite someone's phone number. The desk changes it on request.
        // On PostgreSQL two at once wait for each other on the address.
        if DatabaseEngine(of: db) == .postgres {
            _ = try await (db as! any SQLDatabase).raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "waitlist:" + details.email.lowercased())))").all()
        }
        let waiting = try await WaitlistEntry.query(on: db).filter(\.$status ~~ [.waiting, .offered]).filter(\.$typeCode == kind.code).all()
        if let same = waiting.first(where: { $0.email.lowercased() == details.email.lowercased() && $0.$staff.id == memberID && $0.tierCode == tierCode
                                             && $0.dateOfBirth == details.dateOfBirth.description }) {
            return try same.requireID()
        }
        let entry = WaitlistEntry()
        entry.id = UUID()
        entry.name = details.name
        entry.email = details.email
        entry.phone = details.phone
        entry.dateOfBirth = details.dateOfBirth.description
        entry.guardianName = details.guardian?.name
        entry.guardianEmail = details.guardian?.email
        entry.guardianPhone = details.guardian?.phone
        entry.tierCode = tierCode
        entry.$staff.id = memberID
        entry.typeCode = kind.code
        entry.days = preference.storedDays
        entry.parts = preference.storedParts
        entry.position = try await SchedulingQueries.nextWaitlistPosition(on: db)
        entry.status = WaitlistEntry.Status.waiting
        entry.createdAt = now
        try await entry.create(on: db)
        return try entry.requireID()
    }

    func thanks(_ request: Request) async throws -> Response {
        try await request.messagePage(title: "You are on the waitlist", notice: "We have added you to the waitlist.", paragraphs: [
            "When a time that matches your choices becomes free, we email you an offer. It stays open for a limited time, then passes to the next person; you keep your place for the next opening.",
        ])
    }

    private func render(_ request: Request, body: Body, errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let setup = try await request.bookingSetup()
        let members = try await TeamQueries.publicMembers(on: request.db).filter(\.acceptingNewClients)
        let model = WaitlistPage.Model(kinds: setup.onlineKinds.map { ($0.code, $0.name) }, members: members.map { ($0.slug, $0.name) },
                                       type: body.type, with: body.with, days: Set(body.days ?? []), parts: Set(body.parts ?? []),
                                       draft: body.draft, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(model.title, WaitlistPage.view(model), status: status)
    }
}
