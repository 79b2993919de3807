import ArgumentParser
import Foundation
import StatushookCore

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the X-Twilio-Signature for a URL and parameters, or a ready curl command, to test a deployment by hand.",
        discussion: """
            A callback as Twilio documents it (its Regulatory Bundles page, "Status Callback"):

              statushook sign --url https://hooks.example.com/callbacks/twilio --token "$TOKEN" \\
                  --param AccountSID=AC0123456789abcdef0123456789abcdef \\
                  --param BundleSID=BU0123456789abcdef0123456789abcdef \\
                  --param Status=twilio-rejected --param FailureReason='Business name mismatch' --curl | sh

            CustomerProfileSid= or TrustProductSid= in place of BundleSID= also tells statushook the resource's kind.
            """)

    @Option(help: "The full URL Twilio would call (as configured in the StatusCallback).")
    var url: String

    @Option(help: "The auth token that signs.")
    var token: String

    @Option(name: .customLong("param"), help: "A form parameter NAME=VALUE (repeatable, in order).")
    var params: [String] = []

    @Option(name: .customLong("json-body"), help: "A file whose bytes are sent as a JSON body (signed through bodySHA256).")
    var jsonBody: String?

    @Flag(help: "Print a curl command that sends the signed callback.")
    var curl = false

    func validate() throws {
        for param in params where !param.contains("=") {
            throw ValidationError("--param takes NAME=VALUE; got '\(param)'")
        }
        if jsonBody != nil && !params.isEmpty {
            throw ValidationError("--json-body and --param cannot be combined: a JSON callback is signed over its URL")
        }
    }

    func run() throws {
        let pairs = params.map { param -> (String, String) in
            let parts = param.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), String(parts[1]))
        }
        var body: [UInt8]?
        if let jsonBody {
            guard let data = FileManager.default.contents(atPath: jsonBody) else {
                printError("statushook sign: cannot read \(jsonBody)")
                throw ExitCode(1)
            }
            body = Array(data)
        }
        let signed = SignCommandOutput.signature(url: url, token: token, params: pairs, jsonBody: body)
        if curl {
            print(SignCommandOutput.curl(url: signed.url, signature: signed.signature, params: pairs,
                                         jsonBody: body, jsonBodyPath: jsonBody))
        } else {
            print(signed.signature)
        }
    }
}
