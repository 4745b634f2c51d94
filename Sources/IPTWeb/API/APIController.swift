import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// The JSON API for the public actions, plus health checks. Described by OpenAPIDocument.
struct APIController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.healthz, use: health)
        site.get(.readyz, use: ready)
        site.get(.apiOpenAPI, use: openAPI)
        site.post(.apiEnquiries, use: createEnquiry)
        site.post(.apiNewsletterSubscriptions, use: subscribe)
    }

    struct Status: Content {
        var status: String
        var message: String?
    }

    struct ValidationFailure: Content {
        var error: String
        var fields: [String: String]
    }

    func health(_ request: Request) async throws -> Status {
        Status(status: "ok")
    }

    func ready(_ request: Request) async throws -> Response {
        let stale: [ScheduledJob]
        do {
            _ = try await (request.db as! any SQLDatabase).raw("SELECT 1 AS one").first()
            stale = try await request.application.jobsRunningSince.asyncMap {
                try await JobRuns.stale(runningSince: $0, now: request.now, on: request.db)
            } ?? []
        } catch {
            return try await Status(status: "unavailable", message: "The database does not answer.").encodeResponse(status: .serviceUnavailable, for: request)
        }
        guard stale.isEmpty else {
            // Job names only: what to look for in the log ("Scheduled job <name> failed").
            let names = stale.map(\.name).joined(separator: ", ")
            return try await Status(status: "unavailable", message: "Scheduled work has not succeeded for too long: \(names).")
                .encodeResponse(status: .serviceUnavailable, for: request)
        }
        return try await Status(status: "ready").encodeResponse(status: .ok, for: request)
    }

    func openAPI(_ request: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        let setup = try await request.bookingSetup()
        let clinicians = try await StaffUser.query(on: request.db).filter(\.$isActive == true).filter(\.$isPublic == true)
            .filter(\.$acceptingNewClients == true).filter(\.$feeTier != nil).sort(\.$slug).all().map(\.slug)
        let choices = OpenAPIDocument.Choices(onlineTypes: setup.onlineKinds.map(\.code), clinicians: clinicians,
                                              sessionCookie: SessionCookie.name(secure: request.services.settings.secureCookies))
        return Response(status: .ok, headers: headers, body: .init(string: OpenAPIDocument.json(choices)))
    }

    struct EnquiryBody: Content {
        var name: String?
        var email: String?
        var phone: String?
        var preferredContact: String?
        var message: String?
        var consent: Bool?
    }

    struct SubscriptionBody: Content {
        var email: String?
        var consent: Bool?
    }

    func createEnquiry(_ request: Request) async throws -> Response {
        let body = try APIInput.decode(EnquiryBody.self, request)
        try await APIInput.checkRate(request, .enquiry)
        let draft = EnquiryDraft(name: body.name, email: body.email, phone: body.phone, preferredContact: body.preferredContact,
                                 message: body.message, consent: body.consent ?? false)
        switch EnquirySubmission.validate(draft) {
        case .failure(let rejection):
            return try await APIInput.failure(rejection, request)
        case .success(let submission):
            try await EnquiryStore.save(submission, source: "api", request: request)
            return try await Status(status: "received", message: "Thank you. We reply within two business days.")
                .encodeResponse(status: .created, for: request)
        }
    }

    func subscribe(_ request: Request) async throws -> Response {
        let body = try APIInput.decode(SubscriptionBody.self, request)
        try await APIInput.checkRate(request, .newsletter)
        switch NewsletterSignup.validate(email: body.email, consent: body.consent ?? false) {
        case .failure(let rejection):
            return try await APIInput.failure(rejection, request)
        case .success(let email):
            try await SubscriptionService.subscribe(email: email, source: "api", request: request)
            return try await Status(status: "confirmation-sent",
                                    message: "If this address can receive the newsletter, a confirmation link is on its way.")
                .encodeResponse(status: .accepted, for: request)
        }
    }
}
