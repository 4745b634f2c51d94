import Foundation
import IPTCore

// Benchmark only (scripts/bench-scheduling): the slot finder on a large synthetic clinic.
// 50 clinicians working 8:00 to 20:00 every day, 20,000 existing 50-minute appointments (with a
// 10-minute buffer) spread over the next 8 weeks, a 24-hour notice, a 30-minute grid; the finder
// lists every free start of a 50-minute session for all 50 clinicians over the 8 weeks. Prints one
// JSON object with the timings.

struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let clinicianCount = Int(ProcessInfo.processInfo.environment["BENCH_CLINICIANS"] ?? "") ?? 50
let appointmentCount = Int(ProcessInfo.processInfo.environment["BENCH_APPOINTMENTS"] ?? "") ?? 20_000
let weeks = 8
let runs = Int(ProcessInfo.processInfo.environment["BENCH_RUNS"] ?? "") ?? 200

let zone = ClinicTimeZone(identifier: "America/Toronto")!
// A fixed "now" a little before the spring change, so the 8 weeks cross it.
let now = zone.instant(LocalDate(iso: "2027-02-01")!, 9 * 60)!
let today = zone.localDate(of: now)
let session = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50, bufferAfterMinutes: 10)
let hours = WallTimeRange(start: LocalTime(hhmm: "08:00")!, end: LocalTime(hhmm: "20:00")!)!
let weekly = WeeklyAvailability(Weekday.allCases.map { .init(weekday: $0, range: hours) })

var rng = Generator(state: 42)
var calendars = (0..<clinicianCount).map { _ in ClinicianCalendar(clinicianID: UUID(), weekly: weekly) }
// Appointments on the hour, never two in the same hour for one clinician, as a real calendar would be.
var taken = Set<Int>()
var placed = 0
while placed < appointmentCount {
    let clinician = Int.random(in: 0..<clinicianCount, using: &rng)
    let day = Int.random(in: 0..<(weeks * 7), using: &rng)
    let hour = Int.random(in: 8..<20, using: &rng)
    let key = (clinician * 1_000 + day) * 100 + hour
    guard taken.insert(key).inserted, let start = zone.instant(today.adding(days: day), hour * 60) else { continue }
    calendars[clinician].busy.append(BusyTime(interval: session.occupied(at: start)))
    placed += 1
}

// As the database returns them: in order of start.
for index in calendars.indices { calendars[index].busy.sort { $0.interval.start < $1.interval.start } }

let finder = SlotFinder(zone: zone, rules: BookingRules(minimumNoticeHours: 24, notSameDay: false, horizonDays: weeks * 7,
                                                        gridMinutes: 30, maxPerClinicianPerDay: nil))
let last = today.adding(days: weeks * 7 - 1)
var timings: [Double] = []
var found = 0
for _ in 0..<(runs + 5) {
    let started = DispatchTime.now().uptimeNanoseconds
    let slots = finder.slots(kind: session, calendars: calendars, from: today, through: last, now: now)
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
    found = slots.count
    timings.append(elapsed)
}
let sorted = Array(timings.dropFirst(5)).sorted()  // the first runs warm caches
func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
let result: [String: Any] = [
    "clinicians": clinicianCount, "appointments": appointmentCount, "weeks": weeks, "runs": runs,
    "slots_found": found,
    "ms_min": sorted.first ?? 0, "ms_p50": percentile(sorted, 0.5), "ms_p99": percentile(sorted, 0.99), "ms_max": sorted.last ?? 0,
]
let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
