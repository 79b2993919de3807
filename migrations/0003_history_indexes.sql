-- The history API's lists (PRODUCT §3) page by keyset: each filter has an index whose order is
-- the list's, so that a page costs the same at row 10 and at row 10 million.

-- Profiles are listed by SID (0001's profiles_status serves the Status filter).
CREATE INDEX profiles_friendly_name ON profiles (friendly_name, sid);
CREATE INDEX profiles_policy_sid ON profiles (policy_sid, sid);

-- Transitions are listed newest first by (occurred_at, id): 0001's transitions_occurred_at serves
-- the list and its date filters; these serve one profile's transitions and the Status filter.
CREATE INDEX transitions_sid_occurred_at ON transitions (sid, occurred_at, id);
CREATE INDEX transitions_to_status_occurred_at ON transitions (to_status, occurred_at, id);

-- Deliveries are listed newest first by id (0001's deliveries_sink serves the Sink filter).
CREATE INDEX deliveries_state ON deliveries (state, id);
