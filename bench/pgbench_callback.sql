-- One callback as statushook records it (a first callback for a new profile with three sinks):
-- the callback row, the profile row, the transition and three delivery rows, as ONE statement.
-- bench/run runs it with pgbench one per transaction (the per-commit ceiling) and 100 per
-- transaction (the group-commit ceiling). Lighter than statushook_record_callback (no ON
-- CONFLICT, no row lock, no NOTIFY), so the ceilings it gives are, if anything, too high.
WITH k AS (SELECT md5(gen_random_uuid()::text) AS h),
c AS (
    INSERT INTO callbacks (idempotency_key, idempotency_token, request_id, sid, account_sid, status,
                           failure_reason, params, raw_body, path, raw_query, content_type, peer,
                           received_at, result)
    SELECT 't:' || h, h, 'bench-' || left(h, 16), 'BU' || h, 'ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
           'twilio-approved', NULL,
           jsonb_build_object('AccountSid', 'ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'CustomerProfileSid', 'BU' || h,
                              'Status', 'twilio-approved', 'FriendlyName', 'Bench Profile 1',
                              'PolicySid', 'RN806dd6cd175f314e1f96a9727ee271f4', 'DateUpdated', '2026-11-23T00:00:00Z'),
           'AccountSid=ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb&CustomerProfileSid=BU' || h
               || '&Status=twilio-approved&FriendlyName=Bench+Profile+1&PolicySid=RN806dd6cd175f314e1f96a9727ee271f4&DateUpdated=2026-11-23T00%3A00%3A00Z',
           '/callbacks/twilio', '', 'application/x-www-form-urlencoded', '127.0.0.1', now(), 'recorded'
      FROM k
    RETURNING id, sid, account_sid, received_at),
p AS (
    INSERT INTO profiles (sid, account_sid, status, date_created, date_updated)
    SELECT sid, account_sid, 'twilio-approved', received_at, received_at FROM c),
t AS (
    INSERT INTO transitions (sid, account_sid, from_status, to_status, failure_reason, unexpected,
                             source, callback_id, occurred_at)
    SELECT sid, account_sid, NULL, 'twilio-approved', NULL, false, 'callback', id, received_at FROM c
    RETURNING id, occurred_at)
INSERT INTO deliveries (transition_id, sink, next_attempt_at)
SELECT t.id, s, t.occurred_at FROM t, unnest('{log,hook,mail}'::text[]) AS s;
