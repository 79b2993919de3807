import ArgumentParser
import StatushookCore

struct Subscribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Point StatusCallback of customer profiles and trust products at this deployment (public_url + callback_path).",
        discussion: """
            Reads each resource from the TrustHub API (a SID is looked up as a CustomerProfile, \
            then as a TrustProduct) and sets StatusCallback where it differs. \
            Without --apply, only shows what it would change. Needs public_url and TrustHub API \
            credentials (twilio_account_sid with its auth token, or twilio_api_key/twilio_api_secret).
            """)

    @OptionGroup var options: ConfigurationOptions

    @Argument(help: "Customer profiles or trust products (BU…) to subscribe.")
    var sids: [String] = []

    @Flag(help: "Every customer profile and trust product of the account.")
    var all = false

    @Flag(help: "Make the changes (without it, a dry run).")
    var apply = false

    func validate() throws {
        guard all != !sids.isEmpty else { throw ValidationError("name resources (BU…) or --all, not both") }
        if let bad = sids.first(where: { !TrustHubResource.isProfileSid($0) }) {
            throw ValidationError("'\(bad)' is not a resource SID (BU followed by 32 hex digits)")
        }
    }

    func run() throws {
        let configuration = try options.load()
        guard let settings = TrustHubSettings(configuration) else {
            printError("subscribe needs TrustHub API credentials: twilio_account_sid (with auth_token) or twilio_api_key and twilio_api_secret")
            throw ExitCode(2)
        }
        let target: String
        switch SubscriptionPlan.callbackURL(configuration) {
        case .success(let url): target = url
        case .failure(let error):
            printError(error.description)
            throw ExitCode(2)
        }
        let calls = SubscriptionCalls(settings: settings)
        let profiles: [TrustHubResource]
        do throws(TrustHubError) {
            profiles = try all ? calls.all() : sids.map { sid throws(TrustHubError) in try calls.fetch(sid: sid) }
        } catch {
            printError("subscribe: \(error)")
            throw ExitCode(1)
        }
        let plan = SubscriptionPlan(profiles: profiles, target: target)
        print("StatusCallback for this deployment: \(SubscriptionPlan.displayed(target))")
        let rows = plan.changes.map {
            [$0.sid, $0.kind?.displayName ?? "", $0.friendlyName ?? "", SubscriptionPlan.displayed($0.statusCallback)]
        }
        if !rows.isEmpty {
            print(TextTable.render(header: ["SID", "KIND", "FRIENDLY NAME", "CURRENT STATUS CALLBACK"], rows: rows))
        }
        guard apply else {
            print("dry run: \(plan.changes.count) of \(profiles.count) resource(s) would change; "
                  + "\(plan.unchanged.count) already point here. Run again with --apply to change them.")
            return
        }
        var failures = 0
        for profile in plan.changes {
            do throws(TrustHubError) {
                let updated = try calls.setStatusCallback(profile, to: target)
                if updated.statusCallback == target {
                    print("updated \(profile.sid)")
                } else {
                    failures += 1
                    printError("\(profile.sid): the API answered with another StatusCallback: \(SubscriptionPlan.displayed(updated.statusCallback))")
                }
            } catch {
                failures += 1
                printError("\(profile.sid): \(error)")
            }
        }
        print("\(plan.changes.count - failures) of \(plan.changes.count) resource(s) updated; "
              + "\(plan.unchanged.count) already pointed here.")
        if failures > 0 { throw ExitCode(1) }
    }
}
