import Foundation

/// The operator page's pages: pure functions from records to ``HTML``.
///
/// Every value from Twilio or a callback goes in through ``HTML/text(_:)`` or an attribute; the
/// layout is plain HTML with one stylesheet and no script. A status is always written out in
/// words (its colour only repeats it); times are UTC with a relative form.
enum OperatorPages {
    enum Section: String, CaseIterable, Sendable {
        case overview, profiles, rejections, reviewTimes, deliveries

        var title: String {
            switch self {
            case .overview: "Overview"
            case .profiles: "Profiles"
            case .rejections: "Rejections"
            case .reviewTimes: "Review times"
            case .deliveries: "Deliveries"
            }
        }

        var path: String {
            switch self {
            case .overview: "/ui/"
            case .profiles: "/ui/profiles"
            case .rejections: "/ui/rejections"
            case .reviewTimes: "/ui/review-times"
            case .deliveries: "/ui/deliveries"
            }
        }
    }

    /// Twilio's statuses, in the order of a review.
    static let knownStatuses = ["draft", "pending-review", "in-review", "twilio-approved", "twilio-rejected"]

    // MARK: Layout

    static func layout(_ section: Section, title: String, now: Int64, json: String? = nil, _ body: [HTML]) -> HTML {
        let nav: [HTML] = Section.allCases.map { item in
            var attributes: HTML.Attributes = [("href", item.path)]
            if item == section { attributes.append(("aria-current", "page")) }
            return HTML.element("li", [], [HTML.element("a", attributes, text: item.title)])
        }
        var footer: [HTML] = [
            .text("Rendered \(PageFigures.utc(Timestamp.iso8601(seconds: now, microseconds: 0))). Read-only: actions stay in the statushook CLI."),
        ]
        if let json {
            footer += [.text(" "), HTML.element("a", [("href", json), ("class", "json")], text: "This list as JSON")]
        }
        let stylesheet: HTML.Attributes = [("rel", "stylesheet"), ("href", OperatorPageRoute.stylesheetPath)]
        let head = HTML.element("head", [], [
            HTML.element("meta", [("charset", "utf-8")]),
            HTML.element("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")]),
            HTML.element("title", [], text: "\(title) · statushook"),
            HTML.element("link", stylesheet),
        ])
        let header = HTML.element("header", [], [
            HTML.element("p", [("class", "brand")], text: "statushook"),
            HTML.element("nav", [("aria-label", "Pages")], [HTML.element("ul", [], nav)]),
        ])
        let main = HTML.element("main", [("id", "main")], [HTML.element("h1", [], text: title)] + body)
        let page = HTML.element("body", [], [
            HTML.element("a", [("class", "skip"), ("href", "#main")], text: "Skip to content"),
            header, main, HTML.element("footer", [], [HTML.element("p", [], footer)]),
        ])
        return HTML.element("html", [("lang", "en")], [head, page])
    }

    /// A page for a refused request (400, 404) or a failure.
    static func problem(status: Int, message: String, now: Int64) -> HTML {
        layout(.overview, title: status == 404 ? "Not found" : "Cannot show this page", now: now, [
            .element("p", [("class", "problem")], text: message),
            .element("p", [], [.element("a", [("href", "/ui/")], text: "Back to the overview")]),
        ])
    }

    // MARK: Pieces

    /// A time: UTC, and the relative form beside it.
    static func time(_ time: PageTime?, now: Int64) -> HTML {
        guard let time, !time.text.isEmpty else { return .text("—") }
        let attributes: HTML.Attributes = [("datetime", time.text)]
        return HTML.element("time", attributes, text: PageFigures.utc(time.text))
            + .element("span", [("class", "relative")], text: " (\(PageFigures.relative(time.epoch, now: now)))")
    }

    /// A status in words, marked for its colour; an unknown status is plain.
    static func status(_ status: String) -> HTML {
        let known = knownStatuses.contains(status) || ["dead", "retrying", "pending", "delivering", "delivered", "paused", "running"].contains(status)
        return .element("span", [("class", known ? "status status-\(status)" : "status")], text: status)
    }

    static func profileLink(_ sid: String) -> HTML {
        .element("a", [("href", "/ui/profiles/" + URLComponent.encode(sid)), ("class", "sid")], text: sid)
    }

    /// An error code linked to Twilio's page about it.
    static func errorCode(_ code: String) -> HTML {
        .element("a", [("href", "https://www.twilio.com/docs/errors/" + URLComponent.encode(code)), ("class", "code")], text: code)
    }

    static func errorCodes(_ codes: [String]) -> HTML {
        guard !codes.isEmpty else { return .text("—") }
        return .joined(codes.enumerated().map { index, code in (index > 0 ? .text(", ") : .empty) + errorCode(code) })
    }

    /// A table with header cells, inside a box that scrolls sideways on a narrow screen (the page does not).
    static func table(caption: String?, header: [String], rows: [[HTML]], numeric: Set<Int> = []) -> HTML {
        let head = HTML.element("thead", [], [.element("tr", [], header.enumerated().map { index, name in
            HTML.element("th", numeric.contains(index) ? [("scope", "col"), ("class", "num")] : [("scope", "col")], text: name)
        })])
        let body = HTML.element("tbody", [], rows.map { cells in
            HTML.element("tr", [], cells.enumerated().map { index, cell in
                if index == 0 { return HTML.element("th", [("scope", "row")], [cell]) }
                var attributes: HTML.Attributes = [("data-label", index < header.count ? header[index] : "")]
                if numeric.contains(index) { attributes.append(("class", "num")) }
                return HTML.element("td", attributes, [cell])
            })
        })
        let captionHTML: [HTML] = caption.map { [HTML.element("caption", [], text: $0)] } ?? []
        return .element("div", [("class", "scroll")], [.element("table", [], captionHTML + [head, body])])
    }

    static func empty(_ message: String) -> HTML {
        .element("p", [("class", "empty")], text: message)
    }

    // MARK: Overview

    static func overview(_ data: OverviewData, now: Int64) -> HTML {
        var statuses = knownStatuses
        for count in data.statusCounts where !statuses.contains(count.status) { statuses.append(count.status) }
        func count(_ kind: ResourceKind, _ status: String) -> Int64 {
            data.statusCounts.first { $0.kind == kind && $0.status == status }?.count ?? 0
        }
        func countLink(_ kind: ResourceKind, _ status: String) -> HTML {
            let value = count(kind, status)
            let link: HTML.Attributes = [("href", URLComponent.link("/ui/profiles", [("status", status), ("kind", kind.rawValue)]))]
            return value == 0 ? HTML.text("0") : HTML.element("a", link, text: String(value))
        }
        let resourceRows = statuses.map { status in
            [Self.status(status), countLink(.customerProfile, status), countLink(.trustProduct, status)]
        } + [[.text("all"), .text(String(data.statusCounts.filter { $0.kind == .customerProfile }.reduce(0) { $0 + $1.count })),
              .text(String(data.statusCounts.filter { $0.kind == .trustProduct }.reduce(0) { $0 + $1.count }))]]
        let waiting = data.statusCounts.filter { OperatorPageSQL.waitingStatuses.contains($0.status) }.reduce(0) { $0 + $1.count }

        var sinks = data.sinks.map(\.sink)
        for row in data.deliveryCounts where !sinks.contains(row.sink) { sinks.append(row.sink) }
        let states = ["pending", "retrying", "delivering", "dead"]
        let deliveryRows = sinks.map { sink in
            [HTML.text(sink)] + states.map { state -> HTML in
                let value = data.deliveryCounts.first { $0.sink == sink && $0.state == state }?.count ?? 0
                if (state == "dead" || state == "retrying") && value > 0 {
                    return .element("a", [("href", "/ui/deliveries#sink-" + URLComponent.encode(sink))], text: String(value))
                }
                return .text(String(value))
            }
        }
        let healthRows = data.sinks.map { sink -> [HTML] in
            let state: HTML = sink.paused
                ? status("paused") + .text(" since ") + time(sink.pausedAt, now: now)
                : status("running")
            let why: HTML = sink.paused ? .text(sink.pausedReason ?? "—") : .text("—")
            let lastError: HTML = sink.lastError.map { .element("span", [("class", "error")], text: $0) + .text(" ") + time(sink.lastErrorAt, now: now) } ?? .text("—")
            return [.text(sink.sink + (sink.configured ? "" : " (not configured)")), state, why, .text(String(sink.consecutiveFailures)), lastError]
        }
        let readiness = HTML.element("dl", [("class", "facts")], data.readiness.flatMap { name, value in
            [HTML.element("dt", [], text: name), HTML.element("dd", [], text: value)]
        })
        return layout(.overview, title: "Overview", now: now, json: "/v1/CustomerProfiles", [
            .element("section", [("aria-labelledby", "readiness")], [
                .element("h2", [("id", "readiness")], text: "Readiness"),
                .element("p", [("class", data.ready ? "ready" : "not-ready")], text: data.ready ? "✓ Ready: callbacks are recorded." : "✗ Not ready."),
                readiness,
            ]),
            .element("section", [("aria-labelledby", "resources")], [
                .element("h2", [("id", "resources")], text: "Resources by status"),
                .element("p", [], [
                    .element("a", [("href", "/ui/profiles?waiting=1")], text: "Waiting for Twilio: \(waiting)"),
                    .text(" (pending-review and in-review, oldest first)"),
                ]),
                .element("p", [("class", "relative")],
                         text: "Counted \(PageFigures.relative(data.countedAt, now: now)); the count is kept \(OperatorPageEndpoint.statusCountsKept) s."),
                table(caption: nil, header: ["Status", "Customer profiles", "Trust products"], rows: resourceRows, numeric: [1, 2]),
            ]),
            .element("section", [("aria-labelledby", "outbox")], [
                .element("h2", [("id", "outbox")], text: "Deliveries by state"),
                sinks.isEmpty ? empty("No sinks are configured and none has deliveries.")
                    : table(caption: "Not yet delivered, per sink (delivered ones are in the history API)",
                            header: ["Sink", "Pending", "Retrying", "Delivering", "Dead"], rows: deliveryRows, numeric: [1, 2, 3, 4]),
            ]),
            .element("section", [("aria-labelledby", "health")], [
                .element("h2", [("id", "health")], text: "Sink health"),
                healthRows.isEmpty ? empty("No sinks.")
                    : table(caption: nil, header: ["Sink", "State", "Why paused", "Failures in a row", "Last error"], rows: healthRows, numeric: [3]),
            ]),
        ])
    }

    // MARK: Profiles

    static func profiles(_ fetched: [ProfileRow], query: ProfilesQuery, now: Int64) -> HTML {
        let limit = query.search == nil ? OperatorPageSQL.pageSize : OperatorPageSQL.searchLimit
        let rows = Array(fetched.prefix(limit))
        let more = fetched.count > limit
        func option(_ value: String, _ label: String, selected: Bool) -> HTML {
            var attributes: HTML.Attributes = [("value", value)]
            if selected { attributes.append(("selected", "selected")) }
            return HTML.element("option", attributes, text: label)
        }
        let form = HTML.element("form", [("method", "get"), ("action", "/ui/profiles"), ("class", "filters")], [
            .element("label", [], [.text("Status "), .element("select", [("name", "status")],
                [option("", "any", selected: query.status == nil)] + knownStatuses.map { option($0, $0, selected: query.status == $0) })]),
            .element("label", [], [.text("Kind "), .element("select", [("name", "kind")], [
                option("", "any", selected: query.kind == nil),
                option("customer_profile", "customer profile", selected: query.kind == .customerProfile),
                option("trust_product", "trust product", selected: query.kind == .trustProduct),
            ])]),
            .element("label", [], [.text("SID or name starts with "),
                                   .element("input", [("type", "search"), ("name", "q"), ("value", query.search ?? ""), ("maxlength", "200")])]),
            .element("button", [("type", "submit")], text: "Show"),
        ])
        let quick = HTML.element("p", [("class", "quick")], [
            .element("a", [("href", "/ui/profiles?waiting=1")], text: "Waiting for Twilio (oldest first)"),
            .text(" · "),
            .element("a", [("href", "/ui/profiles?status=twilio-rejected")], text: "Rejected"),
            .text(" · "),
            .element("a", [("href", "/ui/profiles")], text: "All"),
        ])
        var heading = query.waiting ? "Waiting for Twilio: pending-review and in-review, longest waiting first" : "By SID"
        if let search = query.search { heading = "Starting with “\(search)”" }
        let table = rows.isEmpty ? empty("No resources match.") : Self.table(
            caption: heading, header: ["SID", "Kind", "Friendly name", "Status", "In this status for", "Since"],
            rows: rows.map { row in
                [profileLink(row.sid), .text((row.kind ?? .customerProfile).displayName), .element("span", [("class", "name")], text: row.friendlyName ?? "—"),
                 status(row.status), .text(PageFigures.duration(now - row.since.epoch)), time(row.since, now: now)]
            })
        var paging: [HTML] = []
        if query.after != nil {
            let first = URLComponent.link("/ui/profiles", [("status", query.status), ("kind", query.kind?.rawValue), ("waiting", query.waiting ? "1" : nil)])
            let attributes: HTML.Attributes = [("href", first)]
            paging.append(HTML.element("a", attributes, text: "← First page"))
        }
        if more, let last = rows.last {
            if query.search != nil {
                paging.append(.text("More than \(limit) match: type more of the SID or name."))
            } else {
                let cursor = query.waiting ? "\(last.since.text)~\(last.sid)" : last.sid
                let next = URLComponent.link("/ui/profiles", [
                    ("status", query.status), ("kind", query.kind?.rawValue), ("waiting", query.waiting ? "1" : nil), ("after", cursor),
                ])
                let attributes: HTML.Attributes = [("href", next), ("rel", "next")]
                paging.append(HTML.element("a", attributes, text: "Next page →"))
            }
        }
        let collection = (query.kind ?? .customerProfile).collection
        let json = query.search == nil && !query.waiting ? URLComponent.link("/v1/" + collection, [("Status", query.status)]) : nil
        return layout(.profiles, title: "Profiles", now: now, json: json, [
            form, quick, table, .element("nav", [("class", "paging"), ("aria-label", "Pages of this list")], paging),
        ])
    }

    // MARK: One profile

    static func profile(_ detail: ProfileDetail, transitions: [TransitionRow], deliveries: [DeliveryRow], now: Int64) -> HTML {
        let row = detail.row
        let kind = row.kind ?? .customerProfile
        let facts = HTML.element("dl", [("class", "facts")], [
            .element("dt", [], text: "Friendly name"), .element("dd", [("class", "name")], text: row.friendlyName ?? "—"),
            .element("dt", [], text: "Kind"), .element("dd", [], text: kind.displayName),
            .element("dt", [], text: "Status"), .element("dd", [], [status(row.status), .text(" for \(PageFigures.duration(now - row.since.epoch)), since "), time(row.since, now: now)]),
            .element("dt", [], text: "Error codes from Twilio"), .element("dd", [], [errorCodes(detail.errorCodes)]),
            .element("dt", [], text: "Account"), .element("dd", [], text: detail.accountSid ?? "—"),
            .element("dt", [], text: "Policy"), .element("dd", [], text: detail.policySid ?? "—"),
            .element("dt", [], text: "Email"), .element("dd", [], text: detail.email ?? "—"),
            .element("dt", [], text: "First seen"), .element("dd", [], [time(detail.created, now: now)]),
        ])
        let timeline = transitions.isEmpty ? empty("No transitions recorded.") : HTML.element("ol", [("class", "timeline")], transitions.map { transition in
            var parts: [HTML] = [
                time(transition.at, now: now), .element("br"),
                .element("span", [("class", "change")], [
                    transition.fromStatus.map { status($0) + .text(" → ") } ?? .text("first seen as "), status(transition.toStatus),
                ]),
                .text(" "), .element("span", [("class", "source")], text: "(\(transition.source), TR\(transition.id))"),
            ]
            if transition.unexpected { parts.append(.element("span", [("class", "unexpected")], text: " ⚠ unexpected")) }
            if let reason = transition.failureReason {
                parts += [.element("br"), .text("Failure reason: "), .element("span", [("class", "reason")], text: reason)]
            }
            if !transition.errorCodes.isEmpty { parts += [.element("br"), .text("Error codes: "), errorCodes(transition.errorCodes)] }
            return HTML.element("li", [("id", "TR\(transition.id)")], parts)
        })
        let deliveryTable = deliveries.isEmpty ? empty("No deliveries.") : table(
            caption: nil, header: ["Delivery", "Sink", "Transition", "State", "Attempts", "Last error", "Created"],
            rows: deliveries.map { delivery in
                let attempts = delivery.attempts.isEmpty ? HTML.text(String(delivery.attemptCount)) : .element("details", [], [
                    .element("summary", [], text: String(delivery.attemptCount)),
                    .element("ol", [], delivery.attempts.map { attempt in
                        .element("li", [], text: "\(PageFigures.utc(attempt.startedAt)) \(attempt.outcome) in \(attempt.durationMilliseconds) ms: \(attempt.detail)")
                    }),
                ])
                var state = status(delivery.state)
                if delivery.state == "dead" { state = state + .element("br") + .element("code", [], text: delivery.replayCommand) }
                return [.text(String(delivery.id)), .text(delivery.sink), .element("a", [("href", "#TR\(delivery.transitionID ?? 0)")], text: "TR\(delivery.transitionID ?? 0)"),
                        state, attempts, .text(delivery.lastError ?? "—"), time(delivery.created, now: now)]
            })
        return layout(.profiles, title: "\(kind.displayName.capitalizedFirst) \(row.sid)", now: now,
                      json: HistoryRoute.profilePath(sid: row.sid, kind: kind) + "/Transitions", [
            facts,
            .element("section", [("aria-labelledby", "timeline")], [
                .element("h2", [("id", "timeline")], text: "Transitions, newest first"),
                timeline,
                transitions.count >= OperatorPageSQL.timelineLimit ? empty("Only the latest \(OperatorPageSQL.timelineLimit) are shown.") : .empty,
            ]),
            .element("section", [("aria-labelledby", "deliveries")], [
                .element("h2", [("id", "deliveries")], text: "Deliveries"), deliveryTable,
            ]),
        ])
    }

    // MARK: Rejections

    static func rejections(latest: [RejectionRow], recent: [RecentRejection], now: Int64) -> HTML {
        let counts = PageFigures.codeCounts(recent, now: now)
        let countTable = counts.isEmpty ? empty("No rejections in the last 30 days.") : table(
            caption: "Rejections per error code" + (recent.count >= OperatorPageSQL.rejectionCountLimit ? " (the latest \(OperatorPageSQL.rejectionCountLimit) of the last 30 days)" : ""),
            header: ["Error code", "Last 7 days", "Last 30 days"],
            rows: counts.map { [$0.code.map(errorCode) ?? .text("none named"), .text(String($0.last7Days)), .text(String($0.last30Days))] },
            numeric: [1, 2])
        let latestTable = latest.isEmpty ? empty("No rejections recorded.") : table(
            caption: "The latest \(latest.count)", header: ["SID", "Friendly name", "Rejected", "Error codes", "Failure reason"],
            rows: latest.map { row in
                [profileLink(row.transition.sid), .element("span", [("class", "name")], text: row.friendlyName ?? "—"),
                 time(row.transition.at, now: now), errorCodes(row.errorCodes),
                 .element("span", [("class", "reason")], text: row.transition.failureReason ?? "—")]
            })
        return layout(.rejections, title: "Rejections", now: now, json: "/v1/Transitions?Status=twilio-rejected", [
            .element("section", [("aria-labelledby", "codes")], [.element("h2", [("id", "codes")], text: "By error code"), countTable]),
            .element("section", [("aria-labelledby", "latest")], [.element("h2", [("id", "latest")], text: "Latest"), latestTable]),
        ])
    }

    // MARK: Review times

    /// `weeks`, newest first: the figures of each, and the histogram of them all.
    static func reviewTimes(_ weeks: [PageFigures.WeekStats], now: Int64) -> HTML {
        let total = weeks.reduce(0) { $0 + $1.count }
        var counts = Array(repeating: 0, count: PageFigures.buckets.count)
        for week in weeks { for (index, count) in week.histogram.enumerated() where index < counts.count { counts[index] += count } }
        let histogram = zip(PageFigures.buckets, counts).map { (label: $0.label, count: $1) }
        let shown = weeks.filter { $0.count > 0 }
        let weekTable = shown.isEmpty ? empty("No verdicts in the last \(weeks.count) weeks.") : table(
            caption: "Per week of the verdict (weeks start on Monday, UTC)", header: ["Week of", "Verdicts", "Approved", "p50", "p90", "Max"],
            rows: shown.map { week in
                [.text(week.week + (week.truncated ? " (the latest \(week.count))" : "")), .text(String(week.count)), .text(String(week.approved)),
                 .text(week.p50.map { PageFigures.duration($0) } ?? "—"), .text(week.p90.map { PageFigures.duration($0) } ?? "—"),
                 .text(week.max.map { PageFigures.duration($0) } ?? "—")]
            }, numeric: [1, 2, 3, 4, 5])
        return layout(.reviewTimes, title: "Review times", now: now, [
            .element("p", [], text: "From the latest move to pending-review to Twilio’s verdict (twilio-approved or twilio-rejected), "
                + "over the last \(weeks.count) weeks: \(total) verdicts."),
            .element("section", [("aria-labelledby", "histogram")], [
                .element("h2", [("id", "histogram")], text: "How long reviews took"),
                total == 0 ? empty("Nothing to plot yet.") : histogramSVG(histogram),
            ]),
            .element("section", [("aria-labelledby", "weekly")], [.element("h2", [("id", "weekly")], text: "Per week"), weekTable]),
        ])
    }

    /// The histogram as an SVG bar chart: one `rect` per bucket, its count above it and its label
    /// below; the `title` of each bar says both for a screen reader.
    static func histogramSVG(_ buckets: [(label: String, count: Int)]) -> HTML {
        let width = 640, height = 260, top = 24, bottom = 40, gap = 8
        let plot = height - top - bottom
        let slot = width / max(buckets.count, 1)
        let largest = max(buckets.map(\.count).max() ?? 0, 1)
        var parts: [HTML] = [.element("title", [], text: "Review times: " + buckets.map { "\($0.label): \($0.count)" }.joined(separator: ", "))]
        for (index, bucket) in buckets.enumerated() {
            let barHeight = bucket.count == 0 ? 0 : max(1, plot * bucket.count / largest)
            let x = index * slot + gap / 2
            let middle = String(x + (slot - gap) / 2)
            let rect: HTML.Attributes = [
                ("x", String(x)), ("y", String(top + plot - barHeight)), ("width", String(slot - gap)),
                ("height", String(barHeight)), ("data-count", String(bucket.count)), ("data-label", bucket.label),
            ]
            let count: HTML.Attributes = [("x", middle), ("y", String(top + plot - barHeight - 6)), ("class", "count")]
            let label: HTML.Attributes = [("x", middle), ("y", String(height - bottom + 20)), ("class", "label")]
            let bar = HTML.element("rect", rect, [HTML.element("title", [], text: "\(bucket.label): \(bucket.count)")])
            parts.append(HTML.element("g", [("class", "bar")], [bar, HTML.element("text", count, text: String(bucket.count)),
                                                                HTML.element("text", label, text: bucket.label)]))
        }
        let axis: HTML.Attributes = [("x1", "0"), ("x2", String(width)), ("y1", String(top + plot)), ("y2", String(top + plot)), ("class", "axis")]
        parts.append(HTML.element("line", axis))
        let svg: HTML.Attributes = [("viewBox", "0 0 \(width) \(height)"), ("role", "img"), ("aria-labelledby", "histogram-title"),
                                    ("xmlns", "http://www.w3.org/2000/svg"), ("class", "histogram")]
        return .element("figure", [], [
            HTML.element("svg", svg, parts),
            .element("figcaption", [("id", "histogram-title")], text: "Review times, bars by duration (count above each bar)"),
        ])
    }

    // MARK: Deliveries

    static func deliveries(dead: [DeliveryRow], retrying: [DeliveryRow], now: Int64) -> HTML {
        let limit = OperatorPageSQL.deliveryListLimit
        var sinks: [String] = []
        for row in dead + retrying where !sinks.contains(row.sink) { sinks.append(row.sink) }
        sinks.sort()
        func about(_ row: DeliveryRow) -> HTML {
            if let sid = row.sid { return profileLink(sid) + .text(" → ") + status(row.toStatus ?? "?") }
            return .text(row.noticeID.map { "notice \($0): sink paused" } ?? "—")
        }
        let sections = sinks.map { sink -> HTML in
            let deadRows = dead.prefix(limit).filter { $0.sink == sink }
            let retryRows = Array(retrying.filter { $0.sink == sink }.prefix(limit))
            var parts: [HTML] = [.element("h2", [("id", "sink-" + sink)], text: "Sink \(sink)")]
            if !deadRows.isEmpty {
                parts.append(.element("p", [], [.text("Send every dead delivery of this sink again: "),
                                                .element("code", [], text: "statushook replay --sink \(shellWord(sink))")]))
                parts.append(table(caption: "Dead (\(deadRows.count))", header: ["Delivery", "About", "Attempts", "Last error", "Gave up", "Send it again"],
                                   rows: deadRows.map { row in
                                       [.text(String(row.id)), about(row), .text(String(row.attemptCount)),
                                        .element("span", [("class", "error")], text: row.lastError ?? "—"), time(row.finished, now: now),
                                        .element("code", [("class", "command")], text: row.replayCommand)]
                                   }, numeric: [2]))
            }
            if !retryRows.isEmpty {
                parts.append(table(caption: "Retrying (\(retryRows.count))", header: ["Delivery", "About", "Attempts", "Last error", "Next attempt"],
                                   rows: retryRows.map { row in
                                       [.text(String(row.id)), about(row), .text(String(row.attemptCount)),
                                        .element("span", [("class", "error")], text: row.lastError ?? "—"), time(row.nextAttempt, now: now)]
                                   }, numeric: [2]))
            }
            return .element("section", [], parts)
        }
        var notes: [HTML] = [.element("p", [], text: "Dead deliveries gave up; retrying ones wait for their next attempt and need nothing. "
            + "Replaying re-queues a dead delivery with its whole retry schedule.")]
        if dead.count > limit || sinks.contains(where: { sink in retrying.filter { $0.sink == sink }.count > limit }) {
            notes.append(.element("p", [("class", "empty")], text: "Only the latest \(limit) dead deliveries and the next \(limit) retrying ones of each sink are shown; "
                + "the CLI lists all: statushook deliveries --state dead --limit 10000"))
        }
        return layout(.deliveries, title: "Deliveries", now: now, json: "/v1/Deliveries?State=dead",
                      notes + (sections.isEmpty ? [empty("No dead or retrying deliveries.")] : sections))
    }

    /// A sink name as one shell word: as it is when it is plain, else in single quotes.
    static func shellWord(_ text: String) -> String {
        let plain = !text.isEmpty && text.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || [0x2D, 0x2E, 0x5F].contains(byte)
        }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension String {
    fileprivate var capitalizedFirst: String {
        prefix(1).uppercased() + dropFirst()
    }
}
