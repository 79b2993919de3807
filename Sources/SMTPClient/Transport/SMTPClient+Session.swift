extension SMTPClient {
    /// One open connection and where its dialogue stands.
    struct Session {
        let connection: SMTPConnection
        var dialogue: SMTPDialogue
        var parser = SMTPReplyParser()
        var lastUsed = ContinuousClock.Instant.now

        init(connection: SMTPConnection, dialogue: SMTPDialogue) {
            self.connection = connection
            self.dialogue = dialogue
        }

        func isIdle(longerThan limit: Duration) -> Bool {
            ContinuousClock.Instant.now - lastUsed >= limit
        }

        /// Writes `command` and reads the whole reply, within one timeout.
        mutating func exchange(_ command: SMTPCommand, _ settings: SMTPSettings) throws(SMTPError) -> SMTPReply {
            let deadline = Deadline(after: settings.timeout)
            do throws(SMTPError) {
                try connection.write(command.bytes, deadline: deadline)
            } catch {
                throw error.during("sending \(command)", settings)
            }
            return try readReply(settings, step: "the reply to \(command)", deadline: deadline)
        }

        mutating func readReply(_ settings: SMTPSettings, step: String, deadline: Deadline? = nil) throws(SMTPError) -> SMTPReply {
            let deadline = deadline ?? Deadline(after: settings.timeout)
            do throws(SMTPError) {
                while true {
                    if let reply = try parser.nextReply() { return reply }
                    parser.feed(try connection.read(deadline: deadline))
                }
            } catch {
                throw error.during("waiting for \(step)", settings)
            }
        }
    }
}

extension SMTPError {
    /// The error with the step it interrupted; a timeout says how long it waited.
    func during(_ step: String, _ settings: SMTPSettings) -> SMTPError {
        var error = self
        switch code {
        case .timeout: error.message = "\(settings.server) did not answer within \(settings.timeout) while \(step)"
        case .connectionClosed: error.message += " (while \(step))"
        default: break
        }
        return error
    }
}
