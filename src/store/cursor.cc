#include "store/cursor.h"

#include <openssl/evp.h>

#include <charconv>
#include <vector>

#include "base/crypto.h"

namespace rampart::store {
namespace {

constexpr size_t kMaxCursorLength = 256;

// Binds a position to its collection so a cursor of another collection (or
// a hand-edited one) is refused rather than silently mis-paging.
std::string CheckValue(std::string_view collection_id, const CursorPosition& p) {
  std::string in = "rampart-cursor\n";
  in += collection_id;
  in += '\n';
  in += std::to_string(p.date_added);
  in += '\n';
  in += std::to_string(p.seq);
  return Sha256Hex(in).substr(0, 12);
}

std::string Base64UrlEncode(std::string_view in) {
  std::vector<unsigned char> out(4 * ((in.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  std::string s(reinterpret_cast<char*>(out.data()), static_cast<size_t>(n));
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

bool Base64UrlDecode(std::string_view in, std::string* out) {
  std::string s(in);
  for (char& c : s) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  if (s.size() % 4 == 1) return false;
  size_t pad = (4 - s.size() % 4) % 4;
  s.append(pad, '=');
  std::vector<unsigned char> buf(s.size());
  int n = EVP_DecodeBlock(buf.data(), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  if (n < 0 || static_cast<size_t>(n) < pad) return false;
  out->assign(reinterpret_cast<char*>(buf.data()), static_cast<size_t>(n) - pad);
  return true;
}

bool ParseInt(std::string_view s, int64_t* v) {
  if (s.empty() || s.size() > 20) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string EncodeCursor(std::string_view collection_id, const CursorPosition& p) {
  std::string payload = "1.";
  payload += std::to_string(p.date_added);
  payload += '.';
  payload += std::to_string(p.seq);
  payload += '.';
  payload += CheckValue(collection_id, p);
  return Base64UrlEncode(payload);
}

Result<CursorPosition> DecodeCursor(std::string_view collection_id, std::string_view cursor) {
  const Status bad = Status::InvalidArgument("malformed `next` cursor");
  if (cursor.empty() || cursor.size() > kMaxCursorLength) return bad;
  std::string payload;
  if (!Base64UrlDecode(cursor, &payload)) return bad;
  std::vector<std::string_view> parts;
  std::string_view rest = payload;
  while (true) {
    size_t dot = rest.find('.');
    parts.push_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (parts.size() != 4 || parts[0] != "1") return bad;
  CursorPosition p;
  if (!ParseInt(parts[1], &p.date_added) || !ParseInt(parts[2], &p.seq)) return bad;
  if (parts[3] != CheckValue(collection_id, p)) {
    return Status::InvalidArgument("`next` cursor does not belong to this collection or query");
  }
  return p;
}

}  // namespace rampart::store
