// The persisted schema of the SQLite backend: its identity, its version and
// the ordered list of migrations. Prose: docs/formats/sqlite_schema.md.
//
// DO NOT CHANGE an existing migration: databases in the field already ran it.
// A schema change is a NEW migration appended to kMigrations (kSchemaVersion
// follows automatically) plus a section in docs/formats/sqlite_schema.md.
// Integer enums stored in columns (stix::Tlp effective_tlp/default_tlp,
// store::Role role, store::GranteeKind grantee_kind) carry their own
// "DO NOT CHANGE THESE ENUM VALUES" warning where they are declared.
//
// Pure data; thread-safe.
#ifndef RAMPART_STORE_SQLITE_SCHEMA_H_
#define RAMPART_STORE_SQLITE_SCHEMA_H_

#include <array>
#include <cstdint>

namespace rampart::store::sqlite {

// PRAGMA application_id of every Rampart database: "RAMP" in ASCII.
// DO NOT CHANGE: a file without it is refused as foreign.
inline constexpr int32_t kApplicationId = 0x52414D50;

struct Migration {
  int version;      // PRAGMA user_version after it ran
  const char* sql;  // one or more statements, run in one transaction
};

// DO NOT CHANGE existing entries; append only.
inline constexpr std::array<Migration, 3> kMigrations = {{
    {1, R"sql(
CREATE TABLE collections (
  cid              INTEGER PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  api_root         TEXT NOT NULL,
  title            TEXT NOT NULL,
  description      TEXT NOT NULL,
  media_types      BLOB NOT NULL,
  default_tlp      INTEGER NOT NULL,
  is_public        INTEGER NOT NULL,
  created          INTEGER NOT NULL,
  last_date_added  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX collections_order ON collections (api_root, title, id);

CREATE TABLE objects (
  seq                      INTEGER PRIMARY KEY AUTOINCREMENT,
  cid                      INTEGER NOT NULL,
  id                       TEXT NOT NULL,
  version                  INTEGER NOT NULL,
  date_added               INTEGER NOT NULL,
  type                     TEXT NOT NULL,
  spec_version             TEXT NOT NULL,
  created                  INTEGER,
  modified                 INTEGER,
  created_by_ref           TEXT NOT NULL,
  revoked                  INTEGER NOT NULL,
  valid_from               INTEGER,
  valid_until              INTEGER,
  marking_refs             BLOB NOT NULL,
  org_id                   TEXT NOT NULL,
  user_id                  TEXT NOT NULL,
  source_peer              TEXT NOT NULL,
  anonymous                INTEGER NOT NULL,
  sharing_groups           BLOB NOT NULL,
  red_recipients           BLOB NOT NULL,
  effective_tlp            INTEGER NOT NULL,
  default_marking_applied  INTEGER NOT NULL,
  observables              BLOB NOT NULL,
  json                     BLOB NOT NULL
);
CREATE UNIQUE INDEX objects_version ON objects (cid, id, version);
CREATE INDEX objects_spec ON objects (cid, id, spec_version, version);
CREATE INDEX objects_date ON objects (cid, date_added);
CREATE INDEX objects_type ON objects (cid, type, date_added);

CREATE TABLE observables (
  kind   TEXT NOT NULL,
  value  TEXT NOT NULL,
  seq    INTEGER NOT NULL,
  PRIMARY KEY (kind, value, seq)
) WITHOUT ROWID;

CREATE TABLE tombstones (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  cid         INTEGER NOT NULL,
  id          TEXT NOT NULL,
  version     INTEGER NOT NULL,
  deleted_at  INTEGER NOT NULL
);
CREATE INDEX tombstones_cid ON tombstones (cid, seq);

CREATE TABLE statuses (
  id                 TEXT PRIMARY KEY,
  api_root           TEXT NOT NULL,
  owner_user_id      TEXT NOT NULL,
  status             TEXT NOT NULL,
  request_timestamp  INTEGER NOT NULL,
  total_count        INTEGER NOT NULL,
  success_count      INTEGER NOT NULL,
  failure_count      INTEGER NOT NULL,
  pending_count      INTEGER NOT NULL,
  successes          BLOB NOT NULL,
  failures           BLOB NOT NULL,
  pendings           BLOB NOT NULL
);
CREATE INDEX statuses_time ON statuses (request_timestamp);

CREATE TABLE organizations (
  id                 TEXT PRIMARY KEY,
  name               TEXT NOT NULL,
  identity_id        TEXT NOT NULL,
  client_org_ids     BLOB NOT NULL,
  trusted_for_amber  INTEGER NOT NULL,
  created            INTEGER NOT NULL
);

CREATE TABLE users (
  id             TEXT PRIMARY KEY,
  org_id         TEXT NOT NULL,
  name           TEXT NOT NULL,
  role           INTEGER NOT NULL,
  password_hash  TEXT NOT NULL,
  disabled       INTEGER NOT NULL,
  created        INTEGER NOT NULL
);

CREATE TABLE tokens (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL,
  name           TEXT NOT NULL,
  secret_sha256  TEXT NOT NULL,
  created        INTEGER NOT NULL,
  expires        INTEGER NOT NULL,
  revoked        INTEGER NOT NULL
);
CREATE INDEX tokens_secret ON tokens (secret_sha256);

CREATE TABLE grants (
  collection_id  TEXT NOT NULL,
  grantee_kind   INTEGER NOT NULL,
  grantee_id     TEXT NOT NULL,
  can_read       INTEGER NOT NULL,
  can_write      INTEGER NOT NULL,
  PRIMARY KEY (collection_id, grantee_kind, grantee_id)
);

CREATE TABLE sharing_groups (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  member_org_ids  BLOB NOT NULL
);

CREATE TABLE audit (
  seq        INTEGER PRIMARY KEY,
  time       INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  target     TEXT NOT NULL,
  detail     TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
)sql"},
    // 2: the default version selection as maintained row flags (exactly the
    // PostgreSQL backend's latest_spec / is_first / is_last), so the default
    // query (last version of the latest spec_version) walks a partial index
    // instead of running two correlated sub-selects per row. Existing rows
    // get their flags computed here; from now on the writer maintains them.
    {2, R"sql(
ALTER TABLE objects ADD COLUMN latest_spec INTEGER NOT NULL DEFAULT 0;
ALTER TABLE objects ADD COLUMN is_first INTEGER NOT NULL DEFAULT 0;
ALTER TABLE objects ADD COLUMN is_last INTEGER NOT NULL DEFAULT 0;
UPDATE objects SET latest_spec = (spec_version = (SELECT max(x.spec_version) FROM objects x
                                                  WHERE x.cid = objects.cid AND x.id = objects.id));
UPDATE objects SET
  is_first = (version = (SELECT min(x.version) FROM objects x WHERE x.cid = objects.cid
                         AND x.id = objects.id AND x.spec_version = objects.spec_version)),
  is_last = (version = (SELECT max(x.version) FROM objects x WHERE x.cid = objects.cid
                        AND x.id = objects.id AND x.spec_version = objects.spec_version))
  WHERE latest_spec = 1;
CREATE INDEX objects_last_date ON objects (cid, date_added) WHERE is_last = 1;
CREATE INDEX objects_last_type ON objects (cid, type, date_added) WHERE is_last = 1;
)sql"},
    // 3: who owns each STIX id (NewObject::owner, Store::GetObjectOwner) and
    // the server's secrets (Store::GetOrCreateSecret; the cursor key). The
    // owner of every id already stored is the one of its earliest version
    // (by date_added, seq, in any collection): "creator:<created_by_ref>"
    // (or "relay:<org>") for a version relayed from a peer, "org:<org>" for
    // a named local submission, else "" (owned by nobody: nobody may add
    // versions). lower() folds ASCII only, exactly as stix::CanonicalId.
    {3, R"sql(
CREATE TABLE object_owners (
  id     TEXT PRIMARY KEY,
  owner  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE secrets (
  name   TEXT PRIMARY KEY,
  value  BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO object_owners (id, owner)
SELECT canonical_id,
       CASE WHEN source_peer <> '' THEN
              CASE WHEN created_by_ref <> '' THEN 'creator:' || lower(created_by_ref)
                   ELSE 'relay:' || org_id END
            WHEN org_id <> '' AND anonymous = 0 THEN 'org:' || org_id
            ELSE '' END
FROM (SELECT lower(id) AS canonical_id, created_by_ref, source_peer, org_id, anonymous,
             row_number() OVER (PARTITION BY lower(id) ORDER BY date_added, seq) AS n
      FROM objects)
WHERE n = 1;
)sql"},
}};

inline constexpr int kSchemaVersion = kMigrations.back().version;

}  // namespace rampart::store::sqlite

#endif  // RAMPART_STORE_SQLITE_SCHEMA_H_
