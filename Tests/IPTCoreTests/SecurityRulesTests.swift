import Foundation
import IPTCore
import Testing

@Suite struct SecurityRulesTests {
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func the_limiter_refuses_the_attempt_after_the_limit_and_allows_again_once_the_window_moves() {
        var limiter = SlidingWindowLimiter(limit: 3, window: 60)
        let answers = [0, 1, 2, 3].map { limiter.attempt("ip", at: start.addingTimeInterval($0)) }
        #expect(answers == [true, true, true, false])
        let otherKey = limiter.attempt("other", at: start.addingTimeInterval(3))
        #expect(otherKey, "keys are counted separately")
        let afterWindow = limiter.attempt("ip", at: start.addingTimeInterval(61))
        #expect(afterWindow)
    }

    @Test func resetting_a_key_forgets_its_attempts() {
        var limiter = SlidingWindowLimiter(limit: 1, window: 60)
        _ = limiter.attempt("account", at: start)
        #expect(limiter.isBlocked("account", at: start))
        limiter.reset("account")
        #expect(!limiter.isBlocked("account", at: start))
    }

    @Test func the_backoff_throttle_refuses_for_one_two_four_minutes_up_to_its_cap_and_a_success_forgets() {
        var throttle = BackoffThrottle(freeFailures: 5, base: 60, cap: 240)
        for second in 0..<4 { throttle.recordFailure("a|ip", at: start.addingTimeInterval(Double(second))) }
        #expect(throttle.retryAfter("a|ip", at: start.addingTimeInterval(4)) == nil, "four failures are free")
        throttle.recordFailure("a|ip", at: start.addingTimeInterval(4))
        #expect(throttle.retryAfter("a|ip", at: start.addingTimeInterval(4)) == 60)
        #expect(throttle.retryAfter("a|other-ip", at: start.addingTimeInterval(4)) == nil, "another place is not held back")
        let waits = (6...8).map { BackoffThrottle.refusal(afterFailures: $0, freeFailures: 5, base: 60, cap: 240) }
        #expect(waits == [120, 240, 240])
        throttle.reset("a|ip")
        #expect(throttle.retryAfter("a|ip", at: start.addingTimeInterval(5)) == nil)
    }

    @Test func the_shared_window_weighs_the_previous_window_by_how_much_of_it_still_counts() {
        let length: TimeInterval = 600
        let windowStart = Date(timeIntervalSince1970: 600 * 3_000_000)
        #expect(SharedWindowCount.window(at: windowStart, length: length) == 3_000_000)
        #expect(SharedWindowCount.window(at: windowStart.addingTimeInterval(599.9), length: length) == 3_000_000)
        #expect(SharedWindowCount.window(at: windowStart.addingTimeInterval(600), length: length) == 3_000_001)
        // At the start of a window the previous one counts whole; half way, half.
        #expect(SharedWindowCount.cap(limit: 10, previousHits: 10, at: windowStart, length: length) == 0)
        #expect(SharedWindowCount.cap(limit: 10, previousHits: 10, at: windowStart.addingTimeInterval(300), length: length) == 5)
        #expect(SharedWindowCount.cap(limit: 10, previousHits: 0, at: windowStart, length: length) == 10)
        // 3 hits weighted 0.5 leave room for 8.5: an attempt is allowed while 8 or fewer are counted.
        #expect(SharedWindowCount.cap(limit: 10, previousHits: 3, at: windowStart.addingTimeInterval(300), length: length) == 9)
        #expect(!SharedWindowCount.isBlocked(limit: 10, previousHits: 3, currentHits: 8, at: windowStart.addingTimeInterval(300), length: length))
        #expect(SharedWindowCount.isBlocked(limit: 10, previousHits: 3, currentHits: 9, at: windowStart.addingTimeInterval(300), length: length))
        // A burst at the end of one window still counts early in the next: no double budget at the edge.
        #expect(SharedWindowCount.cap(limit: 10, previousHits: 10, at: windowStart.addingTimeInterval(60), length: length) == 1)
    }

    @Test func the_backoff_rule_counts_failures_and_forgets_after_a_quiet_day() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(BackoffThrottle.failuresAfterOneMore(previous: 4, lastFailure: now.addingTimeInterval(-60), at: now, forgetAfter: 86_400) == 5)
        #expect(BackoffThrottle.failuresAfterOneMore(previous: 9, lastFailure: now.addingTimeInterval(-90_000), at: now, forgetAfter: 86_400) == 1)
        #expect(BackoffThrottle.failuresAfterOneMore(previous: nil, lastFailure: nil, at: now, forgetAfter: 86_400) == 1)
    }

    @Test func a_staff_session_expires_after_thirty_idle_minutes_or_twelve_hours_in_all() {
        let lifetime = SessionLifetime.staff
        #expect(!lifetime.isExpired(createdAt: start, lastSeenAt: start, now: start.addingTimeInterval(29 * 60)))
        #expect(lifetime.isExpired(createdAt: start, lastSeenAt: start, now: start.addingTimeInterval(30 * 60)))
        let busyDay = start.addingTimeInterval(12 * 3600)
        #expect(lifetime.isExpired(createdAt: start, lastSeenAt: busyDay.addingTimeInterval(-60), now: busyDay))
    }

    @Test(arguments: StaffRole.allCases)
    func only_the_admin_reads_the_audit_trail_or_edits_the_clinic(role: StaffRole) {
        #expect(AccessPolicy.allows(role, .viewAuditTrail) == (role == .admin))
        #expect(AccessPolicy.allows(role, .editClinicSettings) == (role == .admin))
    }

    @Test func students_do_not_see_the_enquiry_inbox_and_clinicians_do_not_export_subscribers() {
        #expect(!AccessPolicy.allows(.student, .viewEnquiries))
        #expect(AccessPolicy.allows(.receptionist, .viewEnquiries))
        #expect(!AccessPolicy.allows(.therapist, .exportSubscribers))
        #expect(AccessPolicy.allows(.receptionist, .exportSubscribers))
    }

    @Test func outbox_retries_back_off_exponentially_up_to_a_cap_then_give_up() {
        let schedule = RetrySchedule(base: 60, cap: 600, maxAttempts: 6)
        #expect(schedule.delay(afterAttempts: 1) == 60)
        #expect(schedule.delay(afterAttempts: 2) == 120)
        #expect(schedule.delay(afterAttempts: 4) == 480)
        #expect(schedule.delay(afterAttempts: 5) == 600)
        #expect(schedule.delay(afterAttempts: 6) == nil)
    }

    @Test func csv_cells_are_quoted_and_formulas_are_defused() {
        #expect(CSVWriter.line(["plain", "a,b", "say \"hi\""]) == "plain,\"a,b\",\"say \"\"hi\"\"\"\r\n")
        #expect(CSVWriter.escape("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(CSVWriter.escape("+1 416") == "'+1 416")
        #expect(CSVWriter.escape("@sum") == "'@sum")
    }

    @Test func a_quote_or_comma_joined_to_a_combining_mark_cannot_split_a_csv_cell() {
        // Quote + combining accent and comma + combining accent are single Characters.
        let hostile = "Ann\"\u{301},\u{301}=HYPERLINK(\"http://x\")"
        let cell = CSVWriter.escape(hostile)
        #expect(cell == "\"Ann\"\"\u{301},\u{301}=HYPERLINK(\"\"http://x\"\")\"")
        // Read back as RFC 4180: one quoted field in which every quote is doubled.
        let scalars = Array(cell.unicodeScalars)
        #expect(scalars.first == "\"" && scalars.last == "\"")
        var index = 1, pairedQuotes = true
        while index < scalars.count - 1 {
            if scalars[index] == "\"" {
                pairedQuotes = pairedQuotes && scalars[index + 1] == "\""
                index += 2
            } else {
                index += 1
            }
        }
        #expect(pairedQuotes)
    }

    @Test func money_is_formatted_from_cents_with_thousands_separators() {
        #expect(Money(cents: 18_000).formatted == "$180.00")
        #expect(Money(cents: 5).formatted == "$0.05")
        #expect(Money(cents: 123_456_789).formatted == "$1,234,567.89")
        #expect(Money(cents: -2_550).formatted == "-$25.50")
        #expect(Money(cents: 1_000, currency: "USD").formatted == "$10.00 USD")
    }
}
