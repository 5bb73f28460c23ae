// STIX 2.1 property tables. Derived by hand from the OASIS STIX 2.1 JSON
// schemas (cti-stix2-json-schemas, schemas/{sdos,sros,observables,common}) and
// the STIX 2.1 specification (for the reference target types, which the
// schemas mostly leave open). Constraints that span several properties
// ("at least one of", "not both") are coded in validator.cc.
#include <string_view>
#include <unordered_map>
#include <vector>

#include "stix/internal/tables.h"

namespace rampart::stix::internal {
namespace {

using K = PropKind;
constexpr bool R = true;   // required
constexpr bool O = false;  // optional

// Reference target shorthands understood by validator.cc:
//   "*"      any STIX object
//   "@sco"   any SCO (standard or custom)
//   "@sdo"   any SDO (standard or custom, not SCO/SRO/meta)
//   "@node"  any SDO or SCO (relationship endpoints)
const std::vector<TypeSpec>& AllTypes() {
  static const auto* types = new std::vector<TypeSpec>{
      // ---- SDOs ----
      {"attack-pattern", ObjectKind::kSdo, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"aliases", K::kStringList, O, ""},
          {"kill_chain_phases", K::kKillChains, O, ""}}},
      {"campaign", ObjectKind::kSdo, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"aliases", K::kStringList, O, ""},
          {"first_seen", K::kTimestamp, O, ""},
          {"last_seen", K::kTimestamp, O, ""},
          {"objective", K::kString, O, ""}}},
      {"course-of-action", ObjectKind::kSdo, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"action_type", K::kString, O, ""},
          {"os_execution_envs", K::kStringList, O, ""},
          {"action_bin", K::kBinary, O, ""},
          {"action_reference", K::kObject, O, ""}}},
      {"grouping", ObjectKind::kSdo, {
          {"name", K::kString, O, ""},
          {"description", K::kString, O, ""},
          {"context", K::kOpenVocab, R, "grouping-context"},
          {"object_refs", K::kIdList, R, "*"}}},
      {"identity", ObjectKind::kSdo, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"roles", K::kStringList, O, ""},
          {"identity_class", K::kOpenVocab, O, "identity-class"},
          {"sectors", K::kOpenVocabList, O, "industry-sector"},
          {"contact_information", K::kString, O, ""}}},
      {"incident", ObjectKind::kSdo, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"kill_chain_phases", K::kKillChains, O, ""}}},
      {"indicator", ObjectKind::kSdo, {
          {"name", K::kString, O, ""},
          {"description", K::kString, O, ""},
          {"indicator_types", K::kOpenVocabList, O, "indicator-type"},
          {"pattern", K::kString, R, ""},
          {"pattern_type", K::kOpenVocab, R, "pattern-type"},
          {"pattern_version", K::kString, O, ""},
          {"valid_from", K::kTimestamp, R, ""},
          {"valid_until", K::kTimestamp, O, ""},
          {"kill_chain_phases", K::kKillChains, O, ""}}},
      {"infrastructure", ObjectKind::kSdo, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"infrastructure_types", K::kOpenVocabList, O, "infrastructure-type"},
          {"aliases", K::kStringList, O, ""},
          {"kill_chain_phases", K::kKillChains, O, ""},
          {"first_seen", K::kTimestamp, O, ""},
          {"last_seen", K::kTimestamp, O, ""}}},
      {"intrusion-set", ObjectKind::kSdo, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"aliases", K::kStringList, O, ""},
          {"first_seen", K::kTimestamp, O, ""},
          {"last_seen", K::kTimestamp, O, ""},
          {"goals", K::kStringList, O, ""},
          {"resource_level", K::kOpenVocab, O, "attack-resource-level"},
          {"primary_motivation", K::kOpenVocab, O, "attack-motivation"},
          {"secondary_motivations", K::kOpenVocabList, O, "attack-motivation"}}},
      {"location", ObjectKind::kSdo, {
          {"name", K::kString, O, ""},
          {"description", K::kString, O, ""},
          {"latitude", K::kNumber, O, "-90:90"},
          {"longitude", K::kNumber, O, "-180:180"},
          {"precision", K::kNumber, O, "0:"},
          {"region", K::kOpenVocab, O, "region"},
          {"country", K::kString, O, ""},
          {"administrative_area", K::kString, O, ""},
          {"city", K::kString, O, ""},
          {"street_address", K::kString, O, ""},
          {"postal_code", K::kString, O, ""}}},
      {"malware", ObjectKind::kSdo, {
          {"name", K::kString, O, ""},
          {"description", K::kString, O, ""},
          {"malware_types", K::kOpenVocabList, O, "malware-type"},
          {"is_family", K::kBoolean, R, ""},
          {"aliases", K::kStringList, O, ""},
          {"kill_chain_phases", K::kKillChains, O, ""},
          {"first_seen", K::kTimestamp, O, ""},
          {"last_seen", K::kTimestamp, O, ""},
          {"operating_system_refs", K::kIdList, O, "software"},
          {"architecture_execution_envs", K::kOpenVocabList, O, "processor-architecture"},
          {"implementation_languages", K::kOpenVocabList, O, "implementation-language"},
          {"capabilities", K::kOpenVocabList, O, "malware-capabilities"},
          {"sample_refs", K::kIdList, O, "artifact|file"}}},
      {"malware-analysis", ObjectKind::kSdo, {
          {"product", K::kString, R, ""},
          {"version", K::kString, O, ""},
          {"host_vm_ref", K::kId, O, "software"},
          {"operating_system_ref", K::kId, O, "software"},
          {"installed_software_refs", K::kIdList, O, "software"},
          {"configuration_version", K::kString, O, ""},
          {"modules", K::kStringList, O, ""},
          {"analysis_engine_version", K::kString, O, ""},
          {"analysis_definition_version", K::kString, O, ""},
          {"submitted", K::kTimestamp, O, ""},
          {"analysis_started", K::kTimestamp, O, ""},
          {"analysis_ended", K::kTimestamp, O, ""},
          {"result_name", K::kString, O, ""},
          {"result", K::kOpenVocab, O, "malware-result"},
          {"analysis_sco_refs", K::kIdList, O, "@sco"},
          {"sample_ref", K::kId, O, "artifact|file|network-traffic"}}},
      {"note", ObjectKind::kSdo, {
          {"abstract", K::kString, O, ""},
          {"content", K::kString, R, ""},
          {"authors", K::kStringList, O, ""},
          {"object_refs", K::kIdList, R, "*"}}},
      {"observed-data", ObjectKind::kSdo, {
          {"first_observed", K::kTimestamp, R, ""},
          {"last_observed", K::kTimestamp, R, ""},
          {"number_observed", K::kInteger, R, "1:999999999"},
          {"objects", K::kObject, O, ""},
          {"object_refs", K::kIdList, O, "@sco|relationship"}}},
      {"opinion", ObjectKind::kSdo, {
          {"explanation", K::kString, O, ""},
          {"authors", K::kStringList, O, ""},
          {"opinion", K::kEnum, R, "strongly-disagree|disagree|neutral|agree|strongly-agree"},
          {"object_refs", K::kIdList, R, "*"}}},
      {"report", ObjectKind::kSdo, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"report_types", K::kOpenVocabList, O, "report-type"},
          {"published", K::kTimestamp, R, ""},
          {"object_refs", K::kIdList, R, "*"}}},
      {"threat-actor", ObjectKind::kSdo, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"threat_actor_types", K::kOpenVocabList, O, "threat-actor-type"},
          {"aliases", K::kStringList, O, ""},
          {"first_seen", K::kTimestamp, O, ""},
          {"last_seen", K::kTimestamp, O, ""},
          {"roles", K::kOpenVocabList, O, "threat-actor-role"},
          {"goals", K::kStringList, O, ""},
          {"sophistication", K::kOpenVocab, O, "threat-actor-sophistication"},
          {"resource_level", K::kOpenVocab, O, "attack-resource-level"},
          {"primary_motivation", K::kOpenVocab, O, "attack-motivation"},
          {"secondary_motivations", K::kOpenVocabList, O, "attack-motivation"},
          {"personal_motivations", K::kOpenVocabList, O, "attack-motivation"}}},
      {"tool", ObjectKind::kSdo, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"tool_types", K::kOpenVocabList, O, "tool-type"},
          {"aliases", K::kStringList, O, ""},
          {"kill_chain_phases", K::kKillChains, O, ""},
          {"tool_version", K::kString, O, ""}}},
      {"vulnerability", ObjectKind::kSdo, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""}}},
      // ---- SROs ----
      {"relationship", ObjectKind::kSro, {
          {"relationship_type", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"source_ref", K::kId, R, "@node"},
          {"target_ref", K::kId, R, "@node"},
          {"start_time", K::kTimestamp, O, ""},
          {"stop_time", K::kTimestamp, O, ""}}},
      {"sighting", ObjectKind::kSro, {
          {"description", K::kString, O, ""},
          {"first_seen", K::kTimestamp, O, ""},
          {"last_seen", K::kTimestamp, O, ""},
          {"count", K::kInteger, O, "0:999999999"},
          {"sighting_of_ref", K::kId, R, "@sdo"},
          {"observed_data_refs", K::kIdList, O, "observed-data"},
          {"where_sighted_refs", K::kIdList, O, "identity|location"},
          {"summary", K::kBoolean, O, ""}}},
      // ---- SCOs ----
      {"artifact", ObjectKind::kSco, {
          {"mime_type", K::kString, O, ""},
          {"payload_bin", K::kBinary, O, ""},
          {"url", K::kString, O, ""},
          {"hashes", K::kHashes, O, ""},
          {"encryption_algorithm", K::kEnum, O, "AES-256-GCM|ChaCha20-Poly1305|mime-type-indicated"},
          {"decryption_key", K::kString, O, ""}}},
      {"autonomous-system", ObjectKind::kSco, {
          {"number", K::kInteger, R, "0:"},
          {"name", K::kString, O, ""},
          {"rir", K::kString, O, ""}}},
      {"directory", ObjectKind::kSco, {
          {"path", K::kString, R, ""},
          {"path_enc", K::kString, O, ""},
          {"ctime", K::kTimestamp, O, ""},
          {"mtime", K::kTimestamp, O, ""},
          {"atime", K::kTimestamp, O, ""},
          {"contains_refs", K::kIdList, O, "file|directory"}}},
      {"domain-name", ObjectKind::kSco, {
          {"value", K::kString, R, ""},
          {"resolves_to_refs", K::kIdList, O, "ipv4-addr|ipv6-addr|domain-name"}}},
      {"email-addr", ObjectKind::kSco, {
          {"value", K::kString, R, ""},
          {"display_name", K::kString, O, ""},
          {"belongs_to_ref", K::kId, O, "user-account"}}},
      {"email-message", ObjectKind::kSco, {
          {"is_multipart", K::kBoolean, R, ""},
          {"date", K::kTimestamp, O, ""},
          {"content_type", K::kString, O, ""},
          {"from_ref", K::kId, O, "email-addr"},
          {"sender_ref", K::kId, O, "email-addr"},
          {"to_refs", K::kIdList, O, "email-addr"},
          {"cc_refs", K::kIdList, O, "email-addr"},
          {"bcc_refs", K::kIdList, O, "email-addr"},
          {"message_id", K::kString, O, ""},
          {"subject", K::kString, O, ""},
          {"received_lines", K::kStringList, O, ""},
          {"additional_header_fields", K::kDict, O, ""},
          {"body", K::kString, O, ""},
          {"body_multipart", K::kObjectList, O, "email-mime-part"},
          {"raw_email_ref", K::kId, O, "artifact"}}},
      {"file", ObjectKind::kSco, {
          {"hashes", K::kHashes, O, ""},
          {"size", K::kInteger, O, "0:"},
          {"name", K::kString, O, ""},
          {"name_enc", K::kString, O, ""},
          {"magic_number_hex", K::kHex, O, ""},
          {"mime_type", K::kString, O, ""},
          {"ctime", K::kTimestamp, O, ""},
          {"mtime", K::kTimestamp, O, ""},
          {"atime", K::kTimestamp, O, ""},
          {"parent_directory_ref", K::kId, O, "directory"},
          {"contains_refs", K::kIdList, O, "@sco"},
          {"content_ref", K::kId, O, "artifact"}}},
      {"ipv4-addr", ObjectKind::kSco, {
          {"value", K::kString, R, ""},
          {"resolves_to_refs", K::kIdList, O, "mac-addr"},
          {"belongs_to_refs", K::kIdList, O, "autonomous-system"}}},
      {"ipv6-addr", ObjectKind::kSco, {
          {"value", K::kString, R, ""},
          {"resolves_to_refs", K::kIdList, O, "mac-addr"},
          {"belongs_to_refs", K::kIdList, O, "autonomous-system"}}},
      {"mac-addr", ObjectKind::kSco, {
          {"value", K::kString, R, ""}}},
      {"mutex", ObjectKind::kSco, {
          {"name", K::kString, R, ""}}},
      {"network-traffic", ObjectKind::kSco, {
          {"start", K::kTimestamp, O, ""},
          {"end", K::kTimestamp, O, ""},
          {"is_active", K::kBoolean, O, ""},
          {"src_ref", K::kId, O, "ipv4-addr|ipv6-addr|mac-addr|domain-name"},
          {"dst_ref", K::kId, O, "ipv4-addr|ipv6-addr|mac-addr|domain-name"},
          {"src_port", K::kInteger, O, "0:65535"},
          {"dst_port", K::kInteger, O, "0:65535"},
          {"protocols", K::kStringList, R, ""},
          {"src_byte_count", K::kInteger, O, "0:"},
          {"dst_byte_count", K::kInteger, O, "0:"},
          {"src_packets", K::kInteger, O, "0:"},
          {"dst_packets", K::kInteger, O, "0:"},
          {"ipfix", K::kDict, O, ""},
          {"src_payload_ref", K::kId, O, "artifact"},
          {"dst_payload_ref", K::kId, O, "artifact"},
          {"encapsulates_refs", K::kIdList, O, "network-traffic"},
          {"encapsulated_by_ref", K::kId, O, "network-traffic"}}},
      {"process", ObjectKind::kSco, {
          {"is_hidden", K::kBoolean, O, ""},
          {"pid", K::kInteger, O, ""},
          {"created_time", K::kTimestamp, O, ""},
          {"cwd", K::kString, O, ""},
          {"command_line", K::kString, O, ""},
          {"environment_variables", K::kDict, O, ""},
          {"opened_connection_refs", K::kIdList, O, "network-traffic"},
          {"creator_user_ref", K::kId, O, "user-account"},
          {"image_ref", K::kId, O, "file"},
          {"parent_ref", K::kId, O, "process"},
          {"child_refs", K::kIdList, O, "process"}}},
      {"software", ObjectKind::kSco, {
          {"name", K::kString, R, ""},
          {"cpe", K::kString, O, ""},
          {"swid", K::kString, O, ""},
          {"languages", K::kStringList, O, ""},
          {"vendor", K::kString, O, ""},
          {"version", K::kString, O, ""}}},
      {"url", ObjectKind::kSco, {
          {"value", K::kString, R, ""}}},
      {"user-account", ObjectKind::kSco, {
          {"user_id", K::kString, O, ""},
          {"credential", K::kString, O, ""},
          {"account_login", K::kString, O, ""},
          {"account_type", K::kOpenVocab, O, "account-type"},
          {"display_name", K::kString, O, ""},
          {"is_service_account", K::kBoolean, O, ""},
          {"is_privileged", K::kBoolean, O, ""},
          {"can_escalate_privs", K::kBoolean, O, ""},
          {"is_disabled", K::kBoolean, O, ""},
          {"account_created", K::kTimestamp, O, ""},
          {"account_expires", K::kTimestamp, O, ""},
          {"credential_last_changed", K::kTimestamp, O, ""},
          {"account_first_login", K::kTimestamp, O, ""},
          {"account_last_login", K::kTimestamp, O, ""}}},
      {"windows-registry-key", ObjectKind::kSco, {
          {"key", K::kString, O, ""},
          {"values", K::kObjectList, O, "windows-registry-value-type"},
          {"modified_time", K::kTimestamp, O, ""},
          {"creator_user_ref", K::kId, O, "user-account"},
          {"number_of_subkeys", K::kInteger, O, "0:"}}},
      {"x509-certificate", ObjectKind::kSco, {
          {"is_self_signed", K::kBoolean, O, ""},
          {"hashes", K::kHashes, O, ""},
          {"version", K::kString, O, ""},
          {"serial_number", K::kString, O, ""},
          {"signature_algorithm", K::kString, O, ""},
          {"issuer", K::kString, O, ""},
          {"validity_not_before", K::kTimestamp, O, ""},
          {"validity_not_after", K::kTimestamp, O, ""},
          {"subject", K::kString, O, ""},
          {"subject_public_key_algorithm", K::kString, O, ""},
          {"subject_public_key_modulus", K::kString, O, ""},
          {"subject_public_key_exponent", K::kInteger, O, "0:"},
          {"x509_v3_extensions", K::kObject, O, "x509-v3-extensions-type"}}},
      // ---- Meta objects (common properties listed here in full) ----
      {"marking-definition", ObjectKind::kMeta, {
          {"created", K::kTimestamp, R, ""},
          {"created_by_ref", K::kId, O, "identity"},
          {"name", K::kString, O, ""},
          {"definition_type", K::kString, O, ""},
          {"definition", K::kObject, O, ""},
          {"external_references", K::kExtRefs, O, ""},
          {"object_marking_refs", K::kIdList, O, "marking-definition"},
          {"granular_markings", K::kGranular, O, ""},
          {"extensions", K::kExtensions, O, ""}}},
      {"language-content", ObjectKind::kMeta, {
          {"object_ref", K::kId, R, "*"},
          {"object_modified", K::kTimestamp, O, ""},
          {"contents", K::kObject, R, ""}}},
      {"extension-definition", ObjectKind::kMeta, {
          {"name", K::kString, R, ""},
          {"description", K::kString, O, ""},
          {"schema", K::kString, R, ""},
          {"version", K::kString, R, ""},
          {"extension_types", K::kStringList, R, ""},
          {"extension_properties", K::kStringList, O, ""}}},
  };
  return *types;
}

const std::vector<TypeSpec>& ScoExtensions() {
  static const auto* exts = new std::vector<TypeSpec>{
      {"archive-ext", ObjectKind::kSco, {
          {"contains_refs", K::kIdList, R, "file|directory"},
          {"comment", K::kString, O, ""}}},
      {"ntfs-ext", ObjectKind::kSco, {
          {"sid", K::kString, O, ""},
          {"alternate_data_streams", K::kObjectList, O, "alternate-data-stream"}}},
      {"pdf-ext", ObjectKind::kSco, {
          {"version", K::kString, O, ""},
          {"is_optimized", K::kBoolean, O, ""},
          {"document_info_dict", K::kDict, O, ""},
          {"pdfid0", K::kString, O, ""},
          {"pdfid1", K::kString, O, ""}}},
      {"raster-image-ext", ObjectKind::kSco, {
          {"image_height", K::kInteger, O, ""},
          {"image_width", K::kInteger, O, ""},
          {"bits_per_pixel", K::kInteger, O, ""},
          {"exif_tags", K::kDict, O, ""}}},
      {"windows-pebinary-ext", ObjectKind::kSco, {
          {"pe_type", K::kOpenVocab, R, "windows-pebinary-type"},
          {"imphash", K::kString, O, ""},
          {"machine_hex", K::kHex, O, ""},
          {"number_of_sections", K::kInteger, O, "0:"},
          {"time_date_stamp", K::kTimestamp, O, ""},
          {"pointer_to_symbol_table_hex", K::kHex, O, ""},
          {"number_of_symbols", K::kInteger, O, "0:"},
          {"size_of_optional_header", K::kInteger, O, "0:"},
          {"characteristics_hex", K::kHex, O, ""},
          {"file_header_hashes", K::kHashes, O, ""},
          {"optional_header", K::kObject, O, "windows-pe-optional-header-type"},
          {"sections", K::kObjectList, O, "windows-pe-section-type"}}},
      {"http-request-ext", ObjectKind::kSco, {
          {"request_method", K::kString, R, ""},
          {"request_value", K::kString, R, ""},
          {"request_version", K::kString, O, ""},
          {"request_header", K::kDict, O, ""},
          {"message_body_length", K::kInteger, O, "0:"},
          {"message_body_data_ref", K::kId, O, "artifact"}}},
      {"icmp-ext", ObjectKind::kSco, {
          {"icmp_type_hex", K::kHex, R, ""},
          {"icmp_code_hex", K::kHex, R, ""}}},
      {"socket-ext", ObjectKind::kSco, {
          {"address_family", K::kEnum, R,
           "AF_UNSPEC|AF_INET|AF_IPX|AF_APPLETALK|AF_NETBIOS|AF_INET6|AF_IRDA|AF_BTH"},
          {"is_blocking", K::kBoolean, O, ""},
          {"is_listening", K::kBoolean, O, ""},
          {"options", K::kDict, O, ""},
          {"socket_type", K::kEnum, O, "SOCK_STREAM|SOCK_DGRAM|SOCK_RAW|SOCK_RDM|SOCK_SEQPACKET"},
          {"socket_descriptor", K::kInteger, O, "0:"},
          {"socket_handle", K::kInteger, O, ""}}},
      {"tcp-ext", ObjectKind::kSco, {
          {"src_flags_hex", K::kHex, O, ""},
          {"dst_flags_hex", K::kHex, O, ""}}},
      {"windows-process-ext", ObjectKind::kSco, {
          {"aslr_enabled", K::kBoolean, O, ""},
          {"dep_enabled", K::kBoolean, O, ""},
          {"priority", K::kString, O, ""},
          {"owner_sid", K::kString, O, ""},
          {"window_title", K::kString, O, ""},
          {"startup_info", K::kDict, O, ""},
          {"integrity_level", K::kEnum, O, "low|medium|high|system"}}},
      {"windows-service-ext", ObjectKind::kSco, {
          {"service_name", K::kString, O, ""},
          {"descriptions", K::kStringList, O, ""},
          {"display_name", K::kString, O, ""},
          {"group_name", K::kString, O, ""},
          {"start_type", K::kEnum, O,
           "SERVICE_AUTO_START|SERVICE_BOOT_START|SERVICE_DEMAND_START|SERVICE_DISABLED|SERVICE_SYSTEM_ALERT"},
          {"service_dll_refs", K::kIdList, O, "file"},
          {"service_type", K::kEnum, O,
           "SERVICE_KERNEL_DRIVER|SERVICE_FILE_SYSTEM_DRIVER|SERVICE_WIN32_OWN_PROCESS|SERVICE_WIN32_SHARE_PROCESS"},
          {"service_status", K::kEnum, O,
           "SERVICE_CONTINUE_PENDING|SERVICE_PAUSE_PENDING|SERVICE_PAUSED|SERVICE_RUNNING|"
           "SERVICE_START_PENDING|SERVICE_STOP_PENDING|SERVICE_STOPPED"}}},
      {"unix-account-ext", ObjectKind::kSco, {
          {"gid", K::kInteger, O, ""},
          {"groups", K::kStringList, O, ""},
          {"home_dir", K::kString, O, ""},
          {"shell", K::kString, O, ""}}},
  };
  return *exts;
}

const std::vector<TypeSpec>& SubObjects() {
  static const auto* subs = new std::vector<TypeSpec>{
      {"email-mime-part", ObjectKind::kSco, {
          {"body", K::kString, O, ""},
          {"body_raw_ref", K::kId, O, "artifact|file"},
          {"content_type", K::kString, O, ""},
          {"content_disposition", K::kString, O, ""}}},
      {"windows-registry-value-type", ObjectKind::kSco, {
          {"name", K::kString, O, ""},
          {"data", K::kString, O, ""},
          {"data_type", K::kEnum, O,
           "REG_NONE|REG_SZ|REG_EXPAND_SZ|REG_BINARY|REG_DWORD|REG_DWORD_BIG_ENDIAN|"
           "REG_DWORD_LITTLE_ENDIAN|REG_LINK|REG_MULTI_SZ|REG_RESOURCE_LIST|"
           "REG_FULL_RESOURCE_DESCRIPTION|REG_RESOURCE_REQUIREMENTS_LIST|REG_QWORD|REG_INVALID_TYPE"}}},
      {"alternate-data-stream", ObjectKind::kSco, {
          {"name", K::kString, R, ""},
          {"hashes", K::kHashes, O, ""},
          {"size", K::kInteger, O, "0:"}}},
      {"windows-pe-section-type", ObjectKind::kSco, {
          {"name", K::kString, R, ""},
          {"size", K::kInteger, O, "0:"},
          {"entropy", K::kNumber, O, ""},
          {"hashes", K::kHashes, O, ""}}},
      {"windows-pe-optional-header-type", ObjectKind::kSco, {
          {"magic_hex", K::kHex, O, ""},
          {"major_linker_version", K::kInteger, O, ""},
          {"minor_linker_version", K::kInteger, O, ""},
          {"size_of_code", K::kInteger, O, "0:"},
          {"size_of_initialized_data", K::kInteger, O, "0:"},
          {"size_of_uninitialized_data", K::kInteger, O, "0:"},
          {"address_of_entry_point", K::kInteger, O, ""},
          {"base_of_code", K::kInteger, O, ""},
          {"base_of_data", K::kInteger, O, ""},
          {"image_base", K::kInteger, O, ""},
          {"section_alignment", K::kInteger, O, ""},
          {"file_alignment", K::kInteger, O, ""},
          {"major_os_version", K::kInteger, O, ""},
          {"minor_os_version", K::kInteger, O, ""},
          {"major_image_version", K::kInteger, O, ""},
          {"minor_image_version", K::kInteger, O, ""},
          {"major_subsystem_version", K::kInteger, O, ""},
          {"minor_subsystem_version", K::kInteger, O, ""},
          {"win32_version_value_hex", K::kHex, O, ""},
          {"size_of_image", K::kInteger, O, "0:"},
          {"size_of_headers", K::kInteger, O, "0:"},
          {"checksum_hex", K::kHex, O, ""},
          {"subsystem_hex", K::kHex, O, ""},
          {"dll_characteristics_hex", K::kHex, O, ""},
          {"size_of_stack_reserve", K::kInteger, O, "0:"},
          {"size_of_stack_commit", K::kInteger, O, "0:"},
          {"size_of_heap_reserve", K::kInteger, O, ""},
          {"size_of_heap_commit", K::kInteger, O, ""},
          {"loader_flags_hex", K::kHex, O, ""},
          {"number_of_rva_and_sizes", K::kInteger, O, ""},
          {"hashes", K::kHashes, O, ""}}},
      {"x509-v3-extensions-type", ObjectKind::kSco, {
          {"basic_constraints", K::kString, O, ""},
          {"name_constraints", K::kString, O, ""},
          {"policy_constraints", K::kString, O, ""},
          {"key_usage", K::kString, O, ""},
          {"extended_key_usage", K::kString, O, ""},
          {"subject_key_identifier", K::kString, O, ""},
          {"authority_key_identifier", K::kString, O, ""},
          {"subject_alternative_name", K::kString, O, ""},
          {"issuer_alternative_name", K::kString, O, ""},
          {"subject_directory_attributes", K::kString, O, ""},
          {"crl_distribution_points", K::kString, O, ""},
          {"inhibit_any_policy", K::kString, O, ""},
          {"private_key_usage_period_not_before", K::kTimestamp, O, ""},
          {"private_key_usage_period_not_after", K::kTimestamp, O, ""},
          {"certificate_policies", K::kString, O, ""},
          {"policy_mappings", K::kString, O, ""}}},
  };
  return *subs;
}

template <typename V>
const TypeSpec* FindIn(const V& v, std::string_view name) {
  static_assert(std::is_same_v<V, std::vector<TypeSpec>>);
  for (const TypeSpec& t : v) {
    if (t.type == name) return &t;
  }
  return nullptr;
}

}  // namespace

const TypeSpec* FindTypeSpec(std::string_view type) {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, const TypeSpec*>();
    for (const TypeSpec& t : AllTypes()) (*m)[t.type] = &t;
    return m;
  }();
  auto it = index->find(type);
  return it == index->end() ? nullptr : it->second;
}

const TypeSpec* FindScoExtensionSpec(std::string_view ext_name) { return FindIn(ScoExtensions(), ext_name); }
const TypeSpec* FindSubObjectSpec(std::string_view name) { return FindIn(SubObjects(), name); }

const std::vector<PropSpec>& CommonSdoProps() {
  static const auto* props = new std::vector<PropSpec>{
      {"created", K::kTimestamp, R, ""},
      {"modified", K::kTimestamp, R, ""},
      {"created_by_ref", K::kId, O, "identity"},
      {"revoked", K::kBoolean, O, ""},
      {"labels", K::kStringList, O, ""},
      {"confidence", K::kInteger, O, "0:100"},
      {"lang", K::kString, O, ""},
      {"external_references", K::kExtRefs, O, ""},
      {"object_marking_refs", K::kIdList, O, "marking-definition"},
      {"granular_markings", K::kGranular, O, ""},
      {"extensions", K::kExtensions, O, ""},
  };
  return *props;
}

const std::vector<PropSpec>& CommonScoProps() {
  static const auto* props = new std::vector<PropSpec>{
      {"object_marking_refs", K::kIdList, O, "marking-definition"},
      {"granular_markings", K::kGranular, O, ""},
      {"defanged", K::kBoolean, O, ""},
      {"extensions", K::kExtensions, O, ""},
  };
  return *props;
}

const std::vector<std::string_view>* FindVocabulary(std::string_view name) {
  using V = std::vector<std::string_view>;
  static const auto* vocabs = new std::unordered_map<std::string_view, V>{
      {"account-type", {"facebook", "ldap", "nis", "openid", "radius", "skype", "tacacs", "twitter", "unix",
                        "windows-local", "windows-domain"}},
      {"attack-motivation", {"accidental", "coercion", "dominance", "ideology", "notoriety", "organizational-gain",
                             "personal-gain", "personal-satisfaction", "revenge", "unpredictable"}},
      {"attack-resource-level", {"individual", "club", "contest", "team", "organization", "government"}},
      {"grouping-context", {"suspicious-activity", "malware-analysis", "unspecified"}},
      {"identity-class", {"individual", "group", "system", "organization", "class", "unknown"}},
      {"implementation-language", {"applescript", "bash", "c", "c++", "c#", "go", "java", "javascript", "lua",
                                   "objective-c", "perl", "php", "powershell", "python", "ruby", "scala", "swift",
                                   "typescript", "visual-basic", "x86-32", "x86-64"}},
      {"indicator-type", {"anomalous-activity", "anonymization", "benign", "compromised", "malicious-activity",
                          "attribution", "unknown"}},
      {"industry-sector", {"agriculture", "aerospace", "automotive", "chemical", "commercial", "communications",
                           "construction", "defense", "education", "energy", "engineering", "entertainment",
                           "financial-services", "government", "emergency-services", "government-local",
                           "government-national", "government-public-services", "government-regional",
                           "healthcare", "hospitality-leisure", "infrastructure", "dams", "nuclear", "water",
                           "insurance", "manufacturing", "mining", "non-profit", "pharmaceuticals", "retail",
                           "technology", "telecommunications", "transportation", "utilities"}},
      {"infrastructure-type", {"amplification", "anonymization", "botnet", "command-and-control", "control-system",
                               "exfiltration", "firewall", "hosting-malware", "hosting-target-lists", "phishing",
                               "reconnaissance", "routers-switches", "staging", "workstation", "unknown"}},
      {"malware-capabilities",
       {"accesses-remote-machines", "anti-debugging", "anti-disassembly", "anti-emulation",
        "anti-memory-forensics", "anti-sandbox", "anti-vm", "captures-input-peripherals",
        "captures-output-peripherals", "captures-system-state-data", "cleans-traces-of-infection", "commits-fraud",
        "communicates-with-c2", "compromises-data-availability", "compromises-data-integrity",
        "compromises-system-availability", "controls-local-machine", "degrades-security-software",
        "degrades-system-updates", "determines-c2-server", "emails-spam", "escalates-privileges", "evades-av",
        "exfiltrates-data", "fingerprints-host", "hides-artifacts", "hides-executing-code", "infects-files",
        "infects-remote-machines", "installs-other-components", "persists-after-system-reboot",
        "prevents-artifact-access", "prevents-artifact-deletion", "probes-network-environment", "self-modifies",
        "steals-authentication-credentials", "violates-system-operational-integrity"}},
      {"malware-result", {"malicious", "suspicious", "benign", "unknown"}},
      {"malware-type", {"adware", "backdoor", "bot", "bootkit", "ddos", "downloader", "dropper", "exploit-kit",
                        "keylogger", "ransomware", "remote-access-trojan", "resource-exploitation",
                        "rogue-security-software", "rootkit", "screen-capture", "spyware", "trojan", "unknown",
                        "virus", "webshell", "wiper", "worm"}},
      {"pattern-type", {"stix", "pcre", "sigma", "snort", "suricata", "yara"}},
      {"processor-architecture", {"alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64"}},
      {"region", {"africa", "eastern-africa", "middle-africa", "northern-africa", "southern-africa",
                  "western-africa", "americas", "latin-america-caribbean", "south-america", "caribbean",
                  "central-america", "northern-america", "asia", "central-asia", "eastern-asia", "southern-asia",
                  "south-eastern-asia", "western-asia", "europe", "eastern-europe", "northern-europe",
                  "southern-europe", "western-europe", "oceania", "australia-new-zealand", "melanesia",
                  "micronesia", "polynesia", "antarctica"}},
      {"report-type", {"attack-pattern", "campaign", "identity", "indicator", "intrusion-set", "malware",
                       "observed-data", "threat-actor", "threat-report", "tool", "vulnerability"}},
      {"threat-actor-role", {"agent", "director", "independent", "infrastructure-architect",
                             "infrastructure-operator", "malware-author", "sponsor"}},
      {"threat-actor-sophistication", {"none", "minimal", "intermediate", "advanced", "expert", "innovator",
                                       "strategic"}},
      {"threat-actor-type", {"activist", "competitor", "crime-syndicate", "criminal", "hacker",
                             "insider-accidental", "insider-disgruntled", "nation-state", "sensationalist", "spy",
                             "terrorist", "unknown"}},
      {"tool-type", {"denial-of-service", "exploitation", "information-gathering", "network-capture",
                     "credential-exploitation", "remote-access", "vulnerability-scanning", "unknown"}},
      {"windows-pebinary-type", {"dll", "exe", "sys"}},
      {"hash-algorithm", {"MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH"}},
  };
  auto it = vocabs->find(name);
  return it == vocabs->end() ? nullptr : &it->second;
}

}  // namespace rampart::stix::internal
