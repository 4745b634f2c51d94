// The routes of questionnaires, intake, self-assessment, progress, safety alerts and the portal.
extension SitePath {
    public static let questionnaire = SitePath.public("questionnaire/:token")
    public static let intake = SitePath.public("intake/:token")
    public static let selfAssessment = SitePath.public("self-assessment/:token")
    public static let portal = SitePath.public("portal")
    public static let portalSignIn = SitePath.public("portal/sign-in")
    public static let portalSignInLink = SitePath.public("portal/sign-in/:token")
    public static let portalSignOut = SitePath.public("portal/sign-out")
    public static let portalQuestionnaire = SitePath.public("portal/questionnaires/:response")
    public static let progress = SitePath.staff("clients/:id/progress")
    public static let clientFHIR = SitePath.staff("clients/:id/fhir")
    public static let responseShare = SitePath.staff("clients/:id/responses/:response/share")
    public static let selfAssessmentView = SitePath.staff("self-assessments/:id")
    public static let alerts = SitePath.staff("alerts")
    public static let alert = SitePath.staff("alerts/:id")
    public static let alertClose = SitePath.staff("alerts/:id/close")
}
