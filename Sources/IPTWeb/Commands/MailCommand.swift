import Foundation
import IPTCore
import Vapor

/// `iptclinic mail test --to ADDRESS`: sends one message now, past the outbox, and prints the
/// conversation with the SMTP server, so whoever sets up email sees where it stops.
struct MailCommand: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] { ["test": MailTestCommand()] }
    var help: String { "Email tools" }
}

struct MailTestCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "to", help: "Where to send the test message")
        var to: String?
    }

    var help: String { "Sends one test message through the configured transport and shows the SMTP conversation (without the password)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let recipient = signature.to.flatMap(TextRules.clean), TextRules.isPlausibleEmail(recipient) else {
            throw CommandFailure("Give a valid --to address.")
        }
        let transport = app.services.settings.mailTransport
        context.console.output("Email: \(transport.summary)")
        let sender = await app.services.outbox.sender()
        let now = app.services.settings.clock.now()
        let email = OutgoingEmail(
            messageID: "test-\(SecureToken.make(bytes: 12))@iptclinic.local",
            from: sender.from,
            replyTo: sender.replyTo,
            to: recipient,
            subject: "Test message from iptclinic",
            date: now,
            textBody: "This message was sent by `iptclinic mail test` to check the clinic's email settings. No reply is needed.",
            extraHeaders: [:]
        )
        do {
            if let smtp = transport as? SMTPTransport {
                let console = context.console
                try await smtp.deliver(email, transcript: { line in console.print(line) })
            } else {
                try await transport.deliver(email)
            }
        } catch {
            let failure = SMTPTransport.classified(error)
            let advice = failure.kind == .permanent ? "refused for good" : "would be tried again by the outbox"
            throw CommandFailure("Not delivered (\(advice)): \(failure.summary)")
        }
        context.console.output("Delivered to the server for \(recipient).")
    }
}
