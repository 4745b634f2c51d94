import Fluent
import Foundation
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

@Suite struct PublicSiteTests {
    static let publicPaths = [
        "/", "/what-is-ipt", "/when-to-consider", "/what-to-expect", "/focus/grief", "/focus/role-disputes",
        "/focus/role-transitions", "/focus/interpersonal-sensitivity", "/ipt-a", "/evidence", "/team", "/fees",
        "/privacy", "/contact", "/newsletter",
    ]

    @Test func every_public_page_renders_with_one_heading_and_the_crisis_line_in_its_footer() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            for path in Self.publicPaths {
                let response = try await browser.get(path)
                #expect(response.status == .ok, "\(path)")
                let html = response.body.string
                #expect(html.components(separatedBy: "<h1").count == 2, "\(path) has exactly one h1")
                #expect(html.contains("9-8-8") && html.contains("911"), "\(path) carries the crisis line")
                #expect(html.contains(##"<a class="skip-link" href="#main">"##), "\(path) has a skip link")
                #expect(response.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
            }
        }
    }

    @Test func the_evidence_page_states_the_trial_figures_exactly() async throws {
        try await withClinic { clinic in
            let html = try await Browser(app: clinic.app).get("/evidence").body.string
            for figure in ["4,356", "0.63", "11,434", "0.60", "250", "75%", "46%", "63"] {
                #expect(html.contains(figure), "evidence page states \(figure)")
            }
        }
    }

    @Test func the_team_page_lists_each_clinician_with_role_and_fee_tier_and_links_to_a_profile() async throws {
        try await withClinic(seedDemo: true) { clinic in
            let browser = Browser(app: clinic.app)
            let team = try await browser.get("/team").body.string
            #expect(team.contains("Priya Natarajan"))
            #expect(team.contains("Practicum student (reduced-rate clinic): $50.00 a session"))
            #expect(team.contains("Registered psychotherapist: $180.00 a session"))
            #expect(!team.contains("Lucy Chen"), "the receptionist has no public profile")
            let profile = try await browser.get("/team/priya-natarajan")
            #expect(profile.status == .ok)
            #expect(profile.body.string.contains("Dr. Henrik Larsen"), "a student's profile names the supervisor")
            #expect(try await browser.get("/team/lucy-chen").status == .notFound)
        }
    }

    @Test func an_unknown_address_gets_a_friendly_404_page_without_internals() async throws {
        try await withClinic { clinic in
            let response = try await Browser(app: clinic.app).get("/no/such/page")
            #expect(response.status == .notFound)
            #expect(response.body.string.contains("We could not find that page"))
            #expect(response.body.string.contains("9-8-8"))
            #expect(!response.body.string.contains("Abort"))
        }
    }

    @Test func fees_show_the_reduced_rate_clinic_amount_from_the_database() async throws {
        try await withClinic { clinic in
            let html = try await Browser(app: clinic.app).get("/fees").body.string
            #expect(html.contains("Practicum student (reduced-rate clinic)"))
            #expect(html.contains("$50.00"))
        }
    }

    @Test func the_stylesheet_is_served_from_the_app_itself() async throws {
        try await withClinic { clinic in
            let response = try await Browser(app: clinic.app).get("/css/site.css")
            #expect(response.status == .ok)
            #expect(response.body.string.contains("@media print"))
        }
    }

    @Test func health_and_readiness_answer() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            #expect(try await browser.get("/healthz").status == .ok)
            let ready = try await browser.get("/readyz")
            #expect(ready.status == .ok)
            #expect(ready.body.string.contains("ready"))
        }
    }
}

@Suite struct TeamTextTests {
    @Test func a_title_is_not_taken_for_a_given_name() {
        #expect(TeamQueries.givenName(of: "Dr. Miriam Okafor") == "Miriam")
        #expect(TeamQueries.givenName(of: "Priya Natarajan") == "Priya")
        #expect(TeamQueries.givenName(of: "Dr.") == "Dr.")
    }
}

@Suite struct PublicRobustnessTests {
    /// Regression: each spelling of a path ("/evidence//") became its own cache entry, for ever.
    @Test func odd_spellings_of_an_address_share_one_cache_entry_and_the_cache_is_bounded() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            for slashes in 0..<20 {
                _ = try await browser.get("/evidence" + String(repeating: "/", count: slashes))
            }
            #expect(clinic.app.services.pageCache.count == 1)
            for index in 0..<300 {
                _ = await clinic.app.services.pageCache.page("/synthetic/\(index)") { "x" }
            }
            #expect(clinic.app.services.pageCache.count <= clinic.app.services.pageCache.capacity)
        }
    }

    /// Regression: a static file name longer than the file system allows answered 500.
    @Test func an_impossible_static_file_name_is_a_404_and_static_files_only_answer_get() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            let long = try await browser.get("/css/" + String(repeating: "b", count: 300))
            #expect(long.status == .notFound)
            let post = try await browser.send(.POST, "/css/site.css", headers: [:], body: nil)
            #expect(post.status == .methodNotAllowed)
        }
    }
}

@Suite struct PageCacheTests {
    @Test func a_signed_in_staff_member_never_gets_the_visitors_cached_copy() async throws {
        try await withClinic { clinic in
            let visitorPage = try await Browser(app: clinic.app).get("/evidence").body.string
            #expect(!visitorPage.contains("Sign out"))
            let (staff, _) = try await clinic.signedIn(as: .therapist)
            let staffPage = try await staff.get("/evidence").body.string
            #expect(staffPage.contains("Sign out"))
            let again = try await Browser(app: clinic.app).get("/evidence").body.string
            #expect(!again.contains("Sign out"), "the staff frame is never stored for visitors")
        }
    }

    @Test func a_page_served_from_the_cache_carries_the_same_bytes_and_security_headers_as_the_first_rendering() async throws {
        try await withClinic { clinic in
            let visitor = Browser(app: clinic.app)
            let first = try await visitor.get("/team")
            #expect(clinic.app.services.pageCache.count == 1)
            let second = try await Browser(app: clinic.app).get("/team")
            #expect(second.status == .ok && second.body.string == first.body.string)
            for header in ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"] {
                #expect(second.headers.first(name: header) == first.headers.first(name: header) && second.headers.first(name: header) != nil, "\(header)")
            }
            #expect(second.headers.contentType == .html)
            #expect(Set(second.headers.map { $0.name.lowercased() }) == Set(first.headers.map { $0.name.lowercased() }),
                    "no header is lost or added by the cache's prebuilt set")
            // A POST to a cached address still goes through routing and its checks.
            #expect(try await Browser(app: clinic.app).post("/team", form: [:], includeCSRF: false).status != .ok)
        }
    }
}
