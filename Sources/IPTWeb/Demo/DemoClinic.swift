import Fluent
import Foundation
import IPTCore
import Vapor

/// A fictional clinic for trying the product: every name and address is invented and every
/// email is on the reserved example domain.
enum DemoClinic {
    struct Person {
        let name: String
        let email: String
        let role: StaffRole
        let slug: String
        let credentials: String
        let bio: String
        let feeTier: FeeTierCode?
        let isPublic: Bool
        let supervisedBy: String?
    }

    static let people: [Person] = [
        Person(name: "Dr. Miriam Okafor", email: "director@harbourview-ipt.example", role: .admin, slug: "miriam-okafor",
               credentials: "Clinic director, Registered Psychotherapist",
               bio: "Miriam founded the clinic after twenty years of practice in community mental health. She trained in IPT for adults and adolescents and now spends most of her week on supervision and the clinic's quality of care.\n\nShe sees a small number of clients with long-standing relationship difficulties.",
               feeTier: .full, isPublic: true, supervisedBy: nil),
        Person(name: "Daniel Reyes", email: "daniel.reyes@harbourview-ipt.example", role: .therapist, slug: "daniel-reyes",
               credentials: "Registered Psychotherapist",
               bio: "Daniel works with adults going through separations, job changes and moves, and with people grieving a loss. He likes clear goals and practical steps between sessions.\n\nHe offers sessions in English and Spanish.",
               feeTier: .full, isPublic: true, supervisedBy: nil),
        Person(name: "Aiyana Thompson", email: "aiyana.thompson@harbourview-ipt.example", role: .therapist, slug: "aiyana-thompson",
               credentials: "Registered Psychotherapist, IPT-A trained",
               bio: "Aiyana sees teenagers and their families as well as adults. She has a particular interest in conflicts between parents and teens and in the first year after a big school change.\n\nShe meets parents at the start and end of every IPT-A course.",
               feeTier: .full, isPublic: true, supervisedBy: nil),
        Person(name: "Dr. Henrik Larsen", email: "henrik.larsen@harbourview-ipt.example", role: .supervisor, slug: "henrik-larsen",
               credentials: "Clinical supervisor, Registered Psychotherapist",
               bio: "Henrik supervises the practicum students of the reduced-rate clinic. He reviews their work every week, co-signs their notes and is available to their clients' care when needed.\n\nBefore joining the clinic he taught counselling at a university programme.",
               feeTier: .full, isPublic: true, supervisedBy: nil),
        Person(name: "Priya Natarajan", email: "priya.natarajan@harbourview-ipt.example", role: .student, slug: "priya-natarajan",
               credentials: "Practicum student, Master of Psychotherapy programme",
               bio: "Priya is in the final year of her graduate training and sees adults in the reduced-rate clinic under Henrik's supervision. She is especially interested in role transitions such as becoming a parent or starting a new career.",
               feeTier: .reduced, isPublic: true, supervisedBy: "henrik-larsen"),
        Person(name: "Samuel Brightwater", email: "samuel.brightwater@harbourview-ipt.example", role: .student, slug: "samuel-brightwater",
               credentials: "Practicum student, Master of Social Work programme",
               bio: "Samuel sees adults and young adults in the reduced-rate clinic under Henrik's supervision. Before his studies he worked in newcomer settlement services, and he brings that experience to clients adjusting to life in Canada.",
               feeTier: .reduced, isPublic: true, supervisedBy: "henrik-larsen"),
        Person(name: "Lucy Chen", email: "frontdesk@harbourview-ipt.example", role: .receptionist, slug: "lucy-chen",
               credentials: "Client care coordinator",
               bio: "Lucy answers the phone and the enquiry inbox and helps new clients find a good fit.",
               feeTier: nil, isPublic: false, supervisedBy: nil),
    ]

    /// Weekday hours: therapists 9 to 5, students noon to 8 p.m. (the reduced-rate clinic runs
    /// into the evening), Fridays off for students.
    static func seedHours(for staffID: UUID, role: StaffRole, on database: any Database) async throws {
        let office = try await Location.query(on: database).filter(\.$isOnline == false).first()?.id
        let days: [Weekday] = role == .student ? [.monday, .tuesday, .wednesday, .thursday] : [.monday, .tuesday, .wednesday, .thursday, .friday]
        let start: Int = role == .student ? 720 : 540
        let end: Int = role == .student ? 1200 : 1020
        for day in days {
            let row = AvailabilityRow()
            row.$staff.id = staffID
            row.$location.id = office
            row.weekday = day.rawValue
            row.startMinute = start
            row.endMinute = end
            try await row.create(on: database)
        }
    }

    /// Seeds the demo staff when the database has none. Returns the one generated password, or nil if nothing was seeded.
    static func seedIfEmpty(on database: any Database, passwordHasher: (String) throws -> String, now: Date) async throws -> String? {
        guard try await StaffUser.query(on: database).count() == 0 else { return nil }
        let password = "demo-" + SecureToken.make(bytes: 9)
        let hash = try passwordHasher(password)
        var idsBySlug: [String: UUID] = [:]
        for (offset, person) in people.enumerated() {
            let user = StaffUser(
                email: person.email, name: person.name, role: person.role, passwordHash: hash, slug: person.slug,
                credentials: person.credentials, bio: person.bio, feeTier: person.feeTier?.rawValue, isPublic: person.isPublic,
                acceptingNewClients: person.role == .student || person.role == .therapist,
                supervisorID: person.supervisedBy.flatMap { idsBySlug[$0] },
                // Staggered so the team page lists people in this order.
                createdAt: now.addingTimeInterval(Double(offset)))
            try await user.create(on: database)
            idsBySlug[person.slug] = user.id
            if user.acceptingNewClients, let id = user.id {
                try await seedHours(for: id, role: person.role, on: database)
            }
        }
        return password
    }
}
