-- The outbox's bookkeeping: every attempt, the health of each sink, and notices to the operator
-- (a paused sink is announced through the other sinks, as deliveries like a transition's).

-- One row per attempt, including those a dead or departing worker abandoned.
CREATE TABLE delivery_attempts (
    id          bigserial PRIMARY KEY,
    delivery_id bigint NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt     integer NOT NULL,
    worker      text NOT NULL,
    started_at  timestamptz NOT NULL,
    duration_ms integer NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('delivered', 'transient', 'permanent', 'gone', 'abandoned')),
    detail      text NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

-- A row appears with a sink's first failure; a sink without one is healthy and active.
CREATE TABLE sink_state (
    sink                 text PRIMARY KEY,
    paused               boolean NOT NULL DEFAULT false,
    paused_at            timestamptz,
    paused_reason        text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Something the operator must hear of, delivered to every other active sink through the outbox.
-- A notice is its own event (as a transition is), so retries, attempts, replay and listing need
-- nothing new: a delivery carries exactly one of transition_id and notice_id.
CREATE TABLE sink_notices (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('sink_paused')),
    sink        text NOT NULL,
    reason      text NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE deliveries
    ALTER COLUMN transition_id DROP NOT NULL,
    ADD COLUMN notice_id bigint REFERENCES sink_notices (id) ON DELETE CASCADE,
    ADD CONSTRAINT deliveries_one_event CHECK ((transition_id IS NULL) <> (notice_id IS NULL)),
    ADD CONSTRAINT deliveries_notice_sink UNIQUE (notice_id, sink);

-- The claim and the wake-up time read each active sink's due deliveries in order here, so that a
-- paused sink's backlog, however large, is never read (0001's deliveries_due would walk through it).
CREATE INDEX deliveries_pending_sink ON deliveries (sink, next_attempt_at, id) WHERE state = 'pending';
-- The lease sweep and the shutdown release look only at rows being delivered.
CREATE INDEX deliveries_leases ON deliveries (lease_expires_at) WHERE state = 'delivering';
-- `statushook deliveries --state dead` and replay of dead deliveries, without a scan of history.
CREATE INDEX deliveries_dead ON deliveries (id) WHERE state = 'dead';

-- RFC 3339 in UTC with microseconds, as events and the CLI show times.
CREATE FUNCTION statushook_rfc3339(t timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;
