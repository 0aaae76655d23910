-- unisession session tables for PostgreSQL (what unisession.jpa.schema=create makes; use with schema=none).
-- Session ids and attribute names compare byte by byte (COLLATE "C"): they are opaque tokens and keys, and a
-- comparison in the database's collation (a locale's, e.g. en_US.UTF-8 or C.UTF-8) costs a string copy and a strcoll
-- call in every step of an index lookup or insert; "C" is a memcmp. Tables an earlier version made keep the database's
-- collation and work as before; to give them this one (rebuilds the keys' indexes, locks the tables meanwhile):
--   ALTER TABLE us_session ALTER COLUMN id TYPE VARCHAR(64) COLLATE "C";
--   ALTER TABLE us_attribute ALTER COLUMN session_id TYPE VARCHAR(64) COLLATE "C",
--     ALTER COLUMN name TYPE VARCHAR(255) COLLATE "C";
--   ALTER TABLE us_ended ALTER COLUMN id TYPE VARCHAR(64) COLLATE "C";
CREATE TABLE IF NOT EXISTS us_session (
    id            VARCHAR(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    principal     VARCHAR(255),
    context       VARCHAR(255),
    created_at    BIGINT       NOT NULL,
    last_accessed BIGINT       NOT NULL,
    expires_at    BIGINT       NOT NULL,
    max_inactive  INTEGER      NOT NULL,
    version       BIGINT       NOT NULL,
    fingerprint   VARCHAR(255),
    application   BYTEA,
    attributes    BYTEA
);
-- The application stamp's column (a row of us_attribute before), added to tables an earlier version made.
ALTER TABLE us_session ADD COLUMN IF NOT EXISTS application BYTEA;
-- Small attributes kept in the session's row (rows of us_attribute before), added to tables an earlier version made.
ALTER TABLE us_session ADD COLUMN IF NOT EXISTS attributes BYTEA;
-- Partial: an anonymous session (no principal) adds no entry; lookups by principal (principal = ?) imply NOT NULL.
-- (A database an earlier version made keeps its full index of this name: both serve the same lookups.)
CREATE INDEX IF NOT EXISTS us_session_principal ON us_session (principal) WHERE principal IS NOT NULL;
CREATE INDEX IF NOT EXISTS us_session_expires ON us_session (expires_at);
CREATE TABLE IF NOT EXISTS us_attribute (
    session_id VARCHAR(64)  COLLATE "C" NOT NULL,
    name       VARCHAR(255) COLLATE "C" NOT NULL,
    data       BYTEA        NOT NULL,
    PRIMARY KEY (session_id, name)
);
CREATE TABLE IF NOT EXISTS us_audit (
    id         VARCHAR(32)  NOT NULL PRIMARY KEY,
    happened_at BIGINT      NOT NULL,
    type       VARCHAR(32)  NOT NULL,
    session_id VARCHAR(64),
    principal  VARCHAR(255),
    detail     VARCHAR(255),
    remote     VARCHAR(64)
);
CREATE INDEX IF NOT EXISTS us_audit_principal ON us_audit (principal);
CREATE INDEX IF NOT EXISTS us_audit_at ON us_audit (happened_at);
CREATE TABLE IF NOT EXISTS us_mode (
    id         VARCHAR(64)  NOT NULL PRIMARY KEY,
    state      VARCHAR(16)  NOT NULL,
    epoch      BIGINT       NOT NULL,
    changed_at BIGINT       NOT NULL
);
CREATE TABLE IF NOT EXISTS us_node (
    id             VARCHAR(32)  NOT NULL PRIMARY KEY,
    cluster        VARCHAR(64)  NOT NULL,
    lease_until    BIGINT       NOT NULL,
    cache_ok_since BIGINT       NOT NULL,
    acked          BIGINT       NOT NULL
);
CREATE INDEX IF NOT EXISTS us_node_cluster ON us_node (cluster);
CREATE TABLE IF NOT EXISTS us_ended (
    id       VARCHAR(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    ended_at BIGINT       NOT NULL
);
CREATE INDEX IF NOT EXISTS us_ended_at ON us_ended (ended_at);
