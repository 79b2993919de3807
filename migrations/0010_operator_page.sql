-- Indexes for the operator page (/ui/): each of its queries reads a bounded range of one.

-- "Waiting for Twilio": pending-review and in-review resources, oldest in their status first,
-- paged by (date_updated, sid). Only the resources Twilio has yet to answer are in it.
CREATE INDEX operator_profiles_waiting ON profiles (date_updated, sid)
    WHERE status IN ('pending-review', 'in-review');

-- Friendly-name prefix search in byte order: the range [prefix, next prefix) holds exactly the
-- names that start with the prefix, whatever the database's collation.
CREATE INDEX operator_profiles_friendly_name_c ON profiles ((friendly_name COLLATE "C"), sid)
    WHERE friendly_name IS NOT NULL;
