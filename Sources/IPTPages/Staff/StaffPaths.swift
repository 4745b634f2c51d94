// The routes of the staff entrance, the dashboard, accounts and the clinic's settings.
extension SitePath {
    public static let signIn = SitePath.staffEntrance("sign-in")
    public static let signOut = SitePath.staffEntrance("sign-out")
    public static let passwordReset = SitePath.staffEntrance("password-reset")
    public static let passwordResetLink = SitePath.staffEntrance("password-reset/:token")
    public static let twoFactor = SitePath.staffEntrance("two-factor")
    public static let twoFactorSetup = SitePath.staffEntrance("two-factor/setup")
    public static let dashboard = SitePath.staff("")
    /// Every attended session of this clinician's last 90 days still without a note; Today shows
    /// the oldest few.
    public static let notesToWrite = SitePath.staff("notes-to-write")
    /// Every form this clinician sent by link that the client has not finished.
    public static let formsOutstanding = SitePath.staff("forms-outstanding")
    public static let account = SitePath.staff("account")
    public static let accountPassword = SitePath.staff("account/password")
    public static let accountCalendarFeed = SitePath.staff("account/calendar-feed")
    public static let accountCalendarFeedRevoke = SitePath.staff("account/calendar-feed/revoke")
    public static let clinicSettings = SitePath.staff("settings")
    /// The clinic's staff accounts, for the director.
    public static let staffTeam = SitePath.staff("team")
    public static let staffTeamNew = SitePath.staff("team/new")
    public static let staffTeamMember = SitePath.staff("team/:id")
    /// Removes or gives back a person's access (POST, `access` = remove or restore).
    public static let staffTeamMemberAccess = SitePath.staff("team/:id/access")
    /// Sends a new welcome link to someone who has not chosen a password yet.
    public static let staffTeamMemberInvite = SitePath.staff("team/:id/invite")
    /// Resets someone's two-factor sign-in (a lost or replaced phone): they set it up again.
    public static let staffTeamMemberTwoFactor = SitePath.staff("team/:id/two-factor")
}

extension SitePath {
    /// The client search in the staff bar; it posts, so names and birth dates stay out of addresses.
    public static let clientSearch = SitePath.staff("search")
}
