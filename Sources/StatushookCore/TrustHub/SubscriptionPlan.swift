import Foundation
import DurationUnits

/// `statushook subscribe`: which resources' (CustomerProfiles' and TrustProducts')
/// `StatusCallback` differs from this deployment's callback URL, and the calls that read and
/// change them.
public struct SubscriptionPlan: Sendable, Equatable {
    /// `public_url` + `callback_path`: where Twilio must send the callbacks.
    public var target: String
    /// The resources whose `StatusCallback` is not `target`, in the order read.
    public var changes: [TrustHubResource]
    public var unchanged: [TrustHubResource]

    public init(profiles: [TrustHubResource], target: String) {
        self.target = target
        changes = profiles.filter { $0.statusCallback != target }
        unchanged = profiles.filter { $0.statusCallback == target }
    }

    /// This deployment's callback URL, or why there is none.
    public static func callbackURL(_ configuration: Configuration) -> Result<String, SubscriptionError> {
        guard let publicURL = configuration.publicURL else {
            return .failure(SubscriptionError(description: "subscribe needs public_url: the StatusCallback it sets is public_url + callback_path"))
        }
        return .success(publicURL + configuration.callbackPath)
    }

    /// A URL fit for the terminal: credentials in it masked.
    public static func displayed(_ url: String?) -> String {
        guard let url else { return "(none)" }
        return url.isEmpty ? "(empty)" : SignedURLParts.redacted(url)
    }
}

public struct SubscriptionError: Error, CustomStringConvertible {
    public var description: String
}

/// The API calls of `subscribe`, each retried after a 429 or 5xx (honouring `Retry-After`) and a
/// transport failure, a few times; blocking, for the command's own thread.
public struct SubscriptionCalls: Sendable {
    private let client: TrustHubClient
    private let timeout = Duration.seconds(30)
    private let attempts = 5

    public init(settings: TrustHubSettings) {
        client = TrustHubClient(settings: settings)
    }

    /// The CustomerProfile `sid` names, else the TrustProduct.
    public func fetch(sid: String) throws(TrustHubError) -> TrustHubResource {
        try retrying { () throws(TrustHubError) in try client.fetchEither(sid: sid, timeout: timeout) }
    }

    /// Every CustomerProfile, then every TrustProduct, following `next_page_url`.
    public func all() throws(TrustHubError) -> [TrustHubResource] {
        var resources: [TrustHubResource] = []
        for kind in ResourceKind.allCases {
            var url: String? = client.firstPageURL(kind: kind, pageSize: 1000)
            while let current = url {
                let page = try retrying { () throws(TrustHubError) in try client.page(url: current, kind: kind, timeout: timeout) }
                resources += page.profiles
                url = page.nextPageURL
            }
        }
        return resources
    }

    /// Sets the `StatusCallback` of `resource` under its own collection.
    public func setStatusCallback(_ resource: TrustHubResource, to target: String) throws(TrustHubError) -> TrustHubResource {
        let kind = resource.kind ?? .customerProfile
        return try retrying { () throws(TrustHubError) in
            try client.updateStatusCallback(sid: resource.sid, kind: kind, to: target, timeout: timeout)
        }
    }

    private func retrying<T>(_ call: () throws(TrustHubError) -> T) throws(TrustHubError) -> T {
        var pacing = ReconcilePacing()
        var attempt = 1
        while true {
            do throws(TrustHubError) {
                return try call()
            } catch {
                guard error.isTransient, attempt < attempts else { throw error }
                let wait = pacing.afterFailure(error)
                Thread.sleep(forTimeInterval: wait.timeInterval)
                attempt += 1
            }
        }
    }
}
