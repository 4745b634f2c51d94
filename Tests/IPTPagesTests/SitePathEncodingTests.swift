import Foundation
@testable import IPTPages
import Testing

/// Links are percent-encoded by hand (`SitePath.encode`); they must come out as Foundation's
/// encoding with the same allowed set would write them.
@Suite struct SitePathEncodingTests {
    private let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    @Test func values_are_encoded_as_foundation_encodes_them() {
        var samples = ["", "plain-Value_1.2~", "2026-12-07T10:00", "a b", "a+b=c&d", "/staff/clients/x?y=1#z", "100%", "Zoë Ødegaard",
                       "名前", "🙂 ok", "\u{0}\u{1F}\u{7F}", "\"<'>\"", "née\u{301}", UUID().uuidString]
        // Every ASCII character on its own, and some random text.
        samples += (0..<128).map { String(UnicodeScalar(UInt8($0))) }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcXYZ019 -._~!*'();:@&=+$,/?#[]%é名🙂")
        samples += (0..<200).map { _ in String((0..<Int.random(in: 1...20, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }) }
        for text in samples {
            #expect(SitePath.encode(text) == text.addingPercentEncoding(withAllowedCharacters: unreserved), "\(text.debugDescription)")
        }
    }

    @Test func a_link_with_a_query_encodes_each_key_and_value() {
        let link = SitePath.appointmentArrived.link("a b", query: ["start": "2026-12-07T10:00", "note": "Zoë & co", "none": nil])
        #expect(link == "/staff/appointments/a%20b/arrived?start=2026-12-07T10%3A00&note=Zo%C3%AB%20%26%20co")
    }
}
