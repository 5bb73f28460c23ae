#include "cli/demo.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "auth/authenticator.h"
#include "auth/identity.h"
#include "auth/policy.h"
#include "base/time.h"
#include "ingest/ingest.h"

namespace rampart::cli {
namespace {

namespace fs = std::filesystem;

Result<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Status::NotFound("demo data file missing: " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status EnsureCollection(store::Store& store, const store::Collection& c) {
  auto existing = store.GetCollection(c.id);
  if (existing.ok()) return Status::Ok();
  if (!existing.status().IsNotFound()) return existing.status();
  Status s = store.CreateCollection(c);
  if (s.code() == StatusCode::kConflict) return Status::Ok();
  return s;
}

}  // namespace

std::string DefaultSharedDataDir() {
  if (const char* env = std::getenv("RAMPART_SHARED_DATA"); env && *env) return env;
  for (const char* cand : {"../shared/data", "../../shared/data", "shared/data"}) {
    if (fs::exists(fs::path(cand) / "attack")) return cand;
  }
  return "../shared/data";
}

Result<DemoResult> LoadDemo(store::Store& store, const std::string& shared_data, std::ostream& log) {
  fs::path root(shared_data);
  RAMPART_ASSIGN_OR_RETURN(std::string ics, ReadFile(root / "attack" / "ics-attack-18.1.json"));
  RAMPART_ASSIGN_OR_RETURN(std::string mobile, ReadFile(root / "attack" / "mobile-attack-17.1.json"));
  RAMPART_ASSIGN_OR_RETURN(std::string medallion, ReadFile(root / "taxii" / "medallion-default_data.json"));

  RAMPART_ASSIGN_OR_RETURN(store::Organization org, auth::EnsureBootstrap(store));
  // The demo user: a contributor of the local organisation.
  store::User user;
  auto found = auth::FindUser(store, "demo");
  if (found.ok()) {
    user = *found;
  } else {
    auth::NewUser nu;
    nu.name = "demo";
    nu.org_id = org.id;
    nu.role = store::Role::kContributor;
    RAMPART_ASSIGN_OR_RETURN(user, auth::AddUser(store, nu, "demo"));
  }

  struct Load {
    store::Collection collection;
    bool can_read = true, can_write = true;
    std::string body;
  };
  std::vector<Load> loads;
  // The ATT&CK bundles: public CLEAR collections under the default API root.
  auto attack = [&](const char* id, const char* title, const char* bundle, std::string body) {
    Load l;
    l.collection.id = id;
    l.collection.api_root = "api";
    l.collection.title = title;
    l.collection.description = std::string("The ") + bundle + " STIX 2.1 bundle (demo data).";
    l.collection.default_tlp = stix::Tlp::kClear;
    l.collection.created = NowMicros();
    l.body = std::move(body);
    loads.push_back(std::move(l));
  };
  attack(kDemoIcsCollection, "MITRE ATT&CK for ICS 18.1", "ATT&CK for ICS", std::move(ics));
  attack(kDemoMobileCollection, "MITRE ATT&CK Mobile 17.1", "ATT&CK Mobile", std::move(mobile));
  // medallion's seed: API root trustgroup1 and its collections.
  nlohmann::json seed = nlohmann::json::parse(medallion, nullptr, false);
  if (seed.is_discarded() || !seed.contains("trustgroup1")) {
    return Status::InvalidArgument("medallion-default_data.json: unexpected shape");
  }
  for (const auto& c : seed["trustgroup1"].value("collections", nlohmann::json::array())) {
    Load l;
    l.collection.id = c.value("id", "");
    l.collection.api_root = "trustgroup1";
    l.collection.title = c.value("title", "");
    l.collection.description = c.value("description", "");
    l.collection.default_tlp = stix::Tlp::kGreen;
    l.collection.created = NowMicros();
    l.can_read = c.value("can_read", false);
    l.can_write = c.value("can_write", false);
    nlohmann::json env;
    env["objects"] = c.value("objects", nlohmann::json::array());
    if (!env["objects"].empty()) l.body = env.dump();
    loads.push_back(std::move(l));
  }

  DemoResult result;
  result.user_id = user.id;
  for (auto& l : loads) {
    RAMPART_RETURN_IF_ERROR(EnsureCollection(store, l.collection));
    store::Grant g;
    g.collection_id = l.collection.id;
    g.grantee_kind = store::GranteeKind::kOrganization;
    g.grantee_id = org.id;
    g.can_read = l.can_read;
    g.can_write = l.can_write;
    if (g.can_read || g.can_write) RAMPART_RETURN_IF_ERROR(auth::PutGrant(store, g, "demo"));
  }
  // Ingest as an admin-equivalent principal of the local organisation so the
  // read-only medallion collections can be seeded too.
  auth::Principal loader;
  loader.user_id = user.id;
  loader.org_id = org.id;
  loader.role = store::Role::kAdmin;
  RAMPART_ASSIGN_OR_RETURN(auto orgs, store.ListOrganizations());
  RAMPART_ASSIGN_OR_RETURN(auto grants, store.ListGrants());
  RAMPART_ASSIGN_OR_RETURN(auto groups, store.ListSharingGroups());
  auth::PolicySnapshot snap(std::move(orgs), std::move(grants), std::move(groups));
  ingest::IngestOptions io;
  io.upgrade_20 = true;
  io.audit_action = "demo.load";
  io.as_forum = true;  // the forum loads its demo data (seed TLP 1.0 definition, ATT&CK)
  for (auto& l : loads) {
    if (l.body.empty()) {
      log << "demo: collection " << l.collection.api_root << "/" << l.collection.id << " \""
          << l.collection.title << "\" (empty)\n";
      continue;
    }
    auto report = ingest::Ingest(store, snap, l.collection, loader, l.body, io);
    if (!report.ok()) return report.status().WithContext("demo: loading " + l.collection.title);
    result.objects_added += report->added;
    result.objects_duplicate += report->duplicates;
    result.objects_failed += report->failure_count;
    log << "demo: collection " << l.collection.api_root << "/" << l.collection.id << " \""
        << l.collection.title << "\": " << report->added << " added, " << report->duplicates
        << " already present, " << report->failure_count << " rejected\n";
    size_t shown = 0;
    for (const auto& item : report->items) {
      if (!item.success && shown++ < 3) log << "demo:   rejected " << item.id << ": " << item.message << "\n";
    }
  }
  RAMPART_ASSIGN_OR_RETURN(auto token, auth::CreateToken(store, user.id, "demo read/write", 0, "demo"));
  result.token = token.secret;
  return result;
}

}  // namespace rampart::cli
