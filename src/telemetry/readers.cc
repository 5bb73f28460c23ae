#include "telemetry/readers.h"

#include <simdjson.h>

#include "telemetry/normalize.h"

namespace rampart::telemetry {

void EventBuilder::Emit(const FieldRule& rule, std::string_view raw, Event* ev) {
  switch (rule.kind) {
    case ValueKind::kTime: {
      auto t = ParseEventTime(raw);
      if (t.ok()) {
        ev->has_time = true;
        ev->time_micros = *t;
      }
      return;
    }
    case ValueKind::kUrlHost:
      url_host.assign(raw);
      has_host = true;
      return;
    case ValueKind::kUrlPath:
      url_path.assign(raw);
      has_path = true;
      return;
    default:
      break;
  }
  if (raw.empty()) return;
  size_t off = ev->values.size();
  bool ok = NormalizeAppend(rule.kind, raw, &ev->values);
  uint32_t len = static_cast<uint32_t>(ev->values.size() - off);
  PathId path = rule.path;
  if (rule.kind == ValueKind::kIp || rule.kind == ValueKind::kIpOrDomain) {
    if (!ok && rule.kind == ValueKind::kIp) {
      ev->values.resize(off);  // not an address: not an ip observable
      return;
    }
    if (path == kNoPath) {
      if (!ok) {
        path = kPathDomain;
      } else {
        std::string_view v(ev->values.data() + off, len);
        path = v.find(':') != std::string_view::npos ? kPathIpv6 : kPathIpv4;
      }
    }
  }
  ev->observables.push_back({path, static_cast<uint32_t>(off), len});
}

void EventBuilder::Finish(Event* ev) {
  if (has_host && has_path && !url_host.empty()) {
    std::string url;
    url.reserve(8 + url_host.size() + url_path.size());
    if (url_path.find("://") != std::string::npos) {
      url = url_path;  // a proxy request line already carries the full URL
    } else {
      url = "http://";
      url += url_host;
      if (url_path.empty() || url_path[0] != '/') url += '/';
      url += url_path;
    }
    size_t off = ev->values.size();
    NormalizeAppend(ValueKind::kUrl, url, &ev->values);
    ev->observables.push_back({kPathUrl, static_cast<uint32_t>(off), static_cast<uint32_t>(ev->values.size() - off)});
  }
  Reset();
}

struct JsonLineParser::Impl {
  const FieldMapping& mapping;
  simdjson::ondemand::parser parser;
  std::string name;
  EventBuilder builder;
  explicit Impl(const FieldMapping& m) : mapping(m) { name.reserve(256); }

  static constexpr int kMaxDepth = 32;

  simdjson::error_code EmitValue(simdjson::ondemand::value v, const std::vector<FieldRule>* rules, bool prefix,
                                 int depth, Event* ev) {
    simdjson::ondemand::json_type t;
    auto err = v.type().get(t);
    if (err) return err;
    switch (t) {
      case simdjson::ondemand::json_type::object:
        if (!prefix) return simdjson::SUCCESS;
        return Walk(v.get_object(), depth + 1, ev);
      case simdjson::ondemand::json_type::array: {
        if (depth >= kMaxDepth) return simdjson::DEPTH_ERROR;
        simdjson::ondemand::array arr;
        if ((err = v.get_array().get(arr))) return err;
        for (auto el : arr) {
          simdjson::ondemand::value ev2;
          if ((err = el.get(ev2))) return err;
          if ((err = EmitValue(ev2, rules, prefix, depth + 1, ev))) return err;
        }
        return simdjson::SUCCESS;
      }
      case simdjson::ondemand::json_type::string: {
        if (!rules) return simdjson::SUCCESS;
        std::string_view s;
        if ((err = v.get_string().get(s))) return err;
        for (const FieldRule& r : *rules) builder.Emit(r, s, ev);
        return simdjson::SUCCESS;
      }
      case simdjson::ondemand::json_type::number: {
        if (!rules) return simdjson::SUCCESS;
        std::string_view s = v.raw_json_token();
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n' ||
                              s.back() == ',' || s.back() == '}' || s.back() == ']')) {
          s.remove_suffix(1);
        }
        for (const FieldRule& r : *rules) builder.Emit(r, s, ev);
        return simdjson::SUCCESS;
      }
      default:
        return simdjson::SUCCESS;
    }
  }

  simdjson::error_code Walk(simdjson::simdjson_result<simdjson::ondemand::object> obj_r, int depth, Event* ev) {
    if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
    simdjson::ondemand::object obj;
    auto err = std::move(obj_r).get(obj);
    if (err) return err;
    for (auto field_r : obj) {
      simdjson::ondemand::field field;
      if ((err = std::move(field_r).get(field))) return err;
      std::string_view key;
      if ((err = field.unescaped_key().get(key))) return err;
      size_t old = name.size();
      if (old != 0) name.push_back('.');
      name.append(key);
      FieldLookup lk = mapping.Lookup(name);
      if (lk.rules != nullptr || lk.is_prefix) {
        if ((err = EmitValue(field.value(), lk.rules, lk.is_prefix, depth, ev))) return err;
      }
      name.resize(old);
    }
    return simdjson::SUCCESS;
  }
};

JsonLineParser::JsonLineParser(const FieldMapping& mapping) : impl_(std::make_unique<Impl>(mapping)) {}
JsonLineParser::~JsonLineParser() = default;

bool JsonLineParser::Parse(std::string_view line, Event* event) {
  event->clear();
  impl_->builder.Reset();
  impl_->name.clear();
  simdjson::padded_string_view psv(line.data(), line.size(), line.size() + kLinePadding);
  simdjson::ondemand::document doc;
  if (impl_->parser.iterate(psv).get(doc)) return false;
  // Trailing bytes after the object ("{...} junk") make the line malformed;
  // simdjson 3.0 has no document::at_end(), so check the last byte.
  size_t last = line.find_last_not_of(" \t\r");
  if (last == std::string_view::npos || line[last] != '}') return false;
  if (impl_->Walk(doc.get_object(), 0, event)) return false;
  impl_->builder.Finish(event);
  return true;
}

Status ZeekHeader::Apply(std::string_view line, const FieldMapping& mapping) {
  auto split = [this](std::string_view rest, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
      size_t p = rest.find(sep, start);
      out.emplace_back(rest.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
      if (p == std::string_view::npos) break;
      start = p + 1;
    }
    return out;
  };
  if (line.starts_with("#separator ")) {
    std::string_view v = line.substr(11);
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (v.size() == 4 && v[0] == '\\' && v[1] == 'x') {
      // Log content: two hex digits or a Status, never an exception.
      int hi = hex(v[2]), lo = hex(v[3]);
      if (hi < 0 || lo < 0) return Status::InvalidArgument("bad #separator line");
      separator = static_cast<char>(hi * 16 + lo);
    } else if (v.size() == 1) {
      separator = v[0];
    } else {
      return Status::InvalidArgument("bad #separator line");
    }
    return Status::Ok();
  }
  if (line.size() < 2) return Status::Ok();
  size_t sp = line.find(separator);
  if (sp == std::string_view::npos) return Status::Ok();
  std::string_view key = line.substr(1, sp - 1);
  std::string_view rest = line.substr(sp + 1);
  if (key == "set_separator") {
    set_separator.assign(rest);
  } else if (key == "empty_field") {
    empty_field.assign(rest);
  } else if (key == "unset_field") {
    unset_field.assign(rest);
  } else if (key == "path") {
    path.assign(rest);
  } else if (key == "fields") {
    fields = split(rest, separator);
    if (fields.size() > 4096) return Status::ResourceExhausted("more than 4096 #fields");
    rules.clear();
    for (const std::string& f : fields) rules.push_back(mapping.Lookup(f).rules);
    is_container.assign(fields.size(), false);
  } else if (key == "types") {
    auto types = split(rest, separator);
    is_container.assign(fields.size(), false);
    for (size_t i = 0; i < types.size() && i < fields.size(); ++i) {
      is_container[i] = types[i].starts_with("set[") || types[i].starts_with("vector[");
    }
  }
  return Status::Ok();
}

namespace {
// Zeek escapes non-printable bytes (and the separator) as \xHH.
std::string_view Unescape(std::string_view v, std::string* buf) {
  if (v.find("\\x") == std::string_view::npos) return v;
  buf->clear();
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 3 < v.size() && v[i + 1] == 'x') {
      int h = hex(v[i + 2]), l = hex(v[i + 3]);
      if (h >= 0 && l >= 0) {
        buf->push_back(static_cast<char>(h * 16 + l));
        i += 3;
        continue;
      }
    }
    buf->push_back(v[i]);
  }
  return *buf;
}
}  // namespace

bool ParseZeekTsvLine(const ZeekHeader& h, std::string_view line, Event* ev) {
  ev->clear();
  thread_local EventBuilder builder;
  thread_local std::string unescaped;
  builder.Reset();
  size_t col = 0, start = 0;
  const size_t ncols = h.fields.size();
  if (ncols == 0) return false;
  while (true) {
    size_t p = line.find(h.separator, start);
    std::string_view v = line.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start);
    if (col >= ncols) return false;
    const std::vector<FieldRule>* rules = h.rules[col];
    if (rules != nullptr && v != h.unset_field && v != h.empty_field) {
      if (h.is_container[col] && !h.set_separator.empty()) {
        size_t s = 0;
        while (true) {
          size_t q = v.find(h.set_separator, s);
          std::string_view item = v.substr(s, q == std::string_view::npos ? std::string_view::npos : q - s);
          std::string_view u = Unescape(item, &unescaped);
          for (const FieldRule& r : *rules) builder.Emit(r, u, ev);
          if (q == std::string_view::npos) break;
          s = q + h.set_separator.size();
        }
      } else {
        std::string_view u = Unescape(v, &unescaped);
        for (const FieldRule& r : *rules) builder.Emit(r, u, ev);
      }
    }
    ++col;
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  if (col != ncols) return false;
  builder.Finish(ev);
  return true;
}

}  // namespace rampart::telemetry
