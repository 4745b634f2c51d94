import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// A client's scores over time: one server-drawn chart per questionnaire with its severity bands,
/// a table of the same numbers for screen readers and print, and the change since the first score
/// with the parameters each measure used.
struct ProgressController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.progress, use: show)
        site.get(.clientFHIR, use: fhir)
        site.post(.responseShare, use: share)
        site.post(.progressPortalSharing, use: sharePortalChart)
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let id = context.clientID
        let responses = try await MeasuresQueries.completedResponses(of: id, on: request.db)
        let zone = context.zone
        let phaseStarts = try await Self.phaseStarts(clientID: id, zone: zone, on: request.db)
        let byInstrument = Dictionary(grouping: responses, by: \.instrumentCode)
        var spreads: [String: (sd: Double?, count: Int)] = [:]
        for code in byInstrument.keys {
            spreads[code] = try await MeasuresQueries.baselineSpread(code, keyRing: request.services.keyRing, on: request.db)
        }
        return try await request.auditedPage("Progress", recordType: "progress", recordID: id.uuidString, subject: id.uuidString,
                                             detail: "scores=\(responses.count)") {
            let instruments = request.services.instruments
            func phase(at date: Date) -> String { phaseStarts.last { $0.0 <= date }?.1.label ?? "Before the course" }
            var sections: [ProgressPage.Section] = try instruments.all.compactMap { instrument in
                guard let rows = byInstrument[instrument.code], !rows.isEmpty else { return nil }
                let points = try rows.compactMap { row in
                    try row.total(request.services.keyRing).flatMap { total in row.completedAt.map { ProgressPage.Point(date: $0, score: total, phase: phase(at: $0)) } }
                }
                return ProgressPage.Section(instrument: instrument, points: points, change: Self.change(instrument, points: points, spread: spreads[instrument.code]))
            }
            Self.addPairedChange(to: &sections)
            let sharing = context.client.guardianName != nil && !responses.isEmpty ? responses.map { response in
                ProgressPage.Shared(responseID: response.id?.uuidString ?? "",
                                    label: "\(instruments.named(response.instrumentCode)?.name ?? response.instrumentCode), \(response.completedAt.map { DateDisplay.day(zone.localDate(of: $0)) } ?? "")",
                                    shared: response.sharedWithGuardian)
            } : nil
            return .group(
                ProgressPage.view(ProgressPage.Model(clientID: id.uuidString, clientName: context.client.name, zone: zone, phaseStarts: phaseStarts,
                                                     sections: sections, guardianSharing: sharing, csrfToken: request.csrfToken)),
                PortalScoreSharing.view(.init(clientID: id.uuidString, shared: context.client.scoresInPortal, csrfToken: request.csrfToken)))
        }
    }

    /// The change since the first score, with the parameters each measure used; nil with fewer than two scores.
    static func change(_ instrument: Instrument, points: [ProgressPage.Point], spread: (sd: Double?, count: Int)?) -> [ProgressPage.Detail]? {
        guard points.count >= 2, let first = points.first, let last = points.last else { return nil }
        let change = ChangeMetrics(instrument: instrument, baseline: first.score, latest: last.score,
                                   standardDeviation: spread?.sd, reliability: instrument.change?.reliability)
        let rciText: String? = {
            if let rci = change.rci {
                return String(format: "%.2f", rci.value) + (rci.isReliable ? " (reliable change: beyond 1.96 either way)" : " (within 1.96: not a reliable change)")
                    + String(format: ". Used: SD %.2f, the spread of this clinic's first %@ scores (%d clients), and reliability %.2f", rci.standardDeviation, instrument.name, spread?.count ?? 0, rci.reliability)
                    + (instrument.change?.reliabilitySource.map { " (\($0))" } ?? "") + "."
            }
            if instrument.change?.reliability == nil { return "Not computed: this measure's definition gives no reliability." }
            return "Not computed yet: the SD comes from the first scores of at least \(ChangeMetrics.minimumBaselines) clients; the clinic has \(spread?.count ?? 0)."
        }()
        func yesNo(_ value: Bool) -> String { value ? "Yes" : "No" }
        var details: [ProgressPage.Detail] = [
            .init(term: "Since the first score", description: "\(change.baseline) to \(change.latest)"),
            .init(term: "Response (a drop of half or more)",
                  description: change.response.map(yesNo) ?? "Not applicable: the first score was not in the clinical range (above \(instrument.change?.casenessAbove ?? 0))"),
        ]
        if let remission = change.remission {
            details.append(.init(term: "Remission (below \(instrument.change?.remissionBelow ?? 0))", description: yesNo(remission)))
        }
        if let improved = change.reliableImprovement {
            details.append(.init(term: "Reliable improvement (a drop of \(instrument.change?.reliableDrop ?? 0) or more, the NHS Talking Therapies convention)", description: yesNo(improved)))
        }
        if let worse = change.reliableDeterioration {
            details.append(.init(term: "Reliable deterioration (a rise of \(instrument.change?.reliableDrop ?? 0) or more, the same convention)", description: yesNo(worse)))
        }
        if let rciText { details.append(.init(term: "Reliable Change Index (Jacobson and Truax)", description: rciText)) }
        return details
    }
}

extension ProgressController {
    /// The depression and anxiety measures judged together (`PairedChange`, the function the clinic's
    /// outcomes report uses), added to the depression measure's section; nil without two depression scores.
    static func pairedChange(_ sections: [ProgressPage.Section]) -> PairedChange? {
        func change(_ code: String) -> ChangeMetrics? {
            guard let section = sections.first(where: { $0.instrument.code == code }), section.points.count >= 2,
                  let first = section.points.first, let last = section.points.last else { return nil }
            return ChangeMetrics(instrument: section.instrument, baseline: first.score, latest: last.score)
        }
        guard let depression = change(Instrument.phq9.code) ?? change(Instrument.phqA.code) else { return nil }
        return PairedChange(depression: depression, anxiety: change(Instrument.gad7.code))
    }

    static func addPairedChange(to sections: inout [ProgressPage.Section]) {
        guard let paired = pairedChange(sections),
              let index = sections.firstIndex(where: { [Instrument.phq9.code, Instrument.phqA.code].contains($0.instrument.code) && $0.change != nil }) else { return }
        func yesNo(_ value: Bool) -> String { value ? "Yes" : "No" }
        let basis = paired.basis == .bothMeasures
            ? "Judged on this measure and the GAD-7 together, as NHS Talking Therapies does"
            : "Judged on this measure alone: the GAD-7 was not scored twice"
        sections[index].change?.append(contentsOf: [
            .init(term: "Both measures (NHS Talking Therapies)", description: basis + "."),
            .init(term: "Reliable recovery", description: paired.caseAtStart ? yesNo(paired.reliableRecovery) : "Not applicable: not in the clinical range at the start"),
            .init(term: "Reliable improvement on the measures together", description: yesNo(paired.reliableImprovement)),
            .init(term: "Reliable deterioration on the measures together", description: yesNo(paired.reliableDeterioration)),
        ])
    }
}

extension ProgressController {
    /// The clinician shares (or stops sharing) one of an adolescent's questionnaires with the guardian.
    func share(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (fields, _) = try request.formBody()
        guard let id = request.parameters.get("response").flatMap(UUID.init(uuidString:)),
              let response = try await MeasureResponse.query(on: request.db).filter(\.$id == id).filter(\.$client.$id == context.clientID).first()
        else { throw Abort(.notFound) }
        guard context.client.guardianName != nil else {
            throw Abort(.unprocessableEntity, reason: "This client has no parent or guardian on file.")
        }
        response.sharedWithGuardian = fields["share"] == "yes"
        try await response.update(on: request.db)
        try await request.audit(.update, recordType: "questionnaire-sharing", recordID: id.uuidString, subject: context.clientID.uuidString,
                                detail: response.sharedWithGuardian ? "shared with guardian" : "not shared")
        return request.redirect(to: SitePath.progress.link(context.clientID))
    }
}

extension ProgressController {
    /// Someone on the care team shows (or stops showing) the client their own score chart in the portal.
    func sharePortalChart(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (fields, _) = try request.formBody()
        let share = fields["share"] == "yes"
        try await ClientRecord.query(on: request.db).set(\.$scoresInPortal, to: share).filter(\.$id == context.clientID).update()
        try await request.audit(.update, recordType: "portal-score-sharing", recordID: context.clientID.uuidString, subject: context.clientID.uuidString,
                                detail: share ? "scores shown in the client's portal" : "scores not shown in the portal")
        return request.redirect(to: SitePath.progress.link(context.clientID))
    }
}

extension ProgressController {
    /// When each phase of the current course began: the start of the sessions that opened it, as
    /// the contract and the clinic's boundaries place them (an override by hand is not a date, so
    /// it does not move these marks).
    static func phaseStarts(clientID: UUID, zone: ClinicTimeZone, on database: any Database) async throws -> [(Date, Phase)] {
        guard let contract = try await ContractRow.latest(for: clientID, on: database), let start = LocalDate(iso: contract.startDate) else { return [] }
        let settings = try await ClinicalSettingsRow.current(on: database).course
        let sessions = try await Appointment.query(on: database).filter(\.$client.$id == clientID)
            .filter(\.$status == Appointment.Status.attended).filter(\.$startsAt >= zone.startOfDay(start)).sort(\.$startsAt).all()
        var starts: [(Date, Phase)] = [(zone.startOfDay(start), .initial)]
        for (offset, session) in sessions.enumerated() {
            let phase = CourseProgress.phase(ofSession: offset + 1, agreedSessions: contract.agreedSessions, settings: settings)
            if phase != starts.last?.1 { starts.append((session.startsAt, phase)) }
        }
        return starts
    }
}
