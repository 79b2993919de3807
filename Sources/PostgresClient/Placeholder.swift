enum PostgresClientPlaceholder {}
