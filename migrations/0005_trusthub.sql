-- The TrustHub REST API (issue 7): what the API says of each profile (enrichment), and the
-- transitions the reconciler finds that no callback told.

-- profiles.date_created/date_updated stay statushook's own (first seen, last transition); the
-- API's are kept beside them. enriched_at: when the API's fields were last stored; a profile
-- whose last transition is newer is fetched again.
ALTER TABLE profiles
    ADD COLUMN twilio_date_created timestamptz,
    ADD COLUMN twilio_date_updated timestamptz,
    ADD COLUMN enriched_at         timestamptz;

-- Stores the API's fields of several profiles at once, from a JSON array of CustomerProfile
-- resources (a field left out or null is stored as NULL: the API's word replaces ours). Only
-- profiles statushook knows are updated; their status is the transitions' business, never this.
-- The rows are locked in SID order first, the order in which a batch of callbacks locks them,
-- so that the two never deadlock.
CREATE FUNCTION statushook_store_profiles(p_profiles jsonb) RETURNS integer
LANGUAGE sql AS $$
    SELECT count(*) FROM (
        SELECT 1 FROM profiles
         WHERE sid IN (SELECT x.sid FROM jsonb_to_recordset(p_profiles) AS x(sid text))
         ORDER BY sid FOR UPDATE) AS locked;
    WITH updated AS (
        UPDATE profiles p
           SET account_sid = COALESCE(x.account_sid, p.account_sid),
               policy_sid = x.policy_sid, friendly_name = x.friendly_name, email = x.email,
               status_callback = x.status_callback, valid_until = x.valid_until,
               errors = CASE WHEN jsonb_typeof(x.errors) IN ('array', 'object') THEN x.errors END,
               twilio_date_created = x.date_created, twilio_date_updated = x.date_updated,
               enriched_at = clock_timestamp()
          FROM jsonb_to_recordset(p_profiles) AS x(sid text, account_sid text, policy_sid text,
                                                  friendly_name text, email text, status_callback text,
                                                  valid_until timestamptz, errors jsonb,
                                                  date_created timestamptz, date_updated timestamptz)
         WHERE p.sid = x.sid
        RETURNING 1)
    SELECT count(*)::integer FROM updated
$$;

-- Records a status the reconciler read from the API that differs from the profile's current
-- one, as statushook_record_callback records a callback's: the profile row locked, one
-- transition (source 'reconcile', no callback), one delivery per sink in p_sinks, the
-- dispatcher notified. A status that no longer differs (a callback came first) records nothing
-- and returns NULL. p_known_status is false for a status outside the documented set.
CREATE FUNCTION statushook_record_reconciled(
    p_sid text, p_account_sid text, p_status text, p_known_status boolean, p_sinks text[],
    OUT transition_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_from text;
    v_first boolean := false;
    v_now timestamptz := clock_timestamp();
BEGIN
    SELECT status INTO v_from FROM profiles WHERE sid = p_sid FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO profiles (sid, account_sid, status, date_created, date_updated)
        VALUES (p_sid, p_account_sid, p_status, v_now, v_now)
        ON CONFLICT (sid) DO NOTHING;
        IF FOUND THEN
            v_first := true;
        ELSE
            SELECT status INTO v_from FROM profiles WHERE sid = p_sid FOR UPDATE;
        END IF;
    END IF;

    IF NOT v_first AND v_from = p_status THEN
        RETURN;
    END IF;

    INSERT INTO transitions (sid, account_sid, from_status, to_status, failure_reason, unexpected,
                             source, callback_id, occurred_at)
    VALUES (p_sid, p_account_sid, CASE WHEN v_first THEN NULL ELSE v_from END, p_status, NULL,
            NOT p_known_status OR (NOT v_first AND NOT EXISTS (
                SELECT 1 FROM expected_transitions e WHERE e.from_status = v_from AND e.to_status = p_status)),
            'reconcile', NULL, v_now)
    RETURNING id INTO transition_id;

    IF NOT v_first THEN
        UPDATE profiles
           SET status = p_status, date_updated = v_now, account_sid = COALESCE(p_account_sid, account_sid)
         WHERE sid = p_sid;
    END IF;

    IF cardinality(p_sinks) > 0 THEN
        INSERT INTO deliveries (transition_id, sink, next_attempt_at)
        SELECT transition_id, s, v_now FROM unnest(p_sinks) AS s;
        PERFORM pg_notify('statushook_deliveries', '');
    END IF;
END
$$;
