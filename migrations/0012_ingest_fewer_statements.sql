-- Fewer statements per ingest batch, and no NOTIFY in it.
--
-- Each statement of statushook_record_callbacks costs its plan's start-up (opening the table and
-- all its indexes, preparing CHECK constraints and partial-index predicates) whether or not it
-- touches a row: the function took about 0.45 ms of PostgreSQL CPU per batch before its first
-- callback and about 0.09 ms per callback. So the count of new profiles now comes from the
-- statement that locks the profiles, with the counts of callbacks that change nothing and of those
-- that move an existing profile; the two UPDATEs (and the kind's) run only when a callback needs
-- them; and the transitions and their deliveries are inserted by one statement.
--
-- The batch no longer notifies statushook_deliveries: a NOTIFY holds PostgreSQL's notification
-- queue lock from before the commit until after its flush, so the two ingest writers' commits
-- could never overlap, and each woke the listening backend. The writer now wakes its own
-- process's dispatcher once the batch has committed (OutboxDoorbell). Everything else is 0009's
-- function as it was.
CREATE OR REPLACE FUNCTION statushook_record_callbacks(
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
    v_unchanged integer;
    v_moved integer;
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

    -- The profiles' statuses, and in the same statement how many callbacks make a new profile,
    -- change nothing, or move an existing profile: the statements below that would touch no
    -- row are skipped (each costs its plan's start-up even then).
    WITH locked AS (
        SELECT p.sid, p.status FROM profiles p
         WHERE p.sid = ANY (ARRAY(SELECT p_sids[i] FROM generate_subscripts(p_sids, 1) AS i
                                   WHERE v_callback_ids[i] IS NOT NULL))
         ORDER BY p.sid
           FOR UPDATE)
    SELECT array_agg(locked.status ORDER BY s.i),
           count(*) FILTER (WHERE v_callback_ids[s.i] IS NOT NULL AND locked.status IS NULL),
           count(*) FILTER (WHERE v_callback_ids[s.i] IS NOT NULL AND locked.status = p_statuses[s.i]),
           count(*) FILTER (WHERE v_callback_ids[s.i] IS NOT NULL AND locked.status <> p_statuses[s.i])
      INTO v_from, v_expected_new, v_unchanged, v_moved
      FROM unnest(p_sids) WITH ORDINALITY AS s(sid, i)
      LEFT JOIN locked ON locked.sid = s.sid;

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

    IF v_unchanged > 0 THEN
        UPDATE callbacks SET result = 'unchanged'
         WHERE id = ANY (ARRAY(SELECT v_callback_ids[i] FROM generate_subscripts(p_sids, 1) AS i
                               WHERE v_callback_ids[i] IS NOT NULL AND v_from[i] = p_statuses[i]));
    END IF;

    -- The transitions, and one delivery per sink of each, in the callbacks' order.
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
        RETURNING id, callback_id),
    numbered AS MATERIALIZED (
        SELECT c.i, inserted.id
          FROM unnest(v_callback_ids) WITH ORDINALITY AS c(id, i)
          LEFT JOIN inserted ON inserted.callback_id = c.id),
    queued AS (
        INSERT INTO deliveries (transition_id, sink, next_attempt_at)
        SELECT t.id, s.sink, p_received_at[t.i]
          FROM numbered AS t, unnest(string_to_array(p_sinks[t.i], ',')) WITH ORDINALITY AS s(sink, j)
         WHERE t.id IS NOT NULL
         ORDER BY t.i, s.j)
    SELECT array_agg(t.id ORDER BY t.i) INTO v_transition_ids FROM numbered AS t;

    IF v_moved > 0 THEN
        UPDATE profiles p
           SET status = p_statuses[i], date_updated = p_received_at[i],
               account_sid = COALESCE(p_account_sids[i], p.account_sid),
               kind = COALESCE(p.kind, p_kinds[i])
          FROM generate_subscripts(p_sids, 1) AS i
         WHERE p.sid = p_sids[i] AND v_transition_ids[i] IS NOT NULL AND v_from[i] IS NOT NULL;
    END IF;

    -- A callback that changed nothing still tells an unknown kind (rarely: most name none).
    IF v_unchanged > 0 AND cardinality(array_remove(p_kinds, NULL)) > 0 THEN
        UPDATE profiles p
           SET kind = p_kinds[i]
          FROM generate_subscripts(p_sids, 1) AS i
         WHERE p.sid = p_sids[i] AND p.kind IS NULL AND p_kinds[i] IS NOT NULL
           AND v_from[i] = p_statuses[i] AND v_callback_ids[i] IS NOT NULL;
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
