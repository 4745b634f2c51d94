// The routes of the contact form and the staff's enquiry inbox.
extension SitePath {
    public static let contact = SitePath.public("contact")
    public static let contactThanks = SitePath.public("contact/thanks")
    public static let enquiries = SitePath.staff("enquiries")
    public static let enquiry = SitePath.staff("enquiries/:id")
    public static let enquiryHandle = SitePath.staff("enquiries/:id/handle")
}
