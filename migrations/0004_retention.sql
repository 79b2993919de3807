-- Retention deletes old callbacks, and ON DELETE SET NULL then looks transitions up by
-- callback_id: without this index every deleted callback scans the whole transitions table.
CREATE INDEX transitions_callback_id ON transitions (callback_id) WHERE callback_id IS NOT NULL;
