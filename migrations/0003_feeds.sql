-- 0003: what the live feed needs beyond 0001.

-- feed_retention records how far the event log has been purged, so a
-- cursor can be told to be older than the retention exactly, even when
-- seq values have gaps (rolled-back appends) or the log is empty.
CREATE TABLE feed_retention (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    purged_through  bigint  NOT NULL DEFAULT 0 CHECK (purged_through >= 0)
);
INSERT INTO feed_retention DEFAULT VALUES;
