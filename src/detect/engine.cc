#include "detect/engine.h"

#include <absl/container/flat_hash_map.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>

#include "pattern/evaluator.h"
#include "telemetry/normalize.h"

namespace rampart::detect {

// ------------------------------------------------------------ EventEvaluator

namespace {
std::atomic<void (*)(const telemetry::Event&)> g_evaluate_hook{nullptr};
}  // namespace

void SetEvaluateHookForTest(void (*hook)(const telemetry::Event&)) { g_evaluate_hook.store(hook); }

namespace {
void CollectTypes(const pattern::ComparisonExpr& e, std::vector<std::string>* out) {
  if (e.kind == pattern::ComparisonExpr::Kind::kComparison) {
    if (std::find(out->begin(), out->end(), e.comparison.path.object_type) == out->end()) {
      out->push_back(e.comparison.path.object_type);
    }
    return;
  }
  for (const auto& c : e.children) CollectTypes(c, out);
}
}  // namespace

EventEvaluator::EventEvaluator(std::shared_ptr<const MatchPlan> plan) : plan_(std::move(plan)) {
  scratch_ = plan_->matcher->NewScratch();
  atom_stamp_.assign(plan_->atoms.size(), 0);
  atom_value_.assign(plan_->atoms.size(), 0);
  leaf_stamp_.assign(plan_->leaves.size(), 0);
  for (const auto& p : plan_->fallback_patterns) {
    fallback_types_.emplace_back();
    CollectTypes(p.root.comparison, &fallback_types_.back());
  }
}
EventEvaluator::~EventEvaluator() = default;

bool EventEvaluator::EvalCmp(uint32_t n, uint32_t* first_obs) const {
  const CmpNode& node = plan_->cmp_nodes[n];
  switch (node.kind) {
    case CmpNode::kAtom:
      if (atom_stamp_[node.atom] != gen_) return false;
      *first_obs = atom_value_[node.atom];
      return true;
    case CmpNode::kAnd: {
      uint32_t first = 0;
      bool have = false;
      for (uint32_t c : node.children) {
        uint32_t f;
        if (!EvalCmp(c, &f)) return false;
        if (!have) first = f, have = true;
      }
      *first_obs = first;
      return true;
    }
    case CmpNode::kOr:
      for (uint32_t c : node.children) {
        if (EvalCmp(c, first_obs)) return true;
      }
      return false;
  }
  return false;
}

void EventEvaluator::Evaluate(const telemetry::Event& ev, std::vector<Hit>* hits, std::vector<LeafHit>* leaf_hits) {
  const MatchPlan& p = *plan_;
  if (++gen_ == 0) {
    std::fill(atom_stamp_.begin(), atom_stamp_.end(), 0);
    std::fill(leaf_stamp_.begin(), leaf_stamp_.end(), 0);
    gen_ = 1;
  }
  touched_leaves_.clear();
  for (uint32_t i = 0; i < ev.observables.size(); ++i) {
    const telemetry::Observable& o = ev.observables[i];
    if (!p.matcher->HasField(o.path)) continue;
    atom_buf_.clear();
    p.matcher->Match(o.path, ev.value(o), *scratch_, atom_buf_);
    for (match::AtomId a : atom_buf_) {
      if (a >= p.atoms.size()) continue;
      uint32_t leaf = p.atoms[a].leaf;
      if (leaf == kOrphanLeaf) continue;
      // An atom only counts for the path it was compiled for (a value may
      // sit on several paths that share a field id only if the same path).
      if (atom_stamp_[a] != gen_) {
        atom_stamp_[a] = gen_;
        atom_value_[a] = i;
      }
      if (leaf_stamp_[leaf] != gen_) {
        leaf_stamp_[leaf] = gen_;
        touched_leaves_.push_back(leaf);
      }
    }
  }
  constexpr uint32_t kNoObs = 0xffffffffu;
  auto emit = [&](uint32_t leaf, uint32_t obs) {
    uint32_t ind = p.leaves[leaf].indicator;
    if (!p.ActiveAt(ind, ev.has_time, ev.time_micros)) return;
    std::string path, value;
    if (obs != kNoObs) {
      path.assign(p.mapping->PathName(ev.observables[obs].path));
      value.assign(ev.value(ev.observables[obs]));
    }
    if (p.indicators[ind].obs_root < 0) {
      Hit h;
      h.source = ev.source;
      h.line = ev.line;
      h.byte_offset = ev.byte_offset;
      h.has_time = ev.has_time;
      h.time = ev.time_micros;
      h.indicator_id.assign(p.id(ind));
      h.path = std::move(path);
      h.value = std::move(value);
      hits->push_back(std::move(h));
    } else {
      leaf_hits->push_back(
          {leaf, ev.source, ev.line, ev.byte_offset, ev.has_time, ev.time_micros, 0, std::move(path), std::move(value)});
    }
  };
  for (uint32_t leaf : touched_leaves_) {
    const Leaf& L = p.leaves[leaf];
    uint32_t first = 0;
    if (L.single_atom) {
      emit(leaf, atom_value_[L.atom]);
    } else if (L.cmp_root >= 0 && EvalCmp(static_cast<uint32_t>(L.cmp_root), &first)) {
      emit(leaf, first);
    }
  }
  // Between the compiled leaves' hits and the fallback: a throwing hook
  // leaves partial output behind, as a real failure here would.
  if (auto hook = g_evaluate_hook.load(std::memory_order_relaxed)) hook(ev);
  if (!p.fallback_patterns.empty()) {
    std::string json;  // built on first need
    for (size_t f = 0; f < p.fallback_patterns.size(); ++f) {
      uint32_t leaf = p.fallback_leaves[f];
      if (p.indicators[p.leaves[leaf].indicator].disabled) continue;
      bool relevant = false;
      for (const auto& o : ev.observables) {
        std::string_view name = p.mapping->PathName(o.path);
        std::string_view type = name.substr(0, name.find(':'));
        for (const std::string& t : fallback_types_[f]) {
          if (t == type) relevant = true;
        }
        if (relevant) break;
      }
      if (!relevant) continue;
      if (json.empty()) json = EventToObservedDataJson(ev, *p.mapping);
      ++fallback_evals_;
      auto r = pattern::Evaluate(p.fallback_patterns[f], json);
      if (r.ok() && r->matched) emit(leaf, kNoObs);
    }
  }
}

// ---------------------------------------------------------------- Correlator

namespace {

struct Binding {
  Micros tmin, tmax;
  uint64_t seqmin, seqmax;
  std::vector<uint64_t> seqs;  // sorted event sequence numbers used
};

bool Disjoint(const Binding& a, const Binding& b) {
  size_t i = 0, j = 0;
  while (i < a.seqs.size() && j < b.seqs.size()) {
    if (a.seqs[i] == b.seqs[j]) return false;
    if (a.seqs[i] < b.seqs[j]) ++i; else ++j;
  }
  return true;
}

Binding Merge(const Binding& a, const Binding& b) {
  Binding m;
  m.tmin = std::min(a.tmin, b.tmin);
  m.tmax = std::max(a.tmax, b.tmax);
  m.seqmin = std::min(a.seqmin, b.seqmin);
  m.seqmax = std::max(a.seqmax, b.seqmax);
  m.seqs.reserve(a.seqs.size() + b.seqs.size());
  std::merge(a.seqs.begin(), a.seqs.end(), b.seqs.begin(), b.seqs.end(), std::back_inserter(m.seqs));
  return m;
}

void Cap(std::vector<Binding>* v) {
  if (v->size() <= kMaxBindings) return;
  // Keep the most recent candidates: they are the ones a new event completes.
  std::partial_sort(v->begin(), v->begin() + kMaxBindings, v->end(),
                    [](const Binding& a, const Binding& b) { return a.seqmax > b.seqmax; });
  v->resize(kMaxBindings);
}

}  // namespace

struct Correlator::Impl {
  struct Entry {
    uint64_t seq;
    Micros t;
  };
  // indicator -> per-leaf recent hits
  absl::flat_hash_map<uint32_t, std::vector<std::deque<Entry>>> state;
  uint64_t next_seq = 1;
  uint32_t last_source = 0xffffffffu;
  uint64_t last_line = 0;
};

Correlator::Correlator(std::shared_ptr<const MatchPlan> plan) : plan_(std::move(plan)), impl_(std::make_unique<Impl>()) {}
Correlator::~Correlator() = default;

void Correlator::OnEventLeafHits(std::vector<LeafHit>& leaf_hits, std::vector<Hit>* hits) {
  const MatchPlan& p = *plan_;
  if (leaf_hits.empty()) return;
  uint64_t seq = impl_->next_seq++;
  std::vector<uint32_t> touched;
  for (LeafHit& lh : leaf_hits) {
    lh.seq = seq;
    uint32_t ind = p.leaves[lh.leaf].indicator;
    const CompiledIndicator& ci = p.indicators[ind];
    auto& st = impl_->state[ind];
    if (st.empty()) st.resize(ci.num_leaves);
    auto& dq = st[lh.leaf - ci.first_leaf];
    dq.push_back({seq, lh.has_time ? lh.time : 0});
    if (dq.size() > kWindow) dq.pop_front();
    if (std::find(touched.begin(), touched.end(), ind) == touched.end()) touched.push_back(ind);
  }
  for (uint32_t ind : touched) {
    const CompiledIndicator& ci = p.indicators[ind];
    auto& st = impl_->state[ind];
    std::function<std::vector<Binding>(uint32_t)> eval = [&](uint32_t n) -> std::vector<Binding> {
      const ObsNode& node = p.obs_nodes[n];
      using K = pattern::ObservationExpr::Kind;
      std::vector<Binding> out;
      switch (node.kind) {
        case K::kObservation:
          for (const auto& e : st[node.leaf - ci.first_leaf]) out.push_back({e.t, e.t, e.seq, e.seq, {e.seq}});
          break;
        case K::kOr:
          for (uint32_t c : node.children) {
            auto v = eval(c);
            out.insert(out.end(), v.begin(), v.end());
          }
          break;
        case K::kAnd:
        case K::kFollowedBy: {
          out = eval(node.children[0]);
          for (size_t k = 1; k < node.children.size(); ++k) {
            auto right = eval(node.children[k]);
            std::vector<Binding> next;
            for (const Binding& a : out) {
              for (const Binding& b : right) {
                if (!Disjoint(a, b)) continue;
                if (node.kind == K::kFollowedBy &&
                    !(a.tmax < b.tmin || (a.tmax == b.tmin && a.seqmax < b.seqmin))) {
                  continue;
                }
                next.push_back(Merge(a, b));
              }
            }
            Cap(&next);
            out = std::move(next);
          }
          break;
        }
        case K::kWithin:
          for (Binding& b : eval(node.children[0])) {
            if (b.tmax - b.tmin <= node.within) out.push_back(std::move(b));
          }
          break;
        case K::kStartStop:
          for (Binding& b : eval(node.children[0])) {
            if (b.tmin >= node.start && b.tmax < node.stop) out.push_back(std::move(b));
          }
          break;
        case K::kRepeats: {
          auto v = eval(node.children[0]);
          std::sort(v.begin(), v.end(), [](const Binding& a, const Binding& b) { return a.seqmin < b.seqmin; });
          // From each start, greedily take the next pairwise-disjoint
          // bindings until `repeats` are collected.
          for (size_t i = 0; i < v.size(); ++i) {
            Binding acc = v[i];
            int64_t n_taken = 1;
            for (size_t j = i + 1; j < v.size() && n_taken < node.repeats; ++j) {
              if (Disjoint(acc, v[j])) {
                acc = Merge(acc, v[j]);
                ++n_taken;
              }
            }
            if (n_taken == node.repeats) out.push_back(std::move(acc));
          }
          break;
        }
      }
      Cap(&out);
      return out;
    };
    auto root = eval(static_cast<uint32_t>(ci.obs_root));
    bool fired = false;
    for (const Binding& b : root) {
      if (std::binary_search(b.seqs.begin(), b.seqs.end(), seq)) {
        fired = true;
        break;
      }
    }
    if (!fired) continue;
    // Report at the completing event, with this indicator's leaf hit value.
    for (const LeafHit& lh : leaf_hits) {
      if (p.leaves[lh.leaf].indicator != ind) continue;
      Hit h;
      h.source = lh.source;
      h.line = lh.line;
      h.byte_offset = lh.byte_offset;
      h.has_time = lh.has_time;
      h.time = lh.time;
      h.indicator_id.assign(p.id(ind));
      h.path = lh.path;
      h.value = lh.value;
      hits->push_back(std::move(h));
      break;
    }
    impl_->state.erase(ind);
  }
}

// ----------------------------------------------------------------- RunMatch

namespace {

struct MatchOutput : telemetry::ChunkOutput {
  std::shared_ptr<const MatchPlan> plan;
  std::vector<Hit> hits;
  // Leaf hits of correlated indicators, grouped by event (in order).
  std::vector<std::vector<LeafHit>> leaf_hits;
  uint64_t fallback_evals = 0;
};

class MatchProcessor : public telemetry::EventProcessor {
 public:
  explicit MatchProcessor(PlanHolder& holder) : holder_(holder) {}
  void OnEvent(const telemetry::Event& ev) override {
    if (!out_) {
      out_ = std::make_unique<MatchOutput>();
      auto plan = holder_.Load();
      if (!eval_ || eval_->plan() != plan) eval_ = std::make_unique<EventEvaluator>(plan);
      out_->plan = plan;
      base_evals_ = eval_->fallback_evaluations();
    }
    leaf_buf_.clear();
    const size_t hits_before = out_->hits.size();
    try {
      eval_->Evaluate(ev, &out_->hits, &leaf_buf_);
    } catch (...) {
      // The scan counts the event as failed; keep none of its hits, so a
      // failed event reports nothing rather than part of its matches.
      out_->hits.resize(hits_before);
      leaf_buf_.clear();
      throw;
    }
    if (!leaf_buf_.empty()) out_->leaf_hits.push_back(std::move(leaf_buf_));
    leaf_buf_ = {};
  }
  std::unique_ptr<telemetry::ChunkOutput> TakeOutput() override {
    if (out_ && eval_) out_->fallback_evals = eval_->fallback_evaluations() - base_evals_;
    return std::move(out_);
  }

 private:
  PlanHolder& holder_;
  std::unique_ptr<EventEvaluator> eval_;
  std::unique_ptr<MatchOutput> out_;
  std::vector<LeafHit> leaf_buf_;
  uint64_t base_evals_ = 0;
};

}  // namespace

Status RunMatch(const std::vector<std::string>& inputs, PlanHolder& holder, const telemetry::FieldMapping& mapping,
                const telemetry::ScanOptions& options, const std::function<void(const Hit&)>& on_hit,
                telemetry::ScanCounters* counters, RunStats* stats, const std::function<void()>& progress) {
  std::unique_ptr<Correlator> corr;
  std::vector<Hit> merged, corr_hits;
  return telemetry::ScanInputs(
      inputs, mapping, options, [&] { return std::make_unique<MatchProcessor>(holder); },
      [&](std::unique_ptr<telemetry::ChunkOutput> o) {
        auto* out = static_cast<MatchOutput*>(o.get());
        stats->fallback_evaluations += out->fallback_evals;
        if (!corr || corr->plan() != out->plan) {
          if (corr) ++stats->plan_swaps_seen;
          corr = std::make_unique<Correlator>(out->plan);
        }
        corr_hits.clear();
        for (auto& lh : out->leaf_hits) corr->OnEventLeafHits(lh, &corr_hits);
        std::vector<Hit>* list = &out->hits;
        if (!corr_hits.empty()) {
          merged.clear();
          std::merge(std::make_move_iterator(out->hits.begin()), std::make_move_iterator(out->hits.end()),
                     std::make_move_iterator(corr_hits.begin()), std::make_move_iterator(corr_hits.end()),
                     std::back_inserter(merged), [](const Hit& a, const Hit& b) {
                       return a.source != b.source ? a.source < b.source : a.line < b.line;
                     });
          list = &merged;
        }
        for (const Hit& h : *list) {
          ++stats->hits;
          on_hit(h);
        }
      },
      counters, progress);
}

// ----------------------------------------------------- event -> observed-data

std::string EventToObservedDataJson(const telemetry::Event& ev, const telemetry::FieldMapping& mapping) {
  using nlohmann::json;
  // type -> objects of that type; an observable goes into the first object
  // of its type that does not have that property yet.
  std::vector<std::pair<std::string, json>> objects;
  // A reference property: objects[object][ptr] holds objects[target]'s id.
  struct Ref {
    size_t object;
    json::json_pointer ptr;
    size_t target;
  };
  std::vector<Ref> refs;
  auto sco_for_ip = [&](const std::string& value) {
    std::string type = value.find(':') != std::string::npos ? "ipv6-addr" : "ipv4-addr";
    for (size_t i = 0; i < objects.size(); ++i) {
      if (objects[i].first == type && objects[i].second.value("value", "") == value) return i;
    }
    objects.push_back({type, json{{"type", type}, {"value", value}}});
    return objects.size() - 1;
  };
  for (const auto& o : ev.observables) {
    std::string_view name = mapping.PathName(o.path);
    size_t colon = name.find(':');
    if (colon == std::string_view::npos) continue;
    std::string type(name.substr(0, colon));
    std::vector<std::string> keys;
    std::string_view rest = name.substr(colon + 1);
    while (!rest.empty()) {
      size_t dot = rest.find('.');
      keys.emplace_back(rest.substr(0, dot));
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    std::string value(ev.value(o));
    json leaf = value;
    if (telemetry::KindForPath(name) == telemetry::ValueKind::kInt) {
      try {
        leaf = std::stoll(value);
      } catch (...) {
      }
    }
    // "x_ref.value": a reference to an address SCO. The reference is a null
    // placeholder here and recorded in `refs` by position; it gets the target's
    // id once ids exist. Nothing in the log's values can pose as a reference.
    std::optional<size_t> ref_target;
    if (keys.size() == 2 && keys[0].ends_with("_ref") && keys[1] == "value") {
      ref_target = sco_for_ip(value);
      leaf = nullptr;
      keys.pop_back();
    }
    json::json_pointer ptr;
    for (const auto& k : keys) ptr /= k;
    size_t placed = objects.size();
    for (size_t i = 0; i < objects.size(); ++i) {
      if (objects[i].first == type && !objects[i].second.contains(ptr)) {
        placed = i;
        break;
      }
    }
    if (placed == objects.size()) objects.push_back({type, json{{"type", type}}});
    objects[placed].second[ptr] = std::move(leaf);
    if (ref_target) refs.push_back({placed, ptr, *ref_target});
  }
  std::string ts = ev.has_time ? FormatTimestampMicros(ev.time_micros) : "1970-01-01T00:00:00.000000Z";
  json bundle{{"type", "bundle"}, {"id", "bundle--00000000-0000-4000-8000-000000000000"}};
  json objs = json::array();
  json object_refs = json::array();
  for (size_t i = 0; i < objects.size(); ++i) {
    char id[80];
    std::snprintf(id, sizeof id, "%s--00000000-0000-4000-8000-%012zu", objects[i].first.c_str(), i);
    objects[i].second["id"] = id;
    object_refs.push_back(id);
  }
  for (const Ref& r : refs) objects[r.object].second[r.ptr] = objects[r.target].second["id"];
  for (auto& [t, obj] : objects) objs.push_back(std::move(obj));
  json od{{"type", "observed-data"},
          {"spec_version", "2.1"},
          {"id", "observed-data--00000000-0000-4000-8000-000000000000"},
          {"created", ts},
          {"modified", ts},
          {"first_observed", ts},
          {"last_observed", ts},
          {"number_observed", 1},
          {"object_refs", object_refs}};
  objs.insert(objs.begin(), od);
  bundle["objects"] = objs;
  // Log values need not be UTF-8 (Zeek TSV unescapes \xHH): such bytes become
  // U+FFFD instead of making dump() throw. A STIX literal is UTF-8, so a value
  // that was not cannot have equalled one anyway.
  return json::array({bundle}).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace rampart::detect
