import Fluent
import Foundation
import IPTCore
import Vapor

/// The newsletter administration's reads: subscribers and the issues sent.
enum NewsletterQueries {
    /// One page of subscribers, newest first, optionally of one status.
    static func subscribers(status: Subscriber.Status?, page: Int, size: Int, on database: any Database) async throws -> PageOfRows<Subscriber> {
        var query = Subscriber.query(on: database)
        if let status { query = query.filter(\.$status == status) }
        return try await query.sort(\.$createdAt, .descending).page(page, size: size)
    }

    /// Every subscriber, oldest first, for the CSV export.
    static func allSubscribers(status: Subscriber.Status?, on database: any Database) async throws -> [Subscriber] {
        var query = Subscriber.query(on: database)
        if let status { query = query.filter(\.$status == status) }
        return try await query.sort(\.$createdAt).all()
    }

    static func confirmedCount(on database: any Database) async throws -> Int {
        try await Subscriber.query(on: database).filter(\.$status == Subscriber.Status.confirmed).count()
    }

    /// The 20 latest issues, newest first, with who wrote them.
    static func recentIssues(on database: any Database) async throws -> [NewsletterIssue] {
        try await NewsletterIssue.query(on: database).with(\.$createdBy).sort(\.$createdAt, .descending).limit(20).all()
    }
}
