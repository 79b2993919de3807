#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value that threads share, guarded by a pthread mutex, with a condition variable to wait
/// until it says something.
///
/// `Locked` for the values a thread sleeps on (a queue, a stop flag, a generation number), with
/// the same reason for pthreads: ThreadSanitizer sees them. Waits with a deadline are measured on
/// the monotonic clock, so that a change of the wall clock neither cuts nor stretches them.
public final class LockedCondition<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private let storage: UnsafeMutablePointer<Value>

    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        #if canImport(Glibc)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        #else
        pthread_cond_init(condition, nil)
        #endif
        storage = .allocate(capacity: 1)
        storage.initialize(to: value)
    }

    deinit {
        storage.deinitialize(count: 1)
        storage.deallocate()
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; `body` must not call back into this lock.
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&storage.pointee)
    }

    /// Wakes one thread waiting in ``wait(for:timeout:then:)``, if any waits.
    public func signal() {
        pthread_cond_signal(condition)
    }

    /// Wakes every thread waiting in ``wait(for:timeout:then:)``.
    public func broadcast() {
        pthread_cond_broadcast(condition)
    }

    /// Waits until `ready` says yes (at once when it already does) or `timeout` has passed (nil:
    /// no limit), then runs `body` with the value, all under the lock.
    public func wait<Result>(for ready: (Value) -> Bool, timeout: Duration? = nil,
                             then body: (inout Value) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let timeout {
            let deadline = Self.monotonicNow() + timeout
            while !ready(storage.pointee) {
                let left = deadline - Self.monotonicNow()
                guard left > .zero else { break }
                timedWait(left, until: deadline)
            }
        } else {
            while !ready(storage.pointee) { pthread_cond_wait(condition, mutex) }
        }
        return body(&storage.pointee)
    }

    #if canImport(Glibc)
    private func timedWait(_ left: Duration, until deadline: Duration) {
        var time = Self.timeSpec(deadline)
        _ = pthread_cond_timedwait(condition, mutex, &time)
    }
    #else
    private func timedWait(_ left: Duration, until deadline: Duration) {
        var time = Self.timeSpec(left)
        _ = pthread_cond_timedwait_relative_np(condition, mutex, &time)
    }
    #endif

    /// CLOCK_MONOTONIC, as a duration since its origin.
    private static func monotonicNow() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return .seconds(Int64(now.tv_sec)) + .nanoseconds(Int64(now.tv_nsec))
    }

    private static func timeSpec(_ duration: Duration) -> timespec {
        let (seconds, attoseconds) = duration.components
        return timespec(tv_sec: .init(seconds), tv_nsec: .init(attoseconds / 1_000_000_000))
    }
}
