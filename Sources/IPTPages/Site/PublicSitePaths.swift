// The public site's own routes. Its reading pages (what IPT is, the focus areas, the privacy
// notice) each show one file of the content library, named by `readingPages`.
extension SitePath {
    public static let home = SitePath.public("")
    public static let team = SitePath.public("team")
    public static let teamMember = SitePath.public("team/:slug")
    public static let fees = SitePath.public("fees")
    public static let healthz = SitePath.public("healthz")
    public static let readyz = SitePath.public("readyz")

    public static let whatIsIPT = SitePath.public("what-is-ipt")
    public static let whenToConsider = SitePath.public("when-to-consider")
    public static let whatToExpect = SitePath.public("what-to-expect")
    public static let focusGrief = SitePath.public("focus/grief")
    public static let focusRoleDisputes = SitePath.public("focus/role-disputes")
    public static let focusRoleTransitions = SitePath.public("focus/role-transitions")
    public static let focusInterpersonalSensitivity = SitePath.public("focus/interpersonal-sensitivity")
    public static let iptA = SitePath.public("ipt-a")
    public static let evidence = SitePath.public("evidence")
    public static let privacyNotice = SitePath.public("privacy")

    /// Each reading page with the content file (its slug, the name without ".md") it shows.
    public static let readingPages: [(path: SitePath, slug: String)] = [
        (whatIsIPT, "what-is-ipt"),
        (whenToConsider, "when-to-consider"),
        (whatToExpect, "what-to-expect"),
        (focusGrief, "focus-grief"),
        (focusRoleDisputes, "focus-role-disputes"),
        (focusRoleTransitions, "focus-role-transitions"),
        (focusInterpersonalSensitivity, "focus-interpersonal-sensitivity"),
        (iptA, "ipt-a"),
        (evidence, "evidence"),
        (privacyNotice, "privacy"),
    ]
}

extension SitePath {
    /// Prometheus text format; answered only on the machine itself or with the metrics token.
    public static let metrics = SitePath.public("metrics")
}
