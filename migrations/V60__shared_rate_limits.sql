-- Guarded services' per-key limits, shared by every Keydesk process (see RateLimits): each
-- process's claim on a key's window, the part of the limit it may admit, written and read by its
-- background exchange every 100 ms. A row names its counter (service, key, window) and lives
-- until shortly after the window's end (window_end, milliseconds since the epoch by the
-- processes' clock). Unlogged: what it holds is worth a minute, and need not survive a crash.
CREATE UNLOGGED TABLE rate_limit_claims (
    counter    text    NOT NULL,
    process    uuid    NOT NULL,
    claimed    integer NOT NULL,
    window_end bigint  NOT NULL,
    PRIMARY KEY (counter, process)
);
CREATE INDEX rate_limit_claims_window_end ON rate_limit_claims (window_end);

-- The processes that share the limits, each marked every half second: how many there are sizes
-- what a process admits of a key before its first exchange about it.
CREATE UNLOGGED TABLE rate_limit_processes (
    process uuid        PRIMARY KEY,
    seen_at timestamptz NOT NULL
);
