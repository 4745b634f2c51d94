import Fluent
import Foundation
import IPTCore
import Vapor

/// Queues emails as rows and delivers them. Queueing happens inside the caller's own transaction
/// when there is one, so an enquiry and its acknowledgement are stored together or not at all.
struct Outbox: Sendable {
    let transport: any MailTransport
    let clock: AppClock
    let sender: @Sendable () async -> MailSender
    var schedule = RetrySchedule.outbox

    /// Adds an email to the outbox; the worker delivers it.
    static func enqueue(to recipient: String, subject: String, body: String, html: String? = nil, headers: [String: String] = [:],
                        attachment: EmailAttachment? = nil, at now: Date, on database: any Database) async throws {
        let message = OutboxMessage()
        message.id = UUID()
        message.recipient = recipient
        message.subject = subject
        message.bodyText = body
        message.bodyHTML = html
        message.extraHeaders = headers
        message.attachmentName = attachment?.filename
        message.attachmentType = attachment?.contentType
        message.attachmentBody = attachment?.content
        message.status = OutboxMessage.Status.pending
        message.attempts = 0
        message.nextAttemptAt = now
        message.createdAt = now
        try await message.create(on: database)
    }

    /// Delivers every due message once. Safe to run from several app instances at once: a message
    /// is claimed by writing a fresh claim token where no live claim exists, then reading it back;
    /// only the instance whose token stuck sends it.
    @discardableResult
    func deliverDue(on database: any Database, limit: Int = 50) async throws -> Int {
        let now = clock.now()
        let due = try await OutboxMessage.query(on: database)
            .filter(\.$status == OutboxMessage.Status.pending)
            .filter(\.$nextAttemptAt <= now)
            .sort(\.$nextAttemptAt)
            .limit(limit)
            .all()
        guard !due.isEmpty else { return 0 }
        var delivered = 0
        let sender = await sender()
        // One batch per pass: an SMTP transport sends them all over one connection.
        let batch = transport.startBatch()
        do {
            for candidate in due {
                guard let id = candidate.id else { continue }
                let token = SecureToken.make(bytes: 12)
                // The lock runs from the claim, not from the start of the pass: a pass over one slow
                // connection can take a while, and a lock already expired would let another instance
                // send the same message.
                let claimedAt = clock.now()
                try await OutboxMessage.query(on: database)
                    .set(\.$claimToken, to: token)
                    .set(\.$lockedUntil, to: claimedAt.addingTimeInterval(120))
                    .filter(\.$id == id)
                    .filter(\.$status == OutboxMessage.Status.pending)
                    .group(.or) { group in
                        group.filter(\.$lockedUntil == nil).filter(\.$lockedUntil < claimedAt)
                    }
                    .update()
                guard let message = try await OutboxMessage.find(id, on: database), message.claimToken == token else {
                    continue
                }
                let email = OutgoingEmail(
                    messageID: "\(id.uuidString.lowercased())@iptclinic.local",
                    from: sender.from,
                    replyTo: sender.replyTo,
                    to: message.recipient,
                    subject: message.subject,
                    date: message.createdAt,
                    textBody: message.bodyText,
                    htmlBody: message.bodyHTML,
                    extraHeaders: message.extraHeaders,
                    attachment: message.attachmentBody.map {
                        EmailAttachment(filename: message.attachmentName ?? "attachment", contentType: message.attachmentType ?? "application/octet-stream", content: $0)
                    }
                )
                var outcome = OutboxMessage.query(on: database)
                    .filter(\.$id == id)
                    .filter(\.$claimToken == token)
                    .set(\.$attempts, to: message.attempts + 1)
                    .set(\.$lockedUntil, to: nil)
                    .set(\.$claimToken, to: nil)
                do {
                    try await batch.deliver(email)
                    outcome = outcome
                        .set(\.$status, to: OutboxMessage.Status.sent)
                        .set(\.$sentAt, to: clock.now())
                        .set(\.$lastError, to: nil)
                        .droppingContent()
                    delivered += 1
                } catch {
                    // Only the error's type, or a transport's own summary without the server's words, goes
                    // into the row and the log: a transport's message can quote the email.
                    let failure = error as? MailDeliveryError
                    outcome = outcome.set(\.$lastError, to: failure?.summary ?? String(describing: type(of: error)))
                    if failure?.kind != .permanent, let delay = schedule.delay(afterAttempts: message.attempts + 1) {
                        outcome = outcome.set(\.$nextAttemptAt, to: now.addingTimeInterval(delay))
                    } else {
                        outcome = outcome.set(\.$status, to: OutboxMessage.Status.failed)
                    }
                }
                // Recorded only while the claim is still ours: if delivery outlasted the lock and another
                // instance took the message over, its record stands.
                try await outcome.update()
            }
        } catch {
            await batch.finish()
            throw error
        }
        await batch.finish()
        return delivered
    }
}

/// Who the clinic's email is from, as its settings say.
struct MailSender: Sendable, Equatable {
    var from: String
    var replyTo: String?
}

extension QueryBuilder where Model == OutboxMessage {
    /// Empties a delivered message of what it said: bodies carry working links (a password reset,
    /// the portal, a questionnaire) and headers the unsubscribe link, which should not outlive the
    /// delivery in the database. The recipient, subject, times and status stay as the record of
    /// what was sent.
    func droppingContent() -> Self {
        set(\.$bodyText, to: "").set(\.$bodyHTML, to: nil).set(\.$extraHeaders, to: [:]).set(\.$attachmentBody, to: nil)
    }
}

/// Runs the outbox on a timer in the background and whenever something is queued.
final class OutboxWorker: LifecycleHandler, @unchecked Sendable {
    private let outbox: Outbox
    private let interval: Duration
    private var task: Task<Void, Never>?
    private let wake = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    init(outbox: Outbox, interval: Duration = .seconds(2)) {
        self.outbox = outbox
        self.interval = interval
    }

    func nudge() {
        wake.continuation.yield()
    }

    func didBootAsync(_ application: Application) async throws {
        let outbox = self.outbox
        let interval = self.interval
        let stream = wake.stream
        task = Task.detached {
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    self.nudge()
                }
            }
            for await _ in stream {
                if Task.isCancelled { break }
                do {
                    try await outbox.deliverDue(on: application.db)
                } catch {
                    application.logger.warning("Outbox delivery pass failed: \(String(describing: type(of: error)))")
                }
            }
            ticker.cancel()
        }
    }

    func shutdownAsync(_ application: Application) async {
        wake.continuation.finish()
        task?.cancel()
        await task?.value
    }
}
