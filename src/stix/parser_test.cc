// Unit tests for the STIX parser/validator, one table row per rule, plus
// limits, exact bytes, STIX 2.0 handling and a rapidcheck round trip.
#include "stix/parser.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "base/time.h"

namespace rampart::stix {
namespace {

constexpr const char* kIdentity =
    R"({"type":"identity","spec_version":"2.1","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f",)"
    R"("created":"2016-08-08T15:50:10.983Z","modified":"2016-08-08T15:50:10.983Z","name":"ACME")";

std::string Identity(const std::string& extra) { return std::string(kIdentity) + extra + "}"; }

constexpr const char* kIndicatorHead =
    R"({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",)"
    R"("created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z",)";

std::string Indicator(const std::string& body) { return std::string(kIndicatorHead) + body + "}"; }

std::string Rel(const std::string& src, const std::string& dst) {
  return R"({"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",)"
         R"("created":"2016-04-06T20:06:37.000Z","modified":"2016-04-06T20:06:37.000Z","relationship_type":"uses",)"
         R"("source_ref":")" + src + R"(","target_ref":")" + dst + R"("})";
}

struct RuleCase {
  std::string name;
  std::string json;
  std::string rule;  // "" = valid
  std::string path;  // expected path of the first error ("" = don't care)
  bool strict = false;
};

class RuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(RuleTest, Verdict) {
  const RuleCase& c = GetParam();
  ParseOptions opts;
  opts.strict = c.strict;
  opts.accept_20 = false;
  auto r = ParseBundleOrObject(c.json, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  if (c.rule.empty()) {
    std::string all;
    for (const auto& e : r->errors) all += FormatError(e) + "\n";
    EXPECT_TRUE(r->errors.empty()) << all;
    EXPECT_EQ(r->objects.size(), 1u);
    return;
  }
  ASSERT_FALSE(r->errors.empty()) << "expected rule " << c.rule;
  bool found = false;
  for (const auto& e : r->errors) {
    if (e.rule == c.rule && (c.path.empty() || e.path == c.path)) found = true;
  }
  EXPECT_TRUE(found) << "first error: " << FormatError(r->errors[0]);
  EXPECT_LT(r->objects.size(), r->objects_seen);  // the offending object is left out
}

const std::vector<RuleCase> kRuleCases = {
    {"valid_identity", Identity(""), "", ""},
    {"missing_modified",
     R"({"type":"identity","spec_version":"2.1","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f","created":"2016-08-08T15:50:10.983Z","name":"x"})",
     "required-property", "$.modified"},
    {"missing_spec_version_rejected_when_2_0_not_accepted",
     R"({"type":"identity","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f","created":"2016-08-08T15:50:10.983Z","modified":"2016-08-08T15:50:10.983Z","name":"x"})",
     "stix20-not-accepted", "$.spec_version"},
    {"wrong_spec_version",
     R"({"type":"identity","spec_version":"2.2","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f","created":"2016-08-08T15:50:10.983Z","modified":"2016-08-08T15:50:10.983Z","name":"x"})",
     "spec-version", "$.spec_version"},
    {"id_type_mismatch",
     R"({"type":"identity","spec_version":"2.1","id":"malware--8c6af861-7b20-41ef-9b59-6344fd872a8f","created":"2016-08-08T15:50:10.983Z","modified":"2016-08-08T15:50:10.983Z","name":"x"})",
     "id-type", "$.id"},
    {"bad_uuid",
     R"({"type":"identity","spec_version":"2.1","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8","created":"2016-08-08T15:50:10.983Z","modified":"2016-08-08T15:50:10.983Z","name":"x"})",
     "identifier", "$.id"},
    {"modified_before_created",
     R"({"type":"identity","spec_version":"2.1","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f","created":"2016-08-08T15:50:10.983Z","modified":"2015-08-08T15:50:10.983Z","name":"x"})",
     "timestamp-order", "$.modified"},
    {"timestamp_not_utc",
     R"({"type":"identity","spec_version":"2.1","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f","created":"2016-08-08T15:50:10.983+01:00","modified":"2016-08-08T15:50:10.983Z","name":"x"})",
     "timestamp", "$.created"},
    {"created_without_millis",
     R"({"type":"identity","spec_version":"2.1","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f","created":"2016-08-08T15:50:10Z","modified":"2016-08-08T15:50:10Z","name":"x"})",
     "timestamp-precision", "$.created"},
    {"missing_name", R"({"type":"identity","spec_version":"2.1","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f","created":"2016-08-08T15:50:10.983Z","modified":"2016-08-08T15:50:10.983Z"})",
     "required-property", "$.name"},
    {"confidence_out_of_range", Identity(R"(,"confidence":101)"), "range", "$.confidence"},
    {"empty_list", Identity(R"(,"labels":[])"), "empty-list", "$.labels"},
    {"created_by_ref_wrong_type", Identity(R"(,"created_by_ref":"malware--8c6af861-7b20-41ef-9b59-6344fd872a8f")"),
     "reference-type", "$.created_by_ref"},
    {"object_marking_ref_wrong_type", Identity(R"(,"object_marking_refs":["identity--8c6af861-7b20-41ef-9b59-6344fd872a8f"])"),
     "reference-type", "$.object_marking_refs[0]"},
    {"custom_property_bad_name", Identity(R"(,"X-Bad":1)"), "property-name", "$.X-Bad"},
    {"custom_property_too_short", Identity(R"(,"x_":1)"), "property-name", "$.x_"},
    {"custom_property_ok_non_strict", Identity(R"(,"my_prop":1)"), "", ""},
    {"custom_property_prefix_strict", Identity(R"(,"my_prop":1)"), "custom-prefix", "$.my_prop", true},
    {"reserved_property", Identity(R"(,"severity":"high")"), "reserved-property", "$.severity"},
    {"null_value", Identity(R"(,"description":null)"), "null-value", "$.description"},
    {"ext_ref_missing_source", Identity(R"(,"external_references":[{"url":"https://example.com"}])"),
     "required-property", "$.external_references[0].source_name"},
    {"ext_ref_only_source", Identity(R"(,"external_references":[{"source_name":"x"}])"), "external-reference",
     "$.external_references[0]"},
    {"ext_ref_bad_cve", Identity(R"(,"external_references":[{"source_name":"cve","external_id":"CVE-16-1"}])"),
     "external-reference", "$.external_references[0].external_id"},
    {"ext_ref_bad_md5", Identity(R"(,"external_references":[{"source_name":"x","url":"u","hashes":{"MD5":"abc"}}])"),
     "hash-value", "$.external_references[0].hashes.MD5"},
    {"granular_selector_missing_property",
     Identity(R"(,"granular_markings":[{"marking_ref":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","selectors":["description"]}])"),
     "selector", "$.granular_markings[0].selectors[0]"},
    {"granular_selector_ok",
     Identity(R"(,"granular_markings":[{"marking_ref":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","selectors":["name"]}])"),
     "", ""},
    {"granular_both_ref_and_lang",
     Identity(R"(,"granular_markings":[{"lang":"en","marking_ref":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","selectors":["name"]}])"),
     "granular-marking", "$.granular_markings[0]"},
    {"indicator_ok", Indicator(R"("pattern":"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z")"), "", ""},
    {"indicator_no_pattern_type", Indicator(R"("pattern":"[a:b = 1]","valid_from":"2016-01-01T00:00:00Z")"),
     "required-property", "$.pattern_type"},
    {"indicator_valid_until_not_after",
     Indicator(R"("pattern":"[a:b = 1]","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","valid_until":"2016-01-01T00:00:00Z")"),
     "valid-until", "$.valid_until"},
    {"indicator_bad_pattern", Indicator(R"("pattern":"[file:name = 'x'","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z")"),
     "pattern", "$.pattern"},
    // Balanced and quoted, but not the STIX grammar: a dangling AND, an
    // unknown operator, an observation without a comparison.
    {"indicator_pattern_dangling_and",
     Indicator(R"("pattern":"[ipv4-addr:value = '1.2.3.4' AND]","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z")"),
     "pattern", "$.pattern"},
    {"indicator_pattern_unknown_operator",
     Indicator(R"("pattern":"[ipv4-addr:value ~ '1.2.3.4']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z")"),
     "pattern", "$.pattern"},
    {"indicator_pattern_no_comparison",
     Indicator(R"("pattern":"[ipv4-addr:value] FOLLOWEDBY [x:y = 1]","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z")"),
     "pattern", "$.pattern"},
    // The pattern module's validator rules (hash formats, repeated qualifiers).
    {"indicator_pattern_bad_hash",
     Indicator(R"("pattern":"[file:hashes.'SHA-256' = 'f00']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z")"),
     "pattern", "$.pattern"},
    {"indicator_pattern_repeated_qualifier",
     Indicator(R"("pattern":"[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z")"),
     "pattern", "$.pattern"},
    // Other pattern languages are not parsed as STIX.
    {"indicator_snort_pattern_not_parsed",
     Indicator(R"("pattern":"alert tcp any any -> any 80 msg x","pattern_type":"snort","valid_from":"2016-01-01T00:00:00Z")"),
     "", ""},
    {"indicator_kill_chain_missing_phase",
     Indicator(R"("pattern":"[a:b = 1]","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","kill_chain_phases":[{"kill_chain_name":"k"}])"),
     "required-property", "$.kill_chain_phases[0].phase_name"},
    {"indicator_vocab_strict",
     Indicator(R"("pattern":"[a:b = 1]","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","name":"n","indicator_types":["weird"])"),
     "open-vocab", "$.indicator_types[0]", true},
    {"relationship_ok", Rel("malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b", "identity--8c6af861-7b20-41ef-9b59-6344fd872a8f"), "", ""},
    {"relationship_to_marking", Rel("malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b", "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
     "reference-type", "$.target_ref"},
    {"relationship_from_sighting", Rel("sighting--31b940d4-6f7f-459a-80ea-9c1f17b5891b", "identity--8c6af861-7b20-41ef-9b59-6344fd872a8f"),
     "reference-type", "$.source_ref"},
    {"sighting_where_sighted_wrong",
     R"({"type":"sighting","spec_version":"2.1","id":"sighting--ee20065d-2555-424f-ad9e-0f8428623c75","created":"2016-04-06T20:08:31.000Z","modified":"2016-04-06T20:08:31.000Z","sighting_of_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","where_sighted_refs":["malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"]})",
     "reference-type", "$.where_sighted_refs[0]"},
    {"sighting_of_sco",
     R"({"type":"sighting","spec_version":"2.1","id":"sighting--ee20065d-2555-424f-ad9e-0f8428623c75","created":"2016-04-06T20:08:31.000Z","modified":"2016-04-06T20:08:31.000Z","sighting_of_ref":"ipv4-addr--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"})",
     "reference-type", "$.sighting_of_ref"},
    {"malware_family_without_name",
     R"({"type":"malware","spec_version":"2.1","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b","created":"2016-04-06T20:07:09.000Z","modified":"2016-04-06T20:07:09.000Z","is_family":true})",
     "required-property", "$.name"},
    {"location_without_place",
     R"({"type":"location","spec_version":"2.1","id":"location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64","created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z","name":"x"})",
     "required-property", "$"},
    {"observed_data_both",
     R"({"type":"observed-data","spec_version":"2.1","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf","created":"2016-04-06T19:58:16.000Z","modified":"2016-04-06T19:58:16.000Z","first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":1,"objects":{"0":{"type":"file","name":"a"}},"object_refs":["file--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4"]})",
     "mutually-exclusive", "$.objects"},
    {"sco_ok_without_spec_version", R"({"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"})", "", ""},
    {"sco_bad_ipv4", R"({"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.300"})",
     "ip-address", "$.value"},
    {"sco_cidr_leading_zero", R"({"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"192.168.0.1/01"})",
     "ip-address", "$.value"},
    {"sco_cidr_ok", R"({"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"192.168.0.0/16"})", "", ""},
    {"sco_email_with_display_name", R"({"type":"email-addr","id":"email-addr--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4","value":"John <j@example.com>"})",
     "email-address", "$.value"},
    {"sco_url_without_scheme", R"({"type":"url","id":"url--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4","value":"foo"})", "url", "$.value"},
    {"sco_registry_abbreviated_hive", R"({"type":"windows-registry-key","id":"windows-registry-key--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4","key":"HKLM\\x"})",
     "registry-key", "$.key"},
    {"sco_bad_cpe", R"({"type":"software","id":"software--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4","name":"w","cpe":"invalid"})", "cpe", "$.cpe"},
    {"sco_bad_port", R"({"type":"network-traffic","id":"network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d","dst_ref":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","dst_port":70000,"protocols":["tcp"]})",
     "range", "$.dst_port"},
    {"sco_file_needs_name_or_hashes", R"({"type":"file","id":"file--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4","size":3})",
     "required-property", "$.name"},
    {"artifact_url_without_hashes", R"({"type":"artifact","id":"artifact--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4","url":"https://x"})",
     "required-property", "$.hashes"},
    {"email_message_needs_is_multipart", R"({"type":"email-message","id":"email-message--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4","subject":"x"})",
     "required-property", "$.is_multipart"},
    {"tlp1_wrong_level",
     R"({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"red"}})",
     "tlp-marking", "$.definition.tlp"},
    {"tlp1_white_ok",
     R"({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"white"}})",
     "", ""},
    {"tlp2_clear_ok",
     R"({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487","created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}}})",
     "", ""},
    {"marking_statement_missing",
     R"({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41db","created":"2017-01-20T00:00:00.000Z","definition_type":"statement","definition":{}})",
     "marking-definition", "$.definition"},
    {"extension_missing_type",
     Identity(R"(,"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"rank":5}})"),
     "required-property", ""},
    {"toplevel_extension_allows_unprefixed_strict",
     Identity(R"(,"rank":5,"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"toplevel-property-extension"}})"),
     "", "", true},
    {"extension_definition_needs_creator",
     R"({"type":"extension-definition","spec_version":"2.1","id":"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e","created":"2014-02-20T09:16:08.989Z","modified":"2014-02-20T09:16:08.989Z","name":"n","description":"d","schema":"s","version":"1.0","extension_types":["property-extension"]})",
     "required-property", "$.created_by_ref"},
    {"language_content_bad_lang",
     R"({"type":"language-content","spec_version":"2.1","id":"language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d","created":"2017-02-08T21:31:22.007Z","modified":"2017-02-08T21:31:22.007Z","object_ref":"campaign--12a111f0-b824-4baf-a224-83b80237a094","contents":{"d e":{"name":"x"}}})",
     "language-tag", "$.contents.d e"},
    {"custom_object_ok",
     R"({"type":"x-mitre-tactic","spec_version":"2.1","id":"x-mitre-tactic--daa4cbb1-b4f4-4723-a824-7f1efd6e0592","created":"2018-10-17T00:14:20.652Z","modified":"2018-10-17T00:14:20.652Z","name":"Impact","x_mitre_shortname":"impact"})",
     "", ""},
    {"custom_object_bad_type",
     R"({"type":"X_Type","spec_version":"2.1","id":"X_Type--daa4cbb1-b4f4-4723-a824-7f1efd6e0592","created":"2018-10-17T00:14:20.652Z","modified":"2018-10-17T00:14:20.652Z"})",
     "type-name", "$.type"},
    // identifier-case: the ids the trust rules read are canonical (lower
    // case); the TLP:RED id in upper case is refused wherever a marking goes.
    {"identifier_case_object_marking",
     Identity(R"(,"object_marking_refs":["marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1"])"),
     "identifier-case", "$.object_marking_refs[0]"},
    {"identifier_case_second_object_marking",
     Identity(R"(,"object_marking_refs":["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","marking-definition--e828b379-4e03-4974-9ac4-E53A884C97C1"])"),
     "identifier-case", "$.object_marking_refs[1]"},
    {"identifier_case_granular_marking",
     Identity(R"(,"granular_markings":[{"marking_ref":"marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1","selectors":["name"]}])"),
     "identifier-case", "$.granular_markings[0].marking_ref"},
    {"identifier_case_created_by_ref",
     Identity(R"(,"created_by_ref":"identity--8C6AF861-7b20-41ef-9b59-6344fd872a8f")"),
     "identifier-case", "$.created_by_ref"},
    {"identifier_case_extension_key",
     Identity(R"(,"extensions":{"extension-definition--D83FCE45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","rank":5}})"),
     "identifier-case", "$.extensions.extension-definition--D83FCE45-ef58-4c6c-a3f4-1fbc32e98c6e"},
    {"identifier_case_lower_case_markings_ok",
     Identity(R"(,"created_by_ref":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f","object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],"granular_markings":[{"marking_ref":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","selectors":["name"]}],"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","rank":5}})"),
     "", ""},
    // The object's own id stays accepted in any case (RFC 4122; an OASIS
    // valid example has one); ownership is decided on stix::CanonicalId.
    {"own_id_upper_case_ok",
     R"({"type":"identity","spec_version":"2.1","id":"identity--8C6AF861-7B20-41EF-9B59-6344FD872A8F","created":"2016-08-08T15:50:10.983Z","modified":"2016-08-08T15:50:10.983Z","name":"ACME"})",
     "", ""},
    // duplicate-key: at any depth, the path of the object holding the key.
    {"duplicate_key_top_level", Identity(R"(,"name":"Other")"), "duplicate-key", "$"},
    {"duplicate_key_object_marking_refs",
     Identity(R"(,"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],"object_marking_refs":["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"])"),
     "duplicate-key", "$"},
    {"duplicate_key_in_granular_marking",
     Identity(R"(,"granular_markings":[{"marking_ref":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","marking_ref":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","selectors":["name"]}])"),
     "duplicate-key", "$.granular_markings[0]"},
    {"duplicate_key_nested_list",
     Identity(R"(,"external_references":[{"source_name":"a","url":"u"},{"source_name":"a","url":"u","url":"v"}])"),
     "duplicate-key", "$.external_references[1]"},
    {"duplicate_key_in_extension",
     Identity(R"(,"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","rank":5,"rank":6}})"),
     "duplicate-key", "$.extensions.extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e"},
    {"duplicate_key_large_object",  // > 16 keys: the sorted path
     Identity(R"(,"x_big":{"k01":1,"k02":1,"k03":1,"k04":1,"k05":1,"k06":1,"k07":1,"k08":1,"k09":1,"k10":1,"k11":1,"k12":1,"k13":1,"k14":1,"k15":1,"k16":1,"k17":1,"k18":1,"k03":2})"),
     "duplicate-key", "$.x_big"},
    {"no_duplicate_large_object_ok",
     Identity(R"(,"x_big":{"k01":1,"k02":1,"k03":1,"k04":1,"k05":1,"k06":1,"k07":1,"k08":1,"k09":1,"k10":1,"k11":1,"k12":1,"k13":1,"k14":1,"k15":1,"k16":1,"k17":1,"k18":1,"k19":2})"),
     "", ""},
    // escaped-key: no key is written with a JSON escape, at any depth.
    {"escaped_key_object_marking_refs",
     Identity(R"(,"object_marking_ref\u0073":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"])"),
     "escaped-key", "$"},
    {"escaped_key_extension_id",
     Identity(R"(,"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6\u0065":{"extension_type":"property-extension","rank":5}})"),
     "escaped-key", "$.extensions"},
    {"escaped_key_granular_marking",
     Identity(R"(,"granular_markings":[{"marking_re\u0066":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","selectors":["name"]}])"),
     "escaped-key", "$.granular_markings[0]"},
    {"escaped_key_solidus", Identity(R"(,"x_custom":{"a\/b":1})"), "escaped-key", "$.x_custom"},
    {"escaped_values_ok", Identity(R"(,"description":"a\u0062 \"q\" \\ \/ \n \ud83d\ude00")"), "", ""},
    {"bundle_bad_member_has_path",
     R"({"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[)" + Identity("") +
         R"(,{"type":"identity","spec_version":"2.1","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8e","created":"2016-08-08T15:50:10.983Z","name":"x"}]})",
     "required-property", "$.objects[1].modified"},
};

INSTANTIATE_TEST_SUITE_P(Rules, RuleTest, ::testing::ValuesIn(kRuleCases),
                         [](const auto& info) { return info.param.name; });

TEST(ParserTest, BundleKeepsValidObjectsAndExactBytes) {
  std::string good = "{ \"type\" : \"identity\",\n  \"spec_version\":\"2.1\",\"id\":\"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f\","
                     "\"created\":\"2016-08-08T15:50:10.983Z\",\"modified\":\"2016-08-08T15:50:10.983Z\",\"name\":\"A \\\"q\\\" ]}\" }";
  std::string bad = R"({"type":"identity","spec_version":"2.1","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8e","name":"x"})";
  std::string doc = "{\"type\":\"bundle\",\"id\":\"bundle--44af6c39-c09b-49c5-9de2-394224b04982\",\"objects\":[ " + good +
                    " ,\n " + bad + "]}";
  auto r = ParseBundleOrObject(doc);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->is_bundle);
  EXPECT_EQ(r->objects_seen, 2u);
  ASSERT_EQ(r->objects.size(), 1u);
  EXPECT_EQ(r->objects[0].json, good);
  EXPECT_EQ(r->objects[0].name, "A \"q\" ]}");
  ASSERT_GE(r->errors.size(), 2u);  // created and modified missing
  for (const auto& e : r->errors) EXPECT_EQ(e.object_id, "identity--8c6af861-7b20-41ef-9b59-6344fd872a8e");
}

constexpr const char* kBundleHead = R"({"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982",)";

TEST(ParserTest, BundleKeysHaveOneReading) {
  const std::string obj = Identity("");
  // Duplicate top-level keys fail the whole document: simdjson would read
  // the first "objects", nlohmann (and ingest's scan) the last.
  for (const std::string& doc : {
           std::string(kBundleHead) + R"("objects":[)" + obj + R"(],"objects":[]})",
           std::string(kBundleHead) + R"("objects":[],"objects":[)" + obj + "]}",
           std::string(kBundleHead) + R"("id":"bundle--44af6c39-c09b-49c5-9de2-394224b04983","objects":[)" + obj + "]}",
           // ... and so do duplicates in the bundle's other members.
           std::string(kBundleHead) + R"("extensions":{"x":{"a":1,"a":2}},"objects":[)" + obj + "]}",
           // Escaped keys of the bundle: the span scanner reads raw keys.
           std::string(kBundleHead) + R"("obj\u0065cts":[)" + obj + "]}",
           std::string(kBundleHead) + R"("obj\u0065cts":[],"objects":[)" + obj + "]}",
           std::string(kBundleHead) + R"("objects":[)" + obj + R"(],"obj\u0065cts":[]})",
           std::string(kBundleHead) + R"("extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6\u0065":{}},"objects":[)" + obj + "]}",
       }) {
    auto r = ParseBundleOrObject(doc);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << doc;
  }
  // A bad object is refused alone; the others stay.
  std::string doc = std::string(kBundleHead) + R"("objects":[)" + Identity(R"(,"name":"B")") + "," + obj + "]}";
  auto r = ParseBundleOrObject(doc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->objects.size(), 1u);
  EXPECT_EQ(r->objects[0].json, obj);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].rule, "duplicate-key");
  EXPECT_EQ(r->errors[0].path, "$.objects[0]");
  EXPECT_NE(r->errors[0].message.find("\"name\""), std::string::npos);
  // A single object whose "type" is written twice is one object with a
  // duplicate key, whichever of the two says "bundle".
  for (const std::string& one : {Indicator(R"("type":"bundle","objects":[])"),
                                 std::string(R"({"type":"bundle","type":"identity"})")}) {
    auto q = ParseBundleOrObject(one);
    EXPECT_FALSE(q.ok() && q->errors.empty()) << one;
  }
}

TEST(ParserTest, ExtensionKeysAreDecodedInOrder) {
  auto o = ParseSingleObject(Identity(
      R"(,"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","rank":5},)"
      R"("x-acme-ext":{"a_b":1}})"));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->extension_keys,
            (std::vector<std::string>{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e", "x-acme-ext"}));
  auto none = ParseSingleObject(Identity(""));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->extension_keys.empty());
}

TEST(ParserTest, ExtractsIndicatorFields) {
  std::string json = Indicator(
      R"("pattern":"[url:value = 'http://x']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z",)"
      R"("valid_until":"2017-01-01T00:00:00.5Z","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],)"
      R"("created_by_ref":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f")");
  auto o = ParseSingleObject(json);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->type, "indicator");
  EXPECT_EQ(o->kind, ObjectKind::kSdo);
  EXPECT_EQ(o->pattern, "[url:value = 'http://x']");
  EXPECT_EQ(o->pattern_type, "stix");
  EXPECT_EQ(*o->valid_from, *ParseTimestamp("2016-01-01T00:00:00Z"));
  EXPECT_EQ(*o->valid_until, *ParseTimestamp("2017-01-01T00:00:00.5Z"));
  EXPECT_EQ(o->created_text, "2016-04-06T20:03:48.000Z");
  EXPECT_EQ(o->created_by_ref, "identity--8c6af861-7b20-41ef-9b59-6344fd872a8f");
  ASSERT_EQ(o->object_marking_refs.size(), 1u);
  EXPECT_EQ(o->references.size(), 2u);
  EXPECT_EQ(o->json, json);
}

TEST(ParserTest, WholeDocumentErrors) {
  EXPECT_EQ(ParseBundleOrObject("{\"type\":").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseBundleOrObject("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseBundleOrObject("\"str\"").status().code(), StatusCode::kInvalidArgument);
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_EQ(ParseBundleOrObject(deep).status().code(), StatusCode::kResourceExhausted);
  ParseOptions small;
  small.max_bytes = 10;
  EXPECT_EQ(ParseBundleOrObject(Identity(""), small).status().code(), StatusCode::kResourceExhausted);
  ParseOptions short_strings;
  short_strings.max_string = 8;
  auto r = ParseBundleOrObject(Identity(""), short_strings);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].rule, "string-too-long");
}

TEST(ParserTest, Stix20RecognisedAndUpgraded) {
  std::string v20 =
      R"({"type":"malware","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b","created":"2016-04-06T20:07:09.000Z",)"
      R"("modified":"2016-04-06T20:07:09.000Z","name":"Poison Ivy","labels":["remote-access-trojan"]})";
  auto as20 = ParseSingleObject(v20);
  ASSERT_TRUE(as20.ok()) << as20.status().ToString();
  EXPECT_TRUE(as20->is_stix20);
  EXPECT_EQ(as20->spec_version, "2.0");
  EXPECT_EQ(as20->json, v20);
  ParseOptions up;
  up.upgrade_20 = true;
  auto as21 = ParseSingleObject(v20, up);
  ASSERT_TRUE(as21.ok()) << as21.status().ToString();
  EXPECT_FALSE(as21->is_stix20);
  EXPECT_EQ(as21->spec_version, "2.1");
  EXPECT_NE(as21->json.find("\"malware_types\":[\"remote-access-trojan\"]"), std::string::npos);
  EXPECT_NE(as21->json.find("\"is_family\":true"), std::string::npos);
  // A 2.0 object missing a 2.0-required property is rejected as 2.0.
  std::string bad20 =
      R"({"type":"malware","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b","created":"2016-04-06T20:07:09.000Z",)"
      R"("modified":"2016-04-06T20:07:09.000Z","name":"Poison Ivy"})";
  EXPECT_FALSE(ParseSingleObject(bad20).ok());
}

TEST(ParserTest, NeverCrashesOnTruncatedInput) {
  std::string doc = R"({"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[)" + Identity("") + "]}";
  for (size_t n = 0; n < doc.size(); ++n) {
    auto r = ParseBundleOrObject(std::string_view(doc).substr(0, n));
    EXPECT_FALSE(r.ok() && r->errors.empty() && !r->objects.empty() && n < doc.size() - 1) << n;
  }
}

// Property: any byte mutation of a valid bundle yields a Status or a
// ParseResult -- never a crash or hang; valid objects keep their exact bytes.
RC_GTEST_PROP(ParserProperty, MutatedInputNeverCrashes, ()) {
  std::string doc = R"({"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[)" +
                    Identity(R"(,"external_references":[{"source_name":"x","url":"u"}])") + "," +
                    Indicator(R"("pattern":"[a:b = 1]","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z")") +
                    "]}";
  const auto edits = *rc::gen::container<std::vector<std::pair<size_t, char>>>(
      rc::gen::pair(rc::gen::inRange<size_t>(0, doc.size()), rc::gen::arbitrary<char>()));
  for (const auto& [pos, c] : edits) doc[pos] = c;
  auto r = ParseBundleOrObject(doc);
  if (r.ok()) {
    // Always the exact bytes: a document whose keys the span scanner could
    // read differently from the DOM is refused, never re-serialised.
    for (const auto& o : r->objects) {
      RC_ASSERT(!o.json.empty() && o.json.front() == '{' && o.json.back() == '}');
      RC_ASSERT(doc.find(o.json) != std::string::npos);
    }
  }
}

// Property: an identity generated from random field values, serialised,
// parses back to the same fields (and the exact bytes).
RC_GTEST_PROP(ParserProperty, IdentityRoundTrip, ()) {
  const auto name = *rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::inRange<char>(0x20, 0x7f)));
  const auto confidence = *rc::gen::inRange(0, 101);
  const auto created_s = *rc::gen::inRange<int64_t>(0, 4'000'000'000);
  const auto delta_ms = *rc::gen::inRange<int64_t>(0, 1'000'000'000);
  const auto revoked = *rc::gen::arbitrary<bool>();
  Micros created = created_s * 1'000'000;
  Micros modified = created + delta_ms * 1000;
  std::string escaped;
  for (char c : name) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  std::string json = R"({"type":"identity","spec_version":"2.1","id":"identity--8c6af861-7b20-41ef-9b59-6344fd872a8f",)"
                     R"("created":")" + FormatTimestampMillis(created) + R"(","modified":")" +
                     FormatTimestampMillis(modified) + R"(","name":")" + escaped + R"(","confidence":)" +
                     std::to_string(confidence) + R"(,"revoked":)" + (revoked ? "true" : "false") + "}";
  auto o = ParseSingleObject(json);
  RC_ASSERT(o.ok());
  RC_ASSERT(o->name == name);
  RC_ASSERT(*o->created == created);
  RC_ASSERT(*o->modified == modified);
  RC_ASSERT(o->revoked == revoked);
  RC_ASSERT(o->json == json);
}

}  // namespace
}  // namespace rampart::stix
