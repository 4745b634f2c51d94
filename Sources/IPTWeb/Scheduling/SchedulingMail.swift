import Fluent
import Foundation
import IPTCore
import IPTPages

/// The emails about appointments. None carries anything clinical: the time, who, where, and links.
enum SchedulingMail {
    struct Context {
        let clinic: ClinicIdentity
        let zone: ClinicTimeZone
        let baseURL: String
        let now: Date
        let noticeHours: Int
    }

    static func footer(_ context: Context) -> String {
        """
        If you are in crisis, call or text 9-8-8 at any time. If you or someone else is in immediate danger, call 911.

        \(context.clinic.name)
        \(context.clinic.phone)
        \(context.clinic.address)
        """
    }

    /// What an email or a calendar file calls the appointment. Deliberately plain: a mailbox or a
    /// shared calendar is no place to say "IPT-A session" (which would tell that a teenager is in therapy).
    static func label(_ appointment: Appointment) -> String {
        appointment.typeCode == "consultation" ? "Free phone consultation" : "Appointment"
    }

    /// Where an email or calendar file says the appointment is: "By phone" for the consultation,
    /// whatever room its hours were set in; otherwise the place, if any.
    static func place(_ appointment: Appointment, location: String?) -> String? {
        AppointmentKind.isByPhone(code: appointment.typeCode) ? "By phone" : location
    }

    static func calendarEvent(_ appointment: Appointment, clinicianName: String, location: String?, context: Context,
                              cancelled: Bool = false, hasLink: Bool = true) -> ICalendarEvent {
        let byPhone = AppointmentKind.isByPhone(code: appointment.typeCode)
        let change = hasLink ? "To cancel or change, use the link in your confirmation email or call \(context.clinic.phone)."
            : "To cancel or change, sign in to the client portal at \(context.baseURL)/portal or call \(context.clinic.phone)."
        return ICalendarEvent(
            uid: "\(appointment.id?.uuidString.lowercased() ?? UUID().uuidString)@iptclinic",
            start: appointment.startsAt, end: appointment.endsAt,
            summary: "\(label(appointment)) with \(clinicianName) - \(context.clinic.name)",
            location: place(appointment, location: location),
            description: byPhone ? "By phone: \(clinicianName) calls you at the number you gave. \(change)" : change,
            status: cancelled ? .cancelled : .confirmed, sequence: appointment.sequence)
    }

    /// The appointment as a file to download and import (no organizer, nothing to answer).
    static func calendarDocument(_ appointment: Appointment, clinicianName: String, location: String?, context: Context) -> String {
        ICalendarWriter.document([calendarEvent(appointment, clinicianName: clinicianName, location: location, context: context)],
                                 method: .publish, stamp: context.now)
    }

    static func invitation(_ appointment: Appointment, clinicianName: String, location: String?,
                           context: Context, cancelled: Bool = false, hasLink: Bool = true) -> EmailAttachment {
        let event = calendarEvent(appointment, clinicianName: clinicianName, location: location, context: context, cancelled: cancelled, hasLink: hasLink)
        let text = ICalendarWriter.document([event], method: cancelled ? .cancel : .request, stamp: context.now, organizer: context.clinic.email)
        return EmailAttachment(filename: cancelled ? "cancelled.ics" : "appointment.ics",
                               contentType: "text/calendar; charset=utf-8; method=\(cancelled ? "CANCEL" : "REQUEST")", content: text)
    }

    static func confirmLink(_ token: String, _ context: Context) -> String { "\(context.baseURL)/book/confirm/\(token)" }
    static func manageLink(_ token: String, _ context: Context) -> String { "\(context.baseURL)/appointments/\(token)" }

    static func holdRequest(to email: String, when: String, clinicianName: String, token: String, minutes: Int, byPhone: Bool = false,
                            context: Context, on database: any Database) async throws {
        try await Outbox.enqueue(
            to: email, subject: "Please confirm your appointment - \(context.clinic.name)",
            body: """
            Hello,

            We are holding this time for you with \(clinicianName)\(byPhone ? ", by phone" : ""):

                \(when)
            \(byPhone ? "    By phone: \(clinicianName) calls you at the number you gave.\n" : "")
            To confirm it, open this link within \(minutes) minutes and press the button on the page:

            \(confirmLink(token, context))

            If you did not ask for this, ignore this email and the time will be released.

            \(footer(context))
            """, at: context.now, on: database)
    }

    /// Sent instead of a hold when the address already has an appointment at that time, so the web
    /// page and the API can answer exactly as for a hold: whether an address belongs to a client is
    /// nobody's business but theirs.
    static func overlapsExisting(to email: String, context: Context, on database: any Database) async throws {
        try await Outbox.enqueue(
            to: email, subject: "About the time you asked for - \(context.clinic.name)",
            body: """
            Hello,

            Someone asked to book a time with this email address, but there is already an appointment for this address at that time, so nothing new was booked.

            If that was you, your existing appointment stands; to change it, use the link in its confirmation email or call us at \(context.clinic.phone). If it was not you, you can ignore this message.

            \(footer(context))
            """, at: context.now, on: database)
    }

    static func requestReceived(to email: String, when: String, clinicianName: String, context: Context, on database: any Database) async throws {
        try await Outbox.enqueue(
            to: email, subject: "We received your appointment request - \(context.clinic.name)",
            body: """
            Hello,

            Thank you for your request to meet \(clinicianName):

                \(when)

            A member of our team will look at it shortly; you will get another email once it is confirmed.

            \(footer(context))
            """, at: context.now, on: database)
    }

    /// `manageToken` nil: an appointment the clinic booked, which has no link of its own; the
    /// client changes it in the portal or by phone.
    static func confirmed(_ appointment: Appointment, to email: String, clinicianName: String, location: String?,
                          manageToken: String?, fee: String?, context: Context, changed: Bool = false, on database: any Database) async throws {
        let when = DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: context.zone)
        let byPhone = AppointmentKind.isByPhone(code: appointment.typeCode)
        let whereLine = byPhone ? "    By phone: \(clinicianName) calls you at the number you gave.\n" : location.map { "    \($0)\n" } ?? ""
        // A free appointment has no late-cancellation fee to warn about.
        let free = (appointment.feeCents ?? 0) == 0
        let notice = free ? "If you cannot make it, please let us know so someone else can have the time."
            : "Please let us know at least \(context.noticeHours) hours ahead if you cannot come; later cancellations may carry a fee."
        try await Outbox.enqueue(
            to: email,
            subject: changed ? "Your appointment has changed - \(context.clinic.name)" : "Your appointment is confirmed - \(context.clinic.name)",
            body: """
            Hello,

            \(changed ? "Your appointment has moved. The new time is:" : "Your appointment is confirmed:")

                \(label(appointment)) with \(clinicianName)
                \(when)
            \(whereLine)\(fee.map { "    Fee: \(free ? "free" : $0)\n" } ?? "")
            The attached calendar file adds it to your calendar.

            \(manageToken.map { "To cancel or choose another time, use this link (keep it private; it works only for this appointment):\n\n\(manageLink($0, context))" }
                ?? "To cancel or choose another time, sign in to the client portal at \(context.baseURL)/portal, or call us at \(context.clinic.phone).")

            \(notice)

            \(footer(context))
            """,
            attachment: invitation(appointment, clinicianName: clinicianName, location: location, context: context, hasLink: manageToken != nil),
            at: context.now, on: database)
    }

    /// The times the clinic booked for a client (one appointment, or the weeks of a course), in one
    /// email with one calendar file holding them all. Such appointments have no manage link of their
    /// own: the client changes them in the portal or by phone.
    static func bookedByClinic(_ appointments: [Appointment], to email: String, clinicianName: String, location: String?,
                               fee: String?, context: Context, on database: any Database) async throws {
        guard let first = appointments.first else { return }
        let several = appointments.count > 1
        let byPhone = AppointmentKind.isByPhone(code: first.typeCode)
        let whereLine = byPhone ? "    By phone: \(clinicianName) calls you at the number you gave.\n" : location.map { "    \($0)\n" } ?? ""
        let free = (first.feeCents ?? 0) == 0
        let notice = free ? "If you cannot make it, please let us know so someone else can have the time."
            : "Please let us know at least \(context.noticeHours) hours ahead if you cannot come; later cancellations may carry a fee."
        let times = appointments.map { "    \(DateDisplay.range($0.startsAt, $0.endsAt, zone: context.zone))" }.joined(separator: "\n")
        let events = appointments.map { calendarEvent($0, clinicianName: clinicianName, location: location, context: context, hasLink: false) }
        try await Outbox.enqueue(
            to: email,
            subject: several ? "Your \(appointments.count) appointments are booked - \(context.clinic.name)"
                : "Your appointment is booked - \(context.clinic.name)",
            body: """
            Hello,

            \(context.clinic.name) has booked \(several ? "these \(appointments.count) appointments" : "this appointment") for you:

                \(label(first)) with \(clinicianName)
            \(times)
            \(whereLine)\(fee.map { "    Fee: \(free ? "free" : $0)\(several ? " each" : "")\n" } ?? "")
            The attached calendar file adds \(several ? "them" : "it") to your calendar.

            To cancel or change a time, sign in to the client portal at \(context.baseURL)/portal, or call us at \(context.clinic.phone).

            \(notice)

            \(footer(context))
            """,
            attachment: EmailAttachment(filename: "appointments.ics", contentType: "text/calendar; charset=utf-8; method=PUBLISH",
                                        content: ICalendarWriter.document(events, method: .publish, stamp: context.now)),
            at: context.now, on: database)
    }

    static func cancelled(_ appointment: Appointment, to email: String, clinicianName: String, lateFee: String?,
                          context: Context, on database: any Database) async throws {
        try await Outbox.enqueue(
            to: email, subject: "Your appointment is cancelled - \(context.clinic.name)",
            body: """
            Hello,

            This appointment is cancelled:

                \(label(appointment)) with \(clinicianName)
                \(DateDisplay.when(appointment.startsAt, zone: context.zone))
            \(lateFee.map { "\nIt was cancelled within the clinic's notice period, so a late-cancellation fee of \($0) applies, as described in our policy.\n" } ?? "")
            To book another time, visit \(context.baseURL)/book or call us.

            \(footer(context))
            """,
            attachment: invitation(appointment, clinicianName: clinicianName, location: nil, context: context, cancelled: true),
            at: context.now, on: database)
    }

    static func offer(to email: String, when: String, clinicianName: String, token: String, until: String, context: Context,
                      on database: any Database) async throws {
        try await Outbox.enqueue(
            to: email, subject: "A time has opened up for you - \(context.clinic.name)",
            body: """
            Hello,

            You are on our waitlist, and this time has just become free with \(clinicianName):

                \(when)

            It is yours if you want it: open this link and press the button to accept by \(until). After that it is offered to the next person, and you stay on the waitlist.

            \(confirmLink(token, context))

            \(footer(context))
            """, at: context.now, on: database)
    }

    static func reminder(_ appointment: Appointment, to email: String, hours: Int, clinicianName: String,
                         manageToken: String?, context: Context, on database: any Database) async throws {
        try await Outbox.enqueue(
            to: email, subject: "Reminder: your appointment \(hours == 24 ? "tomorrow" : "in two days") - \(context.clinic.name)",
            body: """
            Hello,

            A reminder of your appointment:

                \(label(appointment)) with \(clinicianName)
                \(DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: context.zone))
            \(AppointmentKind.isByPhone(code: appointment.typeCode) ? "    By phone: \(clinicianName) calls you at the number you gave.\n" : "")\(manageToken.map { "\nTo cancel or change it: \(manageLink($0, context))\n" } ?? "")
            \(footer(context))
            """, at: context.now, on: database)
    }
}
