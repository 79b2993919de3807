-- Less work per callback: fewer index entries, one foreign key fewer. A first callback with
-- three sinks wrote 36 index entries (callback 4, profile 4, transition 7, each delivery 7); the
-- ones below served no read that another index does not serve as well, or indexed NULLs no read
-- looks for. After this, 23.
-- Every delivery's claim and finish also rewrites each of its index entries (a state change is
-- never a HOT update), so the dispatcher gains as much as ingest.

-- The claim reads deliveries_pending_sink (0002); the outbox gauges read that index and
-- deliveries_leases (0002), pending and delivering apart.
DROP INDEX deliveries_due;

-- Lists by state: dead and delivering have partial indexes (0002); pending ones are few and
-- have deliveries_pending_sink; delivered ones are nearly all, read back from the primary key.
DROP INDEX deliveries_state;

-- transitions_sid_occurred_at and transitions_to_status_occurred_at (0003) serve the reads by
-- SID and by status, in the order every list uses.
DROP INDEX transitions_sid;
DROP INDEX transitions_to_status;

-- Only a sink notice's deliveries have a notice_id: the constraint indexed a NULL for each of
-- the others.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_notice_sink;
CREATE UNIQUE INDEX deliveries_notice_sink ON deliveries (notice_id, sink) WHERE notice_id IS NOT NULL;

-- A profile has a friendly name and a policy once TrustHub's API was read (enrichment or the
-- reconciler); the filters look for a value, never for NULL.
DROP INDEX profiles_friendly_name;
CREATE INDEX profiles_friendly_name ON profiles (friendly_name, sid) WHERE friendly_name IS NOT NULL;
DROP INDEX profiles_policy_sid;
CREATE INDEX profiles_policy_sid ON profiles (policy_sid, sid) WHERE policy_sid IS NOT NULL;

-- A delivery's transition was checked by a foreign key: per delivery row, a lookup that also
-- locked the transition (FOR KEY SHARE), a fifth of the database's work per callback. Only
-- statushook_record_callback(s) and statushook_record_reconciled create transition deliveries,
-- in the transaction that creates the transition; the only deletion of transitions is
-- retention's, which removes a transition only with the last of its deliveries. A delivery
-- left without its transition (a hand-made DELETE) is never handed to a sink: the claim leaves
-- it out, and its lease ends as an abandoned attempt until it is dead.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_transition_id_fkey;
