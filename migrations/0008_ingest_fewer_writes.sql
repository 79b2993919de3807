-- Less work per callback again (bench/run, statushook alone, binaries before and after this
-- alternating: 6,805 -> 7,917 and 9,224 -> 10,318 callbacks/s). A first callback with three
-- sinks writes 22 index entries after this, and fires no trigger.

-- No statement reads callbacks by SID: the history is the transitions', which have their own
-- index by SID. An operator who looks callbacks up by SID often can create it again (README,
-- "Upgrades").
DROP INDEX callbacks_sid;

-- Each foreign key cost ingest an AFTER trigger per row, and the first also a row lock on the
-- callback it names (a WAL record and a dirtied page per transition). Retention, the only code
-- that deletes callbacks and notices, now does what their ON DELETE did: it sets a kept
-- transition's callback_id to NULL, and deletes a notice only together with the last of its
-- deliveries, as it does transitions since 0007. The claim passes over a delivery whose notice
-- is gone, as it does one whose transition is gone.
ALTER TABLE transitions DROP CONSTRAINT transitions_callback_id_fkey;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_notice_id_fkey;
