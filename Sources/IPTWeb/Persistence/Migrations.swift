import Fluent

enum Migrations {
    /// In order; never edit one that has landed, add the next number instead.
    static let all: [any Migration] = [
        M001CreateClinicProfile(),
        M002CreateFeeTiers(),
        M003CreateStaffUsers(),
        M004CreateStaffSessions(),
        M005CreateEnquiries(),
        M006CreateNewsletterSubscribers(),
        M007CreateNewsletterIssues(),
        M008CreateOutbox(),
        M009CreateAuditTrail(),
        M010AddNewsletterSendKey(),
        M011CreatePasswordResets(),
        M012AddTwoFactor(),
        M013CreateDataKeys(),
        M014CreateScheduling(),
        M015AddOutboxAttachment(),
        M016CreateMeasures(),
        M017CreateSelfAssessments(),
        M018CreateIntake(),
        M019CreatePortal(),
        M020AddMeasureCadence(),
        M021CreateClinicalWorkspace(),
        M022CreateRecordRequests(),
        M023AddGuardianSharing(),
        M024AddDischargeCosignature(),
        M025CreateSafetyRecords(),
        M026CreateCareTeams(),
        M027AddCadenceClaim(),
        M030AddSecondFactorThrottle(),
        M035DropDeliveredEmailBodies(),
        M036BindSealsToClient(),
        M037SealScoresEventsAndSignatures(),
        M038AddPortalScoreSharing(),
    ]
}
