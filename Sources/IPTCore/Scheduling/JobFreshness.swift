import Foundation

/// When a scheduled job has gone too long without working, so the instance should stop saying it
/// is ready: the alert escalation that has not run for an hour is a safety problem, not a detail.
/// Measured from the job's last success anywhere (the jobs run on every instance) or, if later, from
/// when this instance started running jobs, so a fresh start is not "stale" before its first run.
public enum JobFreshness {
    /// Ten minutes, or five intervals for a job that runs less often than every two minutes.
    public static func allowance(interval seconds: TimeInterval) -> TimeInterval {
        max(600, 5 * seconds)
    }

    public static func isStale(lastSucceeded: Date?, interval seconds: TimeInterval, runningSince: Date, now: Date) -> Bool {
        let reference = max(lastSucceeded ?? runningSince, runningSince)
        return now.timeIntervalSince(reference) > allowance(interval: seconds)
    }
}
