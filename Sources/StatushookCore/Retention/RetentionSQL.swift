/// The statements of `retention_days`, each one small transaction over at most one batch.
///
/// Transitions and notices are walked by a keyset over their age (so that rows kept because a
/// delivery still waits are passed over once per sweep, not once per batch); a batch deletes
/// the finished deliveries of the events it scanned and their attempts (which have no foreign key
/// to them since migration 0011), then the events that no delivery waits for any more. A transition goes only with the last of its
/// deliveries (they have no foreign key to it since migration 0007): one that `replay` made
/// pending while the batch ran was not deleted by `finished`, so it keeps its transition.
/// Profiles are never touched. The batch's ids travel as an array (`= ANY (ARRAY(…))`) so that
/// each delete is an index scan by key, never a hash join over a whole table. A notice likewise
/// goes only with the last of its deliveries, and callbacks take their transitions' callback_id
/// with them (neither has a foreign key since migration 0008).
enum RetentionSQL {
    /// $1 days. The window's start by the database's clock, fixed for the whole sweep.
    static let cutoff = """
        SELECT statushook_rfc3339(now() - make_interval(days => $1::integer)) AS cutoff
        """

    /// $1 cutoff, $2/$3 the last (occurred_at, id) scanned ('-infinity', 0 at first), $4 batch size.
    static let transitionsBatch = """
        WITH scanned AS (
            SELECT id, occurred_at FROM transitions
             WHERE occurred_at < $1::timestamptz AND (occurred_at, id) > ($2::timestamptz, $3::bigint)
             ORDER BY occurred_at, id LIMIT $4::integer),
        finished AS (
            DELETE FROM deliveries d
             WHERE d.transition_id = ANY (ARRAY(SELECT id FROM scanned)) AND d.state IN ('delivered', 'dead')
            RETURNING d.id),
        attempts AS (
            DELETE FROM delivery_attempts a WHERE a.delivery_id = ANY (ARRAY(SELECT id FROM finished))),
        removed AS (
            DELETE FROM transitions t
             WHERE t.id = ANY (ARRAY(SELECT id FROM scanned))
               AND NOT EXISTS (SELECT 1 FROM deliveries d
                                WHERE d.transition_id = t.id AND d.id NOT IN (SELECT id FROM finished))
            RETURNING t.id),
        last AS (SELECT occurred_at, id FROM scanned ORDER BY occurred_at DESC, id DESC LIMIT 1)
        SELECT (SELECT count(*) FROM scanned) AS scanned, (SELECT count(*) FROM removed) AS removed,
               (SELECT count(*) FROM finished) AS deliveries,
               (SELECT statushook_rfc3339(occurred_at) FROM last) AS last_at, (SELECT id FROM last) AS last_id
        """

    /// $1 cutoff, $2 the last id scanned (0 at first), $3 batch size. Notices are few: their
    /// age is read from the row, walked in id order.
    static let noticesBatch = """
        WITH scanned AS (
            SELECT id FROM sink_notices
             WHERE occurred_at < $1::timestamptz AND id > $2::bigint
             ORDER BY id LIMIT $3::integer),
        finished AS (
            DELETE FROM deliveries d
             WHERE d.notice_id = ANY (ARRAY(SELECT id FROM scanned)) AND d.state IN ('delivered', 'dead')
            RETURNING d.id),
        attempts AS (
            DELETE FROM delivery_attempts a WHERE a.delivery_id = ANY (ARRAY(SELECT id FROM finished))),
        removed AS (
            DELETE FROM sink_notices n
             WHERE n.id = ANY (ARRAY(SELECT id FROM scanned))
               AND NOT EXISTS (SELECT 1 FROM deliveries d
                                WHERE d.notice_id = n.id AND d.id NOT IN (SELECT id FROM finished))
            RETURNING n.id)
        SELECT (SELECT count(*) FROM scanned) AS scanned, (SELECT count(*) FROM removed) AS removed,
               (SELECT count(*) FROM finished) AS deliveries, (SELECT max(id) FROM scanned) AS last_id
        """

    /// $1 cutoff, $2 batch size. A transition kept for a waiting delivery loses its callback_id,
    /// not its row (what the foreign key's ON DELETE SET NULL did until migration 0008; a WITH
    /// that modifies rows runs to its end though nothing reads it).
    static let callbacksBatch = """
        WITH removed AS (
            DELETE FROM callbacks WHERE id = ANY (ARRAY(
                SELECT id FROM callbacks WHERE received_at < $1::timestamptz ORDER BY received_at LIMIT $2::integer))
            RETURNING id),
        detached AS (
            UPDATE transitions SET callback_id = NULL
             WHERE callback_id = ANY (ARRAY(SELECT id FROM removed)))
        SELECT count(*) AS removed FROM removed
        """
}
