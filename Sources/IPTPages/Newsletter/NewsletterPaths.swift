// The routes of the newsletter sign-up and its administration.
extension SitePath {
    public static let newsletter = SitePath.public("newsletter")
    public static let newsletterCheckInbox = SitePath.public("newsletter/check-your-inbox")
    public static let newsletterConfirm = SitePath.public("newsletter/confirm/:token")
    public static let newsletterConfirmed = SitePath.public("newsletter/confirmed")
    public static let newsletterUnsubscribe = SitePath.public("newsletter/unsubscribe/:token")
    public static let newsletters = SitePath.staff("newsletters")
    public static let subscribers = SitePath.staff("subscribers")
    public static let subscribersCSV = SitePath.staff("subscribers.csv")
}
