// The Rampart extension-definition is published in a public collection that
// every authenticated principal can read, whatever its grants.
#include "ingest/publish.h"

#include <gtest/gtest.h>

#include "auth/identity.h"
#include "auth/policy.h"
#include "auth/rampart_extension.h"
#include "store/memory/memory_store.h"

namespace rampart::ingest {
namespace {

TEST(PublishTest, ExtensionDefinitionIsReadableByAnyPrincipal) {
  auto store = store::NewMemoryStore();
  ASSERT_TRUE(auth::EnsureBootstrap(*store).ok());
  Status first = PublishRampartDefinitions(*store, "api");
  ASSERT_TRUE(first.ok()) << first.ToString();
  // Idempotent: a second start-up stores nothing new.
  Status second = PublishRampartDefinitions(*store, "api");
  ASSERT_TRUE(second.ok()) << second.ToString();

  store::ObjectQuery q;
  q.collection_id = kDefinitionsCollectionId;
  q.versions.all = true;
  auto page = store->QueryObjects(q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u) << "the extension-definition and the identity it names";
  const store::StoredObject& o =
      page->objects[0].type == "extension-definition" ? page->objects[0] : page->objects[1];
  EXPECT_EQ(o.id, auth::kRampartExtensionId);
  EXPECT_EQ(o.type, "extension-definition");
  EXPECT_EQ(o.provenance.effective_tlp, stix::Tlp::kClear);
  EXPECT_EQ(o.created_by_ref, auth::kRampartIdentityId);

  // A partner organisation with no grant at all still sees and reads it.
  auto partner = auth::AddOrganization(*store, {"Partner CERT", "", {}, false}, "test");
  ASSERT_TRUE(partner.ok());
  auth::PolicySnapshot snap(store->ListOrganizations().value(), store->ListGrants().value(),
                            store->ListSharingGroups().value());
  auth::Principal reader{"user-r", partner->id, store::Role::kReader, "tok-r"};
  auto c = store->GetCollection(kDefinitionsCollectionId);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->is_public);
  auth::CollectionAccess access = auth::DecideCollection(snap, reader, *c);
  EXPECT_TRUE(access.visible);
  EXPECT_TRUE(access.can_read);
  EXPECT_FALSE(access.can_write);
  auto released = auth::ReleaseObject(snap, reader, *c, o, auth::Path::kTaxiiRead);
  ASSERT_TRUE(released.has_value());
  EXPECT_NE(released->find(auth::kRampartExtensionId), std::string::npos);
  EXPECT_NE(released->find(stix::kTlp2Clear), std::string::npos)
      << "served with its collection's TLP:CLEAR marking";
}

}  // namespace
}  // namespace rampart::ingest
