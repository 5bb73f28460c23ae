#include "detect/sightings.h"

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "stix/markings.h"

namespace rampart::detect {

void SightingAggregator::Add(const Hit& h) {
  ++total_;
  auto it = by_id_.find(h.indicator_id);
  if (it == by_id_.end()) it = by_id_.emplace(h.indicator_id, SightingSummary{h.indicator_id}).first;
  SightingSummary& s = it->second;
  ++s.count;
  if (h.has_time) {
    if (!s.has_time) {
      s.first_seen = s.last_seen = h.time;
      s.has_time = true;
    } else {
      s.first_seen = std::min(s.first_seen, h.time);
      s.last_seen = std::max(s.last_seen, h.time);
    }
  }
}

std::vector<SightingSummary> SightingAggregator::Summaries() const {
  std::vector<SightingSummary> out;
  out.reserve(by_id_.size());
  for (const auto& [id, s] : by_id_) out.push_back(s);
  return out;
}

namespace {

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

}  // namespace

Result<std::string> IdentityIdFor(std::string_view identity) {
  if (identity.empty()) return Status::InvalidArgument("an identity (--identity) is required for sightings");
  if (identity.starts_with("identity--")) {
    if (!IsUuid(identity.substr(10))) return Status::InvalidArgument("not a valid identity id: " + std::string(identity));
    return std::string(identity);
  }
  // Deterministic: the same organisation name always yields the same id
  // (SHA-256 of the name, shaped as a version-5-style UUID).
  std::string h = Sha256Hex("rampart-identity:" + std::string(identity));
  h[12] = '5';
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];
  return "identity--" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20, 12);
}

Result<std::string> SightingsBundleJson(const std::vector<SightingSummary>& summaries, const SightingOptions& o) {
  using nlohmann::json;
  RAMPART_ASSIGN_OR_RETURN(std::string identity_id, IdentityIdFor(o.identity));
  std::string marking = o.marking_ref.empty() ? std::string(stix::kTlp2Amber) : o.marking_ref;
  std::string now = FormatTimestampMillis(o.now);
  json objects = json::array();
  if (!o.identity.starts_with("identity--")) {
    objects.push_back({{"type", "identity"},
                       {"spec_version", "2.1"},
                       {"id", identity_id},
                       {"created", now},
                       {"modified", now},
                       {"name", o.identity},
                       {"identity_class", "organization"}});
  }
  for (const SightingSummary& s : summaries) {
    Micros first = s.has_time ? s.first_seen : o.now;
    Micros last = s.has_time ? s.last_seen : o.now;
    objects.push_back({{"type", "sighting"},
                       {"spec_version", "2.1"},
                       {"id", "sighting--" + RandomUuid()},
                       {"created", now},
                       {"modified", now},
                       {"created_by_ref", identity_id},
                       {"sighting_of_ref", s.indicator_id},
                       {"count", s.count},
                       {"first_seen", FormatTimestampMillis(first)},
                       {"last_seen", FormatTimestampMillis(last)},
                       {"where_sighted_refs", json::array({identity_id})},
                       {"object_marking_refs", json::array({marking})}});
  }
  json bundle{{"type", "bundle"}, {"id", "bundle--" + RandomUuid()}, {"objects", objects}};
  return bundle.dump();
}

std::string HitJson(const Hit& h, std::string_view source_name) {
  nlohmann::json j{{"source", std::string(source_name)}, {"line", h.line}, {"offset", h.byte_offset}};
  if (h.has_time) j["time"] = FormatTimestampMicros(h.time);
  j["indicator"] = h.indicator_id;
  j["path"] = h.path;
  j["value"] = h.value;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace rampart::detect
