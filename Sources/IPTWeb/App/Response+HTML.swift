import Vapor

extension Response {
    static func html(_ body: String, status: HTTPResponseStatus = .ok) -> Response {
        html(ByteBuffer(string: body), status: status)
    }

    static func html(_ body: ByteBuffer, status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        return Response(status: status, headers: headers, body: .init(buffer: body))
    }
}
