#include "auth/rampart_extension.h"

namespace rampart::auth {

const std::string& RampartExtensionDefinitionJson() {
  // Stable bytes: fixed id, created/modified and created_by_ref-less (the
  // definition belongs to the Rampart software, not to one forum).
  static const std::string* json = new std::string(
      R"({"type":"extension-definition","spec_version":"2.1","id":")" +
      std::string(kRampartExtensionId) +
      R"(","created":"2026-11-25T00:00:00.000Z","modified":"2026-11-25T00:00:00.000Z",)"
      R"("name":"Rampart sharing controls",)"
      R"("description":"Submitter instructions to a Rampart forum: TLP:RED recipients (organisation identity ids), a sharing group, anonymous contribution. The forum enforces them and strips this extension before anyone else reads the object.",)"
      R"("schema":"https://github.com/rampart-cti/rampart/blob/main/docs/formats/rampart_extension.md",)"
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
