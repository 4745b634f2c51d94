import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The clinic's identity (name, contact details, time zone), editable by an admin.
struct ClinicSettingsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "settings", use: form)
        routes.post("staff", "settings", use: save)
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
        let profile = try await ClinicProfile.query(on: request.db).first() ?? ClinicProfile()
        profile.name = name
        profile.phone = phone
        profile.email = email
        profile.address = address
        profile.timeZone = zone
        profile.requireTwoFactor = body.requireTwoFactor == "yes"
        profile.updatedAt = request.now
        try await profile.save(on: request.db)
        request.services.clinic.invalidate()
        request.services.pageCache.removeAll()
        try await request.audit(.update, recordType: "clinic-profile", recordID: profile.id?.uuidString)
        return request.redirect(to: "/staff/settings?saved=1")
    }

    private func render(_ request: Request, values: FormBody, errors: FieldErrors, saved: Bool,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let chrome = try await request.chrome()
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Clinic settings")),
            .p(.a(.href("/staff/settings/booking"), .text("Booking rules")), .text(": notice, horizon, start times, holds, cancellation window and fee, waitlist offers.")),
            .p(.a(.href("/staff/settings/appointment-types"), .text("Appointment types and fees")), .text(": length, buffers, who offers each, fees per level, what can be booked online.")),
            .p(.a(.href("/staff/settings/clinical"), .text("Clinical settings")), .text(": phase boundaries, course lengths, focus framework, co-signing of students' notes, reasons for opening a chart.")),
            .p(.a(.href("/staff/retention"), .text("Record retention")), .text(": how long records are kept, records past it, holds and destruction.")),
            .if(saved, .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text("Saved. The public site shows the new details now.")))),
            FormViews.errorSummary(errors),
            .form(
                .class("form"),
                .method(.post),
                .novalidate(),
                .action("/staff/settings"),
                FormViews.csrf(request.csrfToken),
                FormViews.textField(name: "name", label: "Clinic name", value: values.name, error: errors["name"], maxLength: 120),
                FormViews.textField(name: "phone", label: "Phone", value: values.phone, error: errors["phone"], type: .tel, maxLength: 40),
                FormViews.textField(name: "email", label: "Email", value: values.email, error: errors["email"], type: .email, maxLength: 254),
                FormViews.textField(name: "address", label: "Street address", value: values.address, error: errors["address"], maxLength: 300),
                FormViews.textField(name: "timeZone", label: "Time zone", value: values.timeZone, error: errors["timeZone"], maxLength: 60,
                                    hint: "Appointments and dates are shown in this zone. Toronto is America/Toronto."),
                FormViews.checkbox(name: "requireTwoFactor",
                                   label: "Require two-factor sign-in (a code from an authenticator app) for everyone who can see health information. Recommended; the receptionist role is exempt.",
                                   checked: values.requireTwoFactor == "yes", error: nil),
                .button(.class("button"), .type(.submit), .text("Save"))
            )
        )
        return .html(PageLayout.render(title: "Clinic settings", chrome: chrome, content: content), status: status)
    }
}
