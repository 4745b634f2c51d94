// The public site's own routes; its reading pages (what IPT is, fees, the focus areas) are named
// by the content library's slugs and registered from it.
extension SitePath {
    public static let home = SitePath.public("")
    public static let team = SitePath.public("team")
    public static let teamMember = SitePath.public("team/:slug")
    public static let healthz = SitePath.public("healthz")
    public static let readyz = SitePath.public("readyz")
}
