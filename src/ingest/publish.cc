#include "ingest/publish.h"

#include <string>

#include "auth/identity.h"
#include "auth/policy.h"
#include "auth/rampart_extension.h"
#include "ingest/ingest.h"

namespace rampart::ingest {

Status PublishRampartDefinitions(store::Store& store, std::string_view api_root) {
  auto existing = store.GetCollection(kDefinitionsCollectionId);
  store::Collection c;
  if (existing.ok()) {
    c = *existing;
  } else if (existing.status().IsNotFound()) {
    c.id = kDefinitionsCollectionId;
    c.api_root = std::string(api_root);
    c.title = "Rampart definitions";
    c.description =
        "STIX extension-definitions published by this Rampart forum (the Rampart extension for TLP:RED "
        "recipients, sharing groups and anonymous contribution).";
    c.default_tlp = stix::Tlp::kClear;
    c.is_public = true;
    c.created = NowMicros();
    Status s = store.CreateCollection(c);
    // Another node may have created it in between: that is success too.
    if (!s.ok() && s.code() != StatusCode::kConflict) return s;
  } else {
    return existing.status();
  }

  RAMPART_ASSIGN_OR_RETURN(store::Organization local, auth::LocalOrganization(store));
  // The forum itself publishes: an admin of the local organisation. Admins may
  // write every collection, so no grant on this public collection is needed.
  auth::Principal forum;
  forum.user_id = "system";
  forum.org_id = local.id;
  forum.role = store::Role::kAdmin;
  RAMPART_ASSIGN_OR_RETURN(auto orgs, store.ListOrganizations());
  RAMPART_ASSIGN_OR_RETURN(auto grants, store.ListGrants());
  RAMPART_ASSIGN_OR_RETURN(auto groups, store.ListSharingGroups());
  auth::PolicySnapshot snapshot(std::move(orgs), std::move(grants), std::move(groups));

  std::string body = "{\"objects\":[" + auth::RampartIdentityJson() + "," +
                     auth::RampartExtensionDefinitionJson() + "]}";
  IngestOptions options;
  options.audit_action = "definitions.publish";
  options.as_forum = true;
  RAMPART_ASSIGN_OR_RETURN(IngestReport report, Ingest(store, snapshot, c, forum, body, options));
  if (report.failure_count != 0) {
    std::string why = report.items.empty() ? "unknown" : report.items.front().message;
    return Status::Internal("the Rampart extension-definition was rejected: " + why);
  }
  return Status::Ok();
}

}  // namespace rampart::ingest
