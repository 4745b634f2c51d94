import Fluent
import Foundation
import IPTCore
import SQLKit

/// The queries behind the portal's appointment cards, to-dos and score chart. Every one is scoped
/// to the signed-in client: an id that is not theirs finds nothing.
enum PortalQueries {
    /// How far back "recent appointments" reach.
    static let recentDays = 90

    /// The client's appointments: confirmed ones still to come (soonest first), then the recent
    /// past ones and cancellations (latest first).
    static func appointments(of clientID: UUID, now: Date, on db: any Database) async throws -> (upcoming: [Appointment], recent: [Appointment]) {
        let rows = try await Appointment.query(on: db).filter(\.$client.$id == clientID)
            .filter(\.$status ~~ [.confirmed, .attended, .noShow, .cancelled, .lateCancelled])
            .filter(\.$startsAt > now.addingTimeInterval(-TimeInterval(recentDays * 86_400)))
            .with(\.$staff).with(\.$location).sort(\.$startsAt).all()
        let upcoming = rows.filter { $0.status == .confirmed && $0.endsAt > now }
        let recent = rows.filter { !($0.status == .confirmed && $0.endsAt > now) }.reversed()
        return (upcoming, Array(recent.prefix(6)))
    }

    /// One of the client's own appointments; nil (a 404) for anyone else's.
    static func ownAppointment(_ id: UUID, clientID: UUID, on db: any Database) async throws -> Appointment? {
        try await Appointment.query(on: db).filter(\.$id == id).filter(\.$client.$id == clientID)
            .with(\.$staff).with(\.$client).with(\.$location).first()
    }

    /// Intake forms and self-assessments sent to the client and not yet filled in.
    static func waitingForms(of clientID: UUID, now: Date, on db: any Database) async throws -> (intakes: [IntakeRecord], selfAssessments: [SelfAssessmentRecord]) {
        let intakes = try await IntakeRecord.query(on: db).filter(\.$client.$id == clientID)
            .filter(\.$status == .sent).filter(\.$expiresAt > now).sort(\.$createdAt).all()
        let assessments = try await SelfAssessmentRecord.query(on: db).filter(\.$client.$id == clientID)
            .filter(\.$status == .sent).filter(\.$expiresAt > now).sort(\.$createdAt).all()
        return (intakes, assessments)
    }

    /// Gives a waiting intake or self-assessment a fresh link token and answers it, for the portal
    /// to open the form with. Only the client's own, still waiting form changes (one conditional
    /// UPDATE); the link in the email stops working, which is fine: the client is here now.
    static func reissueFormToken(table: String, id: UUID, clientID: UUID, now: Date, on db: any Database) async throws -> String? {
        guard let sql = db as? any SQLDatabase else { return nil }
        let token = SecureToken.make()
        let rows = try await sql.update(table).set("token_hash", to: SQLBind(HexDigest.sha256(token)))
            .where("id", .equal, SQLBind(id)).where("client_id", .equal, SQLBind(clientID))
            .where("status", .equal, SQLBind(FormLinkStatus.sent.rawValue)).where("expires_at", .greaterThan, SQLBind(now))
            .returning("id").all()
        return rows.isEmpty ? nil : token
    }

    /// The clinician to offer "book again" with: the one of the latest appointment, if they still
    /// take bookings online for the kind this client had, or else another kind they offer online
    /// (the free first consultation last: someone already seen has had it).
    static func bookAgain(after appointments: [Appointment], setup: BookingSetup, on db: any Database) async throws -> (StaffUser, AppointmentKind)? {
        guard let latest = appointments.max(by: { $0.startsAt < $1.startsAt }) else { return nil }
        let staff = latest.staff
        let others = setup.onlineKinds.filter { $0.code != "consultation" } + setup.onlineKinds.filter { $0.code == "consultation" }
        let kinds = ([setup.kind(latest.typeCode)].compactMap { $0 }.filter(\.bookableOnline) + others)
        for kind in kinds {
            if try await SchedulingQueries.clinicians(for: .member(staff.slug), kind: kind, on: db).isEmpty == false {
                return (staff, kind)
            }
        }
        return nil
    }
}
