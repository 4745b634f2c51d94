import Foundation
import IPTCore
import Testing

@Suite struct TOTPTests {
    /// RFC 4226 Appendix D and RFC 6238 Appendix B share this 20-byte ASCII key for SHA1.
    private static let rfcKey = Array("12345678901234567890".utf8)

    private static func generator(digits: Int = 6, period: Int = 30) -> TOTPGenerator {
        TOTPGenerator(secret: rfcKey, digits: digits, period: period) { key, message in
            TestSHA1.hmac(key: key, message: message)
        }
    }

    private static func at(_ seconds: TimeInterval) -> Date { Date(timeIntervalSince1970: seconds) }

    // MARK: The test helper itself

    @Test func the_test_sha1_reproduces_the_fips_180_vectors() {
        #expect(TestSHA1.hex(TestSHA1.hash([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(TestSHA1.hex(TestSHA1.hash(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        let twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(TestSHA1.hex(TestSHA1.hash(Array(twoBlocks.utf8))) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    @Test func the_test_hmac_sha1_reproduces_the_rfc_2202_vectors() {
        let hiThere = TestSHA1.hmac(key: [UInt8](repeating: 0x0B, count: 20), message: Array("Hi There".utf8))
        #expect(TestSHA1.hex(hiThere) == "b617318655057264e28bc0b6fb378c8ef146be00")
        let jefe = TestSHA1.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(TestSHA1.hex(jefe) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        let longKey = TestSHA1.hmac(
            key: [UInt8](repeating: 0xAA, count: 80),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        )
        #expect(TestSHA1.hex(longKey) == "aa4ae5e15272d00e95705637ce8a3b55ed402112")
        let counterZero = TestSHA1.hmac(key: Self.rfcKey, message: [UInt8](repeating: 0, count: 8))
        #expect(TestSHA1.hex(counterZero) == "cc93cf18508d94934c64b65d8ba7667fb7cde4b0", "RFC 4226 Appendix D, count 0")
    }

    // MARK: Published vectors

    @Test func hotp_codes_match_rfc_4226_appendix_d() {
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        let generator = Self.generator()
        for (counter, code) in expected.enumerated() {
            #expect(generator.code(counter: UInt64(counter)) == code, "counter \(counter)")
        }
    }

    @Test func eight_digit_totp_codes_match_rfc_6238_appendix_b_for_sha1() {
        let expected: [(seconds: TimeInterval, counter: UInt64, code: String)] = [
            (59, 0x1, "94287082"),
            (1_111_111_109, 0x0235_23EC, "07081804"),
            (1_111_111_111, 0x0235_23ED, "14050471"),
            (1_234_567_890, 0x0273_EF07, "89005924"),
            (2_000_000_000, 0x03F9_40AA, "69279037"),
            (20_000_000_000, 0x27BC_86AA, "65353130"),
        ]
        let generator = Self.generator(digits: 8)
        for vector in expected {
            #expect(generator.counter(at: Self.at(vector.seconds)) == vector.counter, "T = \(vector.seconds)")
            #expect(generator.code(at: Self.at(vector.seconds)) == vector.code, "T = \(vector.seconds)")
        }
    }

    @Test func six_digit_codes_are_the_last_six_digits_and_keep_leading_zeros() {
        let generator = Self.generator()
        #expect(generator.code(at: Self.at(59)) == "287082")
        #expect(generator.code(at: Self.at(1_111_111_109)) == "081804")
    }

    // MARK: Steps

    @Test func steps_are_thirty_seconds_from_the_unix_epoch() {
        let generator = Self.generator()
        #expect(generator.counter(at: Self.at(0)) == 0)
        #expect(generator.counter(at: Self.at(29.999)) == 0)
        #expect(generator.counter(at: Self.at(30)) == 1)
        #expect(generator.counter(at: Self.at(89.5)) == 2)
        #expect(Self.generator(period: 60).counter(at: Self.at(119)) == 1)
    }

    @Test func times_before_1970_or_absurdly_far_ahead_do_not_trap() {
        let generator = Self.generator()
        #expect(generator.counter(at: Self.at(-1)) == 0)
        #expect(generator.counter(at: .distantPast) == 0)
        #expect(generator.counter(at: Self.at(1e30)) == UInt64.max)
        #expect(generator.code(at: Self.at(1e30)).count == 6)
    }

    // MARK: Verification

    private static let now = at(1_800_000_015)

    private static func codeAt(step offset: Int, digits: Int = 6) -> (code: String, counter: UInt64) {
        let generator = generator(digits: digits)
        let counter = UInt64(Int(generator.counter(at: now)) + offset)
        return (generator.code(counter: counter), counter)
    }

    @Test func the_current_code_is_accepted_and_its_step_returned() {
        let current = Self.codeAt(step: 0)
        #expect(Self.generator().matchingCounter(for: current.code, at: Self.now, lastUsedCounter: nil) == current.counter)
    }

    @Test func a_code_from_the_previous_step_is_accepted_once() {
        let generator = Self.generator()
        let previous = Self.codeAt(step: -1)
        let first = generator.matchingCounter(for: previous.code, at: Self.now, lastUsedCounter: nil)
        #expect(first == previous.counter)
        let replay = generator.matchingCounter(for: previous.code, at: Self.now, lastUsedCounter: first)
        #expect(replay == nil)
    }

    @Test func a_code_from_the_next_step_is_accepted_for_a_phone_clock_running_fast() {
        let next = Self.codeAt(step: 1)
        #expect(Self.generator().matchingCounter(for: next.code, at: Self.now, lastUsedCounter: nil) == next.counter)
    }

    @Test func a_code_two_steps_away_is_refused_unless_more_drift_is_allowed() {
        let generator = Self.generator()
        for offset in [-2, 2] {
            let far = Self.codeAt(step: offset)
            #expect(generator.matchingCounter(for: far.code, at: Self.now, lastUsedCounter: nil) == nil)
            #expect(generator.matchingCounter(for: far.code, at: Self.now, allowedDrift: 2, lastUsedCounter: nil) == far.counter)
        }
    }

    @Test func with_no_drift_allowed_only_the_current_step_is_accepted() {
        let generator = Self.generator()
        #expect(generator.matchingCounter(for: Self.codeAt(step: -1).code, at: Self.now, allowedDrift: 0, lastUsedCounter: nil) == nil)
        #expect(generator.matchingCounter(for: Self.codeAt(step: 0).code, at: Self.now, allowedDrift: 0, lastUsedCounter: nil) != nil)
        #expect(generator.matchingCounter(for: Self.codeAt(step: 0).code, at: Self.now, allowedDrift: -5, lastUsedCounter: nil) != nil)
    }

    @Test func the_same_code_cannot_be_used_twice_within_its_step() {
        let generator = Self.generator()
        let current = Self.codeAt(step: 0)
        let used = generator.matchingCounter(for: current.code, at: Self.now, lastUsedCounter: nil)
        #expect(used == current.counter)
        let tenSecondsLater = Self.now.addingTimeInterval(10)
        #expect(generator.matchingCounter(for: current.code, at: tenSecondsLater, lastUsedCounter: used) == nil)
    }

    @Test func an_older_code_is_refused_once_a_newer_one_has_been_used() {
        let generator = Self.generator()
        let current = Self.codeAt(step: 0)
        #expect(generator.matchingCounter(for: Self.codeAt(step: -1).code, at: Self.now, lastUsedCounter: current.counter) == nil)
        #expect(generator.matchingCounter(for: current.code, at: Self.now, lastUsedCounter: current.counter) == nil)
        let next = Self.codeAt(step: 1)
        #expect(generator.matchingCounter(for: next.code, at: Self.now, lastUsedCounter: current.counter) == next.counter)
    }

    @Test func a_wrong_code_is_refused() {
        let generator = Self.generator()
        let current = Self.codeAt(step: 0).code
        let window = Set((-1...1).map { Self.codeAt(step: $0).code })
        let wrong = (1...9).lazy.map { shift in
            String(current.map { Character(String((($0.wholeNumberValue ?? 0) + shift) % 10)) })
        }.first { !window.contains($0) }
        #expect(wrong != nil)
        #expect(generator.matchingCounter(for: wrong ?? "", at: Self.now, lastUsedCounter: nil) == nil)
        #expect(generator.matchingCounter(for: String(current.dropLast()), at: Self.now, lastUsedCounter: nil) == nil)
        #expect(generator.matchingCounter(for: current + "0", at: Self.now, lastUsedCounter: nil) == nil)
        #expect(generator.matchingCounter(for: "", at: Self.now, lastUsedCounter: nil) == nil)
    }

    @Test func codes_with_letters_or_other_digits_are_refused_but_spaces_are_ignored() {
        let generator = Self.generator()
        let current = Self.codeAt(step: 0)
        let spaced = String(current.code.prefix(3)) + " " + String(current.code.suffix(3))
        #expect(generator.matchingCounter(for: " \(spaced)\n", at: Self.now, lastUsedCounter: nil) == current.counter)
        let arabicIndic = String(current.code.map { Character(Unicode.Scalar(UInt32(0x0660 + ($0.wholeNumberValue ?? 0))) ?? "x") })
        #expect(generator.matchingCounter(for: arabicIndic, at: Self.now, lastUsedCounter: nil) == nil)
        #expect(generator.matchingCounter(for: "12345a", at: Self.now, lastUsedCounter: nil) == nil)
        #expect(generator.matchingCounter(for: "-12345", at: Self.now, lastUsedCounter: nil) == nil)
    }

    @Test func eight_digit_generators_verify_eight_digit_codes() {
        let generator = Self.generator(digits: 8)
        let current = Self.codeAt(step: 0, digits: 8)
        #expect(current.code.count == 8)
        #expect(generator.matchingCounter(for: current.code, at: Self.now, lastUsedCounter: nil) == current.counter)
        #expect(generator.matchingCounter(for: String(current.code.suffix(6)), at: Self.now, lastUsedCounter: nil) == nil)
    }

    @Test func verification_near_the_epoch_does_not_underflow() {
        let generator = Self.generator()
        let start = Self.at(5)
        #expect(generator.matchingCounter(for: generator.code(counter: 0), at: start, allowedDrift: 3, lastUsedCounter: nil) == 0)
        #expect(generator.matchingCounter(for: generator.code(counter: 1), at: start, lastUsedCounter: nil) == 1)
    }

    // MARK: Base32

    @Test func base32_encodes_the_rfc_4648_vectors_without_padding() {
        let vectors = ["": "", "f": "MY", "fo": "MZXQ", "foo": "MZXW6", "foob": "MZXW6YQ", "fooba": "MZXW6YTB", "foobar": "MZXW6YTBOI"]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded, "\(plain)")
            #expect(Base32.decode(encoded) == Array(plain.utf8), "\(plain)")
        }
        #expect(Base32.encode(Self.rfcKey) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    }

    @Test func base32_decoding_accepts_padding_lowercase_and_spaces() {
        #expect(Base32.decode("MZXW6YTBOI======") == Array("foobar".utf8))
        #expect(Base32.decode("mzxw 6ytb oi") == Array("foobar".utf8))
        #expect(Base32.decode("  MzXw6\tyTbOi\n") == Array("foobar".utf8))
        #expect(Base32.decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq") == Self.rfcKey)
    }

    @Test func base32_decoding_refuses_foreign_characters_and_impossible_lengths() {
        #expect(Base32.decode("MZXW0") == nil, "0 is not in the alphabet")
        #expect(Base32.decode("MZXW1") == nil, "1 is not in the alphabet")
        #expect(Base32.decode("MZ=XW") == nil, "padding only at the end")
        #expect(Base32.decode("MZXW6-YTB") == nil)
        #expect(Base32.decode("MZXWé") == nil)
        #expect(Base32.decode("M") == nil, "one symbol cannot hold a byte")
        #expect(Base32.decode("MZX") == nil, "three symbols are not a whole number of bytes")
        #expect(Base32.decode("MZXW6Y") == nil, "nor are six")
        #expect(Base32.decode("MY") == [0x66])
        #expect(Base32.decode("MZ") == nil, "leftover bits must be zero")
    }

    @Test func base32_round_trips_every_length_and_byte_value() {
        var bytes: [UInt8] = []
        for length in 0...64 {
            #expect(Base32.decode(Base32.encode(bytes)) == bytes, "length \(length)")
            bytes.append(UInt8(truncatingIfNeeded: length &* 37 &+ 200))
        }
        let everyByte = (0...255).map { UInt8($0) }
        #expect(Base32.decode(Base32.encode(everyByte)) == everyByte)
        #expect(Base32.encode(everyByte).allSatisfy { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains($0) })
    }

    // MARK: Enrolment URI

    @Test func the_otpauth_uri_has_the_key_uri_format_with_every_parameter() {
        let uri = TOTPGenerator.otpauthURI(secret: Self.rfcKey, account: "alice@example.org", issuer: "IPT Clinic")
        #expect(uri == "otpauth://totp/IPT%20Clinic:alice%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            + "&issuer=IPT%20Clinic&algorithm=SHA1&digits=6&period=30")
    }

    @Test func reserved_characters_in_issuer_and_account_are_percent_encoded_so_they_cannot_break_the_uri() throws {
        let issuer = "A&B: Physio/Rehab?#=+"
        let account = "zoë+test@example.org"
        let uri = TOTPGenerator.otpauthURI(secret: Self.rfcKey, account: account, issuer: issuer)
        #expect(uri.hasPrefix("otpauth://totp/A%26B%3A%20Physio%2FRehab%3F%23%3D%2B:zo%C3%AB%2Btest%40example.org?"))
        let components = try #require(URLComponents(string: uri))
        #expect(components.scheme == "otpauth")
        #expect(components.host == "totp")
        #expect(components.path == "/" + issuer + ":" + account)
        let items = Dictionary(uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(items == [
            "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "issuer": issuer,
            "algorithm": "SHA1", "digits": "6", "period": "30",
        ])
    }

    @Test func a_generators_uri_carries_its_own_secret_and_settings() throws {
        let secret: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06]
        let generator = TOTPGenerator(secret: secret, digits: 8, period: 60) { key, message in
            TestSHA1.hmac(key: key, message: message)
        }
        let uri = generator.otpauthURI(account: "bob", issuer: "IPT")
        #expect(uri.hasSuffix("&issuer=IPT&algorithm=SHA1&digits=8&period=60"))
        let components = try #require(URLComponents(string: uri))
        let secretText = try #require(components.queryItems?.first { $0.name == "secret" }?.value)
        #expect(Base32.decode(secretText) == secret)
    }

    @Test func an_empty_issuer_leaves_the_label_prefix_and_parameter_out() {
        let uri = TOTPGenerator.otpauthURI(secret: [1, 2, 3, 4, 5], account: "carol", issuer: "")
        #expect(uri == "otpauth://totp/carol?secret=AEBAGBAF&algorithm=SHA1&digits=6&period=30")
    }

    @Test func an_enrolment_uri_fits_a_small_qr_code() throws {
        let secret = [UInt8](repeating: 0x5A, count: 20)
        let uri = TOTPGenerator.otpauthURI(secret: secret, account: "a.very.long.staff.name@physio-clinic.example.org", issuer: "IPT Clinic")
        let code = try QRCode(text: uri, correction: .medium)
        #expect(code.version <= 10)
    }
}
