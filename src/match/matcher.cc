#include "match/matcher.h"

#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>
#include <arpa/inet.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <cstring>
#include <utility>

#include "match/hyperscan/hs_database.h"

namespace rampart::match {
namespace {

// An atom list reference: a single atom id, or (high bit set) an index into
// the overflow lists. Most values belong to exactly one indicator.
constexpr uint32_t kOverflowBit = 0x80000000u;

class AtomLists {
 public:
  uint32_t Single(AtomId a) { return a; }
  // Adds `a` to the list `ref` points at; returns the new ref.
  uint32_t Append(uint32_t ref, AtomId a) {
    if (ref & kOverflowBit) {
      overflow_[ref & ~kOverflowBit].push_back(a);
      return ref;
    }
    if (ref == a) return ref;
    overflow_.push_back({ref, a});
    return static_cast<uint32_t>(overflow_.size() - 1) | kOverflowBit;
  }
  void Emit(uint32_t ref, std::vector<AtomId>& out) const {
    if (ref & kOverflowBit) {
      const auto& v = overflow_[ref & ~kOverflowBit];
      out.insert(out.end(), v.begin(), v.end());
    } else {
      out.push_back(ref);
    }
  }
  size_t ApproxMemoryBytes() const {
    size_t n = overflow_.capacity() * sizeof(std::vector<AtomId>);
    for (const auto& v : overflow_) n += v.capacity() * sizeof(AtomId);
    return n;
  }

 private:
  std::vector<std::vector<AtomId>> overflow_;
};

// Append-only storage for literal bytes: the hash tables key on string_view
// into it, so a million values cost one allocation per MiB, not one each.
class Arena {
 public:
  std::string_view Copy(std::string_view s) {
    if (s.size() > left_) {
      size_t n = std::max<size_t>(kBlock, s.size());
      blocks_.emplace_back(new char[n]);
      cur_ = blocks_.back().get();
      left_ = n;
      total_ += n;
    }
    std::memcpy(cur_, s.data(), s.size());
    std::string_view out(cur_, s.size());
    cur_ += s.size();
    left_ -= s.size();
    return out;
  }
  size_t bytes() const { return total_; }

 private:
  static constexpr size_t kBlock = 1 << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* cur_ = nullptr;
  size_t left_ = 0;
  size_t total_ = 0;
};

struct V6Key {
  uint64_t hi, lo;
  bool operator==(const V6Key& o) const { return hi == o.hi && lo == o.lo; }
  template <typename H>
  friend H AbslHashValue(H h, const V6Key& k) {
    return H::combine(std::move(h), k.hi, k.lo);
  }
};

V6Key MaskV6(const uint8_t b[16], int len) {
  uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = (hi << 8) | b[i];
  for (int i = 8; i < 16; ++i) lo = (lo << 8) | b[i];
  if (len <= 0) return {0, 0};
  if (len < 64) return {hi & (~uint64_t{0} << (64 - len)), 0};
  if (len == 64) return {hi, 0};
  if (len < 128) return {hi, lo & (~uint64_t{0} << (128 - len))};
  return {hi, lo};
}

uint32_t MaskV4(const uint8_t b[4], int len) {
  uint32_t v = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  if (len <= 0) return 0;
  if (len >= 32) return v;
  return v & (~uint32_t{0} << (32 - len));
}

struct CidrIndex {
  // One table per prefix length present, longest first.
  std::vector<std::pair<int, absl::flat_hash_map<uint32_t, uint32_t>>> v4;
  std::vector<std::pair<int, absl::flat_hash_map<V6Key, uint32_t, absl::Hash<V6Key>>>> v6;
  size_t prefixes = 0;
};

struct Re2Entry {
  std::unique_ptr<RE2::Set> set;
  std::vector<AtomId> atoms;  // by set index
};

// Why a PCRE2 regex was disabled (0 = it is not).
enum Pcre2Off : uint8_t { kOn = 0, kMatchLimit, kDepthLimit, kHeapLimit, kValueTime, kRegexTime };

// Mutable budget state of one PCRE2 regex inside an immutable matcher.
struct Pcre2State {
  std::atomic<uint8_t> off{kOn};
  std::atomic<int64_t> nanos{0};  // time spent in all calls
  std::atomic<int64_t> calls{0};
};

struct Pcre2Entry {
  pcre2_code* code = nullptr;
  AtomId atom;
  std::string regex;
  std::unique_ptr<Pcre2State> state = std::make_unique<Pcre2State>();
};

// PCRE2 resets its match counter at each start position of an unanchored
// search, so a match limit alone does not bound one call on a long value.
// The regexes are compiled with PCRE2_AUTO_CALLOUT; this callout counts steps
// and every 1024 steps reads the thread's CPU clock, aborting the call once
// it has used more than its budget. CPU time, not wall time: a worker that
// the kernel preempts mid-call must not get a harmless regex disabled (with
// a wall clock a loaded machine did exactly that in a 500k-event run).
// CLOCK_THREAD_CPUTIME_ID is a system call, not vDSO, so it is read first at
// step 1024 (and once more when such a call returns): a call that stays under
// 1024 steps reads no clock and is charged nothing, for either budget. Such a
// call is cheap by construction (1024 callout steps), and the time charged is
// only time measured, never estimated, so nothing is disabled on a guess.
struct CalloutClock {
  int64_t budget_ns = 0;
  int64_t start_ns = -1;  // CPU time at step 1024; -1 = not reached
  uint64_t steps = 0;
  bool expired = false;
};

int64_t ThreadCpuNanos() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int OnCallout(pcre2_callout_block*, void* data) {
  auto* c = static_cast<CalloutClock*>(data);
  if ((++c->steps & 1023) != 0) return 0;
  const int64_t now = ThreadCpuNanos();
  if (c->start_ns < 0) {
    c->start_ns = now;
    return 0;
  }
  if (now - c->start_ns <= c->budget_ns) return 0;
  c->expired = true;
  return PCRE2_ERROR_CALLOUT;
}

struct FieldIndex {
  absl::flat_hash_map<std::string_view, uint32_t> exact;
  std::unique_ptr<CidrIndex> cidr;
  std::unique_ptr<hyperscan::HsDatabase> hs;
  std::vector<std::unique_ptr<RE2::Set>> re2_sets;   // [0] plain, [1] dot_all, ... by option combo
  std::vector<std::vector<AtomId>> re2_atoms;
  std::vector<int> re2_combos;  // option combination of each set, during Build
  std::vector<Pcre2Entry> pcre2;
  bool any = false;
  bool has_regex() const { return hs || !re2_sets.empty() || !pcre2.empty(); }
};

class ScratchImpl : public MatchScratch {
 public:
  ~ScratchImpl() override {
    if (md_) pcre2_match_data_free(md_);
    if (mctx_) pcre2_match_context_free(mctx_);
  }
  hyperscan::HsScratch hs;
  std::vector<int> re2_hits;
  pcre2_match_data* md_ = nullptr;
  pcre2_match_context* mctx_ = nullptr;
  CalloutClock clock;
};

bool ValidUtf8(std::string_view s) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* e = p + s.size();
  while (p < e) {
    unsigned c = *p;
    if (c < 0x80) { ++p; continue; }
    int n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else return false;
    if (e - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += n + 1;
  }
  return true;
}

class MatcherImpl : public Matcher {
 public:
  void Match(FieldId field, std::string_view value, MatchScratch& scratch_base,
             std::vector<AtomId>& out) const override {
    if (field >= fields_.size()) return;
    const FieldIndex& f = fields_[field];
    if (!f.any) return;
    if (!f.exact.empty()) {
      auto it = f.exact.find(value);
      if (it != f.exact.end()) lists_.Emit(it->second, out);
    }
    if (f.cidr) MatchCidr(*f.cidr, value, out);
    if (f.has_regex() && value.size() <= kMaxValueBytes && ValidUtf8(value)) {
      auto& scratch = static_cast<ScratchImpl&>(scratch_base);
      if (f.hs) f.hs->Scan(value, scratch.hs, [&out](uint32_t id) { out.push_back(id); });
      for (size_t i = 0; i < f.re2_sets.size(); ++i) {
        scratch.re2_hits.clear();
        if (f.re2_sets[i]->Match(value, &scratch.re2_hits)) {
          for (int h : scratch.re2_hits) out.push_back(f.re2_atoms[i][h]);
        }
      }
      for (const Pcre2Entry& p : f.pcre2) {
        if (p.state->off.load(std::memory_order_relaxed) != kOn) continue;
        if (MatchPcre2(p, value, scratch)) out.push_back(p.atom);
      }
    }
  }

  // One budgeted PCRE2 call; disables the regex when it goes over budget.
  bool MatchPcre2(const Pcre2Entry& p, std::string_view value, ScratchImpl& scratch) const {
    CalloutClock& clock = scratch.clock;
    clock = CalloutClock{.budget_ns = budget_.micros_per_value * 1000};
    int rc = pcre2_match(p.code, reinterpret_cast<PCRE2_SPTR>(value.data()), value.size(), 0, PCRE2_NO_UTF_CHECK,
                         scratch.md_, scratch.mctx_);
    // CPU time from step 1024 to the return (0 for a call that never got there).
    const int64_t spent = clock.start_ns < 0 ? 0 : ThreadCpuNanos() - clock.start_ns;
    const int64_t total = p.state->nanos.fetch_add(spent, std::memory_order_relaxed) + spent;
    const int64_t calls = p.state->calls.fetch_add(1, std::memory_order_relaxed) + 1;
    uint8_t off = kOn;
    if (rc == PCRE2_ERROR_MATCHLIMIT) off = kMatchLimit;
    else if (rc == PCRE2_ERROR_DEPTHLIMIT) off = kDepthLimit;
    else if (rc == PCRE2_ERROR_HEAPLIMIT) off = kHeapLimit;
    else if (clock.expired || spent > clock.budget_ns) off = kValueTime;
    else if (total > (budget_.micros_per_regex + calls * budget_.micros_per_regex_per_value) * 1000) off = kRegexTime;
    if (off != kOn) {
      uint8_t expect = kOn;
      p.state->off.compare_exchange_strong(expect, off);  // the first reason wins
    }
    return rc >= 0;
  }

  std::vector<DisabledRegex> DisabledRegexes() const override {
    std::vector<DisabledRegex> out;
    for (const FieldIndex& f : fields_) {
      for (const Pcre2Entry& p : f.pcre2) {
        uint8_t off = p.state->off.load();
        if (off == kOn) continue;
        std::string why;
        switch (off) {
          case kMatchLimit: why = "PCRE2 match limit (" + std::to_string(budget_.match_limit) + ") reached"; break;
          case kDepthLimit: why = "PCRE2 depth limit (" + std::to_string(budget_.depth_limit) + ") reached"; break;
          case kHeapLimit: why = "PCRE2 heap limit reached"; break;
          case kValueTime: why = "over " + std::to_string(budget_.micros_per_value) + " us of CPU time on one value"; break;
          default:
            why = "over " + std::to_string(budget_.micros_per_regex) + " us + " +
                  std::to_string(budget_.micros_per_regex_per_value) + " us per value of CPU time in total";
            break;
        }
        out.push_back({p.atom, p.regex, std::move(why)});
      }
    }
    std::sort(out.begin(), out.end(), [](const DisabledRegex& a, const DisabledRegex& b) { return a.atom < b.atom; });
    return out;
  }

  bool HasField(FieldId field) const override { return field < fields_.size() && fields_[field].any; }

  std::unique_ptr<MatchScratch> NewScratch() const override {
    auto s = std::make_unique<ScratchImpl>();
    for (const FieldIndex& f : fields_) {
      if (f.hs) {
        Status st = s->hs.Grow(*f.hs);
        RAMPART_CHECK(st.ok());
      }
    }
    s->md_ = pcre2_match_data_create(32, nullptr);
    s->mctx_ = pcre2_match_context_create(nullptr);
    // Bound backtracking: a hostile MATCHES pattern must not hang a scan.
    pcre2_set_match_limit(s->mctx_, budget_.match_limit);
    pcre2_set_depth_limit(s->mctx_, budget_.depth_limit);
    pcre2_set_callout(s->mctx_, OnCallout, &s->clock);
    return s;
  }

  size_t exact_values() const override { return exact_values_; }
  size_t cidr_prefixes() const override { return cidr_prefixes_; }
  size_t regexes(RegexEngine e) const override { return regex_counts_[static_cast<int>(e)]; }
  size_t ApproxMemoryBytes() const override {
    size_t n = arena_.bytes() + lists_.ApproxMemoryBytes();
    for (const FieldIndex& f : fields_) {
      n += f.exact.capacity() * (sizeof(std::pair<std::string_view, uint32_t>) + 1);
      if (f.hs) n += f.hs->ApproxMemoryBytes();
      if (f.cidr) {
        for (auto& [len, m] : f.cidr->v4) n += m.capacity() * 9;
        for (auto& [len, m] : f.cidr->v6) n += m.capacity() * 21;
      }
    }
    return n;
  }

  ~MatcherImpl() override {
    for (FieldIndex& f : fields_) {
      for (Pcre2Entry& p : f.pcre2) pcre2_code_free(p.code);
    }
  }

  void MatchCidr(const CidrIndex& c, std::string_view value, std::vector<AtomId>& out) const {
    uint8_t b[16];
    bool v4;
    if (!ParseIp(value, b, &v4)) return;
    if (v4) {
      for (const auto& [len, m] : c.v4) {
        auto it = m.find(MaskV4(b, len));
        if (it != m.end()) lists_.Emit(it->second, out);
      }
    } else {
      for (const auto& [len, m] : c.v6) {
        auto it = m.find(MaskV6(b, len));
        if (it != m.end()) lists_.Emit(it->second, out);
      }
    }
  }

  std::vector<FieldIndex> fields_;
  Arena arena_;
  AtomLists lists_;
  size_t exact_values_ = 0;
  size_t cidr_prefixes_ = 0;
  size_t regex_counts_[3] = {0, 0, 0};
  RegexBudget budget_;
};

struct PendingRegex {
  FieldId field;
  std::string regex;
  AtomId atom;
  RegexOptions options;
};

}  // namespace

struct MatcherBuilder::Impl {
  std::unique_ptr<MatcherImpl> m = std::make_unique<MatcherImpl>();
  std::vector<PendingRegex> regexes;
  std::vector<std::pair<AtomId, RegexEngine>> engines;
  RegexBudget budget;

  FieldIndex& Field(FieldId f) {
    if (f >= m->fields_.size()) m->fields_.resize(f + 1);
    m->fields_[f].any = true;
    return m->fields_[f];
  }
};

MatcherBuilder::MatcherBuilder() : impl_(std::make_unique<Impl>()) {}
MatcherBuilder::~MatcherBuilder() = default;

Status MatcherBuilder::AddExact(FieldId field, std::string_view literal, AtomId atom) {
  if (field >= kMaxFields) return Status::InvalidArgument("field id out of range");
  if (literal.size() > kMaxValueBytes) return Status::InvalidArgument("literal longer than 64 KiB");
  if (atom & kOverflowBit) return Status::InvalidArgument("atom id out of range");
  FieldIndex& f = impl_->Field(field);
  auto it = f.exact.find(literal);
  if (it == f.exact.end()) {
    f.exact.emplace(impl_->m->arena_.Copy(literal), atom);
    ++impl_->m->exact_values_;
  } else {
    it->second = impl_->m->lists_.Append(it->second, atom);
  }
  return Status::Ok();
}

Status MatcherBuilder::AddCidr(FieldId field, std::string_view cidr, AtomId atom) {
  if (field >= kMaxFields) return Status::InvalidArgument("field id out of range");
  if (atom & kOverflowBit) return Status::InvalidArgument("atom id out of range");
  std::string_view addr = cidr;
  int len = -1;
  size_t slash = cidr.find('/');
  if (slash != std::string_view::npos) {
    addr = cidr.substr(0, slash);
    std::string_view l = cidr.substr(slash + 1);
    if (l.empty() || l.size() > 3) return Status::InvalidArgument("bad prefix length in '" + std::string(cidr) + "'");
    len = 0;
    for (char c : l) {
      if (c < '0' || c > '9') return Status::InvalidArgument("bad prefix length in '" + std::string(cidr) + "'");
      len = len * 10 + (c - '0');
    }
  }
  uint8_t b[16];
  bool v4;
  if (!ParseIp(addr, b, &v4)) return Status::InvalidArgument("not an IP address or prefix: '" + std::string(cidr) + "'");
  if (len < 0) len = v4 ? 32 : 128;
  if ((v4 && len > 32) || (!v4 && len > 128)) {
    return Status::InvalidArgument("prefix length out of range in '" + std::string(cidr) + "'");
  }
  FieldIndex& f = impl_->Field(field);
  if (!f.cidr) f.cidr = std::make_unique<CidrIndex>();
  AtomLists& lists = impl_->m->lists_;
  auto add = [&](auto& tables, auto key) {
    auto t = std::find_if(tables.begin(), tables.end(), [&](auto& p) { return p.first == len; });
    if (t == tables.end()) {
      tables.emplace_back();
      tables.back().first = len;
      t = tables.end() - 1;
      std::sort(tables.begin(), tables.end(), [](auto& a, auto& b) { return a.first > b.first; });
      t = std::find_if(tables.begin(), tables.end(), [&](auto& p) { return p.first == len; });
    }
    auto it = t->second.find(key);
    if (it == t->second.end()) {
      t->second.emplace(key, atom);
      ++f.cidr->prefixes;
      ++impl_->m->cidr_prefixes_;
    } else {
      it->second = lists.Append(it->second, atom);
    }
  };
  if (v4) {
    add(f.cidr->v4, MaskV4(b, len));
  } else {
    add(f.cidr->v6, MaskV6(b, len));
  }
  return Status::Ok();
}

Status MatcherBuilder::AddRegex(FieldId field, std::string_view regex, AtomId atom, RegexOptions options) {
  if (field >= kMaxFields) return Status::InvalidArgument("field id out of range");
  if (regex.size() > kMaxRegexBytes) return Status::InvalidArgument("regex longer than 16 KiB");
  impl_->Field(field);
  impl_->regexes.push_back({field, std::string(regex), atom, options});
  return Status::Ok();
}

void MatcherBuilder::SetRegexBudget(const RegexBudget& budget) { impl_->budget = budget; }

const std::vector<std::pair<AtomId, RegexEngine>>& MatcherBuilder::regex_engines() const {
  return impl_->engines;
}

Result<std::unique_ptr<const Matcher>> MatcherBuilder::Build(std::vector<RejectedRegex>* rejected) {
  MatcherImpl& m = *impl_->m;
  m.budget_ = impl_->budget;
  // Group regexes by field.
  std::vector<std::vector<size_t>> by_field(m.fields_.size());
  for (size_t i = 0; i < impl_->regexes.size(); ++i) by_field[impl_->regexes[i].field].push_back(i);
  for (FieldId fid = 0; fid < by_field.size(); ++fid) {
    if (by_field[fid].empty()) continue;
    FieldIndex& f = m.fields_[fid];
    std::vector<hyperscan::HsExpression> exprs;
    for (size_t i : by_field[fid]) {
      const PendingRegex& r = impl_->regexes[i];
      exprs.push_back({r.regex, r.atom, r.options.dot_all, r.options.caseless});
    }
    std::vector<std::pair<size_t, std::string>> hs_rejected;
    auto db = hyperscan::HsDatabase::Compile(exprs, &hs_rejected);
    if (!db.ok()) return db.status();
    f.hs = std::move(*db);
    std::vector<bool> in_hs(exprs.size(), true);
    for (auto& [idx, msg] : hs_rejected) in_hs[idx] = false;
    for (size_t k = 0; k < exprs.size(); ++k) {
      if (in_hs[k]) {
        impl_->engines.emplace_back(exprs[k].id, RegexEngine::kHyperscan);
        ++m.regex_counts_[0];
      }
    }
    // RE2 next: one set per option combination (RE2::Set options are per set).
    for (auto& [idx, hs_msg] : hs_rejected) {
      const PendingRegex& r = impl_->regexes[by_field[fid][idx]];
      int combo = (r.options.dot_all ? 1 : 0) | (r.options.caseless ? 2 : 0);
      RE2::Options opt;
      opt.set_log_errors(false);
      opt.set_dot_nl(r.options.dot_all);
      opt.set_case_sensitive(!r.options.caseless);
      opt.set_max_mem(64 << 20);
      size_t slot;
      auto t = std::find(f.re2_combos.begin(), f.re2_combos.end(), combo);
      if (t != f.re2_combos.end()) {
        slot = static_cast<size_t>(t - f.re2_combos.begin());
      } else {
        f.re2_combos.push_back(combo);
        f.re2_sets.push_back(std::make_unique<RE2::Set>(opt, RE2::UNANCHORED));
        f.re2_atoms.emplace_back();
        slot = f.re2_sets.size() - 1;
      }
      std::string err;
      // Probe compile first: RE2::Set::Add does not reject everything that
      // fails later in Compile(), but a standalone RE2 does.
      RE2 probe(r.regex, opt);
      if (probe.ok() && f.re2_sets[slot]->Add(r.regex, &err) >= 0) {
        f.re2_atoms[slot].push_back(r.atom);
        impl_->engines.emplace_back(r.atom, RegexEngine::kRe2);
        ++m.regex_counts_[1];
        continue;
      }
      // PCRE2 last (back-references and other backtracking-only features).
      int errcode = 0;
      PCRE2_SIZE erroff = 0;
      uint32_t flags = PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK | PCRE2_AUTO_CALLOUT;  // see OnCallout
      if (r.options.dot_all) flags |= PCRE2_DOTALL;
      if (r.options.caseless) flags |= PCRE2_CASELESS;
      pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(r.regex.data()), r.regex.size(), flags,
                                       &errcode, &erroff, nullptr);
      if (code == nullptr) {
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(errcode, buf, sizeof buf);
        if (rejected) {
          rejected->push_back({r.atom, std::string(reinterpret_cast<char*>(buf)) + " at offset " +
                                           std::to_string(erroff) + " (hyperscan: " + hs_msg + ")"});
        }
        continue;
      }
      f.pcre2.push_back({code, r.atom, r.regex});
      impl_->engines.emplace_back(r.atom, RegexEngine::kPcre2);
      ++m.regex_counts_[2];
    }
    for (size_t s = 0; s < f.re2_sets.size(); ++s) {
      if (f.re2_atoms[s].empty() || !f.re2_sets[s]->Compile()) {
        // An empty or uncompilable set: its regexes were counted as RE2, so
        // report them as rejected rather than silently never matching.
        if (!f.re2_atoms[s].empty() && rejected) {
          for (AtomId a : f.re2_atoms[s]) rejected->push_back({a, "RE2 set compile failed (memory budget)"});
        }
        f.re2_sets[s].reset();
      }
    }
    // Drop empty sets while keeping sets and atom lists aligned.
    std::vector<std::unique_ptr<RE2::Set>> sets;
    std::vector<std::vector<AtomId>> atoms;
    for (size_t s = 0; s < f.re2_sets.size(); ++s) {
      if (f.re2_sets[s]) {
        sets.push_back(std::move(f.re2_sets[s]));
        atoms.push_back(std::move(f.re2_atoms[s]));
      }
    }
    f.re2_sets = std::move(sets);
    f.re2_atoms = std::move(atoms);
  }
  impl_->regexes.clear();
  std::unique_ptr<const Matcher> out = std::move(impl_->m);
  impl_->m = std::make_unique<MatcherImpl>();
  return out;
}

bool ParseIp(std::string_view text, uint8_t out[16], bool* is_v4) {
  if (text.empty() || text.size() > 45) return false;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::memset(out, 0, 16);
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, out) != 1) return false;
    *is_v4 = true;
    return true;
  }
  if (inet_pton(AF_INET6, buf, out) != 1) return false;
  *is_v4 = false;
  return true;
}

std::string LikeToRegex(std::string_view like) {
  std::string out = "^";
  for (char c : like) {
    if (c == '%') {
      out += ".*";
    } else if (c == '_') {
      out += '.';
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               static_cast<unsigned char>(c) >= 0x80) {
      out += c;
    } else {
      static const char kHex[] = "0123456789abcdef";
      unsigned char u = static_cast<unsigned char>(c);
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  out += '$';
  return out;
}

}  // namespace rampart::match
