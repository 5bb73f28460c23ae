#include "stix/markings.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace rampart::stix {

std::string CanonicalId(std::string_view id) {
  std::string out(id);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsCanonicalId(std::string_view id) {
  for (char c : id) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}

std::optional<Tlp> TlpFromMarkingId(std::string_view raw_id) {
  // The ids below are canonical; compare the canonical form of the input so
  // an upper-case spelling cannot pass for "not TLP".
  std::string canonical;
  std::string_view id = raw_id;
  if (!IsCanonicalId(raw_id)) {
    canonical = CanonicalId(raw_id);
    id = canonical;
  }
  if (id == kTlp2Clear || id == kTlp1White) return Tlp::kClear;
  if (id == kTlp2Green || id == kTlp1Green) return Tlp::kGreen;
  if (id == kTlp2Amber || id == kTlp1Amber) return Tlp::kAmber;
  if (id == kTlp2AmberStrict) return Tlp::kAmberStrict;
  if (id == kTlp2Red || id == kTlp1Red) return Tlp::kRed;
  return std::nullopt;
}

std::string_view TlpMarkingId(Tlp tlp) {
  switch (tlp) {
    case Tlp::kClear: return kTlp2Clear;
    case Tlp::kGreen: return kTlp2Green;
    case Tlp::kAmber: return kTlp2Amber;
    case Tlp::kAmberStrict: return kTlp2AmberStrict;
    case Tlp::kRed: return kTlp2Red;
  }
  return kTlp2Red;
}

std::string_view TlpName(Tlp tlp) {
  switch (tlp) {
    case Tlp::kClear: return "TLP:CLEAR";
    case Tlp::kGreen: return "TLP:GREEN";
    case Tlp::kAmber: return "TLP:AMBER";
    case Tlp::kAmberStrict: return "TLP:AMBER+STRICT";
    case Tlp::kRed: return "TLP:RED";
  }
  return "TLP:RED";
}

std::optional<Tlp> ParseTlpName(std::string_view name) {
  std::string s(name);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s.rfind("tlp:", 0) == 0) s = s.substr(4);
  if (s == "clear" || s == "white") return Tlp::kClear;
  if (s == "green") return Tlp::kGreen;
  if (s == "amber") return Tlp::kAmber;
  if (s == "amber+strict") return Tlp::kAmberStrict;
  if (s == "red") return Tlp::kRed;
  return std::nullopt;
}

}  // namespace rampart::stix
