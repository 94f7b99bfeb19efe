// Journal records (DESIGN §7): one line of canonical JSON per decision, chained by hashes.
//
//   {"application":{…},"decision":{…},"hash":"sha256:…","masked":[…],"prev":"sha256:…","seq":N}
//
// `hash` is SHA-256 over the previous record's hash, a newline, and the record's line without
// its `"hash":"…",` member (keys are sorted, so that member's place is fixed). The first record
// chains from `genesis`. Editing, removing or reordering any record breaks the chain at that
// record; nothing else about a line needs trusting.
//
// Personal data: the fields a standard marks `personal: true` (and personal members of record
// fields) are masked in the journal's copy of the application and in the decision's trace, as
// the ruleset says: replaced by a salted digest of the value, or dropped. `masked` lists the
// masked fields.
#pragma once

#include <evenhand/digest.hpp>
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/standard/model.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace evenhand::journal {

/// The hash the first record chains from.
inline constexpr std::string_view genesis = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// How personal data is masked: the ruleset's setting, and a salt. The ruleset may name a salt,
/// but identity numbers have little entropy: a hall should keep its own salt secret and give
/// it here, so that a digest cannot be reversed by trying every number.
struct masking {
  standard::journal_settings::personal_data personal = standard::journal_settings::personal_data::digest;
  std::string salt;

  static masking of(const standard::ruleset& rules) { return {rules.journal.personal, rules.journal.salt}; }
};

namespace detail {

/// The masked form of personal values, each digested once per record: the digest of the salt
/// and the value's canonical text, so the same value reads the same in the application and in
/// the decision's trace.
class masker {
 public:
  explicit masker(const masking& m) : m_(m) {}

  bool drops() const noexcept { return m_.personal == standard::journal_settings::personal_data::drop; }

  /// Notes `v` as personal; returns its digest (as a value).
  value mask(const value& v) {
    std::string text;
    eval::detail::put_value(text, v);
    return value(digest_of(text));
  }
  bool is_personal(const std::string& text) const { return digests_.count(text) != 0; }
  bool any() const noexcept { return !digests_.empty(); }
  const std::string& digest_of(const std::string& text) {
    auto [it, fresh] = digests_.try_emplace(text);
    if (fresh) it->second = sha256_digest({m_.salt, std::string_view("", 1), text});  // salt, NUL, text
    return it->second;
  }

 private:
  const masking& m_;
  std::map<std::string, std::string> digests_;  // canonical text → digest
};

// --- Reading canonical decision text without building a tree -------------------------------

/// The end of the JSON string whose opening quote is at `at` (npos when unterminated): the
/// next quote not escaped, found with memchr, since most of a record's bytes are in strings.
inline std::size_t skip_string(std::string_view t, std::size_t at) {
  const char* const begin = t.data() + at + 1;
  const char* const end = t.data() + t.size();
  // Most strings are short ids and keys: look at the first bytes before calling memchr.
  for (const char* p = begin; p < end && p < begin + 24; ++p) {
    if (*p == '\\') break;  // an escape: the general path below
    if (*p == '"') return static_cast<std::size_t>(p - t.data()) + 1;
  }
  for (const char* p = begin; p < end;) {
    const char* q = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
    if (!q) return std::string_view::npos;
    const char* b = q;
    while (b > begin && b[-1] == '\\') --b;
    if (((q - b) & 1) == 0) return static_cast<std::size_t>(q - t.data()) + 1;  // an even run of backslashes
    p = q + 1;
  }
  return std::string_view::npos;
}

/// Bit j set when an odd number of bits 0..j of `x` are set: from an opening quote up to its
/// closing quote, given the quotes' bits.
constexpr std::uint64_t prefix_xor(std::uint64_t x) noexcept {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

/// The end of the object or array whose opening bracket is at `at` (npos when unterminated),
/// following strings and their escapes. A record's decision is dense with short strings, so a
/// byte-at-a-time walk branches every few bytes; with SSE2 (every x86-64) a block of 64 bytes
/// without a backslash is read as bit masks instead: quotes give which bytes are inside
/// strings, and only the brackets outside them are visited. A block with a backslash, and the
/// tail, go byte by byte.
inline std::size_t skip_nested(std::string_view t, std::size_t at) {
  const char* const base = t.data();
  const std::size_t n = t.size();
  std::size_t i = at;
  int depth = 0;
  bool in_string = false;
  while (i < n) {
#if defined(__SSE2__)
    if (n - i >= 64) {
      std::uint64_t quote = 0, backslash = 0, open = 0, close = 0;
      for (int k = 0; k < 4; ++k) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i + 16 * k));
        const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));  // '[' → '{', ']' → '}'
        auto bits = [&](__m128i eq) { return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(eq))) << (16 * k); };
        quote |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
        backslash |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
        open |= bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8('{')));
        close |= bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8('}')));
      }
      if (backslash == 0) {
        std::uint64_t inside = prefix_xor(quote);  // an opening quote is inside, a closing one not
        if (in_string) inside = ~inside;
        for (std::uint64_t brackets = (open | close) & ~inside; brackets != 0; brackets &= brackets - 1) {
          const int j = std::countr_zero(brackets);
          if ((open >> j) & 1) ++depth;
          else if (--depth == 0) return i + static_cast<std::size_t>(j) + 1;
        }
        in_string = (inside >> 63) & 1;
        i += 64;
        continue;
      }
    }
#endif
    for (const std::size_t block_end = std::min(n, i + 64); i < block_end; ++i) {
      const char c = base[i];
      if (in_string) {
        if (c == '\\') ++i;  // and the byte it escapes
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i + 1;
      }
    }
  }
  return std::string_view::npos;
}

/// The end of the JSON value starting at `at` (npos when it is not well formed). Only the
/// structure is followed: for canonical text whose record hash has been checked.
inline std::size_t skip_value(std::string_view t, std::size_t at) {
  constexpr auto npos = std::string_view::npos;
  if (at >= t.size()) return npos;
  char c = t[at];
  if (c == '"') return skip_string(t, at);
  if (c == '{' || c == '[') return skip_nested(t, at);
  std::size_t i = at;
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']') ++i;
  return i == at ? npos : i;
}

/// Walks the members of the JSON object starting at `t[at]`, calling `each(key_text,
/// value_text)` (key text with its quotes) until it returns false. Returns the offset just past
/// the object's closing brace; `stopped` when `each` stopped the walk; npos when malformed.
/// Walking an object finds its end, so callers need not skip it first.
template <class F>
std::size_t walk_members(std::string_view t, std::size_t at, F&& each, std::size_t stopped = std::string_view::npos) {
  constexpr auto npos = std::string_view::npos;
  if (at + 1 >= t.size() || t[at] != '{') return npos;
  if (t[at + 1] == '}') return at + 2;
  ++at;
  while (at < t.size() && t[at] == '"') {
    std::size_t key_end = skip_value(t, at);
    if (key_end == npos || key_end >= t.size() || t[key_end] != ':') return npos;
    std::size_t value_end = skip_value(t, key_end + 1);
    if (value_end == npos || value_end >= t.size()) return npos;
    if (!each(t.substr(at, key_end - at), t.substr(key_end + 1, value_end - key_end - 1))) return stopped;
    if (t[value_end] == '}') return value_end + 1;
    if (t[value_end] != ',') return npos;
    at = value_end + 1;
  }
  return npos;
}

/// Calls `each(key_text, value_text)` for the members of the JSON object `obj` (key text with
/// its quotes) until it returns false; false when `obj` is not a well-formed object.
template <class F>
bool each_member(std::string_view obj, F&& each) {
  if (obj.size() < 2 || obj[0] != '{') return false;
  return walk_members(obj, 0, each, 0) != std::string_view::npos;
}

/// Calls `each(element_text)` for the elements of the JSON array `arr`; false when malformed.
template <class F>
bool each_element(std::string_view arr, F&& each) {
  if (arr.size() < 2 || arr[0] != '[') return false;
  if (arr == "[]") return true;
  std::size_t at = 1;
  while (at < arr.size()) {
    std::size_t end = skip_value(arr, at);
    if (end == std::string_view::npos || end >= arr.size()) return false;
    each(arr.substr(at, end - at));
    if (arr[end] == ']') return true;
    if (arr[end] != ',') return false;
    at = end + 1;
  }
  return false;
}

/// For each object of the JSON array `arr`: `member(key_text, value_text)` for its members,
/// then `done()`. One walk, where each_element then each_member would take two. False when
/// malformed or an element is not an object.
template <class Member, class Done>
bool each_object(std::string_view arr, Member&& member, Done&& done) {
  if (arr.size() < 2 || arr[0] != '[') return false;
  if (arr == "[]") return true;
  std::size_t at = 1;
  while (at < arr.size()) {
    std::size_t end = walk_members(arr, at, [&](std::string_view k, std::string_view v) { return member(k, v), true; });
    if (end == std::string_view::npos || end >= arr.size()) return false;
    done();
    if (arr[end] == ']') return true;
    if (arr[end] != ',') return false;
    at = end + 1;
  }
  return false;
}

/// The text of member `key` of the canonical JSON object `obj`, if present.
inline std::optional<std::string_view> member(std::string_view obj, std::string_view key) {
  std::optional<std::string_view> found;
  each_member(obj, [&](std::string_view k, std::string_view v) {
    if (k.size() < 2 || k.substr(1, k.size() - 2) != key) return true;
    found = v;
    return false;
  });
  return found;
}

/// The value of a JSON string's text.
inline std::optional<std::string> string_of(std::optional<std::string_view> raw) {
  if (!raw || raw->size() < 2 || raw->front() != '"' || raw->back() != '"') return std::nullopt;
  std::string_view inner = raw->substr(1, raw->size() - 2);
  if (inner.find('\\') == std::string_view::npos) return std::string(inner);
  boost::system::error_code ec;
  auto v = boost::json::parse(boost::json::string_view(raw->data(), raw->size()), ec);
  if (ec || !v.is_string()) return std::nullopt;
  return std::string(v.as_string());
}

/// The same into `out`, reusing its room; false (and `out` unchanged) when `raw` is not a string.
inline bool string_into(std::optional<std::string_view> raw, std::string& out) {
  if (!raw || raw->size() < 2 || raw->front() != '"' || raw->back() != '"') return false;
  std::string_view inner = raw->substr(1, raw->size() - 2);
  if (inner.find('\\') == std::string_view::npos) {
    out.assign(inner);
    return true;
  }
  auto decoded = string_of(raw);
  if (decoded) out = std::move(*decoded);
  return decoded.has_value();
}

/// `v` with its personal members (of record fields, at any depth) masked or dropped.
inline value mask_members(masker& mk, const standard::field& f, const value& v) {
  if (v.kind() == value_kind::list_value) {
    list out;
    for (const auto& e : v.as_list()) out.push_back(mask_members(mk, f, e));
    return value(std::move(out));
  }
  if (v.kind() != value_kind::map_value || f.fields.empty()) return v;
  map_entries out;
  for (const auto& [k, e] : v.as_map()) {
    const standard::field* member = nullptr;
    for (const auto& mf : f.fields)
      if (k.kind() == value_kind::string_value && mf.name == k.as_string()) member = &mf;
    if (member && member->personal) {
      value masked = mk.mask(e);
      if (!mk.drops()) out.emplace_back(k, std::move(masked));
      continue;
    }
    out.emplace_back(k, member ? mask_members(mk, *member, e) : e);
  }
  return value::make_map(std::move(out));
}

/// Replaces, at any depth of `v`, each scalar that is one of the personal values seen.
inline value mask_by_value(masker& mk, const value& v) {
  if (v.kind() == value_kind::list_value) {
    list out;
    for (const auto& e : v.as_list()) out.push_back(mask_by_value(mk, e));
    return value(std::move(out));
  }
  if (v.kind() == value_kind::map_value) {
    map_entries out;
    for (const auto& [k, e] : v.as_map()) out.emplace_back(k, mask_by_value(mk, e));
    return value::make_map(std::move(out));
  }
  std::string text;
  eval::detail::put_value(text, v);
  if (!mk.is_personal(text)) return v;
  return mk.drops() ? value(std::string("(personal)")) : value(mk.digest_of(text));
}

}  // namespace detail

/// An application and its decision as the journal keeps them: personal data masked.
struct masked_pair {
  std::string application;  ///< canonical form of the masked application
  std::string decision;     ///< canonical decision JSON with the trace masked alike
  std::vector<std::string> masked;  ///< the fields masked, sorted
};

inline masked_pair mask(const masking& m, const eval::application& app, const eval::decision& d) {
  masked_pair out;
  const standard::item& item = *app.standard;
  detail::masker mk(m);
  eval::application copy = app;
  copy.fields.clear();
  for (const auto& [name, v] : app.fields) {
    const standard::field* f = item.find_field(name);
    if (f && f->personal) {
      value masked = mk.mask(v);
      out.masked.emplace_back(name);
      if (!mk.drops()) copy.fields.emplace_back(name, std::move(masked));
      continue;
    }
    if (f && !f->fields.empty()) {
      value masked = detail::mask_members(mk, *f, v);
      std::string before, after;
      eval::detail::put_value(before, v);
      eval::detail::put_value(after, masked);
      if (before != after) out.masked.emplace_back(name);
      copy.fields.emplace_back(name, std::move(masked));
      continue;
    }
    copy.fields.emplace_back(name, v);
  }
  out.application = eval::canonical_form(copy);
  if (!mk.any()) {
    out.decision = eval::to_json(d);
    return out;
  }
  eval::decision masked = d;
  for (auto& f : masked.facts) f.v = detail::mask_by_value(mk, f.v);
  for (auto& t : masked.tables)
    for (auto& [name, v] : t.outputs) v = detail::mask_by_value(mk, v);
  for (auto& o : masked.outputs)
    for (auto& [name, v] : o.values) v = detail::mask_by_value(mk, v);
  out.decision = eval::to_json(masked);
  return out;
}

/// One record's line (no newline) and its hash.
struct record_line {
  std::string line;
  std::string hash;
};

/// The record `seq` chained from `prev`.
inline record_line make_record(std::uint64_t seq, std::string_view prev, const masked_pair& p) {
  std::string tail = ",\"masked\":[";
  for (std::size_t i = 0; i < p.masked.size(); ++i) {
    if (i) tail += ',';
    evenhand::detail::append_json_string(tail, p.masked[i]);
  }
  tail += "],\"prev\":";
  evenhand::detail::append_json_string(tail, prev);
  tail += ",\"seq\":" + std::to_string(seq) + "}";
  std::string head = "{\"application\":" + p.application + ",\"decision\":" + p.decision;
  std::string hash = sha256().update(prev).update("\n").update(head).update(tail).hex();
  hash = "sha256:" + hash;
  record_line r;
  r.line.reserve(head.size() + tail.size() + 80);
  r.line = head + ",\"hash\":\"" + hash + "\"" + tail;
  r.hash = std::move(hash);
  return r;
}

/// What following a journal's chain needs of a record: its place and its hashes.
struct chain_link {
  std::uint64_t seq = 0;
  std::string prev, hash;
  bool hash_ok = false;  ///< the recorded hash is the hash of the rest of the line
};

/// A record read back from its line.
struct parsed_record : chain_link {
  std::string application, decision;  ///< the members' JSON text, as written
  std::vector<std::string> masked;

  /// The text of the decision's top-level member `key`, found without reading the decision
  /// again (parse_record notes where each member is).
  std::optional<std::string_view> decision_member(std::string_view key) const {
    for (const auto& m : decision_members)
      if (m.key_length == key.size() && decision.compare(m.key_at, m.key_length, key) == 0)
        return std::string_view(decision).substr(m.value_at, m.value_length);
    return std::nullopt;
  }

  /// Where each top-level member of `decision` is: offsets, so a copy stays right.
  struct member_at {
    std::uint32_t key_at, key_length, value_at, value_length;
  };
  std::vector<member_at> decision_members;
};

namespace detail {

/// The slow, thorough reading of a line that is not a canonical record: it says what is wrong.
inline std::optional<parsed_record> diagnose_record(std::string_view line, std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<parsed_record> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(boost::json::string_view(line.data(), line.size()), ec);
  if (ec || !v.is_object()) return fail("not a JSON object");
  const auto& o = v.as_object();
  for (const char* key : {"application", "decision", "hash", "masked", "prev", "seq"})
    if (!o.contains(key)) return fail(std::string("no '") + key + "'");
  if (o.size() != 6) return fail("unexpected members");
  if (!o.at("hash").is_string() || !o.at("prev").is_string() || !o.at("masked").is_array() ||
      !(o.at("seq").is_uint64() || o.at("seq").is_int64()) || !o.at("application").is_object() || !o.at("decision").is_object())
    return fail("a member of the wrong type");
  return fail("members out of canonical order");
}

}  // namespace detail

/// Parses one line into `r`, reusing the room its strings and vectors hold (a reader that goes
/// record after record allocates nothing once warm); false when it is not a well-formed
/// record, with `why`, and `r` then holds nothing of use. The members are found by following
/// the JSON's structure, without building a tree: a journal is read at the speed of hashing it.
inline bool parse_record_into(parsed_record& r, std::string_view line, std::string* why = nullptr) {
  static constexpr std::string_view keys[] = {"application", "decision", "hash", "masked", "prev", "seq"};
  std::string_view values[6];
  std::size_t n = 0;
  bool canonical = true;
  r.seq = 0;
  r.hash_ok = false;
  r.masked.clear();
  r.decision_members.clear();
  // One walk over the line; the decision is walked member by member on the way (that finds its
  // end too), noting where its members are for those who read it next.
  constexpr auto npos = std::string_view::npos;
  bool structured = line.size() >= 2 && line[0] == '{', closed = false;
  for (std::size_t at = 1; structured && n < 6;) {
    std::size_t key_end = at < line.size() && line[at] == '"' ? detail::skip_value(line, at) : npos;
    std::string_view k = key_end == npos ? std::string_view() : line.substr(at, key_end - at);
    if (key_end == npos || key_end >= line.size() || line[key_end] != ':' || k.size() != keys[n].size() + 2 ||
        k.substr(1, keys[n].size()) != keys[n]) {
      structured = canonical = false;
      break;
    }
    std::size_t value_at = key_end + 1, value_end = npos;
    if (n == 1) {
      r.decision_members.reserve(32);  // a decision has about twenty members: one allocation
      value_end = detail::walk_members(line, value_at, [&](std::string_view dk, std::string_view dv) {
        auto offset = [&](std::string_view part) { return static_cast<std::uint32_t>(part.data() - line.data() - value_at); };
        r.decision_members.push_back({offset(dk) + 1, static_cast<std::uint32_t>(dk.size() - 2), offset(dv),
                                      static_cast<std::uint32_t>(dv.size())});
        return true;
      });
    } else {
      value_end = detail::skip_value(line, value_at);
    }
    if (value_end == npos || value_end >= line.size()) {
      structured = false;
      break;
    }
    values[n++] = line.substr(value_at, value_end - value_at);
    if (line[value_end] == '}') {
      closed = value_end + 1 == line.size();
      break;
    }
    if (line[value_end] != ',') structured = false;
    at = value_end + 1;
  }
  if (!closed) structured = false;
  auto seq_text = values[5];
  auto [end, ec] = std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), r.seq);
  auto diagnosed = [&] {
    detail::diagnose_record(line, why);
    return false;
  };
  if (!structured || !canonical || n != 6 || line.back() != '}' || values[0].front() != '{' || values[1].front() != '{' ||
      values[3].front() != '[' || !detail::string_into(values[2], r.hash) || !detail::string_into(values[4], r.prev) ||
      ec != std::errc() || end != seq_text.data() + seq_text.size())
    return diagnosed();
  bool masked_ok = detail::each_element(values[3], [&](std::string_view m) {
    if (auto name = detail::string_of(m)) r.masked.push_back(std::move(*name));
  });
  if (!masked_ok) return diagnosed();
  r.application.assign(values[0]);
  r.decision.assign(values[1]);
  // The hash covers the line without its `,"hash":"…"` member.
  constexpr std::string_view hash_key = ",\"hash\":";
  std::size_t hash_at = static_cast<std::size_t>(values[2].data() - line.data()) - hash_key.size();
  std::size_t hash_end = static_cast<std::size_t>(values[2].data() - line.data()) + values[2].size();
  r.hash_ok = sha256_digest({r.prev, "\n", line.substr(0, hash_at), line.substr(hash_end)}) == r.hash;
  return true;
}

/// Parses one line; nullopt when it is not a well-formed record (with `why`).
inline std::optional<parsed_record> parse_record(std::string_view line, std::string* why = nullptr) {
  std::optional<parsed_record> r(std::in_place);
  if (!parse_record_into(*r, line, why)) r.reset();
  return r;
}

}  // namespace evenhand::journal
