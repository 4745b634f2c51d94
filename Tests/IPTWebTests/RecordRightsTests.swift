import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

extension TestClinic {
    /// A browser signed in to the portal as the client with this email.
    func portal(as email: String) async throws -> Browser {
        let browser = Browser(app: app)
        try await browser.get("/portal/sign-in")
        try await browser.post("/portal/sign-in", form: ["email": email])
        try await deliverMail()
        let link = try self.link(in: try #require(mail.sent.last), containing: "/portal/sign-in/")
        // The browser that asked for the link: opening it signs in at once.
        #expect(try await browser.get(link).location == "/portal")
        try await browser.get("/portal")
        return browser
    }
}

@Suite struct RecordRightsTests {
    /// A client with a signed note, a formulation and a score, seen by a therapist.
    func clientWithRecord(_ clinic: TestClinic) async throws -> (client: ClientRecord, therapist: Browser, therapistUser: StaffUser) {
        let (therapist, user) = try await clinic.signedIn(as: .therapist)
        let client = try await clinic.clientSeen(by: user, email: "robin@example.org", attended: 4)
        let base = "/staff/clients/\(client.id!.uuidString)"
        try await therapist.get("\(base)/chart")
        try await therapist.post("\(base)/contract", form: clinic.contractForm())
        try await therapist.post("\(base)/formulation", form: ["primary": "grief", "text": "Mourning a father who died in March."])
        #expect(try await therapist.post("\(base)/notes", form: TestClinic.signableNote).status == .seeOther)
        try await clinic.addScore(14, client: client.id!, clinician: user)
        return (client, therapist, user)
    }

    @Test func a_client_asks_for_a_copy_the_director_releases_it_and_the_client_reads_it_with_who_opened_it() async throws {
        try await withClinic { clinic in
            let (client, therapist, therapistUser) = try await clientWithRecord(clinic)
            let portal = try await clinic.portal(as: "robin@example.org")
            #expect(try await portal.get("/portal/record").status == .notFound, "nothing released yet")
            #expect(try await portal.post("/portal/record-request", form: [:]).location == "/portal?done=asked")
            try await portal.post("/portal/record-request", form: [:])
            let requests = try await RecordRequest.query(on: clinic.db).all()
            #expect(requests.count == 1, "asking twice while one is open makes one request")
            let request = try #require(requests.first)
            #expect(request.dueOn == clinic.toronto.localDate(of: clinic.clock.now).adding(days: 30).description)
            #expect(try await portal.get("/portal").body.string.contains("due by"))

            let (director, _) = try await clinic.signedIn(as: .admin)
            let list = try await director.get("/staff/requests")
            #expect(list.body.string.contains("Robin") || list.body.string.contains("Casey Client"))
            try await director.get("/staff/requests/\(request.id!.uuidString)")
            #expect(try await director.post("/staff/requests/\(request.id!.uuidString)/provide", form: ["includeNotes": "yes"]).status == .seeOther)
            #expect(try await director.post("/staff/requests/\(request.id!.uuidString)/provide", form: ["includeNotes": "yes"]).status == .conflict)

            // A note signed after the release is not in the released copy: the client reads what was released.
            clinic.clock.advance(by: 60)
            var later = TestClinic.signableNote
            later["mood"] = "Written after the copy was released"
            later["sessionNumber"] = "5"
            #expect(try await therapist.post("/staff/clients/\(client.id!.uuidString)/notes", form: later).status == .seeOther)
            let copy = try await portal.get("/portal/record")
            #expect(copy.status == .ok)
            #expect(!copy.body.string.contains("Written after the copy was released"))
            let html = copy.body.string
            #expect(html.contains("Mourning a father") && html.contains("Lower after the argument on Sunday"), "formulation and note released")
            #expect(html.contains("Who has opened this record") && html.contains(therapistUser.name), "the access log names who opened it")
            #expect(html.contains(" with \(therapistUser.name): "), "each appointment names its clinician")
            #expect(copy.headers.first(name: .cacheControl) == "no-store")
            let fhir = try await portal.get("/portal/record.fhir.json")
            #expect(fhir.status == .ok)
            let bundle = try #require(try JSONSerialization.jsonObject(with: Data(buffer: fhir.body)) as? [String: Any])
            let kinds = Set((bundle["entry"] as? [[String: Any]] ?? []).compactMap { ($0["resource"] as? [String: Any])?["resourceType"] as? String })
            #expect(kinds.isSuperset(of: ["Patient", "Appointment", "QuestionnaireResponse", "DocumentReference", "AuditEvent"]))
            // The access log is every event about the client, oldest first (the download itself may be
            // logged after the copy was made).
            let logged = (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
                .filter { $0["resourceType"] as? String == "AuditEvent" }.compactMap { $0["id"] as? String }
            let trail = try await AuditEvent.query(on: clinic.db).filter(\.$subject == client.id!.uuidString).sort(\.$sequence).all()
                .map { $0.id!.uuidString.lowercased() }
            #expect(!logged.isEmpty && trail.starts(with: logged) && trail.count - logged.count <= 1, "\(logged.count) of \(trail.count)")
            // A guardian or a stranger gets nothing; staff without the client get the same 404 as for a missing one.
            let stranger = Browser(app: clinic.app)
            #expect(try await stranger.get("/portal/record").location == "/portal/sign-in")
            let (other, _) = try await clinic.signedIn(as: .therapist)
            #expect(try await other.get("/staff/clients/\(client.id!.uuidString)/record").status == .notFound)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            #expect(try await desk.get("/staff/requests").status == .forbidden)
        }
    }

    @Test func the_copy_holds_the_notes_risk_check_the_safety_alerts_with_their_follow_up_and_the_whole_discharge_summary() async throws {
        try await withClinic { clinic in
            let (client, therapist, therapistUser) = try await clientWithRecord(clinic)
            let base = "/staff/clients/\(client.id!.uuidString)"
            // A safety alert, closed with its follow-up.
            let alert = RiskAlert()
            alert.id = UUID()
            alert.$client.id = client.id!
            alert.source = .questionnaire
            alert.$clinician.id = therapistUser.id!
            alert.status = .closed
            alert.createdAt = clinic.clock.now.addingTimeInterval(-3_600)
            alert.closedAt = clinic.clock.now.addingTimeInterval(-1_800)
            alert.$closedBy.id = therapistUser.id!
            alert.followUpSealed = try clinic.app.services.keyRing.seal("Assessment:\nCalled the same day\n\nSafety plan:\nCrisis line saved in phone",
                                                                         RiskAlert.followUpContext(alert.id!, client: client.id!))
            try await alert.create(on: clinic.db)
            try await therapist.get("\(base)/discharge")
            #expect(try await therapist.post("\(base)/discharge", form: ["endingReason": "completed", "maintenance": "none", "summary": "Mood lifted",
                                                                          "relapsePlan": "Call if sleep goes", "referrals": "Family doctor", "action": "sign"]).status == .seeOther)
            let copy = try await therapist.get("\(base)/record").body.string
            for expected in ["Risk check", "no thoughts of self-harm", "Safety alerts and follow-up", "raised by an answer to a questionnaire",
                             "Crisis line saved in phone", "Reason for ending", "Referrals", "Family doctor"] {
                #expect(copy.contains(expected), "the copy leaves out: \(expected)")
            }
            let fhir = try await therapist.get("\(base)/record.fhir.json").body.string
            #expect(fhir.contains(alert.id!.uuidString.lowercased()), "the alert is a document in the bundle")
        }
    }

    @Test func a_copy_released_without_notes_leaves_the_notes_out() async throws {
        try await withClinic { clinic in
            _ = try await clientWithRecord(clinic)
            let portal = try await clinic.portal(as: "robin@example.org")
            try await portal.post("/portal/record-request", form: [:])
            let request = try #require(try await RecordRequest.query(on: clinic.db).first())
            let (director, _) = try await clinic.signedIn(as: .admin)
            try await director.get("/staff/requests/\(request.id!.uuidString)")
            try await director.post("/staff/requests/\(request.id!.uuidString)/provide", form: [:])
            let html = try await portal.get("/portal/record").body.string
            #expect(!html.contains("Lower after the argument") && html.contains("Clinical notes are not part of this copy"))
        }
    }

    @Test func a_refused_correction_keeps_the_clients_statement_with_the_record_and_an_accepted_one_says_what_changed() async throws {
        try await withClinic { clinic in
            let (client, _, _) = try await clientWithRecord(clinic)
            let portal = try await clinic.portal(as: "robin@example.org")
            try await portal.get("/portal/correction")
            let empty = try await portal.post("/portal/correction", form: ["where": "My note", "wrong": "", "should": "It was Saturday"])
            #expect(empty.status == .unprocessableEntity && empty.body.string.contains("It was Saturday"), "input kept")
            #expect(try await portal.post("/portal/correction", form: ["where": "Session 4 note", "wrong": "Says Sunday", "should": "It was Saturday"]).status == .seeOther)
            #expect(try await portal.post("/portal/correction", form: ["where": "Phone", "wrong": "Old number", "should": "416-555-0199"]).status == .seeOther)
            let rows = try await RecordRequest.query(on: clinic.db).sort(\.$requestedAt).all()
            #expect(rows.count == 2 && rows.allSatisfy { $0.detailsSealed.hasPrefix("enc:v1:") })
            let (director, _) = try await clinic.signedIn(as: .admin)
            let first = "/staff/requests/\(rows[0].id!.uuidString)", second = "/staff/requests/\(rows[1].id!.uuidString)"
            try await director.get(first)
            let noReason = try await director.post("\(first)/refuse", form: ["statement": "I remember it was Saturday"])
            #expect(noReason.status == .unprocessableEntity && noReason.body.string.contains("I remember it was Saturday"))
            #expect(try await director.post("\(first)/refuse", form: ["reason": "The calendar shows the argument on Sunday",
                                                                       "statement": "I remember it was Saturday"]).status == .seeOther)
            try await director.get(second)
            #expect(try await director.post("\(second)/accept", form: ["correction": "416-555-0199"]).status == .unprocessableEntity, "the old entry is required")
            #expect(try await director.post("\(second)/accept", form: ["before": "416-555-0111", "correction": "416-555-0199"]).status == .seeOther)
            // Outside her caseload, the director gives a reason before opening the record.
            #expect(try await director.get("/staff/clients/\(client.id!.uuidString)/record").status == .seeOther)
            try await director.post("/staff/clients/\(client.id!.uuidString)/reason", form: ["reason": "Answering a correction request"])
            let copy = try await director.get("/staff/clients/\(client.id!.uuidString)/record").body.string
            #expect(copy.contains("Statement of disagreement: </strong>I remember it was Saturday"))
            #expect(copy.contains("<del>416-555-0111</del> <ins>416-555-0199</ins>"), "the wrong entry is struck through beside the correction")
            // The client reads the answers in the portal, without a copy of the record released.
            let home = try await portal.get("/portal").body.string
            #expect(home.contains("refused") && home.contains("The calendar shows the argument on Sunday"), "the refusal's reason was never shown to the client")
            #expect(home.contains("I remember it was Saturday") && home.contains("Information and Privacy Commissioner"))
            #expect(home.contains("Now: 416-555-0199"), "what the accepted correction changed")
        }
    }
}

@Suite struct RetentionWebTests {
    /// A client last seen `yearsAgo` years ago, born `age` years before that contact, with a signed note.
    func oldClient(_ clinic: TestClinic, name: String, yearsAgo: Int, age: Int, by user: StaffUser) async throws -> ClientRecord {
        // A few hours apart per client, so two clients last seen the same year do not share the clinician's hour.
        let contact = clinic.clock.now.addingTimeInterval(-Double(yearsAgo) * 365.25 * 86_400 - Double(name.count) * 3_600)
        let born = clinic.toronto.localDate(of: contact).adding(days: -Int(Double(age) * 365.25))
        let client = try await clinic.addClient(name: name, email: "\(name.lowercased().replacingOccurrences(of: " ", with: "."))@example.org",
                                                dateOfBirth: born.description, programme: age < 18 ? "adolescent" : "adult",
                                                createdAt: contact.addingTimeInterval(-30 * 86_400))
        let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
        let appointment = BookingService.newAppointment(staffID: user.id!, clientID: client.id!, kind: kind, start: contact, locationID: nil, source: "staff", now: contact)
        appointment.status = Appointment.Status.attended
        try await appointment.create(on: clinic.db)
        let note = SessionNoteRow()
        note.id = UUID()
        note.$client.id = client.id!
        note.$author.id = user.id!
        note.sessionNumber = 1
        note.phase = "initial"
        note.contentSealed = "enc:v1:x"
        note.status = .final
        note.createdAt = contact
        note.updatedAt = contact
        try await note.create(on: clinic.db)
        return client
    }

    @Test func records_past_retention_are_listed_and_destroyed_only_on_purpose_leaving_a_tombstone() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            let adult = try await oldClient(clinic, name: "Old Adult", yearsAgo: 11, age: 40, by: therapist)
            let minor = try await oldClient(clinic, name: "Young Teen", yearsAgo: 11, age: 13, by: therapist)
            let recent = try await oldClient(clinic, name: "Recent Person", yearsAgo: 2, age: 30, by: therapist)
            let (director, _) = try await clinic.signedIn(as: .admin)
            let report = try await director.get("/staff/retention").body.string
            #expect(report.contains("Old Adult") && !report.contains("Young Teen") && !report.contains("Recent Person"),
                    "only the adult is past retention: the teen's record is kept ten years after their 18th birthday")
            let review = try await director.get("/staff/retention/\(adult.id!.uuidString)")
            #expect(review.status == .ok && review.body.string.contains("Destroy this record"))
            #expect(!(try await director.get("/staff/retention/\(minor.id!.uuidString)").body.string.contains("Destroy this record")), "still within retention")
            // An email still waiting to go to the client goes with the record.
            try await Outbox.enqueue(to: adult.email, subject: "Reminder", body: "See you soon", at: clinic.clock.now, on: clinic.db)
            let destroyAdult = "/staff/retention/\(adult.id!.uuidString)/destroy"
            let wrongName = try await director.post(destroyAdult, form: ["confirm": "Old Adul"])
            #expect(wrongName.status == .unprocessableEntity && wrongName.body.string.contains("Nothing was destroyed"))
            #expect(try await ClientRecord.find(adult.id, on: clinic.db) != nil)
            #expect(try await director.post("/staff/retention/\(minor.id!.uuidString)/destroy", form: ["confirm": "Young Teen"]).status == .conflict)
            #expect(try await director.post("/staff/retention/\(recent.id!.uuidString)/destroy", form: ["confirm": "Recent Person"]).status == .conflict)
            // A hold stops destruction until it is lifted.
            try await director.post("/staff/retention/\(adult.id!.uuidString)/hold", form: ["reason": "Complaint to the college"])
            #expect(try await director.post(destroyAdult, form: ["confirm": "Old Adult"]).status == .conflict)
            try await director.post("/staff/retention/\(adult.id!.uuidString)/lift", form: [:])
            #expect(try await director.post(destroyAdult, form: ["confirm": "Old Adult"]).status == .seeOther)
            #expect(try await ClientRecord.find(adult.id, on: clinic.db) == nil)
            #expect(try await SessionNoteRow.query(on: clinic.db).filter(\.$client.$id == adult.id!).count() == 0)
            #expect(try await Appointment.query(on: clinic.db).filter(\.$client.$id == adult.id!).count() == 0)
            #expect(try await SessionNoteRow.query(on: clinic.db).count() == 2, "the others' notes stay")
            #expect(try await OutboxMessage.query(on: clinic.db).filter(\.$recipient == adult.email).count() == 0)
            let stone = try #require(try await RecordTombstone.query(on: clinic.db).first())
            #expect(stone.initials == "O. A." && stone.formerClientID == adult.id!.uuidString && stone.rowsDestroyed >= 4)
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "record-destroyed").filter(\.$subject == adult.id!.uuidString).count() == 1)
            #expect(try await director.get("/staff/retention").body.string.contains("O. A."))
            let (therapistBrowser, _) = try await clinic.signedIn(as: .therapist)
            #expect(try await therapistBrowser.post("/staff/retention/\(minor.id!.uuidString)/destroy", form: ["confirm": "Young Teen"]).status == .forbidden)
        }
    }

    @Test func a_request_answered_lately_holds_the_record_and_later_work_counts_as_contact() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            let refused = try await oldClient(clinic, name: "Old Refused", yearsAgo: 11, age: 40, by: therapist)
            let paid = try await oldClient(clinic, name: "Old Payer", yearsAgo: 11, age: 40, by: therapist)
            // A correction refused a month ago: the client has six months to complain.
            let request = RecordRequest()
            request.id = UUID()
            request.$client.id = refused.id!
            request.kind = .correction
            request.source = "portal"
            request.detailsSealed = try clinic.app.services.keyRing.seal("Wrong date", RecordRequest.detailsContext(request.id!, client: refused.id!))
            request.status = .refused
            request.requestedAt = clinic.clock.now.addingTimeInterval(-40 * 86_400)
            request.dueOn = "2026-01-01"
            request.resolvedAt = clinic.clock.now.addingTimeInterval(-30 * 86_400)
            request.includeNotes = false
            try await request.create(on: clinic.db)
            // A payment two years ago is contact too.
            let desk = try await clinic.makeStaff(.receptionist)
            _ = try await BillingQueries.record(.init(clientID: paid.requireID(), kind: .payment, method: .cash, cents: 1_000,
                                                      receivedOn: clinic.toronto.localDate(of: clinic.clock.now), reference: "", idempotencyKey: UUID().uuidString,
                                                      keepExcessAsCredit: true, staffID: desk.requireID(), staffName: desk.name),
                                                at: clinic.clock.now.addingTimeInterval(-2 * 365 * 86_400), on: clinic.db)
            let (director, _) = try await clinic.signedIn(as: .admin)
            let report = try await director.get("/staff/retention").body.string
            #expect(report.contains("may still complain"), "the record could be destroyed the day after its request was refused")
            try await director.get("/staff/retention/\(refused.id!.uuidString)")
            #expect(try await director.post("/staff/retention/\(refused.id!.uuidString)/destroy", form: ["confirm": "Old Refused"]).status == .conflict)
            #expect(try await ClientRecord.find(refused.id, on: clinic.db) != nil)
            #expect(!(try await director.get("/staff/retention/\(paid.id!.uuidString)").body.string.contains("Destroy this record")),
                    "a payment two years ago is contact: not past retention")
        }
    }

    @Test func an_open_access_request_holds_the_record() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            let adult = try await oldClient(clinic, name: "Old Adult", yearsAgo: 12, age: 40, by: therapist)
            let (director, _) = try await clinic.signedIn(as: .admin)
            try await director.get("/staff/retention")
            #expect(try await director.post("/staff/clients/\(adult.id!.uuidString)/requests", form: ["kind": "access", "details": "By letter"]).status == .seeOther)
            let blocked = try await director.post("/staff/retention/\(adult.id!.uuidString)/destroy", form: ["confirm": "Old Adult"])
            #expect(blocked.status == .conflict)
            #expect(try await ClientRecord.find(adult.id, on: clinic.db) != nil)
        }
    }
}
