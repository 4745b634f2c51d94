// The routes of the audit trail.
extension SitePath {
    public static let audit = SitePath.staff("audit")
    public static let auditVerify = SitePath.staff("audit/verify")
}
