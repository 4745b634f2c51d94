import IPTCore
import Testing

@Suite struct PasswordPolicyTests {
    private let policy = PasswordPolicy(listText: "# comment\npassword\nsunshine\nqwerty123456\n")

    @Test func a_long_uncommon_password_is_accepted() {
        #expect(policy.problem(with: "harbour kettle violet 42", email: "ana@clinic.ca") == nil)
    }

    @Test(arguments: ["short1!", "elevenchars"])
    func a_password_under_twelve_characters_is_refused(_ password: String) {
        #expect(policy.problem(with: password, email: "a@b.ca")?.contains("at least 12") == true)
    }

    @Test func a_listed_password_is_refused_whatever_its_case() {
        #expect(policy.problem(with: "QWERTY123456", email: "a@b.ca") != nil)
    }

    @Test func a_common_password_with_digits_or_symbols_added_is_refused() {
        #expect(policy.problem(with: "Sunshine2024!!", email: "a@b.ca")?.contains("common password with") == true)
        #expect(policy.problem(with: "password123456", email: "a@b.ca") != nil)
    }

    @Test func the_email_name_and_one_repeated_character_are_refused() {
        #expect(policy.problem(with: "dr.okafor-rules-2026", email: "dr.okafor@clinic.ca")?.contains("email") == true)
        #expect(policy.problem(with: "aaaaaaaaaaaaaaaa", email: "a@b.ca") != nil)
    }

    @Test func more_than_bcrypts_72_bytes_is_refused_rather_than_silently_cut() {
        #expect(policy.problem(with: String(repeating: "horse battery ", count: 6), email: "a@b.ca")?.contains("72 bytes") == true)
    }

    @Test func the_shipped_list_style_is_parsed_without_comments_or_blank_lines() {
        let listed = PasswordPolicy(listText: "# header line\n\nletmein2024abc\n")
        #expect(listed.problem(with: "LetMeIn2024abc", email: "x@y.ca") != nil)
        #expect(listed.problem(with: "# header line", email: "x@y.ca") == nil)
    }
}
