import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The clinic's identity (name, contact details, time zone), editable by an admin.
struct ClinicSettingsController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.clinicSettings, use: form)
        site.post(.clinicSettings, use: save)
    }

    struct FormBody: Content {
        var name: String?
        var phone: String?
        var email: String?
        var address: String?
        var timeZone: String?
        var requireTwoFactor: String?
    }

    func form(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        let clinic = try await request.services.clinic.current(on: request.db)
        let saved = request.query[String.self, at: "saved"] != nil
        return try await render(request, values: FormBody(name: clinic.name, phone: clinic.phone, email: clinic.email,
                                                          address: clinic.address, timeZone: clinic.timeZone,
                                                          requireTwoFactor: clinic.requireTwoFactor ? "yes" : nil),
                                errors: FieldErrors(), saved: saved)
    }

    func save(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        let body = try FormInput.decode(FormBody.self, from: request)
        var errors = FieldErrors()
        let name = TextRules.clean(body.name)
        let phone = TextRules.clean(body.phone)
        let email = TextRules.clean(body.email)
        let address = TextRules.clean(body.address)
        let zone = TextRules.clean(body.timeZone)
        // The name and address go into email headers and every page: one line each, no control characters.
        func isOneLine(_ value: String?, limit: Int) -> Bool {
            guard let value else { return false }
            return TextRules.length(value) <= limit && !TextRules.hasControlCharacters(value, allowLineBreaks: false)
        }
        if !isOneLine(name, limit: 120) { errors.add("name", "Enter the clinic's name on one line (up to 120 characters).") }
        if !(phone.map(TextRules.isPlausiblePhone) ?? false) { errors.add("phone", "Enter a phone number with 7 to 20 digits.") }
        if !(email.map(TextRules.isPlausibleEmail) ?? false) { errors.add("email", "Enter an email address like office@example.com.") }
        if !isOneLine(address, limit: 300) { errors.add("address", "Enter the street address on one line (up to 300 characters).") }
        if zone.flatMap(TimeZone.init(identifier:)) == nil { errors.add("timeZone", "Enter a time zone name such as America/Toronto.") }
        guard errors.isEmpty, let name, let phone, let email, let address, let zone else {
            return try await render(request, values: body, errors: errors, saved: false, status: .unprocessableEntity)
        }
        let before = try await request.services.clinic.current(on: request.db)
        let profile = try await StaffQueries.saveClinicProfile(
            ClinicIdentity(name: name, phone: phone, email: email, address: address, timeZone: zone, requireTwoFactor: body.requireTwoFactor == "yes"),
            at: request.now, on: request.db)
        request.services.clinic.invalidate()
        request.services.pageCache.removeAll()
        // Turning two-factor sign-in off (or on) is a security decision, and the trail says so.
        let requireNow = body.requireTwoFactor == "yes"
        let detail = before.requireTwoFactor == requireNow ? nil : "two-factor sign-in \(requireNow ? "required" : "no longer required")"
        try await request.audit(.update, recordType: "clinic-profile", recordID: profile.id?.uuidString, detail: detail)
        return request.redirect(to: SitePath.clinicSettings.link(query: ["saved": "1"]))
    }

    private func render(_ request: Request, values: FormBody, errors: FieldErrors, saved: Bool,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = ClinicSettingsPage.Model(name: values.name, phone: values.phone, email: values.email, address: values.address,
                                             timeZone: values.timeZone, requireTwoFactor: values.requireTwoFactor == "yes",
                                             saved: saved, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(ClinicSettingsPage.title, ClinicSettingsPage.view(model), status: status)
    }
}
