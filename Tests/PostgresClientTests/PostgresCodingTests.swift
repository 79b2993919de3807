import Foundation
import PostgresClient
import Testing

@Suite("PostgreSQL's text formats: typed parameters and typed rows")
struct PostgresCodingTests {
    static let hostile = ["plain", "with space", "comma,inside", #"quote " and backslash \"#, "{braces}", "NULL", "", "東京 🚀"]

    private func row(_ values: [String: String?]) -> PostgresRow {
        let columns = Array(values.keys)
        return PostgresRow(columns: columns, values: columns.map { values[$0]! })
    }

    @Test("booleans, integers and arrays encode as PostgreSQL reads them")
    func encoding() {
        #expect(true.postgresText == "t" && false.postgresText == "f")
        #expect(Int64(-42).postgresText == "-42")
        #expect(Optional<Int>.none.postgresText == nil)
        #expect(["a", "b c"].postgresText == #"{"a","b c"}"#)
        #expect([Int64(1), nil, 3].postgresText == "{1,NULL,3}")
        #expect([true, false].postgresText == "{t,f}")
        #expect([String]().postgresText == "{}")
        #expect([#"x"y\z"#, nil].postgresText == #"{"x\"y\\z",NULL}"#)
    }

    @Test("a row's values decode by type; NULL or a wrong text is one error that names the column and the type")
    func decoding() throws {
        let row = row(["b": "t", "n": "9223372036854775807", "s": "x", "null": nil, "bad": "yes"])
        #expect(try row.decode("b", as: Bool.self) == true)
        #expect(try row.decode("n", as: Int64.self) == .max)
        #expect(try row.decode("s", as: String.self) == "x")
        #expect(try row.decodeIfPresent("null", as: Int64.self) == nil)
        #expect(throws: PostgresDecodingError(column: "null", value: nil, expected: "bigint")) { try row.decode("null", as: Int64.self) }
        #expect(throws: PostgresDecodingError(column: "bad", value: "yes", expected: "boolean")) { try row.decode("bad", as: Bool.self) }
        #expect(throws: PostgresDecodingError(column: "bad", value: "yes", expected: "boolean")) { try row.decodeIfPresent("bad", as: Bool.self) }
        let error = PostgresDecodingError(column: "bad", value: "yes", expected: "boolean")
        #expect(error.description == #"the query returned "yes" for bad, not a boolean"#)
    }

    @Test("durations read from a decimal number of seconds, to the microsecond", arguments: [
        ("5", Duration.seconds(5)), ("0.25", .milliseconds(250)), ("-3.5", .zero - .milliseconds(3500)),
        ("1.0000019", .microseconds(1_000_001)), ("86400.000000", .seconds(86400)),
    ])
    func durations(text: String, expected: Duration) {
        #expect(Duration(postgresText: text) == expected)
    }

    @Test("not a duration", arguments: ["", "abc", "1.", ".5", "1e3", "--1", "1 day"])
    func notDurations(text: String) {
        #expect(Duration(postgresText: text) == nil)
    }

    @Test("timestamps in PostgreSQL's ISO output and RFC 3339", arguments: [
        ("1970-01-01 00:00:00+00", 0.0), ("2026-11-22 10:00:00.5+00", 1_795_341_600.5),
        ("2026-11-22T10:00:00.123456Z", 1_795_341_600.123456), ("2026-11-22 12:30:00+02:30", 1_795_341_600.0),
        ("2026-11-22 05:00:00-05", 1_795_341_600.0), ("2000-02-29 00:00:00+00", 951_782_400.0),
    ])
    func timestamps(text: String, seconds: Double) throws {
        let date = try #require(Date(postgresText: text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test("not a timestamp", arguments: ["2026-11-22", "2026-13-01 00:00:00+00", "2026-11-22 10:00:00", "2026/11/22 10:00:00+00",
                                         "2026-11-22 10:00:00.+00", "2026-11-22 10:00:00+0x"])
    func notTimestamps(text: String) {
        #expect(Date(postgresText: text) == nil)
    }

    @Test("arrays decode from their text form, quoted or bare; a NULL element or a nested array is not a [String]")
    func arrays() {
        #expect([String](postgresText: #"{a,"b c","x\"y\\z",""}"#) == ["a", "b c", #"x"y\z"#, ""])
        #expect([Int64](postgresText: "{1,-2,3}") == [1, -2, 3])
        #expect([Bool](postgresText: "{t,f}") == [true, false])
        #expect([String](postgresText: "{}") == [])
        #expect([String](postgresText: #"{"NULL"}"#) == ["NULL"])
        #expect([String](postgresText: "{a,NULL}") == nil)
        #expect([String](postgresText: "{{a},{b}}") == nil)
        #expect([String](postgresText: "a,b") == nil)
        #expect([Int64](postgresText: "{1,x}") == nil)
    }

    @Test("every value round-trips through a real server: encoded parameters, decoded columns")
    func roundTrip() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let ids: [Int64?] = [1, nil, .max, -7]
        let rows = try connection.query("""
            SELECT $1::text[] AS texts, $2::bigint[] AS ids, $3::boolean AS yes, $4::boolean AS no,
                   $1::text[] = ARRAY[\(Self.hostile.indices.map { "$\($0 + 5)::text" }.joined(separator: ","))] AS same,
                   timestamptz '2026-11-22 10:00:00.123456+00' AS at, EXTRACT(EPOCH FROM interval '90.5 seconds') AS seconds,
                   ARRAY['a', 'b c', 'NULL', ''] AS written, '{"a": [1, 2]}'::jsonb AS doc
            """, [Self.hostile.postgresText, ids.postgresText, true.postgresText, false.postgresText] + Self.hostile)
        let row = rows[0]
        #expect(try row.decode("texts", as: [String].self) == Self.hostile)
        #expect(try row.decode("same", as: Bool.self))
        #expect(try row.decode("yes", as: Bool.self) && !(try row.decode("no", as: Bool.self)))
        #expect(rows[0, "ids"] == "{1,NULL,9223372036854775807,-7}")
        #expect(try row.decode("written", as: [String].self) == ["a", "b c", "NULL", ""])
        #expect(try row.decode("at", as: Date.self).timeIntervalSince1970 == 1_795_341_600.123456)
        #expect(try row.decode("seconds", as: Duration.self) == .milliseconds(90_500))
        #expect(try row.decode("doc", as: PostgresJSONText.self).text == #"{"a": [1, 2]}"#)
        #expect(try rows.single("yes", as: Bool.self))
    }
}
