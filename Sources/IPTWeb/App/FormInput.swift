import Vapor

/// Decodes form or JSON bodies, refusing other media types with 415.
enum FormInput {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) throws -> T {
        guard let contentType = request.headers.contentType,
              contentType == .urlEncodedForm || contentType == .formData
        else {
            throw Abort(.unsupportedMediaType)
        }
        do {
            if contentType == .urlEncodedForm, let body = request.body.string {
                return try URLEncodedFormDecoder().decode(T.self, from: withoutNUL(body))
            }
            // Multipart parts are raw bytes: no page sends a NUL in one, so such a form is refused.
            if let bytes = request.body.data, bytes.readableBytesView.contains(0) { throw Abort(.badRequest) }
            return try request.content.decode(T.self)
        } catch {
            throw Abort(.badRequest, reason: "The form could not be read. Go back, reload the page and try again.")
        }
    }

    /// A form body without the NUL character. No one types it, no page needs it, and PostgreSQL
    /// refuses it in text (a 500 for whatever column it reached unsealed), so it is dropped as the
    /// form is read; the rest of what was sent is kept. Outside an escape a `%` is always sent as
    /// `%25`, so `%00` in a form body can only be an encoded NUL (a raw one is dropped too).
    static func withoutNUL(_ body: String) -> String {
        // Until none is left: taking one out can join its neighbours into another ("%%0000").
        var text = body
        while text.contains("%00") || text.contains("\u{0}") {
            text = text.replacingOccurrences(of: "%00", with: "").replacingOccurrences(of: "\u{0}", with: "")
        }
        return text
    }
}
