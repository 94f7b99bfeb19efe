// Building document trees from JSON (Boost.JSON's SAX parser) and from yaml-cpp nodes.
#include "document.hpp"

#include <evenhand/detail/utf8.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <array>

namespace evenhand::eval::detail {

/// Appends nodes in document order, linking each to its parent.
class document_builder {
 public:
  explicit document_builder(std::string_view source, std::vector<document::node> room = {}) : source_(source) {
    // About one node per 16 bytes of pretty-printed JSON: one allocation for most documents,
    // none when the room given is enough.
    doc_.nodes_ = std::move(room);
    doc_.nodes_.clear();
    doc_.nodes_.reserve(std::max<std::size_t>(64, source.size() / 16));
    open_.reserve(8);
  }

  /// A new value node, linked as the next item of the open sequence or as the value of the
  /// open map's last key.
  std::uint32_t add_value(document::kind k, std::string_view text, std::size_t offset) {
    auto i = push(k, text, offset);
    if (!open_.empty()) {
      frame& top = open_.back();
      if (doc_.nodes_[top.node].is_map()) doc_.nodes_[top.last].value = i;
      else link(top, i);
    }
    return i;
  }
  void add_key(std::string_view text, std::size_t offset) { link(open_.back(), push(document::kind::scalar, text, offset)); }
  /// Opens a map or sequence that starts at `offset` (JSON's SAX events carry none: 0).
  void open(document::kind k, std::size_t offset = 0) { open_.push_back({add_value(k, {}, offset), document::none}); }
  void close() { open_.pop_back(); }

  /// `s` as a view that outlives the parse: into the source when it lies there, else copied.
  std::string_view keep(std::string_view s) {
    if (!pending_.empty()) {
      pending_.append(s);
      doc_.storage_.push_front(std::move(pending_));
      pending_.clear();
      return doc_.storage_.front();
    }
    if (s.data() >= source_.data() && s.data() + s.size() <= source_.data() + source_.size()) return s;
    doc_.storage_.emplace_front(s);
    return doc_.storage_.front();
  }
  void part(std::string_view s) { pending_.append(s); }
  std::size_t offset_of(std::string_view s) const {
    return s.data() >= source_.data() && s.data() <= source_.data() + source_.size()
               ? static_cast<std::size_t>(s.data() - source_.data())
               : 0;
  }
  document take() { return std::move(doc_); }

 private:
  struct frame {
    std::uint32_t node;
    std::uint32_t last;  // last child linked, or none
  };
  std::uint32_t push(document::kind k, std::string_view text, std::size_t offset) {
    auto i = static_cast<std::uint32_t>(doc_.nodes_.size());
    doc_.nodes_.push_back({k, 0, text, document::none, document::none, document::none, offset});
    return i;
  }
  void link(frame& f, std::uint32_t child) {
    document::node& parent = doc_.nodes_[f.node];
    if (f.last == document::none) parent.first = child;
    else doc_.nodes_[f.last].next = child;
    ++parent.size;
    f.last = child;
  }

  std::string_view source_;
  document doc_;
  std::vector<frame> open_;
  std::string pending_;  // parts of a string, key or number split by the parser
};

namespace {

namespace json = boost::json;

struct json_handler {
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  document_builder b;

  json_handler(std::string_view source, std::vector<document::node> room) : b(source, std::move(room)) {}

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) {
    b.open(document::kind::sequence);
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) {
    b.close();
    return true;
  }
  bool on_object_begin(json::error_code&) {
    b.open(document::kind::map);
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    b.close();
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    b.part(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    std::size_t at = b.offset_of(s);
    b.add_value(document::kind::scalar, b.keep(s), at ? at - 1 : 0);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    b.part(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    std::size_t at = b.offset_of(s);
    b.add_key(b.keep(s), at ? at - 1 : 0);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    b.part(s);
    return true;
  }
  bool number(json::string_view s) {
    b.add_value(document::kind::scalar, b.keep(s), b.offset_of(s));
    return true;
  }
  bool on_int64(std::int64_t, json::string_view s, json::error_code&) { return number(s); }
  bool on_uint64(std::uint64_t, json::string_view s, json::error_code&) { return number(s); }
  bool on_double(double, json::string_view s, json::error_code&) { return number(s); }  // the text, not the double
  bool on_bool(bool v, json::error_code&) {
    b.add_value(document::kind::scalar, v ? "true" : "false", 0);
    return true;
  }
  bool on_null(json::error_code&) {
    b.add_value(document::kind::null, {}, 0);
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

/// A scalar's text as UTF-8. The text read was checked as UTF-8 before yaml-cpp saw it, yet
/// yaml-cpp 0.7 decodes the escapes `\N` and `\_` of a double-quoted scalar (U+0085, U+00A0) to
/// the single bytes 0x85 and 0xA0: each byte that starts no UTF-8 sequence is taken for the
/// code point of its value, which gives those two characters as they were written.
std::string_view utf8_text(std::string_view s, document_builder& b) {
  if (evenhand::detail::first_invalid_utf8(s) == std::string_view::npos) return s;
  std::string out;
  out.reserve(s.size() + 8);
  for (const char* p = s.data(); p != s.data() + s.size();) {
    if (std::size_t n = evenhand::detail::utf8_sequence(p, s.data() + s.size())) {
      out.append(p, n);
      p += n;
    } else {
      const auto c = static_cast<unsigned char>(*p++);
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return b.keep(out);
}

void copy_yaml(const YAML::Node& n, document_builder& b, bool as_key) {
  std::size_t offset = n.Mark().is_null() ? 0 : static_cast<std::size_t>(n.Mark().pos);
  if (as_key) {
    b.add_key(n.IsScalar() ? utf8_text(n.Scalar(), b) : std::string_view(), offset);
    return;
  }
  if (n.IsMap()) {
    b.open(document::kind::map, offset);
    for (const auto& kv : n) {
      copy_yaml(kv.first, b, true);
      copy_yaml(kv.second, b, false);
    }
    b.close();
  } else if (n.IsSequence()) {
    b.open(document::kind::sequence, offset);
    for (const auto& item : n) copy_yaml(item, b, false);
    b.close();
  } else if (n.IsScalar()) {
    b.add_value(document::kind::scalar, utf8_text(n.Scalar(), b), offset);
  } else {
    b.add_value(document::kind::null, {}, offset);
  }
}

}  // namespace

std::optional<document> document::from_json(std::string_view text, std::size_t max_depth, std::vector<node> room,
                                             json_error* error) {
  // The text is checked as UTF-8 first, at once, and Boost.JSON told not to: its own check
  // leaves its fast string scan at every non-ASCII byte, which in Chinese text is every third.
  // (Outside strings such bytes are a syntax error either way.)
  if (const std::size_t bad = evenhand::detail::first_invalid_utf8(text); bad != std::string_view::npos) {
    if (error) *error = {bad, "invalid UTF-8"};
    return std::nullopt;
  }
  json::parse_options options;
  options.max_depth = max_depth;
  options.allow_invalid_utf8 = true;
  json::basic_parser<json_handler> p(options, text, std::move(room));
  json::error_code ec;
  std::size_t used = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && used == text.size()) return p.handler().b.take();
  if (error) {
    // Where the parser stopped: at the byte it could not take, or after the value.
    error->offset = std::min(used, text.size());
    const std::size_t before = text.find_last_not_of(" \t\r\n", error->offset ? error->offset - 1 : 0);
    const char here = error->offset < text.size() ? text[error->offset] : '\0';
    if (!ec) {
      error->message = "text after the end of the JSON value";
    } else if ((here == '}' || here == ']') && before != std::string_view::npos && text[before] == ',' && error->offset) {
      error->offset = before;  // at the comma, the byte to remove
      error->message = std::string("a comma before '") + here + "'";
    } else if (ec == json::error::too_deep) {
      error->message = "nested more than " + std::to_string(max_depth) + " levels deep";
    } else if (ec == json::error::incomplete) {
      error->message = "it ends before the JSON value does";
    } else {
      error->message = ec.message();
    }
  }
  return std::nullopt;
}

void document::locate_json(std::string_view text) noexcept {
  // One node per key, string, number, literal and opening bracket, in the order the parser
  // made them: the same order as the text's tokens.
  std::size_t k = 0;
  for (std::size_t i = 0; i < text.size() && k < nodes_.size();) {
    switch (text[i]) {
      case ' ': case '\t': case '\n': case '\r': case ',': case ':': case ']': case '}': ++i; break;
      case '{': case '[': nodes_[k++].offset = i++; break;
      case '"':
        nodes_[k++].offset = i++;
        while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
        ++i;
        break;
      default:  // a number, true, false or null
        nodes_[k++].offset = i;
        while (i < text.size() && std::string_view(" \t\r\n,:]}").find(text[i]) == std::string_view::npos) ++i;
    }
  }
}

bool document::has_duplicate_keys() const {
  // A key is compared only with the earlier keys of its map that share a cheap 6-bit hash of
  // it (its size and three of its bytes): a valid application's maps cost about one pass over
  // their keys. A map of more keys than that suits is sorted.
  constexpr std::size_t small = 48;
  auto hash = [](std::string_view t) {
    std::uint64_t h = (t.size() + 1) * 0x9E3779B97F4A7C15ull;
    if (!t.empty())
      h ^= (std::uint64_t{static_cast<unsigned char>(t.front())} << 8 | std::uint64_t{static_cast<unsigned char>(t.back())} << 16 |
            std::uint64_t{static_cast<unsigned char>(t[t.size() / 2])} << 24) *
           0xC2B2AE3D27D4EB4Full;
    return static_cast<std::uint8_t>(h >> 58);
  };
  std::array<std::uint8_t, small> hashes;
  std::array<std::string_view, small> texts;
  static thread_local std::vector<std::string_view> keys;
  for (const node& m : nodes_) {
    if (!m.is_map() || m.size < 2) continue;
    if (m.size <= small) {
      std::uint64_t mask = 0;
      std::size_t n = 0;
      for (std::uint32_t i = m.first; i != none; i = nodes_[i].next, ++n) {
        const std::string_view t = nodes_[i].text;
        const std::uint8_t h = hash(t);
        if (mask >> h & 1)
          for (std::size_t j = 0; j < n; ++j)
            if (hashes[j] == h && texts[j] == t) return true;
        mask |= std::uint64_t{1} << h;
        hashes[n] = h;
        texts[n] = t;
      }
      continue;
    }
    keys.clear();
    for (std::uint32_t i = m.first; i != none; i = nodes_[i].next) keys.push_back(nodes_[i].text);
    std::sort(keys.begin(), keys.end());
    const bool repeats = std::adjacent_find(keys.begin(), keys.end()) != keys.end();
    if (keys.capacity() > 4096) keys = {};
    if (repeats) return true;
  }
  return false;
}

document document::from_yaml(const YAML::Node& root) {
  document_builder b({});
  copy_yaml(root, b, false);
  return b.take();
}

}  // namespace evenhand::eval::detail
