-- Twilio as it really calls: the moves its documentation implies, and TrustProducts beside
-- CustomerProfiles (they share the BU prefix, the statuses and the fields).

-- Twilio sends no callback for pending-review -> in-review, so a verdict usually arrives straight
-- from pending-review. The flag describes the pair, and the list was wrong: transitions already
-- recorded with these pairs were never unexpected. The list only grows here, so no flag turns on.
INSERT INTO expected_transitions VALUES
    ('pending-review', 'twilio-approved'),
    ('pending-review', 'twilio-rejected');
UPDATE transitions t
   SET unexpected = false
 WHERE t.unexpected
   AND t.to_status IN ('draft', 'pending-review', 'in-review', 'twilio-rejected', 'twilio-approved')
   AND (t.from_status IS NULL OR EXISTS (
        SELECT 1 FROM expected_transitions e WHERE e.from_status = t.from_status AND e.to_status = t.to_status));

-- What a BU... SID names; NULL while unknown (served as a customer profile). Learned from a
-- callback's parameter name (CustomerProfileSid, TrustProductSid), which fills an unknown kind
-- only, and from the TrustHub API (enrichment, the reconciler), whose word replaces it.
ALTER TABLE profiles
    ADD COLUMN kind text CHECK (kind IN ('customer_profile', 'trust_product'));
-- /v1/TrustProducts lists by SID; customer profiles (and SIDs of unknown kind) walk the primary key.
CREATE INDEX profiles_trust_products ON profiles (sid) WHERE kind = 'trust_product';

-- The ingest functions of 0001 and 0006 with one parameter more: each callback's kind. The
-- former signatures stay, for a daemon of the previous release during a rolling upgrade, and
-- call these with no kind.
CREATE FUNCTION statushook_record_callback(
    p_idempotency_key text, p_idempotency_token text, p_request_id text,
    p_sid text, p_account_sid text, p_status text, p_failure_reason text,
    p_params jsonb, p_raw_body text, p_path text, p_raw_query text, p_content_type text,
    p_peer text, p_received_at timestamptz, p_known_status boolean, p_sinks text[], p_kind text,
    OUT result text, OUT transition_id bigint, OUT callback_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_from text;
    v_first boolean := false;
    v_unexpected boolean;
BEGIN
    INSERT INTO callbacks (idempotency_key, idempotency_token, request_id, sid, account_sid, status,
                           failure_reason, params, raw_body, path, raw_query, content_type, peer,
                           received_at, result)
    VALUES (p_idempotency_key, p_idempotency_token, p_request_id, p_sid, p_account_sid, p_status,
            p_failure_reason, p_params, p_raw_body, p_path, p_raw_query, p_content_type, p_peer,
            p_received_at, 'recorded')
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO callback_id;
    IF callback_id IS NULL THEN
        result := 'duplicate';
        RETURN;
    END IF;

    SELECT status INTO v_from FROM profiles WHERE sid = p_sid FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO profiles (sid, account_sid, status, kind, date_created, date_updated)
        VALUES (p_sid, p_account_sid, p_status, p_kind, p_received_at, p_received_at)
        ON CONFLICT (sid) DO NOTHING;
        IF FOUND THEN
            v_first := true;
        ELSE
            SELECT status INTO v_from FROM profiles WHERE sid = p_sid FOR UPDATE;
        END IF;
    END IF;

    IF NOT v_first AND v_from = p_status THEN
        UPDATE callbacks SET result = 'unchanged' WHERE id = callback_id;
        IF p_kind IS NOT NULL THEN
            UPDATE profiles SET kind = p_kind WHERE sid = p_sid AND kind IS NULL;
        END IF;
        result := 'unchanged';
        RETURN;
    END IF;

    v_unexpected := NOT p_known_status OR (NOT v_first AND NOT EXISTS (
        SELECT 1 FROM expected_transitions e WHERE e.from_status = v_from AND e.to_status = p_status));

    INSERT INTO transitions (sid, account_sid, from_status, to_status, failure_reason, unexpected,
                             source, callback_id, occurred_at)
    VALUES (p_sid, p_account_sid, CASE WHEN v_first THEN NULL ELSE v_from END, p_status,
            p_failure_reason, v_unexpected, 'callback', callback_id, p_received_at)
    RETURNING id INTO transition_id;

    IF NOT v_first THEN
        UPDATE profiles
           SET status = p_status, date_updated = p_received_at,
               account_sid = COALESCE(p_account_sid, account_sid), kind = COALESCE(kind, p_kind)
         WHERE sid = p_sid;
    END IF;

    IF cardinality(p_sinks) > 0 THEN
        INSERT INTO deliveries (transition_id, sink, next_attempt_at)
        SELECT transition_id, s, p_received_at FROM unnest(p_sinks) AS s;
        PERFORM pg_notify('statushook_deliveries', '');
    END IF;
    result := 'recorded';
END
$$;

CREATE OR REPLACE FUNCTION statushook_record_callback(
    p_idempotency_key text, p_idempotency_token text, p_request_id text,
    p_sid text, p_account_sid text, p_status text, p_failure_reason text,
    p_params jsonb, p_raw_body text, p_path text, p_raw_query text, p_content_type text,
    p_peer text, p_received_at timestamptz, p_known_status boolean, p_sinks text[],
    OUT result text, OUT transition_id bigint, OUT callback_id bigint)
LANGUAGE sql AS $$
    SELECT * FROM statushook_record_callback(
        p_idempotency_key, p_idempotency_token, p_request_id, p_sid, p_account_sid, p_status,
        p_failure_reason, p_params, p_raw_body, p_path, p_raw_query, p_content_type, p_peer,
        p_received_at, p_known_status, p_sinks, NULL::text)
$$;

-- 0006's group commit, with p_kinds[i] the kind of callback i (NULL when its parameter name
-- says nothing). Comments on the steps are 0006's.
CREATE FUNCTION statushook_record_callbacks(
    p_idempotency_keys text[], p_idempotency_tokens text[], p_request_ids text[],
    p_sids text[], p_account_sids text[], p_statuses text[], p_failure_reasons text[],
    p_params jsonb[], p_raw_bodies text[], p_paths text[], p_raw_queries text[],
    p_content_types text[], p_peers text[], p_received_at timestamptz[],
    p_known_statuses boolean[], p_sinks text[], p_kinds text[])
RETURNS TABLE (ord integer, result text, transition_id bigint, callback_id bigint)
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n integer := coalesce(cardinality(p_sids), 0);
    v_callback_ids bigint[];
    v_from text[];
    v_transition_ids bigint[];
    v_new_profiles integer;
    v_expected_new integer;
    v_deliveries integer;
BEGIN
    IF (SELECT count(DISTINCT s) FROM unnest(p_sids) AS s) < n
       OR (SELECT count(DISTINCT k) FROM unnest(p_idempotency_keys) AS k) < n THEN
        FOR i IN 1..n LOOP
            RETURN QUERY SELECT i, r.result, r.transition_id, r.callback_id
              FROM statushook_record_callback(
                  p_idempotency_keys[i], p_idempotency_tokens[i], p_request_ids[i], p_sids[i],
                  p_account_sids[i], p_statuses[i], p_failure_reasons[i], p_params[i],
                  p_raw_bodies[i], p_paths[i], p_raw_queries[i], p_content_types[i], p_peers[i],
                  p_received_at[i], p_known_statuses[i], string_to_array(p_sinks[i], ','),
                  p_kinds[i]) AS r;
        END LOOP;
        RETURN;
    END IF;

    WITH inserted AS (
        INSERT INTO callbacks (idempotency_key, idempotency_token, request_id, sid, account_sid,
                               status, failure_reason, params, raw_body, path, raw_query,
                               content_type, peer, received_at, result)
        SELECT u.key, u.token, u.request_id, u.sid, u.account_sid, u.status, u.failure_reason,
               u.params, u.raw_body, u.path, u.raw_query, u.content_type, u.peer, u.received_at,
               'recorded'
          FROM unnest(p_idempotency_keys, p_idempotency_tokens, p_request_ids, p_sids,
                      p_account_sids, p_statuses, p_failure_reasons, p_params, p_raw_bodies,
                      p_paths, p_raw_queries, p_content_types, p_peers, p_received_at)
               WITH ORDINALITY AS u(key, token, request_id, sid, account_sid, status,
                                    failure_reason, params, raw_body, path, raw_query,
                                    content_type, peer, received_at, i)
         ORDER BY u.i
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id, idempotency_key)
    SELECT array_agg(inserted.id ORDER BY k.i)
      INTO v_callback_ids
      FROM unnest(p_idempotency_keys) WITH ORDINALITY AS k(key, i)
      LEFT JOIN inserted ON inserted.idempotency_key = k.key;

    WITH locked AS (
        SELECT p.sid, p.status FROM profiles p
         WHERE p.sid = ANY (ARRAY(SELECT p_sids[i] FROM generate_subscripts(p_sids, 1) AS i
                                   WHERE v_callback_ids[i] IS NOT NULL))
         ORDER BY p.sid
           FOR UPDATE)
    SELECT array_agg(locked.status ORDER BY s.i)
      INTO v_from
      FROM unnest(p_sids) WITH ORDINALITY AS s(sid, i)
      LEFT JOIN locked ON locked.sid = s.sid;

    SELECT count(*) INTO v_expected_new FROM generate_subscripts(p_sids, 1) AS i
     WHERE v_callback_ids[i] IS NOT NULL AND v_from[i] IS NULL;
    IF v_expected_new > 0 THEN
        WITH created AS (
            INSERT INTO profiles (sid, account_sid, status, kind, date_created, date_updated)
            SELECT p_sids[i], p_account_sids[i], p_statuses[i], p_kinds[i], p_received_at[i],
                   p_received_at[i]
              FROM generate_subscripts(p_sids, 1) AS i
             WHERE v_callback_ids[i] IS NOT NULL AND v_from[i] IS NULL
             ORDER BY p_sids[i]
            ON CONFLICT (sid) DO NOTHING
            RETURNING 1)
        SELECT count(*) INTO v_new_profiles FROM created;
        IF v_new_profiles < v_expected_new THEN
            RAISE EXCEPTION 'a profile of this batch was created concurrently; retry the batch'
                USING ERRCODE = 'serialization_failure';
        END IF;
    END IF;

    UPDATE callbacks SET result = 'unchanged'
     WHERE id = ANY (ARRAY(SELECT v_callback_ids[i] FROM generate_subscripts(p_sids, 1) AS i
                           WHERE v_callback_ids[i] IS NOT NULL AND v_from[i] = p_statuses[i]));

    WITH inserted AS (
        INSERT INTO transitions (sid, account_sid, from_status, to_status, failure_reason,
                                 unexpected, source, callback_id, occurred_at)
        SELECT p_sids[i], p_account_sids[i], v_from[i], p_statuses[i], p_failure_reasons[i],
               NOT p_known_statuses[i] OR (v_from[i] IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM expected_transitions e
                    WHERE e.from_status = v_from[i] AND e.to_status = p_statuses[i])),
               'callback', v_callback_ids[i], p_received_at[i]
          FROM generate_subscripts(p_sids, 1) AS i
         WHERE v_callback_ids[i] IS NOT NULL AND v_from[i] IS DISTINCT FROM p_statuses[i]
         ORDER BY i
        RETURNING id, callback_id)
    SELECT array_agg(inserted.id ORDER BY c.i)
      INTO v_transition_ids
      FROM unnest(v_callback_ids) WITH ORDINALITY AS c(id, i)
      LEFT JOIN inserted ON inserted.callback_id = c.id;

    UPDATE profiles p
       SET status = p_statuses[i], date_updated = p_received_at[i],
           account_sid = COALESCE(p_account_sids[i], p.account_sid),
           kind = COALESCE(p.kind, p_kinds[i])
      FROM generate_subscripts(p_sids, 1) AS i
     WHERE p.sid = p_sids[i] AND v_transition_ids[i] IS NOT NULL AND v_from[i] IS NOT NULL;

    -- A callback that changed nothing still tells an unknown kind (rarely: most name none).
    IF cardinality(array_remove(p_kinds, NULL)) > 0 THEN
        UPDATE profiles p
           SET kind = p_kinds[i]
          FROM generate_subscripts(p_sids, 1) AS i
         WHERE p.sid = p_sids[i] AND p.kind IS NULL AND p_kinds[i] IS NOT NULL
           AND v_from[i] = p_statuses[i] AND v_callback_ids[i] IS NOT NULL;
    END IF;

    INSERT INTO deliveries (transition_id, sink, next_attempt_at)
    SELECT v_transition_ids[i], s.sink, p_received_at[i]
      FROM generate_subscripts(p_sids, 1) AS i,
           unnest(string_to_array(p_sinks[i], ',')) WITH ORDINALITY AS s(sink, j)
     WHERE v_transition_ids[i] IS NOT NULL
     ORDER BY i, s.j;
    GET DIAGNOSTICS v_deliveries = ROW_COUNT;
    IF v_deliveries > 0 THEN
        PERFORM pg_notify('statushook_deliveries', '');
    END IF;

    RETURN QUERY
    SELECT i, CASE WHEN v_callback_ids[i] IS NULL THEN 'duplicate'
                   WHEN v_transition_ids[i] IS NULL THEN 'unchanged'
                   ELSE 'recorded' END,
           v_transition_ids[i], v_callback_ids[i]
      FROM generate_subscripts(p_sids, 1) AS i
     ORDER BY i;
END
$$;

CREATE OR REPLACE FUNCTION statushook_record_callbacks(
    p_idempotency_keys text[], p_idempotency_tokens text[], p_request_ids text[],
    p_sids text[], p_account_sids text[], p_statuses text[], p_failure_reasons text[],
    p_params jsonb[], p_raw_bodies text[], p_paths text[], p_raw_queries text[],
    p_content_types text[], p_peers text[], p_received_at timestamptz[],
    p_known_statuses boolean[], p_sinks text[])
RETURNS TABLE (ord integer, result text, transition_id bigint, callback_id bigint)
LANGUAGE sql AS $$
    SELECT * FROM statushook_record_callbacks(
        p_idempotency_keys, p_idempotency_tokens, p_request_ids, p_sids, p_account_sids,
        p_statuses, p_failure_reasons, p_params, p_raw_bodies, p_paths, p_raw_queries,
        p_content_types, p_peers, p_received_at, p_known_statuses, p_sinks, NULL::text[])
$$;

-- 0005's reconciled transition with the kind the reconciler read it under, which replaces
-- whatever was known (the API's word is final).
CREATE FUNCTION statushook_record_reconciled(
    p_sid text, p_account_sid text, p_status text, p_known_status boolean, p_sinks text[],
    p_kind text, OUT transition_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_from text;
    v_first boolean := false;
    v_now timestamptz := clock_timestamp();
BEGIN
    SELECT status INTO v_from FROM profiles WHERE sid = p_sid FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO profiles (sid, account_sid, status, kind, date_created, date_updated)
        VALUES (p_sid, p_account_sid, p_status, p_kind, v_now, v_now)
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
           SET status = p_status, date_updated = v_now, account_sid = COALESCE(p_account_sid, account_sid),
               kind = COALESCE(p_kind, kind)
         WHERE sid = p_sid;
    END IF;

    IF cardinality(p_sinks) > 0 THEN
        INSERT INTO deliveries (transition_id, sink, next_attempt_at)
        SELECT transition_id, s, v_now FROM unnest(p_sinks) AS s;
        PERFORM pg_notify('statushook_deliveries', '');
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION statushook_record_reconciled(
    p_sid text, p_account_sid text, p_status text, p_known_status boolean, p_sinks text[],
    OUT transition_id bigint)
LANGUAGE sql AS $$
    SELECT statushook_record_reconciled(p_sid, p_account_sid, p_status, p_known_status, p_sinks, NULL::text)
$$;

-- 0005's store, now with each resource's kind ("kind" in the JSON; absent keeps the stored one).
CREATE OR REPLACE FUNCTION statushook_store_profiles(p_profiles jsonb) RETURNS integer
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
               kind = COALESCE(x.kind, p.kind),
               enriched_at = clock_timestamp()
          FROM jsonb_to_recordset(p_profiles) AS x(sid text, account_sid text, policy_sid text,
                                                  friendly_name text, email text, status_callback text,
                                                  valid_until timestamptz, errors jsonb,
                                                  date_created timestamptz, date_updated timestamptz,
                                                  kind text)
         WHERE p.sid = x.sid
        RETURNING 1)
    SELECT count(*)::integer FROM updated
$$;
