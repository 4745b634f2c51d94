import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import IPTCore
import Testing

@Suite struct QRCodeTests {
    private static let enrolmentURI =
        "otpauth://totp/IPT%20Clinic:alice%40example.org?secret=JBSWY3DPEHPK3PXP&issuer=IPT%20Clinic&algorithm=SHA1&digits=6&period=30"

    /// The symbol as `0`/`1` rows, the form the frozen reference matrices use.
    private static func rows(_ code: QRCode) -> String {
        (0..<code.size).map { row in
            String((0..<code.size).map { code.isDark(row: row, column: $0) ? "1" : "0" })
        }.joined(separator: "\n")
    }

    // MARK: Reference matrices

    @Test func an_enrolment_uri_matches_the_reference_encoder_including_its_version_and_mask_choice() throws {
        let code = try QRCode(text: Self.enrolmentURI, correction: .medium)
        #expect(code.version == 8)
        #expect(code.mask == 4)
        #expect(code.size == 49)
        #expect(Self.rows(code) == ReferenceMatrices.otpauthURIAtMediumWithAutomaticVersionAndMask)
    }

    @Test func a_version_1_symbol_with_a_forced_mask_matches_the_reference_encoder() throws {
        let code = try QRCode(bytes: Array("IPT Clinic".utf8), correction: .low, version: 1, mask: 3)
        #expect(Self.rows(code) == ReferenceMatrices.shortTextAtLowVersion1Mask3)
    }

    @Test func a_multi_block_version_5_symbol_matches_the_reference_encoder() throws {
        let text = "https://example.org/staff/sign-in?next=%2Fdiary"
        let code = try QRCode(bytes: Array(text.utf8), correction: .quartile, version: 5, mask: 6)
        #expect(Self.rows(code) == ReferenceMatrices.textAtQuartileVersion5Mask6)
    }

    @Test func utf8_text_in_a_version_10_symbol_with_version_information_matches_the_reference_encoder() throws {
        let text = "Grüße, Zoë ✓ — physiotherapy"
        let code = try QRCode(bytes: Array(text.utf8), correction: .high, version: 10, mask: 1)
        #expect(Self.rows(code) == ReferenceMatrices.utf8TextAtHighVersion10Mask1)
    }

    // MARK: Version choice and limits

    @Test func the_smallest_version_that_holds_the_text_is_chosen() throws {
        #expect(try QRCode(text: String(repeating: "a", count: 14), correction: .medium).version == 1)
        #expect(try QRCode(text: String(repeating: "a", count: 15), correction: .medium).version == 2)
        #expect(try QRCode(text: String(repeating: "a", count: 17), correction: .low).version == 1)
        #expect(try QRCode(text: String(repeating: "a", count: 7), correction: .high).version == 1)
        #expect(try QRCode(text: String(repeating: "a", count: 8), correction: .high).version == 2)
        // The character count field grows from 8 to 16 bits at version 10.
        #expect(try QRCode(text: String(repeating: "a", count: 180), correction: .medium).version == 9)
        #expect(try QRCode(text: String(repeating: "a", count: 181), correction: .medium).version == 10)
    }

    @Test func a_125_byte_enrolment_uri_grows_with_the_correction_level_but_stays_small_up_to_quartile() throws {
        let expected: [QRCode.Correction: Int] = [.low: 6, .medium: 8, .quartile: 9, .high: 11]
        for correction in QRCode.Correction.allCases {
            let code = try QRCode(text: Self.enrolmentURI, correction: correction)
            #expect(code.version == expected[correction], "\(correction)")
            #expect(code.correction == correction)
        }
    }

    @Test func the_largest_version_holds_the_standard_byte_capacity_and_no_more() throws {
        let capacities: [(QRCode.Correction, Int)] = [(.low, 2953), (.medium, 2331), (.quartile, 1663), (.high, 1273)]
        for (correction, capacity) in capacities {
            let full = try QRCode(bytes: [UInt8](repeating: 0x41, count: capacity), correction: correction, mask: 0)
            #expect(full.version == 40)
            #expect(full.size == 177)
            #expect(throws: QRCode.EncodingError.textTooLong(byteCount: capacity + 1, maximum: capacity)) {
                try QRCode(bytes: [UInt8](repeating: 0x41, count: capacity + 1), correction: correction)
            }
        }
    }

    @Test func text_too_long_for_a_forced_version_is_refused_with_that_versions_capacity() {
        #expect(throws: QRCode.EncodingError.textTooLong(byteCount: 15, maximum: 14)) {
            try QRCode(bytes: [UInt8](repeating: 0x41, count: 15), correction: .medium, version: 1)
        }
    }

    @Test func a_forced_version_or_mask_out_of_range_is_refused() {
        #expect(throws: QRCode.EncodingError.versionOutOfRange(41)) {
            try QRCode(bytes: [], correction: .medium, version: 41)
        }
        #expect(throws: QRCode.EncodingError.versionOutOfRange(0)) {
            try QRCode(bytes: [], correction: .medium, version: 0)
        }
        #expect(throws: QRCode.EncodingError.maskOutOfRange(8)) {
            try QRCode(bytes: [], correction: .medium, mask: 8)
        }
    }

    @Test func a_forced_version_and_mask_are_used_as_given() throws {
        let code = try QRCode(bytes: Array("x".utf8), correction: .quartile, version: 12, mask: 5)
        #expect(code.version == 12)
        #expect(code.mask == 5)
        #expect(code.size == 12 * 4 + 17)
    }

    // MARK: Structure of every version

    @Test func every_version_has_finders_timing_dark_module_and_matching_format_copies() throws {
        for version in 1...40 {
            for (level, correction) in QRCode.Correction.allCases.enumerated() {
                let mask = (version + level) % 8
                let code = try QRCode(bytes: Array("v\(version)".utf8), correction: correction, version: version, mask: mask)
                let size = code.size
                #expect(size == version * 4 + 17)
                for (top, left) in [(0, 0), (0, size - 7), (size - 7, 0)] {
                    for dy in 0..<7 {
                        for dx in 0..<7 {
                            let ring = max(abs(dy - 3), abs(dx - 3))
                            #expect(code.isDark(row: top + dy, column: left + dx) == (ring != 2), "finder v\(version)")
                        }
                    }
                }
                for index in 8..<(size - 8) {
                    #expect(code.isDark(row: 6, column: index) == index.isMultiple(of: 2), "timing v\(version)")
                    #expect(code.isDark(row: index, column: 6) == index.isMultiple(of: 2), "timing v\(version)")
                }
                #expect(code.isDark(row: size - 8, column: 8), "dark module v\(version)")

                let (first, second) = Self.formatWords(code)
                #expect(first == second, "format copies v\(version)")
                let levelBits = [QRCode.Correction.low: 1, .medium: 0, .quartile: 3, .high: 2][correction]
                #expect((first ^ 0x5412) >> 10 == (levelBits ?? -1) << 3 | mask, "format content v\(version)")
            }
        }
    }

    @Test func format_information_matches_the_standards_table() throws {
        // ISO/IEC 18004 Annex C, mask 0 and mask 7 for each level.
        let expected: [(QRCode.Correction, Int, Int)] = [
            (.low, 0, 0b111011111000100), (.medium, 0, 0b101010000010010),
            (.quartile, 0, 0b011010101011111), (.high, 0, 0b001011010001001),
            (.low, 7, 0b110100101110110), (.medium, 7, 0b100101010100000),
            (.quartile, 7, 0b010101111101101), (.high, 7, 0b000100000111011),
        ]
        for (correction, mask, word) in expected {
            let code = try QRCode(bytes: [], correction: correction, mask: mask)
            #expect(Self.formatWords(code).0 == word, "\(correction) mask \(mask)")
        }
    }

    @Test func version_information_appears_from_version_7_in_both_corners() throws {
        // ISO/IEC 18004 Annex D.
        let expected = [7: 0x07C94, 8: 0x085BC, 21: 0x15683, 40: 0x28C69]
        for (version, word) in expected {
            let code = try QRCode(bytes: [], correction: .low, version: version, mask: 0)
            var topRight = 0
            var bottomLeft = 0
            for index in 0..<18 {
                let a = code.size - 11 + index % 3
                let b = index / 3
                if code.isDark(row: b, column: a) { topRight |= 1 << index }
                if code.isDark(row: a, column: b) { bottomLeft |= 1 << index }
            }
            #expect(topRight == word, "version \(version)")
            #expect(bottomLeft == word, "version \(version)")
        }
    }

    @Test func modules_outside_the_symbol_read_as_light_quiet_zone() throws {
        let code = try QRCode(text: "x")
        #expect(code.isDark(row: 0, column: 0))
        #expect(!code.isDark(row: -1, column: 0))
        #expect(!code.isDark(row: 0, column: code.size))
        #expect(!code.isDark(row: Int.max, column: Int.min))
    }

    // MARK: SVG

    @Test func the_svg_is_well_formed_accessible_and_draws_exactly_the_dark_modules() throws {
        let code = try QRCode(text: Self.enrolmentURI)
        let svg = code.svg(moduleSize: 5, quietZone: 4, title: "Scan <this> & \"sign in\"")
        let side = code.size + 8
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("width=\"\(side * 5)\" height=\"\(side * 5)\" viewBox=\"0 0 \(side) \(side)\""))
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains("shape-rendering=\"crispEdges\""))
        #expect(svg.contains("<title>Scan &lt;this&gt; &amp; &quot;sign in&quot;</title>"))
        #expect(svg.components(separatedBy: "<path").count == 2, "one path")

        let parsed = try #require(SVGReader(svg))
        #expect(parsed.title == "Scan <this> & \"sign in\"")
        #expect(parsed.background == "#fff")
        #expect(parsed.fill == "#000")
        var drawn = Set<[Int]>()
        for run in try #require(Self.runs(in: parsed.pathData)) {
            for column in run.x..<(run.x + run.length) { drawn.insert([run.y - 4, column - 4]) }
        }
        var dark = Set<[Int]>()
        for row in 0..<code.size {
            for column in 0..<code.size where code.isDark(row: row, column: column) { dark.insert([row, column]) }
        }
        #expect(drawn == dark)
    }

    @Test func the_svg_honours_module_size_and_quiet_zone_and_clamps_nonsense() throws {
        let code = try QRCode(text: "x")
        #expect(code.svg(moduleSize: 1, quietZone: 0, title: "t").contains("viewBox=\"0 0 21 21\""))
        #expect(code.svg(moduleSize: 1, quietZone: 0, title: "t").contains("M0 0h7v1h-7z"))
        #expect(code.svg(moduleSize: 0, quietZone: -3, title: "t").contains("width=\"21\" height=\"21\""))
    }

    /// Parses the `M x y h n v1 h-n z` runs the encoder writes; `nil` if anything else appears.
    private static func runs(in path: String) -> [(x: Int, y: Int, length: Int)]? {
        var result: [(x: Int, y: Int, length: Int)] = []
        for segment in path.split(separator: "z") {
            let scanner = Scanner(string: String(segment))
            scanner.charactersToBeSkipped = nil
            guard scanner.scanString("M") != nil, let x = scanner.scanInt(), scanner.scanString(" ") != nil,
                  let y = scanner.scanInt(), scanner.scanString("h") != nil, let length = scanner.scanInt(),
                  scanner.scanString("v1h-") != nil, scanner.scanInt() == length, scanner.isAtEnd
            else { return nil }
            result.append((x, y, length))
        }
        return result
    }

    /// The two 15-bit format words, most significant bit first as the standard numbers them.
    private static func formatWords(_ code: QRCode) -> (Int, Int) {
        let size = code.size
        var first = 0
        var second = 0
        let firstPositions = (0..<6).map { ($0, 8) } + [(7, 8), (8, 8), (8, 7)] + (9..<15).map { (8, 14 - $0) }
        let secondPositions = (0..<8).map { (8, size - 1 - $0) } + (8..<15).map { (size - 15 + $0, 8) }
        for (bit, position) in firstPositions.enumerated() where code.isDark(row: position.0, column: position.1) {
            first |= 1 << bit
        }
        for (bit, position) in secondPositions.enumerated() where code.isDark(row: position.0, column: position.1) {
            second |= 1 << bit
        }
        return (first, second)
    }
}

/// Reads the parts of the SVG the tests check with a real XML parser, so malformed markup fails.
private final class SVGReader: NSObject, XMLParserDelegate {
    var title = ""
    var pathData = ""
    var fill = ""
    var background = ""
    private var inTitle = false

    init?(_ svg: String) {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        guard parser.parse() else { return nil }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        switch elementName {
        case "title": inTitle = true
        case "path":
            pathData = attributes["d"] ?? ""
            fill = attributes["fill"] ?? ""
        case "rect": background = attributes["fill"] ?? ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == "title" { inTitle = false }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inTitle { title += string }
    }
}

/// Frozen from segno 1.6.6 (ISO/IEC 18004 byte mode, `boost_error=False`) after its matrices matched
/// this encoder module-for-module across all 40 versions and 4 levels; the forced-mask ones also
/// equal python-qrcode 8.2's output. segno was patched for the comparison: it appends a needless
/// 0x00 codeword when the bit stream already ends on a byte boundary, which §7.4.10 does not ask for.
private enum ReferenceMatrices {
    // otpauthURIAtMediumWithAutomaticVersionAndMask: segno version 8, error M, mask 4, 125 bytes
    static let otpauthURIAtMediumWithAutomaticVersionAndMask = """
        1111111010000101001111010000110101100000101111111
        1000001001000001101000101111101000010011101000001
        1011101000010001000101010011110011011001101011101
        1011101010001010001001101010101100110101001011101
        1011101011011101001000111111111101010000001011101
        1000001010001101000101100010000111001010001000001
        1111111010101010101010101010101010101010101111111
        0000000010101011101111100010111100101110000000000
        1000101110001110101001111111011010011001111111001
        1010100111100100010111000010001000011010011011000
        0111111000010001111111101011001100000110011010100
        1101000011100010101000111000011000110001100100100
        0100001010000110011010111110011010111000001011101
        1100000101100011000110000011111111010011011111010
        1110101010001101101100100001101001001011111001000
        0100010111011001010001100010110101100001101010101
        1101011100101101011001011110011111001111100111110
        0010010101011000011011001011001010011110011011000
        1000101111100010110000110001100000110000011101110
        1000000100101001010101111000101111111100100110111
        0111011101010010101000111011001010011110101011111
        1001110101011001010010011111011001011010001011100
        1001111111000011100111111110011110111010111110100
        1010100010010100100001100011110100011000100010100
        0010101010111001010100101011010011011001101011111
        0111100010000001000010100011011001000011100010000
        1011111111011110111000111110110001110010111111000
        0101100100011111110000111101000111111110111101110
        0010011100000001111110011111001111001110110101100
        0001000010011101010000101011011101001010110010000
        0000101101101111101010000101011001010010000011100
        1101000001111100011110110011101000010110111000100
        1011011001001100101001100101100000110100000010110
        1100010001111100000011001000110101100001001010010
        1001001100000100100101000000010111101001110101110
        0111000110101111111011110110011010111110001010100
        0100111111101011111000111110011010011000010100110
        0101000101110010100010111011011000000011010010010
        0100011101011100100100101000011101001111100001100
        0111000001001110101011010111100101001100101110101
        1110001110011101101001111111001010111010111110101
        0000000010011010100111100010011101010010100011110
        1111111010101001011001101011100001110010101010100
        1000001001001111001101100011011110001011100010100
        1011101010111101000011111111001110011011111110011
        1011101001001010110110100000111011001011111001010
        1011101001011111010100100010011101000011100100100
        1000001000111110000000010110110101100001110100110
        1111111011001010101101010110011111001011010111111
        """

    // shortTextAtLowVersion1Mask3: segno version 1, error L, mask 3, 10 bytes
    static let shortTextAtLowVersion1Mask3 = """
        111111101100101111111
        100000100100101000001
        101110101010101011101
        101110101001001011101
        101110101110001011101
        100000100000001000001
        111111101010101111111
        000000000110000000000
        111100101010010011101
        001001011000111110110
        110001111000100101011
        000111010100100111000
        001111100101001111101
        000000001110000010001
        111111100000000110000
        100000100011110100101
        101110100101000111100
        101110101010010000010
        101110101011011000100
        100000101101101110001
        111111101001110010000
        """

    // textAtQuartileVersion5Mask6: segno version 5, error Q, mask 6, 47 bytes
    static let textAtQuartileVersion5Mask6 = """
        1111111001000110100110011010001111111
        1000001011101111111100100110001000001
        1011101000111111000111001101001011101
        1011101011010001001001001100101011101
        1011101010001100000111110000001011101
        1000001000100111010101111000001000001
        1111111010101010101010101010101111111
        0000000011000001100110111101100000000
        0101111011110010011000000100111011010
        1100110101101100010100110100011010100
        0110001100010000110010110100011111111
        0000010100010001001000100011011001110
        0010001100101001110010001000001000000
        1100010110001001101011010111110110100
        1101011011111110100000000101011111101
        1000010101010011110011101000010101111
        1100011001100111111101111101111000101
        0001000010101100011100110001010101010
        0010101011111100011101101101000101001
        0010100001110100100000010111010111010
        0101111111000010111000010001111011010
        1111100000101111010111111101100111010
        0101111011101000111101010101000010001
        0100100000101010010100010101110101101
        1111001011001001000000011100000111011
        1110010000010100100010011110001000100
        1100111000000011101111001111001110111
        1001110100010011100100110000110100110
        1010001100001100101010111101111111001
        0000000010100001110100100010100011110
        1111111000110011010011111000101011101
        1000001010101001000010101111100011001
        1011101011011011100001110011111110010
        1011101011001110001001001110001001000
        1011101001010101000111010000100110111
        1000001011100000011110011011000101111
        1111111001001011000010011010100100001
        """

    // utf8TextAtHighVersion10Mask1: segno version 10, error H, mask 1, 35 bytes
    static let utf8TextAtHighVersion10Mask1 = """
        111111100001111001001001001100001100100100111011001111111
        100000101101100010010010001000001010100110100001001000001
        101110101000110110111001111110101101011010010011001011101
        101110101001010111000110001001101000110000100101001011101
        101110101001000011010001101111100010111010011101001011101
        100000101011111001010100111000101100110000011010001000001
        111111101010101010101010101010101010101010101010101111111
        000000000111010110001011111000100010100000010111100000000
        001001111111111000111000001111110001001000111100110111110
        000011000011001001001010011100111111100010010110000110000
        101001101010011100111101011101010001001000111110110110100
        010101000011101001001110000000110100000101110000000000001
        111000111110101110011000110110110100100111011001110000100
        000010010010111011101110111101111111101101110011110011101
        110011100110011011101100010101110101010111111011010111001
        111101010111001011101100010011010010101010000001100101100
        000100100000001111000100111010011111001010100110101111101
        110110000011110011011110110000010111110110001010000100001
        110011101000111010010100010100001001010110100010101110100
        100101001000101010110100000111010001111001110010011100000
        001000110010001011001101101010011111110001011010010110111
        100011011010110001110111111010010000011111110001011100001
        110000100110110110110101110110001010111001111111111110111
        101101001011010001000110110011001010000001100110000000000
        011000101011111010000010111011010111101001000101101000111
        000011010001100100100110100000101110000011101110100010000
        100011111000100000000101101111101001001001100111111110000
        000110001000010010111110001000111011011000010001100011001
        110110101010100011001011111010100111110001111011101011100
        100010001010010001111111111000111101011011010000100010000
        100011111010111110000001111111110110011000111011111111000
        010101010001101000011000100010001011100100111110110110101
        100110111100110011001100001101110111001111101100100010100
        001100001100001101011011100101101100000101000110101000110
        100110100010111000000000110011001111101110011110000011111
        001101000001101000011101110111010111111000001000000001010
        110111100100011011010001001110101011010000111011000111011
        100110011101111011011111101010110010011010010000001110000
        000001111001111100011101000010110111111000101011000100100
        011000011001011110011001011111110101111101100000000110001
        000101100000111101110000001011110111110111000011011000100
        100111011011111111111011000010011100011101101000011101110
        000000111001111010010000100111001011011111100011110011011
        011011011010101011011101111011010111100000000110111101110
        001111101010011000110001111000101100101000100000111011111
        101010011011111001111111100000001010100010001101100010011
        101001111001101010011000101100010101101000100100000110101
        111110000101001011111010111100100011100111110100001110011
        000000110101010001011111101111100111101011011111111110100
        000000001000101000111001111000111000000101110001100011101
        111111101111001011101000111010100101001101111101101011011
        100000101001101010100010111000100010000010000110100011111
        101110100000010100000111111111100000111010100101111111110
        101110100100001110101000100110011101010010001110000111100
        101110101110011101010111011111100101101100100110001011011
        100000100101010000111001101010101010000100010000110111100
        111111100100010010011110110010111110111110111010000011101
        """
}
