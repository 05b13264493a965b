-- The schema of the latest version, made at once in a new database: the same tables, columns
-- and indexes as the migrations in schema.rs applied one by one from version 0, which a test
-- checks (store/schema.rs, `fresh_schema_is_the_migrated_schema`). Change it only together
-- with a new migration.

-- ledger sources: one row per file read
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    -- the version in force (NULL until a version is accepted)
    content_hash TEXT,
    settings_hash TEXT,
    imported_at TEXT,
    -- when a new version (accepted or rejected) was last seen: for stale-data alerts
    changed_at TEXT,
    entry_count INTEGER NOT NULL DEFAULT 0,
    subtotal_rows INTEGER NOT NULL DEFAULT 0,
    -- the last rejected version, cleared when a newer version is accepted
    rejected_hash TEXT,
    rejected_settings TEXT,
    rejected_at TEXT,
    rejected_message TEXT,
    -- whether the admin was told about the rejected version (once per bad version)
    rejection_notified INTEGER NOT NULL DEFAULT 0,
    size INTEGER,
    mtime_ns INTEGER,
    -- where the version in force was cut into blocks: 11 little-endian u64 per block
    blocks BLOB,
    -- 'config' (named by ledger.sources), 'hand' (spendwatch import); NULL before schema 6
    origin TEXT,
    -- NULL: in force; 'superseded' (an older file of a year-to-date series), 'unconfigured'
    -- (ledger.sources no longer names it)
    withdrawn TEXT,
    -- why, for people: which file superseded it
    withdrawn_note TEXT,
    withdrawn_at TEXT,
    -- when the file was last found missing on disk (NULL: it was there at the last read)
    missing_since TEXT
);

-- emails waiting or sent
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    -- the as-of day of the check that wrote it
    check_day TEXT NOT NULL,
    message_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    envelope_from TEXT NOT NULL,
    -- one address per line
    envelope_to TEXT NOT NULL,
    raw BLOB NOT NULL,
    -- pending | sent | failed
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    -- unix seconds
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE alerts (
    fund TEXT NOT NULL,
    -- YYYY-MM-DD, or '' for alerts not about a milestone
    milestone TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- firing | resolved
    status TEXT NOT NULL,
    since TEXT NOT NULL,
    last_sent TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    level TEXT,
    level_since TEXT NOT NULL DEFAULT '',
    escalated INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (fund, milestone, kind)
);

CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY,
    check_day TEXT NOT NULL,
    at TEXT NOT NULL,
    fund TEXT NOT NULL,
    milestone TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    outbox_id INTEGER REFERENCES outbox (id),
    level TEXT
);

CREATE TABLE entries (
    -- (source_id << 40) + position of the entry in its source, from 0: a source's entries
    -- are one range of rowids, appended in order (SQLite's fastest insert)
    id INTEGER PRIMARY KEY,
    line INTEGER NOT NULL,
    sheet TEXT,
    fund TEXT NOT NULL,
    date TEXT NOT NULL,
    amount INTEGER NOT NULL,
    voucher TEXT NOT NULL,
    memo TEXT NOT NULL,
    -- xxh3 of the row's fields; 0 for rows migrated from version 2 (rewritten on next read)
    row_hash INTEGER NOT NULL
);

CREATE TABLE source_days (
    source_id INTEGER NOT NULL,
    fund TEXT NOT NULL,
    -- days since 0001-01-01 (that day is 1)
    day INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    -- how many entries
    entries INTEGER NOT NULL,
    PRIMARY KEY (source_id, fund, day)
) WITHOUT ROWID;

-- per fund, all sources summed: (day i32, amount i64) little-endian pairs, by day; later
-- builds add the fund's entries in force (i64) at the end (see store/spending.rs)
CREATE TABLE fund_days (fund TEXT PRIMARY KEY, series BLOB NOT NULL) WITHOUT ROWID;

-- the same entries in force through two sources, refreshed whenever force changes
CREATE TABLE overlaps (
    -- the two source paths, one a line, in order
    files TEXT NOT NULL,
    fund TEXT NOT NULL,
    entries INTEGER NOT NULL,
    -- 分
    amount INTEGER NOT NULL,
    PRIMARY KEY (files, fund)
) WITHOUT ROWID;

-- notices the admin gets once while their condition holds (no file for a pattern, a file
-- vanished, an overlap, a fund without data): the key is deleted when it no longer holds
CREATE TABLE notices (key TEXT PRIMARY KEY, since TEXT NOT NULL) WITHOUT ROWID;

-- changes of force (superseded, no longer configured, back) waiting to be emailed to the
-- admin by the next check, whichever command's read found them
CREATE TABLE force_notices (
    id INTEGER PRIMARY KEY,
    -- the file as shown, and what happened to it, in words
    file TEXT NOT NULL,
    what TEXT NOT NULL,
    at TEXT NOT NULL
);

-- why a fund lags and what is being done (spendwatch explain)
CREATE TABLE explanations (
    id INTEGER PRIMARY KEY,
    fund TEXT NOT NULL,
    -- YYYY-MM-DD, or NULL: every lag alert of the fund
    milestone TEXT,
    -- 经费保障 | 制度保障 | 人员保障 | 硬件保障 | 其他
    reason TEXT NOT NULL,
    text TEXT NOT NULL,
    -- in force from this day (the as-of day it was recorded on)
    day TEXT NOT NULL,
    -- the last day in force, or NULL: until it ends otherwise
    until TEXT,
    -- the OS user who recorded it
    user TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- the first day no longer in force when it ended before `until`, and why
    -- (withdrawn | caught_up)
    ended TEXT,
    end_cause TEXT,
    CHECK ((ended IS NULL) = (end_cause IS NULL)),
    CHECK (until IS NULL OR until >= day)
);
CREATE INDEX explanations_by_fund ON explanations (fund);

-- files of readings (完成值)
CREATE TABLE reading_sources (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    -- the version in force (NULL until a version is accepted)
    content_hash TEXT,
    settings_hash TEXT,
    size INTEGER,
    mtime_ns INTEGER,
    imported_at TEXT,
    -- when a new version (accepted or rejected) was last seen
    changed_at TEXT,
    reading_count INTEGER NOT NULL DEFAULT 0,
    -- the last rejected version, cleared when a newer version is accepted
    rejected_hash TEXT,
    rejected_settings TEXT,
    rejected_at TEXT,
    rejected_message TEXT,
    -- whether the admin was told about the rejected version (once per bad version)
    rejection_notified INTEGER NOT NULL DEFAULT 0
);

-- the readings in force
CREATE TABLE readings (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES reading_sources (id),
    -- where in the file: a line (5) or a sheet and row (完成值:5)
    location TEXT NOT NULL,
    indicator TEXT NOT NULL,
    -- YYYY-MM-DD: the day the figure stands at
    day TEXT NOT NULL,
    -- YYYY-MM: a reading is counted once per indicator and month, whatever the file
    month TEXT NOT NULL,
    -- a number as written without trailing zeros (95.5), or NULL for a judgement
    number TEXT,
    -- 达成 | 基本达成 | 未达成, for a qualitative indicator
    judgement TEXT,
    note TEXT,
    CHECK ((number IS NULL) <> (judgement IS NULL))
);
CREATE UNIQUE INDEX readings_by_indicator_month ON readings (indicator, month);
CREATE INDEX readings_by_source ON readings (source_id);

-- the monthly digests (月度通报) sent, one per period
CREATE TABLE digests (
    -- YYYY-MM: the calendar month reported
    period TEXT PRIMARY KEY,
    -- the as-of day it was made on (YYYY-MM-DD)
    made_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- its email (NULL only if the outbox row were ever deleted)
    outbox_id INTEGER REFERENCES outbox (id),
    -- how many times it was made again by hand (digest --force)
    forced INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE INDEX outbox_sent ON outbox (status, sent_at);
