import Foundation

/// A QR code symbol (ISO/IEC 18004 Model 2), built in-house so the sign-in pages can show an
/// authenticator enrolment code without sending the shared secret to a third-party service or
/// pulling an imaging dependency into the core module.
///
/// The text is encoded as a single byte-mode segment (UTF-8), which is what an `otpauth://` URI
/// needs; numeric, alphanumeric and kanji modes, ECI and Micro QR are deliberately not supported.
public struct QRCode: Sendable {
    /// How much of the symbol may be damaged or obscured while it still decodes: roughly 7 %, 15 %,
    /// 25 % and 30 %. Higher levels make a larger symbol for the same text.
    public enum Correction: Sendable, CaseIterable, Equatable {
        case low, medium, quartile, high
    }

    /// Why no symbol was made. Each is a caller's input problem, not a runtime failure, so the
    /// sign-in page can say "that name is too long" instead of crashing.
    public enum EncodingError: Error, Equatable, Sendable {
        /// The text does not fit: `maximum` is the largest byte count the requested (or largest)
        /// version holds at this correction level.
        case textTooLong(byteCount: Int, maximum: Int)
        /// A forced version outside 1...40.
        case versionOutOfRange(Int)
        /// A forced mask outside 0...7.
        case maskOutOfRange(Int)
    }

    /// Symbol version, 1...40; the side is `17 + 4 × version` modules.
    public let version: Int
    public let correction: Correction
    /// Data mask pattern, 0...7.
    public let mask: Int
    /// Modules per side, without any quiet zone.
    public let size: Int
    /// Row-major, `true` for dark.
    private let modules: [Bool]

    /// Encodes `text` as UTF-8 in the smallest version that holds it, with the mask of lowest penalty.
    public init(text: String, correction: Correction = .medium) throws(EncodingError) {
        try self.init(bytes: Array(text.utf8), correction: correction)
    }

    /// Encodes raw bytes. Forcing `version` or `mask` exists so tests can compare module-for-module
    /// with a reference encoder, and so a caller can keep a fixed symbol size; `nil` lets the
    /// encoder choose as the standard describes.
    public init(bytes: [UInt8], correction: Correction, version: Int? = nil, mask: Int? = nil) throws(EncodingError) {
        if let mask, !(0...7).contains(mask) { throw .maskOutOfRange(mask) }
        let chosenVersion: Int
        if let version {
            guard (1...40).contains(version) else { throw .versionOutOfRange(version) }
            let maximum = Tables.byteCapacity(version: version, correction: correction)
            guard bytes.count <= maximum else { throw .textTooLong(byteCount: bytes.count, maximum: maximum) }
            chosenVersion = version
        } else {
            guard let smallest = (1...40).first(where: {
                bytes.count <= Tables.byteCapacity(version: $0, correction: correction)
            }) else {
                throw .textTooLong(
                    byteCount: bytes.count,
                    maximum: Tables.byteCapacity(version: 40, correction: correction)
                )
            }
            chosenVersion = smallest
        }

        let codewords = Tables.finalCodewords(
            data: Tables.dataCodewords(bytes: bytes, version: chosenVersion, correction: correction),
            version: chosenVersion,
            correction: correction
        )
        var grid = Grid(version: chosenVersion)
        grid.place(codewords)
        let chosenMask = mask ?? grid.lowestPenaltyMask()
        grid.applyMask(chosenMask)
        grid.drawFormatInformation(correction: correction, mask: chosenMask)
        grid.drawVersionInformation()

        self.version = chosenVersion
        self.correction = correction
        self.mask = chosenMask
        self.size = grid.size
        self.modules = grid.dark
    }

    /// Whether the module at (`row`, `column`) is dark. Coordinates outside the symbol answer
    /// `false`, as they fall in the (light) quiet zone, so renderers need not bounds-check.
    public func isDark(row: Int, column: Int) -> Bool {
        guard (0..<size).contains(row), (0..<size).contains(column) else { return false }
        return modules[row * size + column]
    }

    /// A standalone SVG of the symbol, black on white. Each row's dark runs become one path segment,
    /// which keeps the markup a few kilobytes even for large versions, and `crispEdges` stops
    /// anti-aliasing seams between modules that can confuse some phone scanners.
    /// - Parameters:
    ///   - moduleSize: pixels per module in the width/height attributes (at least 1); the
    ///     `viewBox` is in modules, so CSS can still scale the image.
    ///   - quietZone: light border in modules; the standard asks for 4.
    ///   - title: accessible name, read out by screen readers (escaped here).
    public func svg(moduleSize: Int = 4, quietZone: Int = 4, title: String) -> String {
        let border = max(0, quietZone)
        let side = size + 2 * border
        let pixels = side * max(1, moduleSize)
        var path = ""
        for row in 0..<size {
            var column = 0
            while column < size {
                guard isDark(row: row, column: column) else {
                    column += 1
                    continue
                }
                let start = column
                while column < size, isDark(row: row, column: column) { column += 1 }
                let run = column - start
                path += "M\(start + border) \(row + border)h\(run)v1h-\(run)z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(pixels)" height="\(pixels)" \
            viewBox="0 0 \(side) \(side)" role="img" shape-rendering="crispEdges">\
            <title>\(MarkupEscaping.escape(title))</title>\
            <rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path fill="#000" d="\(path)"/></svg>
            """
    }
}

// MARK: - Tables and codewords

extension QRCode {
    /// Capacity tables and the codeword stream (ISO/IEC 18004:2015 §7.4–7.6, tables 7 and 9).
    fileprivate enum Tables {
        /// Error correction codewords per block, indexed `[correction][version]` (index 0 unused).
        static let eccCodewordsPerBlock: [[Int]] = [
            [0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
             28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
            [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
             26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
            [0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
             28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
            [0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
             30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        ]

        /// Number of error correction blocks, indexed `[correction][version]` (index 0 unused).
        static let errorCorrectionBlocks: [[Int]] = [
            [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
             8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
            [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
             17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
            [0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
             23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
            [0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
             25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
        ]

        /// Modules left for codewords (data + ECC + remainder bits) once function patterns are drawn.
        static func rawDataModules(version: Int) -> Int {
            var result = (16 * version + 128) * version + 64
            if version >= 2 {
                let alignmentCount = version / 7 + 2
                result -= (25 * alignmentCount - 10) * alignmentCount - 55
                if version >= 7 { result -= 36 }
            }
            return result
        }

        static func dataCodewordCount(version: Int, correction: Correction) -> Int {
            let level = correction.tableIndex
            return rawDataModules(version: version) / 8
                - eccCodewordsPerBlock[level][version] * errorCorrectionBlocks[level][version]
        }

        /// Byte-mode character count field width: 8 bits up to version 9, 16 bits beyond.
        static func countBits(version: Int) -> Int { version <= 9 ? 8 : 16 }

        /// Bytes that fit after the 4-bit mode indicator and the count field (the terminator may be cut short).
        static func byteCapacity(version: Int, correction: Correction) -> Int {
            (dataCodewordCount(version: version, correction: correction) * 8 - 4 - countBits(version: version)) / 8
        }

        /// Mode indicator, count, bytes, terminator, bit padding and the alternating 0xEC/0x11 pad codewords.
        static func dataCodewords(bytes: [UInt8], version: Int, correction: Correction) -> [UInt8] {
            let capacityBits = dataCodewordCount(version: version, correction: correction) * 8
            var bits = BitBuffer()
            bits.append(0b0100, count: 4)
            bits.append(bytes.count, count: countBits(version: version))
            for byte in bytes { bits.append(Int(byte), count: 8) }
            bits.append(0, count: min(4, capacityBits - bits.count))
            bits.append(0, count: (8 - bits.count % 8) % 8)
            var codewords = bits.bytes
            var pad: UInt8 = 0xEC
            while codewords.count * 8 < capacityBits {
                codewords.append(pad)
                pad ^= 0xEC ^ 0x11
            }
            return codewords
        }

        /// Splits the data into blocks, appends each block's Reed-Solomon ECC, and interleaves them
        /// column-wise so a smudge across the symbol damages several blocks a little rather than one a lot.
        static func finalCodewords(data: [UInt8], version: Int, correction: Correction) -> [UInt8] {
            let level = correction.tableIndex
            let blockCount = errorCorrectionBlocks[level][version]
            let eccLength = eccCodewordsPerBlock[level][version]
            let rawCodewords = rawDataModules(version: version) / 8
            let shortBlockCount = blockCount - rawCodewords % blockCount
            let shortBlockDataLength = rawCodewords / blockCount - eccLength
            let generator = ReedSolomon.generator(degree: eccLength)

            var dataBlocks: [[UInt8]] = []
            var eccBlocks: [[UInt8]] = []
            var start = 0
            for index in 0..<blockCount {
                let length = shortBlockDataLength + (index < shortBlockCount ? 0 : 1)
                let block = Array(data[start..<(start + length)])
                start += length
                dataBlocks.append(block)
                eccBlocks.append(ReedSolomon.remainder(of: block, generator: generator))
            }

            var result: [UInt8] = []
            result.reserveCapacity(rawCodewords)
            for column in 0...shortBlockDataLength {
                for block in dataBlocks where column < block.count { result.append(block[column]) }
            }
            for column in 0..<eccLength {
                for block in eccBlocks { result.append(block[column]) }
            }
            return result
        }

        /// Centre coordinates of alignment patterns along each axis (Annex E), spaced evenly from the
        /// far edge with the first fixed at 6.
        static func alignmentPositions(version: Int) -> [Int] {
            guard version >= 2 else { return [] }
            let count = version / 7 + 2
            let size = version * 4 + 17
            let step = (version * 8 + count * 3 + 5) / (count * 4 - 4) * 2
            let others = (0..<(count - 1)).map { size - 7 - $0 * step }
            return [6] + others.reversed()
        }
    }
}

extension QRCode.Correction {
    /// Row in the capacity tables (L, M, Q, H order).
    fileprivate var tableIndex: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .quartile: 2
        case .high: 3
        }
    }

    /// The two format-information bits the standard assigns; they are not in L, M, Q, H order.
    fileprivate var formatBits: Int {
        switch self {
        case .low: 1
        case .medium: 0
        case .quartile: 3
        case .high: 2
        }
    }
}

extension QRCode {
    fileprivate struct BitBuffer {
        private(set) var bits: [Bool] = []
        var count: Int { bits.count }

        mutating func append(_ value: Int, count: Int) {
            guard count > 0 else { return }
            for shift in stride(from: count - 1, through: 0, by: -1) {
                bits.append((value >> shift) & 1 == 1)
            }
        }

        /// Packs whole bytes; callers pad to a byte boundary first.
        var bytes: [UInt8] {
            stride(from: 0, to: bits.count, by: 8).map { start in
                var byte: UInt8 = 0
                for offset in 0..<8 {
                    let bit = start + offset < bits.count && bits[start + offset]
                    byte = (byte << 1) | (bit ? 1 : 0)
                }
                return byte
            }
        }
    }
}

extension QRCode {
    /// Reed-Solomon over GF(2⁸) with the QR field polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D).
    fileprivate enum ReedSolomon {
        static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
            var product = 0
            for shift in stride(from: 7, through: 0, by: -1) {
                product = (product << 1) ^ ((product >> 7) * 0x11D)
                product ^= ((Int(y) >> shift) & 1) * Int(x)
            }
            return UInt8(truncatingIfNeeded: product)
        }

        /// Coefficients of ∏(x − αⁱ) for i in 0..<degree, highest power first, leading 1 omitted.
        static func generator(degree: Int) -> [UInt8] {
            var coefficients = [UInt8](repeating: 0, count: degree)
            coefficients[degree - 1] = 1
            var root: UInt8 = 1
            for _ in 0..<degree {
                for index in 0..<degree {
                    coefficients[index] = multiply(coefficients[index], root)
                    if index + 1 < degree { coefficients[index] ^= coefficients[index + 1] }
                }
                root = multiply(root, 0x02)
            }
            return coefficients
        }

        static func remainder(of data: [UInt8], generator: [UInt8]) -> [UInt8] {
            var remainder = [UInt8](repeating: 0, count: generator.count)
            for byte in data {
                let factor = byte ^ remainder.removeFirst()
                remainder.append(0)
                for index in remainder.indices {
                    remainder[index] ^= multiply(generator[index], factor)
                }
            }
            return remainder
        }
    }
}

// MARK: - Module grid

extension QRCode {
    fileprivate struct Grid {
        let version: Int
        let size: Int
        var dark: [Bool]
        /// Function-pattern, format, version and dark-module positions: never data, never masked.
        var reserved: [Bool]

        init(version: Int) {
            self.version = version
            size = version * 4 + 17
            dark = Array(repeating: false, count: size * size)
            reserved = Array(repeating: false, count: size * size)
            drawFunctionPatterns()
        }

        private mutating func setFunction(_ row: Int, _ column: Int, _ isDark: Bool) {
            dark[row * size + column] = isDark
            reserved[row * size + column] = true
        }

        /// Draws finders, separators, timing and alignment patterns, and reserves (light for now) the
        /// format, version and dark-module areas, which are written only after the mask is chosen.
        private mutating func drawFunctionPatterns() {
            for index in 0..<size {
                setFunction(6, index, index % 2 == 0)
                setFunction(index, 6, index % 2 == 0)
            }
            for (row, column) in [(3, 3), (3, size - 4), (size - 4, 3)] {
                for dy in -4...4 {
                    for dx in -4...4 {
                        let r = row + dy, c = column + dx
                        guard (0..<size).contains(r), (0..<size).contains(c) else { continue }
                        let distance = max(abs(dx), abs(dy))
                        setFunction(r, c, distance != 2 && distance != 4)
                    }
                }
            }
            let positions = Tables.alignmentPositions(version: version)
            if let first = positions.first, let last = positions.last {
                for row in positions {
                    for column in positions {
                        // These three would sit on the finder patterns.
                        if (row == first && column == first) || (row == first && column == last)
                            || (row == last && column == first) { continue }
                        for dy in -2...2 {
                            for dx in -2...2 {
                                setFunction(row + dy, column + dx, max(abs(dx), abs(dy)) != 1)
                            }
                        }
                    }
                }
            }
            for index in 0..<9 where index != 6 {
                setFunction(index, 8, false)
                setFunction(8, index, false)
            }
            for index in 0..<8 {
                setFunction(size - 1 - index, 8, false)
                setFunction(8, size - 1 - index, false)
            }
            if version >= 7 {
                for a in 0..<6 {
                    for b in (size - 11)..<(size - 8) {
                        setFunction(a, b, false)
                        setFunction(b, a, false)
                    }
                }
            }
        }

        /// Places codeword bits in the two-column zigzag from the bottom right, skipping reserved
        /// modules and the vertical timing column; leftover remainder bits stay light.
        mutating func place(_ codewords: [UInt8]) {
            let totalBits = codewords.count * 8
            var bitIndex = 0
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                let upward = (right + 1) & 2 == 0
                for step in 0..<size {
                    let row = upward ? size - 1 - step : step
                    for column in [right, right - 1] where !reserved[row * size + column] && bitIndex < totalBits {
                        dark[row * size + column] = (codewords[bitIndex >> 3] >> (7 - UInt8(bitIndex & 7))) & 1 == 1
                        bitIndex += 1
                    }
                }
                right -= 2
            }
        }

        static func maskInverts(_ mask: Int, row: Int, column: Int) -> Bool {
            switch mask {
            case 0: (row + column) % 2 == 0
            case 1: row % 2 == 0
            case 2: column % 3 == 0
            case 3: (row + column) % 3 == 0
            case 4: (row / 2 + column / 3) % 2 == 0
            case 5: (row * column) % 2 + (row * column) % 3 == 0
            case 6: ((row * column) % 2 + (row * column) % 3) % 2 == 0
            default: ((row + column) % 2 + (row * column) % 3) % 2 == 0
            }
        }

        /// XORs the mask over data modules; applying it twice restores the grid.
        mutating func applyMask(_ mask: Int) {
            for row in 0..<size {
                for column in 0..<size where !reserved[row * size + column] {
                    if Self.maskInverts(mask, row: row, column: column) { dark[row * size + column].toggle() }
                }
            }
        }

        /// Tries all eight masks and keeps the first with the lowest penalty. Scoring happens before
        /// format and version information are written (those areas count as light), following
        /// ISO/IEC 18004:2015 §7.8 as segno does, so the choice matches that reference; encoders that
        /// score the finished symbol may pick another mask, which decodes just as well.
        mutating func lowestPenaltyMask() -> Int {
            var best = (mask: 0, penalty: Int.max)
            for mask in 0..<8 {
                applyMask(mask)
                let penalty = penaltyScore()
                applyMask(mask)
                if penalty < best.penalty { best = (mask, penalty) }
            }
            return best.mask
        }

        /// N1 (runs of five or more), N2 (2×2 blocks), N3 (finder-like 1:1:3:1:1 with four light
        /// modules on one side; beyond the edge counts as light) and N4 (distance from 50 % dark).
        func penaltyScore() -> Int {
            var score = 0
            var darkCount = 0
            for row in 0..<size {
                let rowLine = (0..<size).map { dark[row * size + $0] }
                let columnLine = (0..<size).map { dark[$0 * size + row] }
                score += Self.runPenalty(rowLine) + Self.runPenalty(columnLine)
                score += Self.finderLikePenalty(rowLine) + Self.finderLikePenalty(columnLine)
                darkCount += rowLine.filter { $0 }.count
                if row > 0 {
                    for column in 1..<size {
                        let value = dark[row * size + column]
                        if value == dark[row * size + column - 1], value == dark[(row - 1) * size + column],
                           value == dark[(row - 1) * size + column - 1] {
                            score += 3
                        }
                    }
                }
            }
            let total = size * size
            score += 10 * (abs(darkCount * 20 - total * 10) / total)
            return score
        }

        private static func runPenalty(_ line: [Bool]) -> Int {
            var score = 0
            var runLength = 0
            var previous: Bool?
            for value in line {
                if value == previous {
                    runLength += 1
                } else {
                    if runLength >= 5 { score += runLength - 2 }
                    runLength = 1
                    previous = value
                }
            }
            if runLength >= 5 { score += runLength - 2 }
            return score
        }

        private static let finderLike: [Bool] = [true, false, true, true, true, false, true]

        /// Scans left to right; after a counted match the scan resumes past it, otherwise at the next
        /// position where the pattern could overlap itself.
        private static func finderLikePenalty(_ line: [Bool]) -> Int {
            var score = 0
            var start = 0
            let count = line.count
            while start + 7 <= count {
                guard let index = (start...(count - 7)).first(where: { line[$0..<($0 + 7)].elementsEqual(finderLike) }) else {
                    break
                }
                let lightBefore = !line[max(index - 4, 0)..<index].contains(true)
                let lightAfter = !line[(index + 7)..<min(index + 11, count)].contains(true)
                if lightBefore || lightAfter {
                    score += 40
                    start = index + 7
                } else {
                    start = index + 4
                }
            }
            return score
        }

        /// 15-bit format word: correction and mask, BCH(15,5) protected, XORed with 0x5412 so it is
        /// never all light; written twice, plus the always-dark module beside the bottom-left finder.
        mutating func drawFormatInformation(correction: QRCode.Correction, mask: Int) {
            let data = correction.formatBits << 3 | mask
            var remainder = data
            for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
            let bits = (data << 10 | remainder) ^ 0x5412
            func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }

            for index in 0..<6 { setFunction(index, 8, bit(index)) }
            setFunction(7, 8, bit(6))
            setFunction(8, 8, bit(7))
            setFunction(8, 7, bit(8))
            for index in 9..<15 { setFunction(8, 14 - index, bit(index)) }

            for index in 0..<8 { setFunction(8, size - 1 - index, bit(index)) }
            for index in 8..<15 { setFunction(size - 15 + index, 8, bit(index)) }
            setFunction(size - 8, 8, true)
        }

        /// From version 7 on, the version number with its BCH(18,6) check goes in two 6×3 blocks.
        mutating func drawVersionInformation() {
            guard version >= 7 else { return }
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = version << 12 | remainder
            for index in 0..<18 {
                let value = (bits >> index) & 1 == 1
                let a = size - 11 + index % 3
                let b = index / 3
                setFunction(b, a, value)
                setFunction(a, b, value)
            }
        }
    }
}
