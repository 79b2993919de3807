/// PostgreSQL array literals for the outbox's batch statements, which pass one array per column.
enum PostgresArrayLiteral {
    /// Every element quoted and escaped; `nil` becomes an unquoted `NULL` element.
    static func text(_ items: [String?]) -> String {
        var literal = "{"
        for (index, item) in items.enumerated() {
            if index > 0 { literal.append(",") }
            guard let item else {
                literal.append("NULL")
                continue
            }
            literal.append("\"")
            for character in item {
                if character == "\"" || character == "\\" { literal.append("\\") }
                literal.append(character)
            }
            literal.append("\"")
        }
        literal.append("}")
        return literal
    }

    /// Numbers need no quotes; `nil` becomes `NULL`.
    static func integers<Number: BinaryInteger>(_ items: [Number?]) -> String {
        "{" + items.map { $0.map { String($0) } ?? "NULL" }.joined(separator: ",") + "}"
    }
}
