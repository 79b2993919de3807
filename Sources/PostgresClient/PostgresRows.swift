/// The rows of one result, every value in PostgreSQL's text format (`nil` is SQL NULL).
public struct PostgresRows: Sendable, RandomAccessCollection {
    public var columns: [String]
    public var rows: [[String?]]
    /// What the command tag counts: rows inserted, updated, deleted or selected (0 when it has none).
    public var affectedRows: Int

    public init(columns: [String], rows: [[String?]], affectedRows: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    /// The value of `column` in row `row`; a column name the result does not have is a programming error.
    public subscript(row: Int, column: String) -> String? {
        rows[row][columnIndex(column)]
    }

    public var startIndex: Int { rows.startIndex }
    public var endIndex: Int { rows.endIndex }

    public subscript(position: Int) -> PostgresRow {
        PostgresRow(columns: columns, values: rows[position])
    }

    func columnIndex(_ name: String) -> Int {
        guard let index = columns.firstIndex(of: name) else {
            preconditionFailure("the result has no column \"\(name)\"; it has \(columns)")
        }
        return index
    }
}

/// One row of a result, read by column name.
public struct PostgresRow: Sendable {
    public var columns: [String]
    public var values: [String?]

    public init(columns: [String], values: [String?]) {
        self.columns = columns
        self.values = values
    }

    /// The value of `column`; a column name the result does not have is a programming error.
    public subscript(column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else {
            preconditionFailure("the row has no column \"\(column)\"; it has \(columns)")
        }
        return values[index]
    }
}
