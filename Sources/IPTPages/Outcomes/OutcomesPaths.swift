// The routes of the clinic's outcomes report.
extension SitePath {
    public static let outcomes = SitePath.staff("outcomes")
    /// The same figures as CSV: aggregates only, never a row per client.
    public static let outcomesCSV = SitePath.staff("outcomes/export")
    /// The director sets how dropout is counted.
    public static let outcomesDropout = SitePath.staff("outcomes/dropout")
}
