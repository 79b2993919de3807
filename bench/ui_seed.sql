-- bench/ui's data: 100,000 resources (one in ten a trust product) with 10 transitions each
-- (1,000,000) over about two years, each resource's last one at a random time of the last 640
-- days (so that every week, the current one too, has its share); one delivery per transition to sink `ops` (delivered),
-- 2,000 of them dead and 300 retrying with their attempts. Written by set-based SQL, not
-- callbacks: the point is the pages' reads, not ingest.
--
-- Each resource walks draft → pending-review → in-review → verdict → draft → … from an offset,
-- so that its last status varies (about 1 in 8 pending-review, 1 in 8 in-review, 1 in 8 draft,
-- the rest a verdict). A verdict is approved 85 times in 100; reviews take 1 h to 10 d.

\set ON_ERROR_STOP on
SET synchronous_commit = off;
SELECT setseed(0.42);

CREATE TEMP TABLE seed_steps AS
SELECT p, k,
       'BU' || md5('bench-ui-' || p) AS sid,
       (ARRAY['draft', 'pending-review', 'in-review', 'verdict'])[1 + ((o + k) % 4)] AS step,
       CASE WHEN random() < 0.85 THEN 'twilio-approved' ELSE 'twilio-rejected' END AS verdict,
       CASE (o + k) % 4
           WHEN 0 THEN interval '5 days' + random() * interval '25 days'   -- back to draft
           WHEN 1 THEN interval '1 day' + random() * interval '4 days'     -- submitted
           WHEN 2 THEN interval '10 minutes' + random() * interval '2 days' -- picked up
           ELSE interval '1 hour' + random() * random() * interval '10 days' -- the verdict
       END AS gap,
       last_at
  FROM generate_series(1, 100000) AS p,
       -- Per resource (it names p, so it is evaluated once for each): its offset and last time.
       LATERAL (SELECT CASE p % 8 WHEN 0 THEN 0 WHEN 1 THEN 1 WHEN 7 THEN 3 ELSE 2 END AS o,
                       now() - interval '1 hour' - (random() + p * 0) * interval '640 days' AS last_at) AS per_resource,
       generate_series(0, 9) AS k;

CREATE TEMP TABLE seed_transitions AS
SELECT p, k, sid,
       CASE step WHEN 'verdict' THEN verdict ELSE step END AS to_status,
       last_at - sum(gap) OVER (PARTITION BY p) + sum(gap) OVER (PARTITION BY p ORDER BY k) AS occurred_at
  FROM seed_steps;

INSERT INTO profiles (sid, account_sid, status, friendly_name, kind, date_created, date_updated)
SELECT t.sid, 'AC' || md5('bench-account'), t.to_status,
       CASE WHEN t.p % 50 = 0 THEN NULL ELSE 'Business ' || t.p END,
       CASE WHEN t.p % 10 = 0 THEN 'trust_product' ELSE 'customer_profile' END,
       t.occurred_at - interval '1 day', t.occurred_at
  FROM seed_transitions t WHERE t.k = 9;

INSERT INTO transitions (sid, account_sid, from_status, to_status, failure_reason, unexpected, source, occurred_at)
SELECT sid, 'AC' || md5('bench-account'),
       lag(to_status) OVER (PARTITION BY p ORDER BY k), to_status,
       CASE WHEN to_status = 'twilio-rejected'
            THEN 'Error ' || (ARRAY['18601', '18602', '18606', '22215'])[1 + (p + k) % 4] || ': the documents do not match' END,
       false, 'callback', occurred_at
  FROM seed_transitions
 ORDER BY occurred_at;

INSERT INTO deliveries (transition_id, sink, state, attempts, next_attempt_at, created_at, finished_at)
SELECT id, 'ops', 'delivered', 1, occurred_at, occurred_at, occurred_at + interval '80 milliseconds'
  FROM transitions;

-- The newest 2,000 rejections' deliveries died; 300 recent ones wait for a retry tomorrow.
WITH chosen AS (
    SELECT d.id FROM deliveries d JOIN transitions t ON t.id = d.transition_id
     WHERE t.to_status = 'twilio-rejected' ORDER BY t.occurred_at DESC LIMIT 2000)
UPDATE deliveries d SET state = 'dead', attempts = 8, last_error = 'HTTP 503 from https://ops.example/hook'
  FROM chosen WHERE d.id = chosen.id;
WITH chosen AS (
    SELECT d.id FROM deliveries d JOIN transitions t ON t.id = d.transition_id
     WHERE t.to_status = 'twilio-approved' ORDER BY t.occurred_at DESC LIMIT 300)
UPDATE deliveries d SET state = 'pending', attempts = 2, finished_at = NULL, next_attempt_at = now() + interval '1 day',
       last_error = 'timed out after 5 s'
  FROM chosen WHERE d.id = chosen.id;

INSERT INTO delivery_attempts (delivery_id, attempt, worker, started_at, duration_ms, outcome, detail)
SELECT d.id, a, 'bench', d.created_at + a * interval '1 minute', 5000,
       CASE WHEN d.state = 'dead' AND a = d.attempts THEN 'abandoned' ELSE 'transient' END, d.last_error
  FROM deliveries d, generate_series(1, d.attempts) AS a
 WHERE d.state IN ('dead', 'pending');

INSERT INTO sink_state (sink, paused, consecutive_failures) VALUES ('ops', false, 2);

VACUUM ANALYZE profiles;
VACUUM ANALYZE transitions;
VACUUM ANALYZE deliveries;
VACUUM ANALYZE delivery_attempts;
