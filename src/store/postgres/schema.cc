#include "store/postgres/schema.h"

#include <string>
#include <vector>

namespace rampart::store::postgres {
namespace {

// Tables this schema creates; any of them without rampart_meta means a
// foreign (or half-created) schema that Rampart must not touch.
constexpr const char* kOwnTables[] = {
    "rampart_meta", "collections", "objects", "observables", "tombstones", "statuses",
    "organizations", "users", "tokens", "grants", "sharing_groups", "audit_log", "audit_head",
    "object_owners", "secrets"};

// Version 1: the initial layout (docs/formats/postgres_schema.md).
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE rampart_meta (
  key   text COLLATE "C" PRIMARY KEY,
  value text COLLATE "C" NOT NULL
);
CREATE SEQUENCE rampart_seq AS bigint;

CREATE TABLE collections (
  ckey            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              text COLLATE "C" NOT NULL UNIQUE,
  api_root        text COLLATE "C" NOT NULL,
  title           text COLLATE "C" NOT NULL,
  description     text COLLATE "C" NOT NULL,
  media_types     jsonb NOT NULL,
  default_tlp     smallint NOT NULL,
  is_public       boolean NOT NULL,
  created         bigint NOT NULL,
  last_date_added bigint NOT NULL DEFAULT 0
);

CREATE TABLE objects (
  seq                     bigint PRIMARY KEY,
  coll                    integer NOT NULL,  -- collections.ckey (no FK: see the docs)
  id                      text COLLATE "C" NOT NULL,
  version                 bigint NOT NULL,
  date_added              bigint NOT NULL,
  type                    text COLLATE "C" NOT NULL,
  spec_version            text COLLATE "C" NOT NULL,
  created                 bigint,
  modified                bigint,
  created_by_ref          text COLLATE "C" NOT NULL,
  revoked                 boolean NOT NULL,
  valid_from              bigint,
  valid_until             bigint,
  marking_refs            jsonb NOT NULL,
  json                    text COLLATE "C" NOT NULL,
  org_id                  text COLLATE "C" NOT NULL,
  user_id                 text COLLATE "C" NOT NULL,
  source_peer             text COLLATE "C" NOT NULL,
  anonymous               boolean NOT NULL,
  sharing_groups          jsonb NOT NULL,
  red_recipients          jsonb NOT NULL,
  effective_tlp           smallint NOT NULL,
  default_marking_applied boolean NOT NULL,
  observables             jsonb NOT NULL,
  latest_spec             boolean NOT NULL,
  is_first                boolean NOT NULL,
  is_last                 boolean NOT NULL
);
CREATE UNIQUE INDEX objects_by_version ON objects (coll, id, version);
CREATE INDEX objects_by_added ON objects (coll, date_added, seq);
CREATE INDEX objects_last_by_added ON objects (coll, date_added, seq) WHERE is_last;
CREATE INDEX objects_by_type_added ON objects (coll, type, date_added, seq);

CREATE TABLE observables (
  kind       text COLLATE "C" NOT NULL,
  value      text COLLATE "C" NOT NULL,
  object_seq bigint NOT NULL,
  PRIMARY KEY (kind, value, object_seq)
);

CREATE TABLE tombstones (
  seq        bigint PRIMARY KEY,
  coll       integer NOT NULL,  -- collections.ckey
  id         text COLLATE "C" NOT NULL,
  version    bigint NOT NULL,
  deleted_at bigint NOT NULL
);
CREATE INDEX tombstones_by_coll ON tombstones (coll, seq);

CREATE TABLE statuses (
  id                text COLLATE "C" PRIMARY KEY,
  api_root          text COLLATE "C" NOT NULL,
  owner_user_id     text COLLATE "C" NOT NULL,
  status            text COLLATE "C" NOT NULL,
  request_timestamp bigint NOT NULL,
  total_count       bigint NOT NULL,
  success_count     bigint NOT NULL,
  failure_count     bigint NOT NULL,
  pending_count     bigint NOT NULL,
  details           jsonb NOT NULL
);
CREATE INDEX statuses_by_time ON statuses (request_timestamp);

CREATE TABLE organizations (
  id                text COLLATE "C" PRIMARY KEY,
  name              text COLLATE "C" NOT NULL,
  identity_id       text COLLATE "C" NOT NULL,
  client_org_ids    jsonb NOT NULL,
  trusted_for_amber boolean NOT NULL,
  created           bigint NOT NULL
);
CREATE TABLE users (
  id            text COLLATE "C" PRIMARY KEY,
  org_id        text COLLATE "C" NOT NULL,
  name          text COLLATE "C" NOT NULL,
  role          smallint NOT NULL,
  password_hash text COLLATE "C" NOT NULL,
  disabled      boolean NOT NULL,
  created       bigint NOT NULL
);
CREATE TABLE tokens (
  id            text COLLATE "C" PRIMARY KEY,
  user_id       text COLLATE "C" NOT NULL,
  name          text COLLATE "C" NOT NULL,
  secret_sha256 text COLLATE "C" NOT NULL,
  created       bigint NOT NULL,
  expires       bigint NOT NULL,
  revoked       boolean NOT NULL
);
CREATE INDEX tokens_by_secret ON tokens (secret_sha256);
CREATE TABLE grants (
  collection_id text COLLATE "C" NOT NULL,
  grantee_kind  smallint NOT NULL,
  grantee_id    text COLLATE "C" NOT NULL,
  can_read      boolean NOT NULL,
  can_write     boolean NOT NULL,
  PRIMARY KEY (collection_id, grantee_kind, grantee_id)
);
CREATE TABLE sharing_groups (
  id             text COLLATE "C" PRIMARY KEY,
  name           text COLLATE "C" NOT NULL,
  member_org_ids jsonb NOT NULL
);

CREATE TABLE audit_log (
  seq       bigint PRIMARY KEY,
  time      bigint NOT NULL,
  actor     text COLLATE "C" NOT NULL,
  action    text COLLATE "C" NOT NULL,
  target    text COLLATE "C" NOT NULL,
  detail    text COLLATE "C" NOT NULL,
  prev_hash text COLLATE "C" NOT NULL,
  hash      text COLLATE "C" NOT NULL
);
CREATE TABLE audit_head (
  one  smallint PRIMARY KEY CHECK (one = 1),
  seq  bigint NOT NULL,
  hash text COLLATE "C" NOT NULL
);
INSERT INTO audit_head VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
)sql";

// Version 2: who owns each STIX id (NewObject::owner) and the server's
// secrets (Store::GetOrCreateSecret). Every id already stored is owned by
// the owner of its earliest version (by date_added, seq, in any
// collection); see docs/formats/postgres_schema.md ("Owners"). lower() under
// COLLATE "C" folds ASCII only, exactly as stix::CanonicalId.
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE object_owners (
  id    text COLLATE "C" PRIMARY KEY,  -- stix::CanonicalId(id)
  owner text COLLATE "C" NOT NULL
);
CREATE TABLE secrets (
  name  text COLLATE "C" PRIMARY KEY,
  value text COLLATE "C" NOT NULL  -- hex of 32 random bytes
);
INSERT INTO object_owners (id, owner)
SELECT DISTINCT ON (lower(id COLLATE "C")) lower(id COLLATE "C"),
       CASE WHEN source_peer <> '' THEN
              CASE WHEN created_by_ref <> '' THEN 'creator:' || lower(created_by_ref COLLATE "C")
                   ELSE 'relay:' || org_id END
            WHEN org_id <> '' AND NOT anonymous THEN 'org:' || org_id
            ELSE '' END
FROM objects
ORDER BY lower(id COLLATE "C"), date_added, seq;
)sql";

// Version 3: observables are keyed by the SHA-256 of their value, not the
// value: a B-tree entry holds at most ~2,700 bytes, so a long observable value
// (a URL or pattern literal of a few KiB) failed the whole write. The value
// stays in the row, and lookups compare it too, so they remain exact.
// convert_to(.., 'UTF8') is the bytes the client sent (client_encoding UTF8),
// exactly what the store hashes when it writes (postgres_store.cc, Encode).
constexpr char kSchemaV3[] = R"sql(
ALTER TABLE observables ADD COLUMN value_hash bytea;
UPDATE observables SET value_hash = sha256(convert_to(value, 'UTF8'));
ALTER TABLE observables ALTER COLUMN value_hash SET NOT NULL;
ALTER TABLE observables DROP CONSTRAINT observables_pkey;
ALTER TABLE observables ADD CONSTRAINT observables_pkey PRIMARY KEY (kind, value_hash, object_seq);
)sql";

// kMigrations[i] moves a schema from version i to i + 1 (index 0 creates).
const std::vector<const char*> kMigrations = {kSchemaV1, kSchemaV2, kSchemaV3};

}  // namespace

Status Migrate(PgConnection& conn) {
  static_assert(kSchemaVersion == 3, "append the migration to kMigrations");
  RAMPART_RETURN_IF_ERROR(conn.Exec("BEGIN ISOLATION LEVEL READ COMMITTED"));
  auto fail = [&](Status s) {
    (void)conn.Exec("ROLLBACK");
    return s;
  };
  // One lock per target schema: processes opening the same database at once
  // wait here, and the second one finds the schema already created.
  auto lock = conn.Query(
      "SELECT current_schema(), "
      "pg_advisory_xact_lock(hashtextextended('rampart-schema:' || "
      "coalesce(current_schema(), ''), 0))");
  if (!lock.ok()) return fail(lock.status());
  if (lock->IsNull(0, 0)) {
    return fail(Status::InvalidArgument(
        "PostgreSQL: no current schema (search_path names no existing schema)"));
  }
  std::string schema = lock->Str(0, 0);
  auto meta = conn.Query("SELECT to_regclass('rampart_meta') IS NOT NULL");
  if (!meta.ok()) return fail(meta.status());
  int version = 0;
  if (meta->Bool(0, 0)) {
    auto rows = conn.Query("SELECT key, value FROM rampart_meta");
    if (!rows.ok()) return fail(rows.status());
    std::string format, ver;
    for (int i = 0; i < rows->rows(); ++i) {
      if (rows->Text(i, 0) == "format") format = rows->Str(i, 1);
      if (rows->Text(i, 0) == "schema_version") ver = rows->Str(i, 1);
    }
    if (format != kSchemaFormat) {
      return fail(Status::Corruption("PostgreSQL schema \"" + schema +
                                     "\" has a rampart_meta table of another format (\"" + format +
                                     "\"); refusing to use it"));
    }
    try {
      version = std::stoi(ver);
    } catch (...) {
      version = -1;
    }
    if (version < 1) {
      return fail(Status::Corruption("PostgreSQL schema \"" + schema +
                                     "\": unreadable schema_version \"" + ver + "\""));
    }
    if (version > kSchemaVersion) {
      return fail(Status::Unsupported("PostgreSQL schema \"" + schema + "\" is at version " +
                                      std::to_string(version) + ", newer than this binary (" +
                                      std::to_string(kSchemaVersion) + ")"));
    }
  } else {
    std::string names;
    for (const char* t : kOwnTables) {
      if (!names.empty()) names += ',';
      names += t;
    }
    auto foreign = conn.Query(
        "SELECT string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_class c "
        "WHERE c.relnamespace = current_schema()::regnamespace "
        "AND c.relname = ANY(string_to_array($1, ','))",
        {names});
    if (!foreign.ok()) return fail(foreign.status());
    if (!foreign->IsNull(0, 0)) {
      return fail(Status::Corruption("PostgreSQL schema \"" + schema + "\" holds tables (" +
                                     foreign->Str(0, 0) +
                                     ") but no rampart_meta: not a Rampart store, refusing to "
                                     "touch it"));
    }
  }
  if (version == kSchemaVersion) return conn.Exec("COMMIT");  // nothing to do
  for (int v = version; v < kSchemaVersion; ++v) {
    Status s = conn.Exec(kMigrations[static_cast<size_t>(v)]);
    if (!s.ok()) {
      return fail(s.WithContext("migrating PostgreSQL schema \"" + schema + "\" to version " +
                                std::to_string(v + 1)));
    }
  }
  auto set = conn.Query(
      "INSERT INTO rampart_meta (key, value) VALUES ('format', $1), ('schema_version', $2) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      {std::string(kSchemaFormat), std::to_string(kSchemaVersion)});
  if (!set.ok()) return fail(set.status());
  return conn.Exec("COMMIT");
}

}  // namespace rampart::store::postgres

namespace rampart::store::postgres {

Status MigrateToVersionForTest(PgConnection& conn, int version) {
  if (version < 1 || version > kSchemaVersion) return Status::InvalidArgument("no such version");
  RAMPART_RETURN_IF_ERROR(conn.Exec("BEGIN"));
  for (int v = 0; v < version; ++v) {
    Status s = conn.Exec(kMigrations[static_cast<size_t>(v)]);
    if (!s.ok()) {
      (void)conn.Exec("ROLLBACK");
      return s;
    }
  }
  auto set = conn.Query("INSERT INTO rampart_meta (key, value) VALUES ('format', $1), "
                        "('schema_version', $2)",
                        {std::string(kSchemaFormat), std::to_string(version)});
  if (!set.ok()) {
    (void)conn.Exec("ROLLBACK");
    return set.status();
  }
  return conn.Exec("COMMIT");
}

}  // namespace rampart::store::postgres
