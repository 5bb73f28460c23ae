#include "auth/rampart_extension.h"

namespace rampart::auth {

const std::string& RampartIdentityJson() {
  static const std::string* json = new std::string(
      R"({"type":"identity","spec_version":"2.1","id":")" + std::string(kRampartIdentityId) +
      R"(","created":"2026-11-25T00:00:00.000Z","modified":"2026-11-25T00:00:00.000Z",)"
      R"("name":"Rampart","identity_class":"system",)"
      R"("description":"The Rampart threat-intelligence exchange software, author of its STIX extension-definitions.",)"
      R"("object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]})");
  return *json;
}

const std::string& RampartExtensionDefinitionJson() {
  // Stable bytes: fixed id and created/modified. STIX 2.1 requires
  // created_by_ref on an extension-definition: it names the Rampart software
  // itself (kRampartIdentityId), not one forum, so every forum publishes the
  // same bytes.
  static const std::string* json = new std::string(
      R"({"type":"extension-definition","spec_version":"2.1","id":")" +
      std::string(kRampartExtensionId) +
      R"(","created_by_ref":")" + std::string(kRampartIdentityId) +
      R"(","created":"2026-11-25T00:00:00.000Z","modified":"2026-11-25T00:00:00.000Z",)"
      R"("name":"Rampart sharing controls",)"
      R"("description":"Submitter instructions to a Rampart forum: TLP:RED recipients (organisation identity ids), a sharing group, anonymous contribution. The forum enforces them and strips this extension before anyone else reads the object.",)"
      R"("schema":"Normative text: docs/formats/rampart_extension.md in the Rampart distribution. A property-extension with red_recipients (list of organisation identity ids), sharing_group (group id or name) and anonymous (boolean); any other property fails the object.",)"
      R"("version":"1.0.0","extension_types":["property-extension"],)"
      R"("object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]})");
  return *json;
}

RampartRequest MergeRequests(const RampartRequest& bundle, const RampartRequest& object) {
  RampartRequest r = bundle;
  r.present = bundle.present || object.present;
  if (!object.red_recipients.empty()) r.red_recipients = object.red_recipients;
  if (object.sharing_group) r.sharing_group = object.sharing_group;
  if (object.anonymous) r.anonymous = object.anonymous;
  return r;
}

}  // namespace rampart::auth
