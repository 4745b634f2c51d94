import Foundation

// The PHQ-9, GAD-7 and PHQ-A as published (Pfizer; free to reproduce, translate, display and
// distribute). Their wording is data and stays exactly as published.

extension Instrument {
    static let frequency: [Option] = [Option(0, "Not at all"), Option(1, "Several days"), Option(2, "More than half the days"),
                                      Option(3, "Nearly every day")]
    static let difficulty: [Option] = [Option(0, "Not difficult at all"), Option(1, "Somewhat difficult"), Option(2, "Very difficult"),
                                       Option(3, "Extremely difficult")]
    static let yesNo: [Option] = [Option(0, "No"), Option(1, "Yes")]
    static let depressionBands: [Band] = [Band(0, 4, "Minimal"), Band(5, 9, "Mild"), Band(10, 14, "Moderate"),
                                          Band(15, 19, "Moderately severe"), Band(20, 27, "Severe")]
    static let pfizer = "PHQ and GAD-7 instruments: developed by Drs. Spitzer, Williams, Kroenke and colleagues with an educational grant from Pfizer Inc.; no permission required to reproduce, translate, display or distribute."

    public static let phq9 = Instrument(
        code: "phq-9", name: "PHQ-9", version: "1",
        instructions: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
        items: [
            Item(id: "1", text: "Little interest or pleasure in doing things", options: frequency),
            Item(id: "2", text: "Feeling down, depressed, or hopeless", options: frequency),
            Item(id: "3", text: "Trouble falling or staying asleep, or sleeping too much", options: frequency),
            Item(id: "4", text: "Feeling tired or having little energy", options: frequency),
            Item(id: "5", text: "Poor appetite or overeating", options: frequency),
            Item(id: "6", text: "Feeling bad about yourself - or that you are a failure or have let yourself or your family down", options: frequency),
            Item(id: "7", text: "Trouble concentrating on things, such as reading the newspaper or watching television", options: frequency),
            Item(id: "8", text: "Moving or speaking so slowly that other people could have noticed? Or the opposite - being so fidgety or restless that you have been moving around a lot more than usual", options: frequency),
            Item(id: "9", text: "Thoughts that you would be better off dead or of hurting yourself in some way", options: frequency, riskAtOrAbove: 1),
            Item(id: "difficulty", text: "If you checked off any problems, how difficult have these problems made it for you to do your work, take care of things at home, or get along with other people?",
                 options: difficulty, scored: false, optional: true),
        ],
        bands: depressionBands,
        change: ChangeCriteria(remissionBelow: 5, reliableDrop: 6, casenessAbove: 9,
                               reliability: 0.89, reliabilitySource: "Cronbach's alpha, Kroenke, Spitzer and Williams 2001"),
        loinc: "44249-1", licence: pfizer)

    public static let gad7 = Instrument(
        code: "gad-7", name: "GAD-7", version: "1",
        instructions: "Over the last 2 weeks, how often have you been bothered by the following problems?",
        items: [
            Item(id: "1", text: "Feeling nervous, anxious, or on edge", options: frequency),
            Item(id: "2", text: "Not being able to stop or control worrying", options: frequency),
            Item(id: "3", text: "Worrying too much about different things", options: frequency),
            Item(id: "4", text: "Trouble relaxing", options: frequency),
            Item(id: "5", text: "Being so restless that it is hard to sit still", options: frequency),
            Item(id: "6", text: "Becoming easily annoyed or irritable", options: frequency),
            Item(id: "7", text: "Feeling afraid, as if something awful might happen", options: frequency),
            Item(id: "difficulty", text: "If you checked any problems, how difficult have they made it for you to do your work, take care of things at home, or get along with other people?",
                 options: difficulty, scored: false, optional: true),
        ],
        bands: [Band(0, 4, "Minimal"), Band(5, 9, "Mild"), Band(10, 14, "Moderate"), Band(15, 21, "Severe")],
        change: ChangeCriteria(remissionBelow: nil, reliableDrop: 4, casenessAbove: 7,
                               reliability: 0.92, reliabilitySource: "Cronbach's alpha, Spitzer, Kroenke, Williams and Löwe 2006"),
        loinc: "69737-5", licence: pfizer)

    /// The PHQ-9 modified for adolescents (Johnson 2002). Items are keyed by content, not number,
    /// because their order differs between printed versions.
    public static let phqA = Instrument(
        code: "phq-a", name: "PHQ-A", version: "1",
        instructions: "How often have you been bothered by each of the following symptoms during the past two weeks?",
        items: [
            Item(id: "down", text: "Feeling down, depressed, irritable, or hopeless?", options: frequency),
            Item(id: "interest", text: "Little interest or pleasure in doing things?", options: frequency),
            Item(id: "sleep", text: "Trouble falling asleep, staying asleep, or sleeping too much?", options: frequency),
            Item(id: "appetite", text: "Poor appetite, weight loss, or overeating?", options: frequency),
            Item(id: "energy", text: "Feeling tired, or having little energy?", options: frequency),
            Item(id: "self-worth", text: "Feeling bad about yourself - or feeling that you are a failure, or that you have let yourself or your family down?", options: frequency),
            Item(id: "concentration", text: "Trouble concentrating on things like school work, reading, or watching TV?", options: frequency),
            Item(id: "movement", text: "Moving or speaking so slowly that other people could have noticed? Or the opposite - being so fidgety or restless that you were moving around a lot more than usual?", options: frequency),
            Item(id: "self-harm", text: "Thoughts that you would be better off dead, or of hurting yourself in some way?", options: frequency, riskAtOrAbove: 1),
            Item(id: "past-year", text: "In the past year have you felt depressed or sad most days, even if you felt okay sometimes?", options: yesNo, scored: false, optional: true),
            Item(id: "difficulty", text: "If you are experiencing any of the problems on this form, how difficult have these problems made it for you to do your work, take care of things at home or get along with other people?",
                 options: difficulty, scored: false, optional: true),
            // Unscored, so not compulsory: a teen may leave them out and the total still stands. A "yes"
            // to the past month alerts every time; a "yes" to "ever" is history, flagged once on the chart.
            Item(id: "suicidal-thoughts-month", text: "Has there been a time in the past month when you have had serious thoughts about ending your life?",
                 options: yesNo, scored: false, riskAtOrAbove: 1, optional: true),
            Item(id: "suicide-attempt-ever", text: "Have you ever, in your whole life, tried to kill yourself or made a suicide attempt?",
                 options: yesNo, scored: false, riskAtOrAbove: 1, optional: true, riskKind: .history),
        ],
        bands: depressionBands,
        change: ChangeCriteria(remissionBelow: 5, reliableDrop: 6, casenessAbove: 10),
        loinc: nil, licence: pfizer)

    public static let builtIn: [Instrument] = [phq9, gad7, phqA]
}
