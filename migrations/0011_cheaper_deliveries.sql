-- Less work per delivery. Each attempt's row checked its delivery through a foreign key: per
-- attempt an AFTER trigger that looked the delivery up and locked it (FOR KEY SHARE, a WAL
-- record of its own) in the statement that had just updated it. The only statement that adds
-- attempts is the one that settles their deliveries (or takes their expired leases back), and
-- the only code that deletes deliveries is retention, which now deletes their attempts with
-- them, as ON DELETE CASCADE did. An attempt whose delivery is gone (a hand-made DELETE) is
-- never read: every read of attempts starts from a delivery.
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_delivery_id_fkey;
