import Foundation

/// One month of the path into care: how many reached each step in that month.
public struct PathMonth: Sendable, Equatable {
    /// "2026-03".
    public let month: String
    public var enquiries: Int
    public var consultations: Int
    public var assessments: Int
    public var started: Int
    public var completed: Int
    public var endedEarly: Int
    public var endedOtherwise: Int

    public init(month: String, enquiries: Int = 0, consultations: Int = 0, assessments: Int = 0, started: Int = 0, completed: Int = 0,
                endedEarly: Int = 0, endedOtherwise: Int = 0) {
        self.month = month
        self.enquiries = enquiries
        self.consultations = consultations
        self.assessments = assessments
        self.started = started
        self.completed = completed
        self.endedEarly = endedEarly
        self.endedOtherwise = endedOtherwise
    }

    public var ended: Int { completed + endedEarly + endedOtherwise }
}

/// When one client reached each step, for the waiting times; any step may be missing (a client
/// referred straight to assessment made no enquiry through the website).
public struct CareJourney: Sendable, Equatable {
    public var enquiry: Date?
    public var consultation: Date?
    public var assessment: Date?
    public var firstSession: Date?

    public init(enquiry: Date? = nil, consultation: Date? = nil, assessment: Date? = nil, firstSession: Date? = nil) {
        self.enquiry = enquiry
        self.consultation = consultation
        self.assessment = assessment
        self.firstSession = firstSession
    }
}

/// The median wait between two steps, in days, over the clients who reached both in order.
public struct StepWait: Sendable, Equatable {
    public let label: String
    public let clients: Int
    /// nil when fewer clients than the small-group minimum.
    public let medianDays: Double?

    public var text: String { medianDays.map { String(format: "%.0f days", $0.rounded()) } ?? OutcomeFigures.tooFew }
}

/// The months a report covers: whole calendar months, `first` to `last` inclusive.
public struct OutcomesPeriod: Sendable, Equatable {
    /// The longest period one page covers; longer asks too much of one request and says little.
    public static let longestMonths = 36

    public let first: LocalDate
    public let last: LocalDate

    /// The first day of `last`'s following month: the period ends just before it.
    public var endExclusive: LocalDate {
        last.month == 12 ? LocalDate(year: last.year + 1, month: 1, day: 1)! : LocalDate(year: last.year, month: last.month + 1, day: 1)!
    }

    /// "YYYY-MM" of every month in the period, oldest first.
    public var months: [String] {
        var result: [String] = []
        var year = first.year, month = first.month
        while (year, month) <= (last.year, last.month) {
            result.append(String(format: "%04d-%02d", year, month))
            month += 1
            if month > 12 { month = 1; year += 1 }
        }
        return result
    }

    public static func monthKey(_ date: LocalDate) -> String { String(format: "%04d-%02d", date.year, date.month) }

    /// The twelve months up to and including this one.
    public static func lastTwelveMonths(today: LocalDate) -> OutcomesPeriod {
        let thisMonth = LocalDate(year: today.year, month: today.month, day: 1)!
        let back = today.month > 11 ? LocalDate(year: today.year, month: today.month - 11, day: 1)! : LocalDate(year: today.year - 1, month: today.month + 1, day: 1)!
        return OutcomesPeriod(first: back, last: thisMonth)
    }

    /// Reads "YYYY-MM" from a form's month fields; either missing gives the default twelve months.
    /// A value that is not a month, a start after the end, or too long a period is an error to show.
    public static func parse(from: String?, to: String?, today: LocalDate) -> Result<OutcomesPeriod, PeriodProblem> {
        let from = from?.trimmingCharacters(in: .whitespaces) ?? "", to = to?.trimmingCharacters(in: .whitespaces) ?? ""
        if from.isEmpty && to.isEmpty { return .success(lastTwelveMonths(today: today)) }
        guard let first = LocalDate(iso: from + "-01"), let last = LocalDate(iso: to + "-01") else { return .failure(.notAMonth) }
        guard first <= last else { return .failure(.startAfterEnd) }
        let period = OutcomesPeriod(first: first, last: last)
        guard period.months.count <= longestMonths else { return .failure(.tooLong) }
        return .success(period)
    }

    public init(first: LocalDate, last: LocalDate) {
        self.first = LocalDate(year: first.year, month: first.month, day: 1)!
        self.last = LocalDate(year: last.year, month: last.month, day: 1)!
    }

    public enum PeriodProblem: Error, Sendable, Equatable {
        case notAMonth, startAfterEnd, tooLong

        public var message: String {
            switch self {
            case .notAMonth: "Give the period as two months, for example 2026-01 to 2026-12."
            case .startAfterEnd: "The first month of the period must not come after the last."
            case .tooLong: "Choose a period of at most \(OutcomesPeriod.longestMonths) months."
            }
        }
    }
}

public enum CarePath {
    /// The median wait at each step and from enquiry to the first session.
    public static func waits(_ journeys: [CareJourney]) -> [StepWait] {
        let steps: [(String, KeyPath<CareJourney, Date?>, KeyPath<CareJourney, Date?>)] = [
            ("Enquiry to consultation", \.enquiry, \.consultation),
            ("Consultation to assessment", \.consultation, \.assessment),
            ("Assessment to first session", \.assessment, \.firstSession),
            ("Enquiry to first session", \.enquiry, \.firstSession),
        ]
        return steps.map { label, start, end in
            let days = journeys.compactMap { journey -> Double? in
                guard let from = journey[keyPath: start], let to = journey[keyPath: end], to >= from else { return nil }
                return to.timeIntervalSince(from) / 86_400
            }
            return StepWait(label: label, clients: days.count, medianDays: OutcomesReport.median(days))
        }
    }
}

/// One practicum student's supervision over the period, and their hours so far against the goals.
public struct StudentSupervision: Sendable, Equatable {
    public let student: String
    /// Clients whose current contract names the student and who have not been discharged.
    public let caseload: Int
    public let periodDirectMinutes: Int
    public let periodSupervisionMinutes: Int
    public let sinceStart: SupervisionTotals
    /// Hours from signing to co-signature, for notes co-signed in the period.
    public let cosignWaitHours: [Double]
    /// Notes and summaries waiting for a co-signature now.
    public let waitingNow: Int

    public init(student: String, caseload: Int, periodDirectMinutes: Int, periodSupervisionMinutes: Int, sinceStart: SupervisionTotals,
                cosignWaitHours: [Double], waitingNow: Int) {
        self.student = student
        self.caseload = caseload
        self.periodDirectMinutes = periodDirectMinutes
        self.periodSupervisionMinutes = periodSupervisionMinutes
        self.sinceStart = sinceStart
        self.cosignWaitHours = cosignWaitHours
        self.waitingNow = waitingNow
    }

    /// Direct hours per supervision hour in the period; nil without supervision.
    public var periodRatio: Double? {
        periodSupervisionMinutes > 0 ? Double(periodDirectMinutes) / Double(periodSupervisionMinutes) : nil
    }

    /// The college's guide is at least one supervision hour per 4.5 direct hours.
    public var withinRatio: Bool? { periodRatio.map { $0 <= SupervisionTotals.directHoursPerSupervisionHour } }

    /// The median wait for a co-signature, in hours; nil with fewer than the small-group minimum of notes.
    public var medianCosignHours: Double? { OutcomesReport.median(cosignWaitHours) }
}
