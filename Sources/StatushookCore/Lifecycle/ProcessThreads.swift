import Foundation

/// The threads of this process as the kernel lists them (`/proc/self/task`): the daemon logs
/// their number at start and before it exits, so that a thread that outlived `stop` shows.
enum ProcessThreads {
    /// Nil where there is no `/proc` (macOS).
    static func count() -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task"))?.count
    }

    /// Each thread's name (`comm`), for the log of a stop that left some behind.
    static func names() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.sorted().compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Waits up to `timeout` for the count to come down to `target`; a thread that has returned
    /// takes a moment more to leave the kernel's list. Returns the last count seen.
    static func settle(to target: Int, timeout: Duration) -> Int? {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while true {
            guard let now = count() else { return nil }
            if now <= target || clock.now >= end { return now }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}
