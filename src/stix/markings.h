// TLP marking definitions: the standard STIX ids of TLP 1.0 and TLP 2.0 and
// the ordering Rampart enforces. Pure data; thread-safe.
#ifndef RAMPART_STIX_MARKINGS_H_
#define RAMPART_STIX_MARKINGS_H_

#include <optional>
#include <string>
#include <string_view>

namespace rampart::stix {

// DO NOT CHANGE THESE ENUM VALUES: they are persisted (store column
// `effective_tlp`) and their order is the restrictiveness order: a larger
// value is more restrictive.
enum class Tlp : int {
  kClear = 0,
  kGreen = 1,
  kAmber = 2,
  kAmberStrict = 3,
  kRed = 4,
};

inline constexpr std::string_view kTlp2Clear = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
inline constexpr std::string_view kTlp2Green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
inline constexpr std::string_view kTlp2Amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
inline constexpr std::string_view kTlp2AmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
inline constexpr std::string_view kTlp2Red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
inline constexpr std::string_view kTlp2ExtensionDefinition =
    "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

inline constexpr std::string_view kTlp1White = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
inline constexpr std::string_view kTlp1Green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
inline constexpr std::string_view kTlp1Amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
inline constexpr std::string_view kTlp1Red = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";

// Canonical identifiers (docs/trust.md, "Canonical identifiers"): a STIX id
// is "<type>--<UUID>" and RFC 4122 reads a UUID's hex digits in either case,
// so "marking-definition--E828B379-..." names the same object as the
// lower-case id. Every decision the trust rules take on an id compares
// CanonicalId() forms; references the rules read (markings, created_by_ref,
// extension keys, RED recipients) must already be canonical (IsCanonicalId)
// or the object is refused.
// ASCII lower case of `id` (types are lower case by the STIX grammar).
std::string CanonicalId(std::string_view id);
// True when `id` has no ASCII upper-case letter.
bool IsCanonicalId(std::string_view id);

// The TLP level of a standard TLP 1.0 / 2.0 marking-definition id (in any
// case), or nullopt for any other id. TLP 1.0 maps onto 2.0: WHITE->CLEAR,
// GREEN, AMBER, RED.
std::optional<Tlp> TlpFromMarkingId(std::string_view marking_id);
// True when `id` (in any case) is one of the nine TLP 1.0/2.0
// marking-definition ids.
inline bool IsTlpMarkingDefinitionId(std::string_view id) { return TlpFromMarkingId(id).has_value(); }

// The TLP 2.0 marking-definition id of a level.
std::string_view TlpMarkingId(Tlp tlp);

// "TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED".
std::string_view TlpName(Tlp tlp);

// Parses "clear", "green", "amber", "amber+strict", "red" (any case, with or
// without a "tlp:" prefix; "white" = clear).
std::optional<Tlp> ParseTlpName(std::string_view name);

inline Tlp MostRestrictive(Tlp a, Tlp b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

}  // namespace rampart::stix

#endif  // RAMPART_STIX_MARKINGS_H_
