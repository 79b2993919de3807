/// The text of `config/statushook.conf.example`, byte for byte (a test compares them).
///
/// The daemon runs with it when no `--config` is given: a local demo that needs only a
/// PostgreSQL on `/tmp` (or `STATUSHOOK_DATABASE_URL`).
public enum ExampleConfiguration {
    public static let text: String = #"""
# statushook configuration: every setting, with the defaults.
#
# As it stands this file runs a local demo: loopback, a local PostgreSQL, a demo token and
# one sink printing transitions to standard output. Lines starting with "# key = value" show
# the other settings; remove the "# " to use one. Check a file with: statushook check-config FILE
#
# Grammar: one "key = value" a line. A "#" starts a comment only at the start of a line, so a
# value may contain "#" (tokens, passwords). Values are taken literally: no quotes, no escapes.
# Durations are a whole number and a unit: 500ms, 5s, 5m, 2h, 7d. Booleans are true or false.
# Lists are comma-separated; spaces after the commas are fine.
#
# Secrets (tokens, passwords, database_url, webhook secrets) can be read from a file instead:
# add "_file" to the key and give a path ("or:" lines below); the file's final newline is
# dropped. Set one form or the other, not both.
#
# Environment variables override this file. STATUSHOOK_ then the key in capitals, with "." and
# "-" written "_": STATUSHOOK_DATABASE_URL, STATUSHOOK_AUTH_TOKEN_FILE,
# STATUSHOOK_ACCOUNT_AC0123456789ABCDEF0123456789ABCDEF_AUTH_TOKEN. For a sink named in this
# file: STATUSHOOK_SINK_<NAME>_<FIELD>, as STATUSHOOK_SINK_MAIL_PASSWORD. An empty variable
# counts as unset. Other STATUSHOOK_* variables are ignored (other tools share the prefix), so
# a misspelt variable has no effect: check-config shows what was read.

# ---- HTTP ------------------------------------------------------------------------------------

# Address and port to listen on: a numeric IPv4 address, or IPv6 in brackets ([::1]:8080).
# Keep it on loopback behind the reverse proxy. Default: 127.0.0.1:8080.
listen = 127.0.0.1:8080

# The external URL the reverse proxy maps to this daemon's root: scheme, host, optional port
# and path prefix. Twilio signs it; unset, the URL is rebuilt from the request's headers.
# public_url = https://hooks.example.com/statushook

# The path Twilio posts StatusCallbacks to, below public_url. Default: /callbacks/twilio.
callback_path = /callbacks/twilio

# Proxies (addresses or CIDR blocks) whose X-Forwarded-Proto/-Host/-Port headers are believed
# when public_url is unset. Default: none.
# trusted_proxies = 127.0.0.1, ::1, 10.0.0.0/8

# Largest request body accepted, in bytes or with a KiB or MiB suffix; larger ones get 413.
# Default: 64KiB.
# max_body_bytes = 64KiB

# Most client connections open at once. Default: 1024.
# max_connections = 1024

# A client that has not sent its whole request within this time is disconnected (slow
# clients). Default: 10s.
# connection_timeout = 10s

# Threads serving HTTP requests. Default: 2.
# http_threads = 2

# ---- Twilio signature ------------------------------------------------------------------------

# Your Twilio account's auth token: it checks X-Twilio-Signature on every callback.
# THIS IS A DEMO TOKEN: replace it with your own, and keep the real one out of version control.
#   or: auth_token_file = /run/secrets/twilio_auth_token
auth_token = 0123456789abcdef0123456789abcdef

# The previous auth token, also accepted while you rotate tokens in the Twilio Console.
#   or: auth_token_previous_file = /run/secrets/twilio_auth_token_previous
# auth_token_previous = fedcba9876543210fedcba9876543210

# A subaccount's own tokens, chosen by the callback's AccountSid; that account's callbacks
# are then checked against its tokens only. Repeat for each subaccount.
#   or: account.AC0123456789abcdef0123456789abcdef.auth_token_file = /run/secrets/twilio_sub_token
# account.AC0123456789abcdef0123456789abcdef.auth_token = 00112233445566778899aabbccddeeff
#   or: account.AC0123456789abcdef0123456789abcdef.auth_token_previous_file = /run/secrets/twilio_sub_token_previous
# account.AC0123456789abcdef0123456789abcdef.auth_token_previous = ffeeddccbbaa99887766554433221100

# ---- Access ----------------------------------------------------------------------------------

# HTTP Basic credentials every callback must carry, on top of its signature; put them in the
# StatusCallback URL (https://user:password@host/...) and in public_url. Default: none.
# callback_username = twilio
#   or: callback_password_file = /run/secrets/statushook_callback_password
# callback_password = change-me-callback-password

# HTTP Basic credentials of the read-only history API (/v1/...). Default: none.
# history_username = auditor
#   or: history_password_file = /run/secrets/statushook_history_password
# history_password = change-me-history-password

# ---- Storage ---------------------------------------------------------------------------------

# PostgreSQL, as a postgres:// URL or a libpq conninfo (host=/tmp dbname=statushook). This demo
# value uses the socket in /tmp; the run script overrides it with STATUSHOOK_DATABASE_URL.
#   or: database_url_file = /run/secrets/statushook_database_url
database_url = postgresql:///statushook?host=/tmp

# Days of callbacks and transitions to keep. Default: unset, kept forever.
# retention_days = 400

# ---- Deliveries ------------------------------------------------------------------------------

# Delay before each retry of a failed delivery (with 20 % jitter); after the last one the
# delivery is dead. Default: 5s, 5m, 30m, 2h, 5h, 10h.
# retry_schedule = 5s, 5m, 30m, 2h, 5h, 10h

# Failures in a row after which a sink is paused; the other sinks are told. Default: 20.
# sink_pause_after = 20

# ---- Logging ---------------------------------------------------------------------------------

# The least severe level logged: trace, debug, info, notice, warning, error or critical.
log_level = info

# json (one object a line, for collectors) or text (for a terminal). Default: json.
log_format = json

# ---- Sinks -----------------------------------------------------------------------------------
# Each sink has a name (1 to 32 of a-z, 0-9, "_" and "-") and a type: log, smtp or webhook.
# It is told of every transition, or only of those to the statuses its "statuses" lists.

# A log sink writes one JSON line per transition; path "-" is standard output.
sink.console.type = log
sink.console.path = -

# A log sink writing to a file, reopened on SIGHUP for logrotate.
# sink.audit.type = log
# sink.audit.path = /var/log/statushook/transitions.log

# An smtp sink mails each transition through a smarthost.
# sink.mail.type = smtp
# Only transitions to these statuses (any sink can filter so). Default: all statuses.
# sink.mail.statuses = twilio-approved, twilio-rejected
# The server, host:port: usually 587 with starttls, 465 with implicit, 25 with none.
# sink.mail.smarthost = smtp.example.com:587
# The sender, and the recipients (a comma list).
# sink.mail.from = statushook@example.com
# sink.mail.to = onboarding@example.com, compliance@example.com
# starttls (default; an error if the server does not offer it), implicit (TLS from the first
# byte) or none.
# sink.mail.tls = starttls
# Credentials for AUTH PLAIN or LOGIN. Default: none, no AUTH.
# sink.mail.username = statushook
#   or: sink.mail.password_file = /run/secrets/statushook_smtp_password
# sink.mail.password = change-me-smtp-password
# The name given in EHLO. Default: chosen by the SMTP client.
# sink.mail.hello = hooks.example.com
# Whether AUTH may be sent without TLS (a relay on a trusted network). Default: false.
# sink.mail.allow_plaintext_auth = false
# How long one SMTP session may take. Default: 30s.
# sink.mail.timeout = 30s

# A webhook sink posts each transition as JSON, signed the Standard Webhooks way.
# sink.hooks.type = webhook
# The http or https URL to post to.
# sink.hooks.url = https://ops.example.com/hooks/trusthub
# The signing secret, "whsec_" then base64.
#   or: sink.hooks.secret_file = /run/secrets/statushook_webhook_secret
# sink.hooks.secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
# The previous secret during a rotation: each event is then signed with both.
#   or: sink.hooks.secret_previous_file = /run/secrets/statushook_webhook_secret_previous
# sink.hooks.secret_previous = whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD
# How long one delivery may take. Default: 15s.
# sink.hooks.timeout = 15s

"""#
}
