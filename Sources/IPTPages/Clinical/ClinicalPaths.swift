// The routes of a client's chart and the clinical workspace.
extension SitePath {
    public static let clients = SitePath.staff("clients")
    public static let chart = SitePath.staff("clients/:id/chart")
    public static let careTeam = SitePath.staff("clients/:id/care-team")
    public static let careTeamTreating = SitePath.staff("clients/:id/care-team/treating")
    public static let careTeamMembers = SitePath.staff("clients/:id/care-team/members")
    public static let careTeamMemberEnd = SitePath.staff("clients/:id/care-team/members/:member/end")
}
