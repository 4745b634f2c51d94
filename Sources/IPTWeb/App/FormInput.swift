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
            return try request.content.decode(T.self)
        } catch {
            throw Abort(.badRequest, reason: "The form could not be read. Go back, reload the page and try again.")
        }
    }
}
