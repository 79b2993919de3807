import Foundation

/// Delivers process signals synchronously to one thread, with `sigwait`.
///
/// Created before any other thread starts, so that every thread inherits the blocked mask and
/// the signals reach only the thread that waits for them.
struct SignalWaiter {
    private var set = sigset_t()

    init(blocking signals: [Int32]) {
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks until one of the signals arrives and returns it.
    func next() -> Int32 {
        var set = self.set
        var signal: Int32 = 0
        while sigwait(&set, &signal) != 0 {}
        return signal
    }
}
