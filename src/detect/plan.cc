#include "detect/plan.h"

#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>

#include <algorithm>
#include <string>

#include "pattern/parser.h"
#include "telemetry/normalize.h"

namespace rampart::detect {

Result<AsOf> ParseAsOf(std::string_view text) {
  AsOf a;
  a.at = NowMicros();
  if (text == "now" || text.empty()) return a;
  if (text == "event") {
    a.mode = AsOfMode::kEvent;
    return a;
  }
  auto t = ParseTimestamp(text);
  if (!t.ok()) {
    return Status::InvalidArgument("--as-of takes 'now', 'event' or an RFC 3339 timestamp such as "
                                   "2024-01-01T00:00:00Z; got '" + std::string(text) + "'");
  }
  a.mode = AsOfMode::kFixed;
  a.at = *t;
  return a;
}

std::string CanonicalPath(const pattern::ObjectPath& path) {
  std::string out = path.object_type;
  out += ':';
  bool first = true;
  for (const pattern::PathStep& s : path.steps) {
    if (s.kind != pattern::PathStep::Kind::kKey) return "";
    if (!first) out += '.';
    out += s.key;
    first = false;
  }
  return out;
}

std::vector<std::string> DisabledRegexReport(const MatchPlan& plan) {
  std::vector<std::string> out;
  if (!plan.matcher) return out;
  for (const match::DisabledRegex& d : plan.matcher->DisabledRegexes()) {
    std::string who = "atom " + std::to_string(d.atom);
    if (d.atom < plan.atoms.size() && plan.atoms[d.atom].leaf != kOrphanLeaf) {
      who = std::string(plan.id(plan.leaves[plan.atoms[d.atom].leaf].indicator));
    }
    out.push_back(who + ": regex '" + d.regex + "' disabled (" + d.reason + ")");
  }
  return out;
}

size_t MatchPlan::ApproxMemoryBytes() const {
  size_t n = id_arena.capacity() + indicators.capacity() * sizeof(CompiledIndicator) +
             leaves.capacity() * sizeof(Leaf) + cmp_nodes.capacity() * sizeof(CmpNode) +
             obs_nodes.capacity() * sizeof(ObsNode) + atoms.capacity() * sizeof(AtomInfo);
  if (matcher) n += matcher->ApproxMemoryBytes();
  return n;
}

struct PlanBuilder::Impl {
  const telemetry::FieldMapping& mapping;
  CompileOptions options;
  std::shared_ptr<MatchPlan> plan = std::make_shared<MatchPlan>();
  match::MatcherBuilder mb;
  // hash(id) -> indicator index, and each indicator's `modified`, for
  // version handling (a hash, not the id, keeps 1M indicators small).
  absl::flat_hash_map<uint64_t, uint32_t> versions;
  std::vector<Micros> modified;
  // Field id for paths no reader produces: atoms there can never hit.
  match::FieldId dead_field = match::kMaxFields - 1;

  Impl(const telemetry::FieldMapping& m, CompileOptions o) : mapping(m), options(o) {
    plan->as_of = o.as_of;
    plan->mapping = &m;
  }

  void Error(std::string_view id, std::string_view why) {
    ++plan->report.invalid;
    if (plan->report.errors.size() < 1000) plan->report.errors.push_back(std::string(id) + ": " + std::string(why));
  }

  // Whether a comparison tree can be served by atoms.
  static void CollectPaths(const pattern::ComparisonExpr& e, std::vector<std::string>* types,
                           std::vector<std::string>* paths) {
    if (e.kind == pattern::ComparisonExpr::Kind::kComparison) {
      types->push_back(e.comparison.path.object_type);
      paths->push_back(CanonicalPath(e.comparison.path));
      return;
    }
    for (const auto& c : e.children) CollectPaths(c, types, paths);
  }

  bool IsFast(const pattern::ComparisonExpr& e) const {
    if (e.kind != pattern::ComparisonExpr::Kind::kComparison) {
      for (const auto& c : e.children) {
        if (!IsFast(c)) return false;
      }
      if (e.kind == pattern::ComparisonExpr::Kind::kAnd) {
        // STIX 2.1: the comparisons ANDed inside one [ ] must hold for the
        // same object. The fast path knows an event's values, not its
        // objects, so it takes only ANDs over one object type whose
        // operands test different properties (one object per type per
        // event); the rest goes to the reference evaluator.
        std::vector<std::string> types, all_paths;
        for (const auto& c : e.children) {
          std::vector<std::string> t, p;
          CollectPaths(c, &t, &p);
          std::sort(p.begin(), p.end());
          p.erase(std::unique(p.begin(), p.end()), p.end());
          for (auto& x : p) {
            if (std::find(all_paths.begin(), all_paths.end(), x) != all_paths.end()) return false;
          }
          all_paths.insert(all_paths.end(), p.begin(), p.end());
          types.insert(types.end(), t.begin(), t.end());
        }
        for (const auto& t : types) {
          if (t != types.front()) return false;
        }
      }
      return true;
    }
    const pattern::Comparison& c = e.comparison;
    if (c.negated) return false;
    if (CanonicalPath(c.path).empty()) return false;
    using pattern::LiteralType;
    switch (c.op) {
      case pattern::Operator::kEqual:
        return c.value.type == LiteralType::kString || c.value.type == LiteralType::kInt;
      case pattern::Operator::kIn:
        for (const auto& l : c.set) {
          if (l.type != LiteralType::kString && l.type != LiteralType::kInt) return false;
        }
        return true;
      case pattern::Operator::kIsSubset: {
        std::string p = CanonicalPath(c.path);
        return telemetry::KindForPath(p) == telemetry::ValueKind::kIp;
      }
      case pattern::Operator::kLike:
      case pattern::Operator::kMatches:
        return true;
      default:
        return false;
    }
  }

  std::string LiteralText(const pattern::Literal& l) {
    return l.type == pattern::LiteralType::kInt ? std::to_string(l.int_value) : l.text;
  }

  // Compiles a fast comparison tree; returns its root in cmp_nodes, or the
  // single atom via *single.
  Result<int32_t> CompileCmp(const pattern::ComparisonExpr& e, uint32_t leaf, match::AtomId* single) {
    MatchPlan& p = *plan;
    if (e.kind != pattern::ComparisonExpr::Kind::kComparison) {
      CmpNode node;
      node.kind = e.kind == pattern::ComparisonExpr::Kind::kAnd ? CmpNode::kAnd : CmpNode::kOr;
      for (const auto& c : e.children) {
        RAMPART_ASSIGN_OR_RETURN(int32_t child, CompileCmp(c, leaf, nullptr));
        node.children.push_back(static_cast<uint32_t>(child));
      }
      p.cmp_nodes.push_back(std::move(node));
      return static_cast<int32_t>(p.cmp_nodes.size() - 1);
    }
    const pattern::Comparison& c = e.comparison;
    std::string path = CanonicalPath(c.path);
    auto pid = mapping.FindPath(path);
    match::FieldId field = pid ? *pid : dead_field;
    telemetry::ValueKind kind = telemetry::KindForPath(path);
    match::AtomId atom = static_cast<match::AtomId>(p.atoms.size());
    p.atoms.push_back({leaf, pid ? *pid : telemetry::kNoPath});
    switch (c.op) {
      case pattern::Operator::kEqual:
        RAMPART_RETURN_IF_ERROR(mb.AddExact(field, telemetry::Normalized(kind, LiteralText(c.value)), atom));
        break;
      case pattern::Operator::kIn:
        for (const auto& l : c.set) {
          RAMPART_RETURN_IF_ERROR(mb.AddExact(field, telemetry::Normalized(kind, LiteralText(l)), atom));
        }
        break;
      case pattern::Operator::kIsSubset:
        RAMPART_RETURN_IF_ERROR(mb.AddCidr(field, c.value.text, atom));
        break;
      case pattern::Operator::kLike:
        RAMPART_RETURN_IF_ERROR(
            mb.AddRegex(field, match::LikeToRegex(telemetry::Normalized(telemetry::ValueKind::kString, c.value.text)),
                        atom, {.dot_all = true}));
        break;
      case pattern::Operator::kMatches:
        RAMPART_RETURN_IF_ERROR(
            mb.AddRegex(field, telemetry::Normalized(telemetry::ValueKind::kString, c.value.text), atom));
        break;
      default:
        return Status::Internal("not a fast comparison");
    }
    if (single != nullptr) {
      *single = atom;
      return -1;
    }
    CmpNode node;
    node.kind = CmpNode::kAtom;
    node.atom = atom;
    p.cmp_nodes.push_back(std::move(node));
    return static_cast<int32_t>(p.cmp_nodes.size() - 1);
  }

  Result<uint32_t> CompileObs(const pattern::ObservationExpr& o, uint32_t ind) {
    MatchPlan& p = *plan;
    using K = pattern::ObservationExpr::Kind;
    ObsNode node;
    node.kind = o.kind;
    if (o.kind == K::kObservation) {
      uint32_t leaf_idx = static_cast<uint32_t>(p.leaves.size());
      p.leaves.emplace_back();
      p.leaves[leaf_idx].indicator = ind;
      if (IsFast(o.comparison)) {
        match::AtomId single = 0;
        bool is_single = o.comparison.kind == pattern::ComparisonExpr::Kind::kComparison;
        RAMPART_ASSIGN_OR_RETURN(int32_t root, CompileCmp(o.comparison, leaf_idx, is_single ? &single : nullptr));
        p.leaves[leaf_idx].cmp_root = root;
        p.leaves[leaf_idx].single_atom = is_single;
        p.leaves[leaf_idx].atom = single;
        ++p.report.fast_leaves;
      } else {
        pattern::Pattern fp;
        fp.root.kind = K::kObservation;
        fp.root.comparison = o.comparison;
        p.leaves[leaf_idx].fallback = static_cast<int32_t>(p.fallback_patterns.size());
        p.fallback_patterns.push_back(std::move(fp));
        p.fallback_leaves.push_back(leaf_idx);
        ++p.report.fallback_leaves;
      }
      node.leaf = leaf_idx;
    } else {
      if (o.kind == K::kWithin) {
        if (!(o.within_seconds > 0)) return Status::InvalidArgument("WITHIN must be positive");
        node.within = static_cast<Micros>(o.within_seconds * 1e6);
      } else if (o.kind == K::kRepeats) {
        if (o.repeats < 1) return Status::InvalidArgument("REPEATS must be at least 1");
        if (o.repeats > 1000) return Status::ResourceExhausted("REPEATS over 1000 is not supported by the matcher");
        node.repeats = o.repeats;
      } else if (o.kind == K::kStartStop) {
        if (o.start.type != pattern::LiteralType::kTimestamp || o.stop.type != pattern::LiteralType::kTimestamp) {
          auto a = ParseTimestamp(o.start.type == pattern::LiteralType::kTimestamp ? o.start.text : o.start.text);
          auto b = ParseTimestamp(o.stop.text);
          if (!a.ok() || !b.ok()) return Status::InvalidArgument("START/STOP need timestamps");
          node.start = *a;
          node.stop = *b;
        } else {
          node.start = o.start.micros;
          node.stop = o.stop.micros;
        }
      }
      for (const auto& c : o.children) {
        RAMPART_ASSIGN_OR_RETURN(uint32_t child, CompileObs(c, ind));
        node.children.push_back(child);
      }
    }
    p.obs_nodes.push_back(std::move(node));
    return static_cast<uint32_t>(p.obs_nodes.size() - 1);
  }

  Status Compile(std::string_view id, const pattern::Pattern& pat, Micros from, Micros until) {
    MatchPlan& p = *plan;
    uint32_t ind = static_cast<uint32_t>(p.indicators.size());
    size_t leaves0 = p.leaves.size(), cmp0 = p.cmp_nodes.size(), obs0 = p.obs_nodes.size(),
           atoms0 = p.atoms.size(), fb0 = p.fallback_patterns.size();
    CompiledIndicator ci;
    ci.id_offset = p.id_arena.size();
    ci.id_length = static_cast<uint32_t>(id.size());
    ci.valid_from = from;
    ci.valid_until = until;
    ci.first_leaf = static_cast<uint32_t>(leaves0);
    auto root = CompileObs(pat.root, ind);
    if (!root.ok()) {
      // Roll back this indicator's partial structures. Atoms already given to
      // the matcher builder stay there but point at leaves no indicator owns;
      // engine.cc ignores atoms >= atoms.size().
      p.leaves.resize(leaves0);
      p.cmp_nodes.resize(cmp0);
      p.obs_nodes.resize(obs0);
      // Atom ids are never reused (the matcher builder keeps them): orphan them.
      for (size_t a = atoms0; a < p.atoms.size(); ++a) p.atoms[a].leaf = kOrphanLeaf;
      p.fallback_patterns.resize(fb0);
      p.fallback_leaves.resize(fb0);
      return root.status();
    }
    ci.num_leaves = static_cast<uint32_t>(p.leaves.size() - leaves0);
    if (pat.root.kind == pattern::ObservationExpr::Kind::kObservation) {
      p.obs_nodes.resize(obs0);  // a simple pattern needs no observation tree
      ci.obs_root = -1;
    } else {
      ci.obs_root = static_cast<int32_t>(*root);
    }
    p.id_arena.append(id);
    p.indicators.push_back(ci);
    ++p.report.compiled;
    return Status::Ok();
  }
};

PlanBuilder::PlanBuilder(const telemetry::FieldMapping& mapping, CompileOptions options)
    : impl_(std::make_unique<Impl>(mapping, options)) {}
PlanBuilder::~PlanBuilder() = default;

const CompileReport& PlanBuilder::report() const { return impl_->plan->report; }

void PlanBuilder::Add(Indicator&& ind) {
  Impl& m = *impl_;
  CompileReport& r = m.plan->report;
  ++r.seen;
  if (ind.pattern_type != "stix") {
    ++r.not_stix;
    return;
  }
  Micros from = ind.valid_from.value_or(kMinTime);
  Micros until = ind.valid_until.value_or(kMaxTime);
  if (ind.revoked ||
      (m.options.as_of.mode != AsOfMode::kEvent && !ValidAt(from, until, m.options.as_of.at))) {
    ++r.inactive;
    return;
  }
  // Versions: a newer `modified` for a known id disables the older entry.
  Micros mod = kMinTime;
  if (!ind.modified.empty()) {
    auto t = ParseTimestamp(ind.modified);
    if (t.ok()) mod = *t;
  }
  uint64_t h = absl::Hash<std::string_view>()(ind.id);
  auto it = m.versions.find(h);
  bool replace = false;
  if (it != m.versions.end() && m.plan->id(it->second) == ind.id) {
    if (mod <= m.modified[it->second]) {
      ++r.superseded;
      return;
    }
    replace = true;
  }
  auto parsed = pattern::ParsePattern(ind.pattern);
  if (!parsed.ok()) {
    m.Error(ind.id, parsed.status().message());
    return;
  }
  uint32_t index = static_cast<uint32_t>(m.plan->indicators.size());
  Status st = m.Compile(ind.id, *parsed, from, until);
  if (!st.ok()) {
    m.Error(ind.id, st.message());
    return;
  }
  if (replace) {
    m.plan->indicators[it->second].disabled = true;
    ++r.superseded;
    --r.compiled;
  }
  m.modified.resize(index + 1, kMinTime);
  m.modified[index] = mod;
  m.versions[h] = index;
}

Status PlanBuilder::AddPattern(std::string_view id, const pattern::Pattern& p, Micros from, Micros until) {
  ++impl_->plan->report.seen;
  return impl_->Compile(id, p, from, until);
}

Result<std::shared_ptr<const MatchPlan>> PlanBuilder::Build() {
  Impl& m = *impl_;
  std::vector<match::RejectedRegex> rejected;
  RAMPART_ASSIGN_OR_RETURN(auto matcher, m.mb.Build(&rejected));
  MatchPlan& p = *m.plan;
  for (const auto& rj : rejected) {
    if (rj.atom >= p.atoms.size()) continue;
    uint32_t ind = p.leaves[p.atoms[rj.atom].leaf].indicator;
    if (p.indicators[ind].disabled) continue;
    p.indicators[ind].disabled = true;
    --p.report.compiled;
    m.Error(p.id(ind), "regular expression rejected by every engine: " + rj.error);
  }
  p.report.exact_values = matcher->exact_values();
  p.report.cidr_prefixes = matcher->cidr_prefixes();
  p.report.regexes = matcher->regexes(match::RegexEngine::kHyperscan) + matcher->regexes(match::RegexEngine::kRe2) +
                     matcher->regexes(match::RegexEngine::kPcre2);
  p.matcher = std::move(matcher);
  m.versions.clear();
  m.modified.clear();
  std::shared_ptr<const MatchPlan> out = std::move(m.plan);
  m.plan = std::make_shared<MatchPlan>();
  return out;
}

}  // namespace rampart::detect
