import IPTCore
import Testing

@Suite struct MarkupEscapingTests {
    @Test func the_five_markup_characters_are_escaped_and_other_text_is_kept() {
        #expect(MarkupEscaping.escape(#"<a href="x">Tom & Jerry's</a>"#)
                == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(MarkupEscaping.escape("Zoë Ng, 9-8-8 ☎︎") == "Zoë Ng, 9-8-8 ☎︎")
        #expect(MarkupEscaping.escape("") == "")
        #expect(MarkupEscaping.escapeText(#"Tom & "Jerry's" <b>"#) == #"Tom &amp; "Jerry's" &lt;b&gt;"#)
    }

    @Test func a_prepend_mark_before_a_bracket_is_still_escaped_in_text() {
        // U+0600 and the `<` after it are one Swift Character.
        #expect(MarkupEscaping.escapeText("\u{600}<b>") == "\u{600}&lt;b&gt;")
        // A character reference someone typed is shown as typed (Plot's escaping kept it).
        #expect(MarkupEscaping.escapeText("&lt;") == "&amp;lt;")
    }

    @Test func a_quote_joined_to_a_combining_mark_is_still_escaped() {
        // One Swift Character (quote + combining acute accent), but a raw quote byte in the HTML,
        // which would end the attribute and let the rest become an event handler.
        let hostile = "\"\u{301} onmouseover=alert(1) x=\"\u{301}"
        let escaped = MarkupEscaping.escape(hostile)
        #expect(!escaped.utf8.contains(UInt8(ascii: "\"")))
        #expect(escaped == "&quot;\u{301} onmouseover=alert(1) x=&quot;\u{301}")
        #expect(!MarkupEscaping.escape("<\u{338}script>").utf8.contains(UInt8(ascii: "<")))
    }
}
