// The typed JSON encoding of values: `{"int":"1"}`, `{"string":"x"}`, `{"list":[…]}`, … as the
// CEL conformance data writes them, plus `{"decimal":"12.50"}` and `{"date":"2026-03-02"}`.
// It keeps kinds apart that plain JSON would merge (int and uint, string and bytes).
#pragma once

#include <evenhand/diagnostics.hpp>
#include <evenhand/value.hpp>

#include <boost/json.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

namespace evenhand {

namespace detail {

inline constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

inline std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += base64_alphabet[(n >> 18) & 63];
    out += base64_alphabet[(n >> 12) & 63];
    out += base64_alphabet[(n >> 6) & 63];
    out += base64_alphabet[n & 63];
  }
  if (i < in.size()) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += base64_alphabet[(n >> 18) & 63];
    out += base64_alphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? base64_alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

inline std::optional<std::string> base64_decode(std::string_view in) {
  std::array<int, 256> rev{};
  rev.fill(-1);
  for (int i = 0; i < 64; ++i) rev[static_cast<unsigned char>(base64_alphabet[i])] = i;
  rev['-'] = 62;  // URL-safe alphabet too
  rev['_'] = 63;
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = rev[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

/// Shortest text that reads back as the same double; JSON has no NaN or infinities, so
/// those are strings in the typed encoding.
inline std::string double_text(double d) {
  if (std::isnan(d)) return "\"NaN\"";
  if (std::isinf(d)) return d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, r.ptr);
  // Keep it visibly a double: "1" -> "1.0", "-0" -> "-0.0".
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

}  // namespace detail

/// Writes `v` in the typed encoding, on one line, with map entries in the value's sorted order.
inline void write_typed_json(std::string& out, const value& v) {
  using k = value_kind;
  auto str = [&out](std::string_view s) { detail::append_json_string(out, s); };
  switch (v.kind()) {
    case k::null_value: out += "{\"null\":null}"; return;
    case k::bool_value: out += v.as_bool() ? "{\"bool\":true}" : "{\"bool\":false}"; return;
    case k::int_value: out += "{\"int\":\"" + std::to_string(v.as_int()) + "\"}"; return;
    case k::uint_value: out += "{\"uint\":\"" + std::to_string(v.as_uint()) + "\"}"; return;
    case k::double_value: out += "{\"double\":" + detail::double_text(v.as_double()) + "}"; return;
    case k::decimal_value: out += "{\"decimal\":\"" + v.as_decimal().to_string() + "\"}"; return;
    case k::string_value: out += "{\"string\":"; str(v.as_string()); out += '}'; return;
    case k::bytes_value:
      out += "{\"bytes\":\"" + detail::base64_encode(v.as_bytes().data) + "\"}";
      return;
    case k::date_value: out += "{\"date\":\"" + v.as_date().to_string() + "\"}"; return;
    case k::timestamp_value: out += "{\"timestamp\":\"" + v.as_timestamp().to_string() + "\"}"; return;
    case k::duration_value: out += "{\"duration\":\"" + v.as_duration().to_string() + "\"}"; return;
    case k::list_value: {
      out += "{\"list\":[";
      bool first = true;
      for (const auto& e : v.as_list()) {
        if (!first) out += ',';
        first = false;
        write_typed_json(out, e);
      }
      out += "]}";
      return;
    }
    case k::map_value: {
      out += "{\"map\":[";
      bool first = true;
      for (const auto& [key, val] : v.as_map()) {
        if (!first) out += ',';
        first = false;
        out += '[';
        write_typed_json(out, key);
        out += ',';
        write_typed_json(out, val);
        out += ']';
      }
      out += "]}";
      return;
    }
    case k::type_value: out += "{\"type\":"; str(v.as_type().name); out += '}'; return;
    case k::error_value: out += "{\"error\":"; str(v.as_error().message); out += '}'; return;
    case k::unknown_value: {
      out += "{\"unknown\":[";
      bool first = true;
      for (const auto& a : v.as_unknown().attributes) {
        if (!first) out += ',';
        first = false;
        str(a);
      }
      out += "]}";
      return;
    }
  }
}

inline std::string to_typed_json(const value& v) {
  std::string out;
  write_typed_json(out, v);
  return out;
}

/// Reads a value in the typed encoding. On failure returns nullopt and sets `error` to a
/// message naming the JSON path of the bad part.
inline std::optional<value> from_typed_json(const boost::json::value& j, std::string& error,
                                            const std::string& path = "$") {
  namespace json = boost::json;
  auto fail = [&](std::string why) -> std::optional<value> {
    error = path + ": " + why;
    return std::nullopt;
  };
  const json::object* o = j.if_object();
  if (!o || o->size() != 1)
    return fail("expected an object with one key naming the kind, such as {\"int\":\"1\"}");
  const auto& [key_sv, body] = *o->begin();
  std::string_view key = key_sv;
  auto text = [&]() -> const json::string* { return body.if_string(); };
  if (key == "null") return value{};
  if (key == "bool") {
    if (!body.is_bool()) return fail("bool expects true or false");
    return value(body.get_bool());
  }
  if (key == "int" || key == "uint") {
    std::string s;
    if (auto t = text()) s = std::string(*t);
    else if (body.is_int64()) s = std::to_string(body.get_int64());
    else if (body.is_uint64()) s = std::to_string(body.get_uint64());
    else return fail(std::string(key) + " expects a decimal string");
    if (key == "int") {
      std::int64_t i = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), i);
      if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return fail("bad int '" + s + "'");
      return value(i);
    }
    std::uint64_t u = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), u);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return fail("bad uint '" + s + "'");
    return value(u);
  }
  if (key == "double") {
    if (auto t = text()) {
      std::string_view s = *t;
      if (s == "NaN") return value(std::nan(""));
      if (s == "Infinity") return value(HUGE_VAL);
      if (s == "-Infinity") return value(-HUGE_VAL);
      double d = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), d);
      if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return fail("bad double");
      return value(d);
    }
    if (!body.is_number()) return fail("double expects a number");
    return value(body.to_number<double>());
  }
  if (key == "decimal") {
    std::string s;
    if (auto t = text()) s = std::string(*t);
    else if (body.is_int64()) s = std::to_string(body.get_int64());
    else return fail("decimal expects a string such as \"12.50\"");
    auto d = decimal::parse(s);
    if (!d) return fail("bad decimal '" + s + "'");
    return value(*d);
  }
  if (key == "string") {
    if (auto t = text()) return value(std::string(*t));
    return fail("string expects a JSON string");
  }
  if (key == "bytes") {
    auto t = text();
    if (!t) return fail("bytes expects base64 text");
    auto b = detail::base64_decode(*t);
    if (!b) return fail("bad base64");
    return value(bytes{std::move(*b)});
  }
  if (key == "date") {
    auto t = text();
    auto d = t ? date::parse(*t) : std::nullopt;
    if (!d) return fail("date expects \"YYYY-MM-DD\"");
    return value(*d);
  }
  if (key == "timestamp") {
    auto t = text();
    auto ts = t ? timestamp::parse(*t) : std::nullopt;
    if (!ts) return fail("timestamp expects RFC 3339 text");
    return value(*ts);
  }
  if (key == "duration") {
    auto t = text();
    auto d = t ? duration::parse(*t) : std::nullopt;
    if (!d) return fail("duration expects text such as \"1.5s\"");
    return value(*d);
  }
  if (key == "type") {
    auto t = text();
    if (!t) return fail("type expects a type name");
    return value(type_name{std::string(*t)});
  }
  if (key == "list") {
    const json::array* a = body.if_array();
    if (!a) return fail("list expects an array");
    list items;
    items.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
      auto e = from_typed_json((*a)[i], error, path + ".list[" + std::to_string(i) + "]");
      if (!e) return std::nullopt;
      items.push_back(std::move(*e));
    }
    return value(std::move(items));
  }
  if (key == "map") {
    const json::array* a = body.if_array();
    if (!a) return fail("map expects an array of [key, value] pairs");
    map_entries entries;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const json::array* pair = (*a)[i].if_array();
      std::string at = path + ".map[" + std::to_string(i) + "]";
      if (!pair || pair->size() != 2) {
        error = at + ": expected a [key, value] pair";
        return std::nullopt;
      }
      auto k = from_typed_json((*pair)[0], error, at + "[0]");
      if (!k) return std::nullopt;
      auto v = from_typed_json((*pair)[1], error, at + "[1]");
      if (!v) return std::nullopt;
      entries.emplace_back(std::move(*k), std::move(*v));
    }
    value m = value::make_map(std::move(entries));
    if (m.is_error()) return fail(m.as_error().message);
    return m;
  }
  return fail("unknown kind '" + std::string(key) + "'");
}

}  // namespace evenhand
