import COpenSSL

/// The process-wide life of OpenSSL, which statushook shares with libpq and libcurl.
public enum OpenSSLProcess {
    /// Initializes OpenSSL without its `atexit` cleanup. Call it first thing in `main`, before
    /// libpq, libcurl or any digest touches OpenSSL: only the first initialization decides.
    ///
    /// OpenSSL's exit handler frees its global state and deletes its thread-local keys while
    /// threads the daemon does not join (the database watch, the retention sweeper, a worker
    /// finishing its last attempt) may still be using them. A thread that ends after that
    /// deletion never runs its destructor, so its error queue (OpenSSL 3's 904-byte
    /// `ERR_STATE`) is lost: LeakSanitizer reported exactly that, now and then, at exit.
    /// Without the handler, the kernel reclaims everything when the process ends, as it
    /// does for the rest of the daemon's memory.
    public static func initializeWithoutExitCleanup() {
        _ = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil)
    }
}
