// Source locations and diagnostics: what an editor wrote wrong, as data.
#pragma once

#include <evenhand/detail/json_out.hpp>

#include <algorithm>
#include <cstdint>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand {

/// A byte range [begin, end) in one source text (an expression, a YAML file).
struct source_span {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  friend constexpr bool operator==(source_span, source_span) noexcept = default;
};

/// A place in a named file. Lines and columns are 1-based; columns count Unicode code points,
/// so a caret lands under the right character in a UTF-8 terminal. 0 means "unknown".
struct source_location {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::uint32_t length = 0;  ///< code points underlined, at least 1 when known
};

enum class severity : std::uint8_t { error, warning, note };

constexpr std::string_view to_string(severity s) noexcept {
  switch (s) {
    case severity::error: return "error";
    case severity::warning: return "warning";
    case severity::note: return "note";
  }
  return "error";
}

/// One problem found in what a user wrote. Codes are stable: `E1xx` expression syntax,
/// `E2xx` expression types, `E3xx` standards, `W…` warnings.
struct diagnostic {
  severity level = severity::error;
  std::string code;
  std::string message;
  source_location where;
  std::string hint;         ///< optional: how to fix it
  std::string source_line;  ///< optional: the line of source the location points into
  source_span span;         ///< byte range in the text that was parsed (for remapping into files)
};

using diagnostics = std::vector<diagnostic>;

inline bool has_errors(const diagnostics& ds) noexcept {
  for (const auto& d : ds)
    if (d.level == severity::error) return true;
  return false;
}

namespace detail {

/// Number of code points in a UTF-8 byte range; invalid bytes count one each.
inline std::uint32_t count_code_points(std::string_view s) noexcept {
  std::uint32_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace detail

/// Line and column (1-based, code points) of byte `offset` in `text`, plus that line's text.
struct line_column {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
  std::string_view line_text;
};

inline line_column locate(std::string_view text, std::size_t offset) noexcept {
  if (offset > text.size()) offset = text.size();
  line_column lc;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++lc.line;
      line_start = i + 1;
    }
  }
  lc.column = detail::count_code_points(text.substr(line_start, offset - line_start)) + 1;
  std::size_t line_end = text.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = text.size();
  lc.line_text = text.substr(line_start, line_end - line_start);
  if (!lc.line_text.empty() && lc.line_text.back() == '\r') lc.line_text.remove_suffix(1);
  return lc;
}

/// Renders GCC-style: `file:line:col: error[E101]: message`, the source line, a caret, the hint.
inline std::string render_text(const diagnostic& d) {
  std::string out;
  const auto& w = d.where;
  out += w.file.empty() ? std::string("<input>") : w.file;
  if (w.line) {
    out += ':' + std::to_string(w.line);
    if (w.column) out += ':' + std::to_string(w.column);
  }
  out += ": ";
  out += to_string(d.level);
  if (!d.code.empty()) out += "[" + d.code + "]";
  out += ": " + d.message + "\n";
  if (!d.source_line.empty() && w.column) {
    out += "    " + d.source_line + "\n    ";
    // Keep tabs so the caret lines up under tab-indented source.
    std::uint32_t col = 1;
    for (std::size_t i = 0; i < d.source_line.size() && col < w.column; ++i) {
      unsigned char c = static_cast<unsigned char>(d.source_line[i]);
      if ((c & 0xC0) == 0x80) continue;
      out += c == '\t' ? '\t' : ' ';
      ++col;
    }
    out += '^';
    for (std::uint32_t i = 1; i < w.length; ++i) out += '~';
    out += '\n';
  }
  if (!d.hint.empty()) out += "    hint: " + d.hint + "\n";
  return out;
}

inline std::string render_text(const diagnostics& ds) {
  std::string out;
  for (const auto& d : ds) out += render_text(d);
  return out;
}

/// The first error, on one line (`file:line:col: error[E…]: message`), for messages that name
/// why a whole operation failed.
inline std::string first_error(const diagnostics& ds) {
  for (const auto& d : ds)
    if (d.level == severity::error) {
      std::string text = render_text(d);
      return text.substr(0, text.find('\n'));
    }
  return "it cannot be read";
}

namespace detail {

inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  const char* p = s.data();
  const char* const end = p + s.size();
  const char* run = p;  // start of the pending run of characters that need no escape
  for (; p != end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (!json_escape_table[c]) [[likely]]
      continue;
    out.append(run, p);
    run = p + 1;
    switch (c) {
      case '"': out.append("\\\"", 2); break;
      case '\\': out.append("\\\\", 2); break;
      case '\b': out.append("\\b", 2); break;
      case '\f': out.append("\\f", 2); break;
      case '\n': out.append("\\n", 2); break;
      case '\r': out.append("\\r", 2); break;
      case '\t': out.append("\\t", 2); break;
      default: {
        const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        out.append(u, 6);
      }
    }
  }
  out.append(run, end);
  out.push_back('"');
}

}  // namespace detail

/// Renders one diagnostic as a JSON object with a fixed key order.
inline std::string render_json(const diagnostic& d) {
  std::string out = "{\"severity\":";
  detail::append_json_string(out, to_string(d.level));
  out += ",\"code\":";
  detail::append_json_string(out, d.code);
  out += ",\"message\":";
  detail::append_json_string(out, d.message);
  out += ",\"file\":";
  detail::append_json_string(out, d.where.file);
  out += ",\"line\":" + std::to_string(d.where.line);
  out += ",\"column\":" + std::to_string(d.where.column);
  out += ",\"length\":" + std::to_string(d.where.length);
  if (!d.hint.empty()) {
    out += ",\"hint\":";
    detail::append_json_string(out, d.hint);
  }
  out += '}';
  return out;
}

inline std::string render_json(const diagnostics& ds) {
  std::string out = "[";
  for (std::size_t i = 0; i < ds.size(); ++i) {
    if (i) out += ',';
    out += render_json(ds[i]);
  }
  out += ']';
  return out;
}

/// Levenshtein distance, for "did you mean" hints.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

/// The candidate closest to `name`, if it is close enough to be a plausible typo.
template <class Range>
std::string closest_match(std::string_view name, const Range& candidates) {
  std::string best;
  std::size_t best_distance = static_cast<std::size_t>(-1);
  for (const auto& c : candidates) {
    std::string_view cv(c);
    std::size_t d = edit_distance(name, cv);
    if (d < best_distance || (d == best_distance && cv < std::string_view(best))) {
      best_distance = d;
      best = std::string(cv);
    }
  }
  std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(3, (name.size() + 2) / 3));
  return best_distance <= limit ? best : std::string();
}

}  // namespace evenhand
