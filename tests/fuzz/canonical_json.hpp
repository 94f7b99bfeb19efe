// Checks that text is canonical JSON as evenhand writes it (decisions, supervision statuses):
// valid UTF-8 JSON, one line, no whitespace outside strings, each object's keys in byte order
// and none twice. The fuzz targets trap on any output that is not.
#pragma once

#include <boost/json/basic_parser_impl.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::fuzz {

namespace detail {

/// Keeps, per open object, the last key seen: the next must sort after it.
struct key_order_handler {
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  std::vector<std::string> last_key;  // one per open object
  std::vector<bool> has_key;
  std::string key;  // the key being read, in parts
  bool in_order = true;

  using error_code = boost::json::error_code;
  using string_view = boost::json::string_view;
  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_object_begin(error_code&) {
    last_key.emplace_back();
    has_key.push_back(false);
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    last_key.pop_back();
    has_key.pop_back();
    return true;
  }
  bool on_string_part(string_view, std::size_t, error_code&) { return true; }
  bool on_string(string_view, std::size_t, error_code&) { return true; }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    key.append(s.data(), s.size());
    // Byte order (std::string compares as unsigned char), strictly: no key twice.
    if (has_key.back() && !(last_key.back() < key)) in_order = false;
    last_key.back() = key;
    has_key.back() = true;
    key.clear();
    return true;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, string_view, error_code&) { return true; }
  bool on_uint64(std::uint64_t, string_view, error_code&) { return true; }
  bool on_double(double, string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(string_view, error_code&) { return false; }
  bool on_comment(string_view, error_code&) { return false; }
};

}  // namespace detail

/// Whether `text` is canonical JSON (see the file's comment).
inline bool is_canonical_json(std::string_view text) {
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      return false;
    }
  }
  boost::json::parse_options options;
  options.max_depth = 10'000;
  boost::json::basic_parser<detail::key_order_handler> p(options);
  boost::json::error_code ec;
  std::size_t used = p.write_some(false, text.data(), text.size(), ec);
  return !ec && used == text.size() && p.done() && p.handler().in_order;
}

}  // namespace evenhand::fuzz
