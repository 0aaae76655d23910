-- unisession session tables for MariaDB (what unisession.jpa.schema=create makes; use with schema=none).
CREATE TABLE IF NOT EXISTS us_session (
    id            VARCHAR(64)  NOT NULL PRIMARY KEY,
    principal     VARCHAR(255),
    context       VARCHAR(255),
    created_at    BIGINT       NOT NULL,
    last_accessed BIGINT       NOT NULL,
    expires_at    BIGINT       NOT NULL,
    max_inactive  INTEGER      NOT NULL,
    version       BIGINT       NOT NULL,
    fingerprint   VARCHAR(255),
    application   VARBINARY(255),
    attributes    MEDIUMBLOB
);
-- The application stamp's column (a row of us_attribute before), added to tables an earlier version made.
ALTER TABLE us_session ADD COLUMN IF NOT EXISTS application VARBINARY(255);
-- Small attributes kept in the session's row (rows of us_attribute before), added to tables an earlier version made.
ALTER TABLE us_session ADD COLUMN IF NOT EXISTS attributes MEDIUMBLOB;
CREATE INDEX IF NOT EXISTS us_session_principal ON us_session (principal);
CREATE INDEX IF NOT EXISTS us_session_expires ON us_session (expires_at);
CREATE TABLE IF NOT EXISTS us_attribute (
    session_id VARCHAR(64)  NOT NULL,
    name       VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    data       LONGBLOB     NOT NULL,
    PRIMARY KEY (session_id, name)
);
-- Attribute names compare as Java's do (binary): with the server's default collation "token" and "Token" were one
-- key. Tables an earlier version made keep theirs; to change it (rebuilds the table once):
--   ALTER TABLE us_attribute MODIFY name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL
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
    id       VARCHAR(64)  NOT NULL PRIMARY KEY,
    ended_at BIGINT       NOT NULL
);
CREATE INDEX IF NOT EXISTS us_ended_at ON us_ended (ended_at);
