import Fluent

/// One page of a list, newest first, and whether an older page exists.
struct PageOfRows<Row: Sendable>: Sendable {
    let rows: [Row]
    let number: Int
    let hasMore: Bool
}

extension QueryBuilder {
    /// Fetches page `number` (from 1) of `size` rows. One row more than the page is read, so the
    /// list knows whether to offer "Older" without a second, counting query.
    func page(_ number: Int, size: Int) async throws -> PageOfRows<Model> {
        let number = Swift.max(1, Swift.min(100_000, number))
        let fetched = try await range(((number - 1) * size)..<(number * size + 1)).all()
        return PageOfRows(rows: Array(fetched.prefix(size)), number: number, hasMore: fetched.count > size)
    }
}
