import Fluent

struct M001CreateClinicProfile: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("clinic_profile")
            .id()
            .field("name", .string, .required)
            .field("phone", .string, .required)
            .field("email", .string, .required)
            .field("address", .string, .required)
            .field("time_zone", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("clinic_profile").delete()
    }
}
