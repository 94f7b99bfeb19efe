// A read-only tree of a small YAML or JSON document (an application): maps, sequences and
// scalars, each with its byte offset in the source.
//
// Applications arrive by the thousand per second, mostly as JSON. JSON is read by Boost.JSON's
// SAX parser straight into this tree, keeping exact number text (decimals stay exact) and
// pointing into the source where no unescaping was needed. YAML goes through yaml-cpp (after
// libyaml's syntax check) and is copied into the same tree, so one reader checks both.
#pragma once

#include <evenhand/detail/utf8.hpp>
#include <evenhand/diagnostics.hpp>

#include "../yaml_guard.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <forward_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::eval::detail {

class document {
 public:
  enum class kind : std::uint8_t { null, scalar, sequence, map };
  static constexpr std::uint32_t none = static_cast<std::uint32_t>(-1);

  struct node {
    kind k = kind::null;
    std::uint32_t size = 0;      ///< sequence: how many items; map: how many keys
    std::string_view text;       ///< scalar: its text (JSON numbers as written)
    std::uint32_t first = none;  ///< sequence: first item; map: first key
    std::uint32_t next = none;   ///< the next item or key of the same parent
    std::uint32_t value = none;  ///< a map key: its value
    std::size_t offset = 0;      ///< byte offset in the source (JSON: 0 where unknown)

    bool is_map() const noexcept { return k == kind::map; }
    bool is_sequence() const noexcept { return k == kind::sequence; }
    bool is_scalar() const noexcept { return k == kind::scalar; }
    bool is_null() const noexcept { return k == kind::null; }
  };

  const node& root() const noexcept { return nodes_.front(); }
  const node& at(std::uint32_t i) const noexcept { return nodes_[i]; }

  /// Calls f(child) for a sequence's items, or f(key) for a map's keys (value: at(key.value)).
  template <class F>
  void each(const node& parent, F&& f) const {
    for (std::uint32_t i = parent.first; i != none; i = nodes_[i].next) f(nodes_[i]);
  }
  /// How many items a sequence has, or keys a map.
  std::size_t count(const node& parent) const noexcept { return parent.size; }
  /// The value of `key` in a map, or nullptr.
  const node* find(const node& map, std::string_view key) const noexcept {
    if (!map.is_map()) return nullptr;
    for (std::uint32_t i = map.first; i != none; i = nodes_[i].next)
      if (nodes_[i].text == key) return &nodes_[nodes_[i].value];
    return nullptr;
  }

  /// Why a text is not JSON: where (a byte offset), and what.
  struct json_error {
    std::size_t offset = 0;
    std::string message;
  };
  /// The JSON text as a tree; nullopt when it is not JSON, with why in `error` when given.
  /// `room`, when given, is a node buffer to reuse (see `give_back_nodes`). Its nodes' offsets
  /// are those of keys, strings and numbers only (see `locate_json`).
  static std::optional<document> from_json(std::string_view text, std::size_t max_depth,
                                           std::vector<node> room = {}, json_error* error = nullptr);
  /// Gives every node of a document read by `from_json` from `text` its exact offset: the
  /// parser's events carry none for maps, lists, true, false and null. One pass over the text.
  void locate_json(std::string_view text) noexcept;
  /// Whether a key repeats an earlier key of the same map (see `each_duplicate_key`); with no
  /// allocation for documents of small maps, as applications are.
  bool has_duplicate_keys() const;
  /// Calls f(first, repeat) for each key that repeats an earlier key of the same map, in
  /// document order of the repeats. O(n log n) in the keys.
  template <class F>
  void each_duplicate_key(F&& f) const {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> found;  // (repeat, first)
    std::vector<std::uint32_t> keys;
    for (const node& m : nodes_) {
      if (!m.is_map() || m.size < 2) continue;
      keys.clear();
      for (std::uint32_t i = m.first; i != none; i = nodes_[i].next) keys.push_back(i);
      if (keys.size() <= 8) {
        for (std::size_t j = 1; j < keys.size(); ++j)
          for (std::size_t i = 0; i < j; ++i)
            if (nodes_[keys[i]].text == nodes_[keys[j]].text) {
              found.emplace_back(keys[j], keys[i]);
              break;
            }
        continue;
      }
      std::stable_sort(keys.begin(), keys.end(), [&](std::uint32_t a, std::uint32_t b) { return nodes_[a].text < nodes_[b].text; });
      for (std::size_t i = 0, j = 1; j < keys.size(); ++j) {
        if (nodes_[keys[j]].text != nodes_[keys[i]].text) i = j;
        else found.emplace_back(keys[j], keys[i]);
      }
    }
    std::sort(found.begin(), found.end());
    for (const auto& [repeat, first] : found) f(nodes_[first], nodes_[repeat]);
  }
  /// Empties this document and hands its node buffer, with its room, to the next `from_json`.
  std::vector<node> give_back_nodes() noexcept {
    std::vector<node> out = std::move(nodes_);
    out.clear();
    storage_.clear();
    return out;
  }
  /// A parsed YAML document as a tree; its scalars are views into `root`'s nodes.
  static document from_yaml(const YAML::Node& root);

 private:
  friend class document_builder;
  std::vector<node> nodes_;
  // Text that had to be unescaped. A list: views into it stay valid as it grows, and an empty
  // one allocates nothing (most documents need none; a deque allocates on construction).
  std::forward_list<std::string> storage_;
};

/// A diagnostic at byte `offset` of `text`, which starts at line `first_line` of `file`.
inline diagnostic located(std::string_view text, const std::string& file, std::size_t offset, std::string code,
                          std::string message, std::string hint = {}, std::uint32_t length = 1,
                          std::uint32_t first_line = 1) {
  diagnostic d;
  d.code = std::move(code);
  d.message = std::move(message);
  d.hint = std::move(hint);
  d.where.file = file;
  offset = std::min(offset, text.size());
  line_column lc = locate(text, offset);
  d.where.line = lc.line + first_line - 1;
  d.where.column = lc.column;
  d.where.length = length;
  set_source_line(d, lc.line_text, offset - static_cast<std::size_t>(lc.line_text.data() - text.data()));
  return d;
}

/// What a reader of one kind of document reports its problems as.
struct document_kind {
  std::string_view what;       ///< in messages: "the application"
  const char* syntax_code;     ///< not valid JSON or YAML, or not UTF-8 (E400)
  const char* size_code;       ///< larger than `max_bytes` (E406)
  const char* duplicate_code;  ///< a key given twice in one map (E405)
  std::size_t max_depth;       ///< nesting of maps and lists
  std::string_view size_hint;  ///< what to do about a text too large
  std::size_t max_bytes = max_input_bytes;
};

/// "4 MiB (4194304 bytes)", or "1000 bytes".
inline std::string bytes_text(std::size_t n) {
  constexpr std::size_t mib = 1024 * 1024;
  return n % mib == 0 ? std::to_string(n / mib) + " MiB (" + std::to_string(n) + " bytes)" : std::to_string(n) + " bytes";
}

/// Reads `text` with `read(doc, quiet)`, which returns an optional result, as the format
/// declared (`detect`: JSON when it starts with '{', else YAML; never by which parser accepts
/// it). A text larger than `kind.max_bytes`, not UTF-8, not valid in its format, or with a key
/// given twice in one map is reported here, located. JSON, the common case, is read quietly
/// first; only when it holds an error are its nodes located exactly and it is read again to
/// report each one.
template <class Read>
auto read_document(std::string_view text, const std::string& file, input_format format, const document_kind& kind,
                   std::uint32_t first_line, diagnostics& problems, Read&& read)
    -> decltype(read(std::declval<const document&>(), true)) {
  auto report = [&](const char* code, std::size_t offset, std::string message, std::string hint = {}) {
    problems.push_back(located(text, file, offset, code, std::move(message), std::move(hint), 0, first_line));
  };
  if (text.size() > kind.max_bytes) {
    report(kind.size_code, 0, std::string(kind.what) + " is larger than " + bytes_text(kind.max_bytes) + ", the limit（超过大小上限）",
           std::string(kind.size_hint));
    return {};
  }
  const bool json = resolve_format(format, text) == input_format::json;
  // Text that is not UTF-8 is named at its first bad byte (the parsers say less).
  if (const std::size_t bad = evenhand::detail::first_invalid_utf8(text); bad != std::string_view::npos) {
    static constexpr char hex[] = "0123456789abcdef";
    const auto byte = static_cast<unsigned char>(text[bad]);
    report(kind.syntax_code, bad,
           std::string(kind.what) + " is not UTF-8: byte 0x" + hex[byte >> 4] + hex[byte & 15] + "（不是UTF-8编码）",
           "save it as UTF-8 (not GBK)");
    return {};
  }
  auto duplicates = [&](const document& doc) {
    bool any = false;
    doc.each_duplicate_key([&](const document::node& first, const document::node& repeat) {
      any = true;
      if (!problems.has_room(file)) return problems.omit(file, kind.duplicate_code, severity::error);
      const std::uint32_t first_at = locate(text, first.offset).line + first_line - 1;
      report(kind.duplicate_code, repeat.offset,
             "key '" + std::string(repeat.text) + "' is given twice; the first is on line " + std::to_string(first_at) +
                 "（键重复）",
             "keep one of them: which one holds is not guessed");
    });
    return any;
  };
  if (json) {
    // Each thread keeps the node buffer of the last document it read: a hall system reads
    // application after application, and a fresh buffer is a large allocation each time.
    // It is moved out while in use, so a nested read would only start with an empty one.
    static thread_local std::vector<document::node> spare;
    constexpr std::size_t kept_at_most = 1 << 14;  // nodes (768 kB): no giant is held on to
    document::json_error error;
    auto doc = document::from_json(text, kind.max_depth, std::move(spare), &error);
    if (!doc) {
      report(kind.syntax_code, error.offset, std::string(kind.what) + " is not valid JSON: " + error.message + "（不是有效的JSON）",
             error.message.starts_with("a comma before")
                 ? "JSON allows no comma after the last member or item"
                 : std::string());
      return {};
    }
    auto r = read(*doc, true);
    if (!r || doc->has_duplicate_keys()) {
      r = {};
      doc->locate_json(text);
      if (!duplicates(*doc)) r = read(*doc, false);
    }
    spare = doc->give_back_nodes();
    if (spare.capacity() > kept_at_most) spare = {};
    return r;
  }
  auto syntax = [&](std::size_t offset, const std::string& message) {
    report(kind.syntax_code, offset, std::string(kind.what) + " is not valid YAML: " + message + "（不是有效的YAML）");
  };
  if (auto bad = evenhand::detail::check_yaml_syntax(text, kind.max_depth)) {
    syntax(bad->offset, bad->message);
    return {};
  }
  YAML::Node yaml;
  try {
    yaml = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    syntax(e.mark.is_null() ? 0 : static_cast<std::size_t>(e.mark.pos), e.msg);
    return {};
  }
  const document doc = document::from_yaml(yaml);
  if (duplicates(doc)) return {};
  return read(doc, false);
}

}  // namespace evenhand::eval::detail
