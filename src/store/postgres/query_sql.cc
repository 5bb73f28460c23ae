#include "store/postgres/query_sql.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <nlohmann/json.hpp>

namespace rampart::store::postgres {
namespace {

using nlohmann::json;

// Adds a parameter and returns its placeholder ("$n").
std::string Bind(Params* p, std::string v) {
  p->push_back(std::move(v));
  return "$" + std::to_string(p->size());
}

template <typename T>
std::vector<T> Distinct(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Union branches per type: each branch walks objects_by_type_added in order,
// so a page costs O(log n + page) per type. Past this many types one branch
// with `type = ANY(...)` is used instead.
constexpr size_t kMaxTypeBranches = 16;

}  // namespace

std::string ObjectColumns(bool include_json) {
  std::string c =
      "o.seq, o.id, o.version, o.date_added, o.type, o.spec_version, o.created, o.modified, "
      "o.created_by_ref, o.revoked, o.valid_from, o.valid_until, o.marking_refs, ";
  c += include_json ? "o.json" : "''::text AS json";
  c += ", o.org_id, o.user_id, o.source_peer, o.anonymous, o.sharing_groups, o.red_recipients, "
       "o.effective_tlp, o.default_marking_applied, o.observables";
  return c;
}

CursorPosition PageStart(const ObjectQuery& q, const std::optional<CursorPosition>& cursor) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  CursorPosition after = cursor.value_or(CursorPosition{kMin, kMin});
  // added_after is "strictly after a date_added": position (t, +inf).
  if (q.added_after &&
      std::make_pair(*q.added_after, kMax) > std::make_pair(after.date_added, after.seq)) {
    after = {*q.added_after, kMax};
  }
  return after;
}

Statement BuildPageQuery(int64_t ckey, const ObjectQuery& q, const CursorPosition& after,
                         int64_t fetch) {
  Statement st;
  std::string common = "o.coll = " + Bind(&st.params, std::to_string(ckey));
  common += " AND (o.date_added, o.seq) > (" + Bind(&st.params, std::to_string(after.date_added)) +
            ", " + Bind(&st.params, std::to_string(after.seq)) + ")";
  if (!q.ids.empty()) {
    common += " AND o.id = ANY(" + Bind(&st.params, TextArray(Distinct(q.ids))) + "::text[])";
  }
  const VersionFilter& v = q.versions;
  if (q.spec_versions.empty()) {
    // Flags maintained at write time (docs/formats/postgres_schema.md):
    // latest_spec = the version has its object's latest spec_version;
    // is_first / is_last = first / last among those.
    if (v.all) {
      common += " AND o.latest_spec";
    } else if (v.IsDefault() || (v.last && !v.first && v.versions.empty())) {
      common += " AND o.is_last";  // matches the partial index objects_last_by_added
    } else {
      std::vector<std::string> terms;
      if (v.last) terms.push_back("o.is_last");
      if (v.first) terms.push_back("o.is_first");
      if (!v.versions.empty()) {
        terms.push_back("o.version = ANY(" + Bind(&st.params, IntArray(Distinct(v.versions))) +
                        "::bigint[])");
      }
      std::string any;
      for (const auto& t : terms) any += (any.empty() ? "" : " OR ") + t;
      common += " AND o.latest_spec AND (" + any + ")";
    }
  } else {
    std::string specs = Bind(&st.params, TextArray(Distinct(q.spec_versions))) + "::text[]";
    common += " AND o.spec_version = ANY(" + specs + ")";
    if (!v.all) {
      // first / last among the versions with a selected spec_version: an
      // index probe on objects_by_version per candidate row.
      auto extreme = [&](const char* cmp) {
        return std::string("NOT EXISTS (SELECT 1 FROM objects o2 WHERE o2.coll = o.coll AND "
                           "o2.id = o.id AND o2.spec_version = ANY(") +
               specs + ") AND o2.version " + cmp + " o.version)";
      };
      std::vector<std::string> terms;
      if (v.last || v.IsDefault()) terms.push_back(extreme(">"));
      if (v.first) terms.push_back(extreme("<"));
      if (!v.versions.empty()) {
        terms.push_back("o.version = ANY(" + Bind(&st.params, IntArray(Distinct(v.versions))) +
                        "::bigint[])");
      }
      std::string any;
      for (const auto& t : terms) any += (any.empty() ? "" : " OR ") + t;
      common += " AND (" + any + ")";
    }
  }
  const std::string cols = ObjectColumns(q.include_json);
  const std::string limit = Bind(&st.params, std::to_string(fetch));
  std::vector<std::string> types = Distinct(q.types);
  if (types.size() <= 1 || types.size() > kMaxTypeBranches) {
    std::string where = common;
    if (types.size() == 1) {
      where += " AND o.type = " + Bind(&st.params, types[0]);
    } else if (!types.empty()) {
      where += " AND o.type = ANY(" + Bind(&st.params, TextArray(types)) + "::text[])";
    }
    st.sql = "SELECT " + cols + " FROM objects o WHERE " + where +
             " ORDER BY o.date_added, o.seq LIMIT " + limit;
    return st;
  }
  // Several types: a merge of per-type ordered index scans.
  st.sql = "SELECT * FROM (";
  for (size_t i = 0; i < types.size(); ++i) {
    if (i) st.sql += " UNION ALL ";
    st.sql += "(SELECT " + cols + " FROM objects o WHERE " + common +
              " AND o.type = " + Bind(&st.params, types[i]) +
              " ORDER BY o.date_added, o.seq LIMIT " + limit + ")";
  }
  st.sql += ") AS u ORDER BY u.date_added, u.seq LIMIT " + limit;
  return st;
}

std::string FindObservableSql() {
  return "SELECT c.id, " + ObjectColumns(true) +
         " FROM observables ob JOIN objects o ON o.seq = ob.object_seq "
         "JOIN collections c ON c.ckey = o.coll "
         "WHERE ob.kind = $1 AND ob.value_hash = sha256(convert_to($2, 'UTF8')) AND ob.value = $2 "
         "ORDER BY ob.object_seq DESC LIMIT $3";
}

std::string ListTombstonesSql() {
  return "SELECT id, version, deleted_at, seq FROM tombstones WHERE coll = $1 AND seq > $2 "
         "ORDER BY seq LIMIT $3";
}

std::string ExistingVersionsSql() {
  return "SELECT id, seq, version, date_added, spec_version, latest_spec, is_first, is_last "
         "FROM objects o WHERE o.coll = $1 AND o.id = ANY($2::text[])";
}

Result<std::string> JsonStringArray(const std::vector<std::string>& v) {
  if (v.empty()) return std::string("[]");  // the common case, on the ingest hot path
  try {
    return json(v).dump();
  } catch (const json::exception&) {
    return Status::InvalidArgument("a string value is not valid UTF-8");
  }
}

Result<std::vector<std::string>> ParseJsonStringArray(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return Status::Corruption("PostgreSQL store: malformed string array");
  std::vector<std::string> out;
  out.reserve(j.size());
  for (const auto& e : j) {
    if (!e.is_string()) return Status::Corruption("PostgreSQL store: malformed string array");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<std::string> JsonObservables(const std::vector<Observable>& v) {
  json j = json::array();
  for (const auto& o : v) j.push_back(json::array({o.kind, o.value}));
  try {
    return j.dump();
  } catch (const json::exception&) {
    return Status::InvalidArgument("an observable value is not valid UTF-8");
  }
}

Result<std::vector<Observable>> ParseJsonObservables(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const Status bad = Status::Corruption("PostgreSQL store: malformed observables column");
  if (!j.is_array()) return bad;
  std::vector<Observable> out;
  out.reserve(j.size());
  for (const auto& e : j) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_string()) return bad;
    out.push_back({e[0].get<std::string>(), e[1].get<std::string>()});
  }
  return out;
}

Result<StoredObject> ReadObjectRow(const PgResult& r, int row, int c) {
  StoredObject s;
  RAMPART_ASSIGN_OR_RETURN(s.seq, r.Int(row, c + 0));
  s.id = r.Str(row, c + 1);
  RAMPART_ASSIGN_OR_RETURN(s.version, r.Int(row, c + 2));
  RAMPART_ASSIGN_OR_RETURN(s.date_added, r.Int(row, c + 3));
  s.type = r.Str(row, c + 4);
  s.spec_version = r.Str(row, c + 5);
  RAMPART_ASSIGN_OR_RETURN(s.created, r.OptInt(row, c + 6));
  RAMPART_ASSIGN_OR_RETURN(s.modified, r.OptInt(row, c + 7));
  s.created_by_ref = r.Str(row, c + 8);
  s.revoked = r.Bool(row, c + 9);
  RAMPART_ASSIGN_OR_RETURN(s.valid_from, r.OptInt(row, c + 10));
  RAMPART_ASSIGN_OR_RETURN(s.valid_until, r.OptInt(row, c + 11));
  RAMPART_ASSIGN_OR_RETURN(s.marking_refs, ParseJsonStringArray(r.Text(row, c + 12)));
  s.json = r.Str(row, c + 13);
  Provenance& p = s.provenance;
  p.org_id = r.Str(row, c + 14);
  p.user_id = r.Str(row, c + 15);
  p.source_peer = r.Str(row, c + 16);
  p.anonymous = r.Bool(row, c + 17);
  RAMPART_ASSIGN_OR_RETURN(p.sharing_groups, ParseJsonStringArray(r.Text(row, c + 18)));
  RAMPART_ASSIGN_OR_RETURN(p.red_recipients, ParseJsonStringArray(r.Text(row, c + 19)));
  RAMPART_ASSIGN_OR_RETURN(int64_t tlp, r.Int(row, c + 20));
  if (tlp < 0 || tlp > static_cast<int64_t>(stix::Tlp::kRed)) {
    return Status::Corruption("PostgreSQL store: effective_tlp out of range");
  }
  p.effective_tlp = static_cast<stix::Tlp>(tlp);
  p.default_marking_applied = r.Bool(row, c + 21);
  RAMPART_ASSIGN_OR_RETURN(s.observables, ParseJsonObservables(r.Text(row, c + 22)));
  return s;
}

}  // namespace rampart::store::postgres
