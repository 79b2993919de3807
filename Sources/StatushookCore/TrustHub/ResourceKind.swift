/// What a `BU…` SID names: TrustHub's CustomerProfiles and TrustProducts share the prefix, the
/// statuses and the fields, so only a callback's parameter name, the API or the reconciler's
/// list tells them apart. A SID of unknown kind (nil where a kind is optional) is served as a
/// customer profile.
public enum ResourceKind: String, Sendable, Equatable, CaseIterable {
    case customerProfile = "customer_profile"
    case trustProduct = "trust_product"

    /// The TrustHub API's collection: `/v1/CustomerProfiles`, `/v1/TrustProducts`.
    public var collection: String {
        switch self {
        case .customerProfile: "CustomerProfiles"
        case .trustProduct: "TrustProducts"
        }
    }

    /// The event's `type`.
    public var eventType: String {
        rawValue + ".status_changed"
    }

    /// For people: "customer profile", "trust product".
    public var displayName: String {
        switch self {
        case .customerProfile: "customer profile"
        case .trustProduct: "trust product"
        }
    }

    /// The prefix of the resource's own `links` names (`customer_profiles_evaluations`).
    var linkPrefix: String {
        rawValue + "s"
    }

    /// The kind a callback's SID parameter names; nil for the names that say nothing of it.
    static func named(byParameter name: String) -> ResourceKind? {
        if name.hasPrefix("CustomerProfile") { return .customerProfile }
        if name.hasPrefix("TrustProduct") { return .trustProduct }
        return nil
    }
}
