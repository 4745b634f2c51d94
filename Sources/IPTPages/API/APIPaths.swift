// The JSON API's routes (described by the OpenAPI document). All are public paths: the staff
// calendar checks the session itself and answers 401 in JSON, where the staff guard would
// redirect to the sign-in page.
extension SitePath {
    public static let apiOpenAPI = SitePath.public("api/v1/openapi.json")
    public static let apiEnquiries = SitePath.public("api/v1/enquiries")
    public static let apiNewsletterSubscriptions = SitePath.public("api/v1/newsletter/subscriptions")
    public static let apiAppointmentTypes = SitePath.public("api/v1/appointment-types")
    public static let apiSlots = SitePath.public("api/v1/slots")
    public static let apiBookings = SitePath.public("api/v1/bookings")
    public static let apiBookingsConfirm = SitePath.public("api/v1/bookings/confirm")
    public static let apiBookingsCancel = SitePath.public("api/v1/bookings/cancel")
    public static let apiStaffAppointments = SitePath.public("api/v1/staff/appointments")
}
