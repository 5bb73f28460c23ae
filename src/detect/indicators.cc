#include "detect/indicators.h"

#include <simdjson.h>

#include <memory>

#include "telemetry/input.h"

namespace rampart::detect {

void ObjectStreamSplitter::Emit(const std::function<void(std::string_view)>& on_object) {
  on_object(cur_);
  cur_.clear();
  collecting_ = false;
}

Status ObjectStreamSplitter::Feed(std::string_view bytes, const std::function<void(std::string_view)>& on_object) {
  size_t seg = 0;  // start of the not-yet-copied range while collecting
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
        if (stack_.size() == 1) last_str_ = str_;
      } else if (stack_.size() == 1 && str_.size() < 16) {
        str_.push_back(c);
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string_ = true;
        str_.clear();
        break;
      case '{':
        if (stack_.size() >= 256) return Status::ResourceExhausted("JSON nested deeper than 256");
        if (stack_.empty()) {
          // A top-level object: collect it until we learn it is a bundle.
          collecting_ = true;
          top_object_ = true;
          bundle_ = false;
          elem_depth_ = 0;
          cur_.clear();
          seg = i;
        } else if (!collecting_ && elem_depth_ != 0 && stack_.size() == elem_depth_) {
          collecting_ = true;
          top_object_ = false;
          cur_.clear();
          seg = i;
        }
        stack_.push_back('{');
        break;
      case '[':
        if (stack_.size() >= 256) return Status::ResourceExhausted("JSON nested deeper than 256");
        if (stack_.empty()) {
          elem_depth_ = 1;  // a top-level array of objects
        } else if (stack_.size() == 1 && stack_[0] == '{' && last_str_ == "objects" && top_object_) {
          // The top-level object is a bundle: stop collecting it and emit
          // the array's elements one by one instead.
          bundle_ = true;
          collecting_ = false;
          top_object_ = false;
          cur_.clear();
          elem_depth_ = 2;
        }
        stack_.push_back('[');
        break;
      case '}':
      case ']': {
        if (stack_.empty() || (c == '}' && stack_.back() != '{') || (c == ']' && stack_.back() != '[')) {
          return Status::InvalidArgument("unbalanced brackets in JSON input");
        }
        stack_.pop_back();
        if (collecting_ && c == '}' &&
            ((top_object_ && stack_.empty()) || (!top_object_ && stack_.size() == elem_depth_))) {
          cur_.append(bytes.substr(seg, i + 1 - seg));
          if (cur_.size() > kMaxObjectBytes) return Status::ResourceExhausted("STIX object larger than 16 MiB");
          Emit(on_object);
        }
        if (stack_.empty()) {
          elem_depth_ = 0;
          bundle_ = false;
          top_object_ = false;
        }
        break;
      }
      default:
        break;
    }
  }
  if (collecting_) {
    cur_.append(bytes.substr(seg));
    if (cur_.size() > kMaxObjectBytes) return Status::ResourceExhausted("STIX object larger than 16 MiB");
  }
  return Status::Ok();
}

Status ObjectStreamSplitter::Finish() {
  if (!stack_.empty() || in_string_) return Status::InvalidArgument("JSON input ended inside an object or array");
  return Status::Ok();
}

namespace {

std::optional<Micros> TimeField(simdjson::dom::object& o, const char* key, bool* bad) {
  std::string_view s;
  if (o[key].get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  auto t = ParseTimestamp(s);
  if (!t.ok()) {
    *bad = true;
    return std::nullopt;
  }
  return *t;
}

}  // namespace

Result<Indicator> ParseIndicatorJson(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element el;
  if (parser.parse(json.data(), json.size(), true).get(el)) return Status::InvalidArgument("not valid JSON");
  simdjson::dom::object o;
  if (el.get_object().get(o)) return Status::InvalidArgument("not a JSON object");
  std::string_view type;
  if (o["type"].get_string().get(type)) return Status::InvalidArgument("object has no 'type'");
  if (type != "indicator") return Status::NotFound("not an indicator");
  Indicator ind;
  std::string_view s;
  if (o["id"].get_string().get(s)) return Status::InvalidArgument("indicator has no 'id'");
  ind.id.assign(s);
  if (o["pattern"].get_string().get(s)) return Status::InvalidArgument(ind.id + ": indicator has no 'pattern'");
  ind.pattern.assign(s);
  ind.pattern_type = o["pattern_type"].get_string().get(s) ? "stix" : std::string(s);
  if (!o["name"].get_string().get(s)) ind.name.assign(s);
  if (!o["modified"].get_string().get(s)) ind.modified.assign(s);
  bool b = false;
  if (!o["revoked"].get_bool().get(b)) ind.revoked = b;
  bool bad = false;
  ind.valid_from = TimeField(o, "valid_from", &bad);
  ind.valid_until = TimeField(o, "valid_until", &bad);
  if (bad) return Status::InvalidArgument(ind.id + ": bad valid_from/valid_until timestamp");
  simdjson::dom::array refs;
  if (!o["object_marking_refs"].get_array().get(refs)) {
    for (auto r : refs) {
      if (!r.get_string().get(s)) ind.object_marking_refs.emplace_back(s);
    }
  }
  return ind;
}

namespace {

void HandleObject(std::string_view json, const IndicatorCallback& cb, ReadStats* stats) {
  ++stats->objects;
  auto ind = ParseIndicatorJson(json);
  if (ind.ok()) {
    ++stats->indicators;
    cb(std::move(*ind));
    return;
  }
  if (ind.status().IsNotFound()) return;
  ++stats->malformed;
  if (stats->errors.size() < 20) {
    stats->errors.push_back("object #" + std::to_string(stats->objects) + ": " + std::string(ind.status().message()));
  }
}

}  // namespace

Status ReadIndicators(std::string_view text, const IndicatorCallback& cb, ReadStats* stats) {
  ObjectStreamSplitter sp;
  RAMPART_RETURN_IF_ERROR(sp.Feed(text, [&](std::string_view o) { HandleObject(o, cb, stats); }));
  return sp.Finish();
}

Status ReadIndicatorsFile(const std::string& path, const IndicatorCallback& cb, ReadStats* stats) {
  RAMPART_ASSIGN_OR_RETURN(auto src, telemetry::OpenByteSource(path));
  ObjectStreamSplitter sp;
  std::string buf(1 << 20, '\0');
  for (;;) {
    RAMPART_ASSIGN_OR_RETURN(size_t n, src->Read(buf.data(), buf.size()));
    if (n == 0) break;
    Status st = sp.Feed(std::string_view(buf.data(), n), [&](std::string_view o) { HandleObject(o, cb, stats); });
    if (!st.ok()) return st.WithContext(path);
  }
  Status st = sp.Finish();
  return st.ok() ? st : st.WithContext(path);
}

}  // namespace rampart::detect
