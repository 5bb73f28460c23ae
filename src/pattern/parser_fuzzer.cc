// libFuzzer entry point for the pattern parser (and, for inputs that parse,
// the printer and a small evaluation). Build with clang and
// -DRAMPART_BUILD_FUZZERS=ON; run:
//   build/src/pattern/pattern_parser_fuzzer tests/golden/pattern/fuzz_corpus -max_total_time=60
// The checked-in corpus is replayed by the normal test suite
// (ParserFuzzTest.CorpusReplays in parser_property_test.cc).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pattern/evaluator.h"
#include "pattern/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rampart::pattern;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  rampart::Result<Pattern> p = ParsePattern(text);
  if (!p.ok()) return 0;
  // Invariant: the canonical text reparses to an equal AST.
  rampart::Result<Pattern> again = ParsePattern(ToString(*p));
  if (!again.ok() || !(*again == *p)) std::abort();
  static const char* kObserved = R"([{"type":"observed-data","id":"observed-data--1",
    "first_observed":"2020-01-01T00:00:00Z","last_observed":"2020-01-01T00:00:05Z","number_observed":3,
    "objects":{"0":{"type":"file","name":"a.exe","size":10,"hashes":{"MD5":"ab"},"list":[1,"x",{"k":true}]},
               "1":{"type":"ipv4-addr","value":"10.0.0.1"},"2":{"type":"x","ref_ref":"0","data_hex":"0aff"}}}])";
  EvalOptions opt;
  opt.max_steps = 100000;
  (void)Evaluate(*p, kObserved, opt);
  return 0;
}
