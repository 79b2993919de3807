import PostgresClient
import Testing

@Suite("PostgresError classification")
struct PostgresErrorTests {
    @Test("connection failures, losses and pool timeouts are connection problems")
    func kinds() {
        #expect(PostgresError(kind: .connectionFailed, message: "x").isConnectionProblem)
        #expect(PostgresError(kind: .connectionLost, message: "x").isConnectionProblem)
        #expect(PostgresError(kind: .poolExhausted, message: "x").isConnectionProblem)
        #expect(!PostgresError(kind: .queryFailed, message: "x").isConnectionProblem)
    }

    @Test("SQLSTATE class 08, shutdown, start-up, too_many_connections and a read-only standby (25006) are connection problems",
          arguments: ["08000", "08006", "08P01", "57P01", "57P02", "57P03", "53300", "25006"])
    func connectionStates(state: String) {
        #expect(PostgresError(kind: .queryFailed, sqlState: state, message: "x").isConnectionProblem)
    }

    @Test("constraint, syntax and serialization errors are not connection problems",
          arguments: ["23505", "42601", "40001", "57014", "53200"])
    func otherStates(state: String) {
        #expect(!PostgresError(kind: .queryFailed, sqlState: state, message: "x").isConnectionProblem)
    }

    @Test("40001 and 40P01 ask for the transaction to be rerun, nothing else does")
    func serialization() {
        #expect(PostgresError(kind: .queryFailed, sqlState: "40001", message: "x").isSerializationOrDeadlock)
        #expect(PostgresError(kind: .queryFailed, sqlState: "40P01", message: "x").isSerializationOrDeadlock)
        #expect(!PostgresError(kind: .queryFailed, sqlState: "23505", message: "x").isSerializationOrDeadlock)
    }

    @Test("the description names the kind, message, SQLSTATE and detail")
    func description() {
        let error = PostgresError(kind: .queryFailed, sqlState: "23505", message: "duplicate key", detail: "Key (id)=(1) already exists.")
        #expect(error.description == "PostgreSQL refused the statement: duplicate key (SQLSTATE 23505); Key (id)=(1) already exists.")
    }
}
