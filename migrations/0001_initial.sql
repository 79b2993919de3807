-- The ingest schema: profiles (current state), callbacks (every accepted request),
-- transitions (every status change) and deliveries (the outbox the dispatcher drains).

CREATE TABLE profiles (
    sid             text PRIMARY KEY CHECK (sid ~ '^BU[0-9a-fA-F]{32}$'),
    account_sid     text,
    status          text NOT NULL,
    friendly_name   text,
    policy_sid      text,
    email           text,
    status_callback text,
    valid_until     timestamptz,
    errors          jsonb,
    date_created    timestamptz NOT NULL,
    date_updated    timestamptz NOT NULL
);
CREATE INDEX profiles_status ON profiles (status, sid);

CREATE TABLE callbacks (
    id                bigserial PRIMARY KEY,
    -- 't:' + the I-Twilio-Idempotency-Token header, else 'h:' + a hash of SID, status and parameters.
    idempotency_key   text NOT NULL UNIQUE,
    idempotency_token text,
    request_id        text NOT NULL,
    sid               text NOT NULL,
    account_sid       text,
    status            text NOT NULL,
    failure_reason    text,
    -- Every parameter, verbatim: a JSON body as sent, a form body as {name: value | [values]}.
    params            jsonb NOT NULL,
    raw_body          text NOT NULL,
    path              text NOT NULL,
    raw_query         text NOT NULL,
    content_type      text NOT NULL,
    peer              text NOT NULL,
    received_at       timestamptz NOT NULL,
    result            text NOT NULL CHECK (result IN ('recorded', 'unchanged'))
);
CREATE INDEX callbacks_sid ON callbacks (sid, id);
CREATE INDEX callbacks_received_at ON callbacks (received_at);

CREATE TABLE transitions (
    id             bigserial PRIMARY KEY,
    sid            text NOT NULL,
    account_sid    text,
    from_status    text,
    to_status      text NOT NULL,
    failure_reason text,
    unexpected     boolean NOT NULL,
    source         text NOT NULL DEFAULT 'callback' CHECK (source IN ('callback', 'reconcile')),
    callback_id    bigint REFERENCES callbacks (id) ON DELETE SET NULL,
    occurred_at    timestamptz NOT NULL
);
CREATE INDEX transitions_sid ON transitions (sid, id DESC);
CREATE INDEX transitions_occurred_at ON transitions (occurred_at, id);
CREATE INDEX transitions_to_status ON transitions (to_status, id DESC);

CREATE TABLE deliveries (
    id               bigserial PRIMARY KEY,
    transition_id    bigint NOT NULL REFERENCES transitions (id) ON DELETE CASCADE,
    sink             text NOT NULL,
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivering', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_expires_at timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    UNIQUE (transition_id, sink)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE state IN ('pending', 'delivering');
CREATE INDEX deliveries_sink ON deliveries (sink, id);

-- The transitions PRODUCT.md calls expected; any other pair (and any unknown status) is flagged.
CREATE TABLE expected_transitions (
    from_status text NOT NULL,
    to_status   text NOT NULL,
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO expected_transitions VALUES
    ('draft', 'pending-review'),
    ('pending-review', 'draft'),
    ('pending-review', 'in-review'),
    ('in-review', 'twilio-approved'),
    ('in-review', 'twilio-rejected'),
    ('twilio-rejected', 'draft'),
    ('twilio-rejected', 'pending-review'),
    ('twilio-approved', 'draft'),
    ('twilio-approved', 'pending-review');

-- Records one accepted callback: one round trip, safe under concurrency (the profile row is
-- locked; the idempotency key is unique). Returns 'duplicate', 'unchanged' or 'recorded'.
-- p_sinks are the sinks whose filter matches p_status; p_known_status is false for a status
-- outside the documented set (its transition is then flagged unexpected whatever the pair).
CREATE FUNCTION statushook_record_callback(
    p_idempotency_key text, p_idempotency_token text, p_request_id text,
    p_sid text, p_account_sid text, p_status text, p_failure_reason text,
    p_params jsonb, p_raw_body text, p_path text, p_raw_query text, p_content_type text,
    p_peer text, p_received_at timestamptz, p_known_status boolean, p_sinks text[],
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
        INSERT INTO profiles (sid, account_sid, status, date_created, date_updated)
        VALUES (p_sid, p_account_sid, p_status, p_received_at, p_received_at)
        ON CONFLICT (sid) DO NOTHING;
        IF FOUND THEN
            v_first := true;
        ELSE
            SELECT status INTO v_from FROM profiles WHERE sid = p_sid FOR UPDATE;
        END IF;
    END IF;

    IF NOT v_first AND v_from = p_status THEN
        UPDATE callbacks SET result = 'unchanged' WHERE id = callback_id;
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
               account_sid = COALESCE(p_account_sid, account_sid)
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
