// The portal's routes for acting on the signed-in client's own appointments and forms. Each names
// an appointment or form by its id only; the portal session decides whose it may be.
extension SitePath {
    public static let portalAppointmentCancel = SitePath.public("portal/appointments/:id/cancel")
    public static let portalAppointmentMove = SitePath.public("portal/appointments/:id/move")
    public static let portalAppointmentCalendar = SitePath.public("portal/appointments/:id/calendar.ics")
    /// Opens an intake or self-assessment waiting for the client (kind "intake" or "self-assessment").
    public static let portalFormOpen = SitePath.public("portal/forms/:kind/:id")
    /// The care team's choice to show the client their own score chart in the portal.
    public static let progressPortalSharing = SitePath.staff("clients/:id/progress/portal-sharing")
}
