#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value that threads share, guarded by a pthread mutex.
///
/// What `Synchronization.Mutex` does, with a lock ThreadSanitizer understands: on Linux `Mutex`
/// waits on a futex that TSan does not model, so `scripts/sanitize thread` would report every
/// access made under it as a race and hide the real ones among them.
///
/// The value lives in a heap cell of its own, reached through a constant pointer: a stored `var`
/// would add Swift's exclusivity tracking, which TSan reports on its own terms (and a zero-sized
/// value, `Locked(())`, would share its address with the next field).
public final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let storage: UnsafeMutablePointer<Value>

    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        storage = .allocate(capacity: 1)
        storage.initialize(to: value)
    }

    deinit {
        storage.deinitialize(count: 1)
        storage.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; `body` must not call back into this lock.
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&storage.pointee)
    }
}
