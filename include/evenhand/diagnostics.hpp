// Source locations and diagnostics: what an editor wrote wrong, as data.
#pragma once

#include <evenhand/detail/json_out.hpp>
#include <evenhand/detail/utf8.hpp>
#include <evenhand/input.hpp>

#include <algorithm>
#include <cstdint>
#include <array>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
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
  /// optional: the line of source the location points into, or (a long line) a window of it
  /// around the column, "…" where it was cut (see `set_source_line`)
  std::string source_line;
  source_span span;         ///< byte range in the text that was parsed (for remapping into files)
  /// The column of `where.column` inside `source_line`, when that is a window of the line
  /// (code points, 1-based); 0: `source_line` starts where the line does.
  std::uint32_t source_column = 0;
};

namespace detail {

/// Number of code points in a UTF-8 byte range; invalid bytes count one each.
inline std::uint32_t count_code_points(std::string_view s) noexcept {
  std::uint32_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

/// The byte offset of code point `column` (1-based) in `line`, or its size when the line is
/// shorter.
inline std::size_t offset_of_column(std::string_view line, std::uint32_t column) noexcept {
  std::uint32_t col = 0;
  for (std::size_t i = 0; i < line.size(); ++i)
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80 && ++col == column) return i;
  return line.size();
}

}  // namespace detail

/// A window of a source line around a place in it, as a diagnostic keeps it.
struct source_excerpt {
  std::string text;           ///< the line, or at most max_excerpt_columns of it with "…" where cut
  std::uint32_t column = 1;   ///< the place's column in `text` (code points, 1-based)
};

/// The window of `line` around byte `at` (clamped to the line): the whole line when it fits in
/// max_excerpt_columns and max_excerpt_bytes, else up to half of that before `at` and the rest
/// after it, cut at character boundaries with "…" where cut. Reads only the bytes near `at`.
inline source_excerpt excerpt(std::string_view line, std::size_t at) {
  using evenhand::detail::display_width;
  using evenhand::detail::utf8_decode;
  using evenhand::detail::utf8_sequence;
  at = std::min(at, line.size());
  while (at > 0 && at < line.size() && (static_cast<unsigned char>(line[at]) & 0xC0) == 0x80 &&
         (static_cast<unsigned char>(line[at - 1]) & 0x80))
    --at;  // onto the start of the character `at` is inside
  source_excerpt out;
  if (line.size() <= max_excerpt_bytes && display_width(line) <= max_excerpt_columns) {
    out.text = std::string(line);
    out.column = detail::count_code_points(line.substr(0, at)) + 1;
    return out;
  }
  const char* const end = line.data() + line.size();
  auto char_at = [&](std::size_t i, std::size_t& bytes) {
    const std::size_t n = utf8_sequence(line.data() + i, end);
    bytes = n ? n : 1;
    return n ? display_width(utf8_decode(line.data() + i, n)) : std::size_t{1};
  };
  // The characters that may come before `at`: starts found by reading forward from a point a
  // window's bytes back (a character is at most 4 bytes, so the first whole one is found).
  std::size_t from = at > max_excerpt_bytes + 4 ? at - max_excerpt_bytes - 4 : 0;
  while (from < at && from > 0 && (static_cast<unsigned char>(line[from]) & 0xC0) == 0x80) ++from;
  std::vector<std::pair<std::size_t, std::size_t>> before;  // (offset, width)
  for (std::size_t i = from, n = 0; i < at; i += n) before.emplace_back(i, char_at(i, n));
  std::size_t columns = 0, bytes = 0, begin = at, stop = at;
  auto take_before = [&](std::size_t max_columns, std::size_t max_bytes) {
    while (!before.empty() && columns + before.back().second <= max_columns && bytes + (begin - before.back().first) <= max_bytes) {
      columns += before.back().second;
      bytes += begin - before.back().first;
      begin = before.back().first;
      before.pop_back();
    }
  };
  auto take_after = [&](std::size_t max_columns, std::size_t max_bytes) {
    while (stop < line.size()) {
      std::size_t n = 0;
      const std::size_t w = char_at(stop, n);
      if (stop > at && (columns + w > max_columns || bytes + n > max_bytes)) break;  // the place itself always shows
      columns += w;
      bytes += n;
      stop += n;
    }
  };
  // One column and three bytes of each budget are for the "…" marks.
  const std::size_t max_columns = max_excerpt_columns - 2, max_bytes = max_excerpt_bytes - 6;
  take_before(max_columns / 2, max_bytes / 2);
  take_after(max_columns, max_bytes);
  take_before(max_columns, max_bytes);  // room the end of the line left
  if (begin > 0) out.text = "…";
  out.text.append(line.substr(begin, stop - begin));
  if (stop < line.size()) out.text += "…";
  out.column = (begin > 0 ? 1 : 0) + detail::count_code_points(line.substr(begin, at - begin)) + 1;
  return out;
}

/// Sets `d.source_line` to the window of `line` around byte `at`, and `d.source_column` to
/// the place's column in it. Never copies more of the line than the window.
inline void set_source_line(diagnostic& d, std::string_view line, std::size_t at) {
  source_excerpt e = excerpt(line, at);
  d.source_line = std::move(e.text);
  d.source_column = e.column;
}

/// The diagnostics of a run over some input, in the order found. Each input file (by
/// `where.file`) keeps its first max_diagnostics; past that a diagnostic is only counted, by
/// code, in one last diagnostic of that file: "and N more of the same kinds", as severe as
/// the worst it counts. A hostile input with a million errors costs a hundred, and a reader
/// asks `has_room` before building a diagnostic it would only count.
class diagnostics {
 public:
  using value_type = diagnostic;
  using size_type = std::size_t;
  using reference = diagnostic&;
  using const_reference = const diagnostic&;
  using iterator = std::vector<diagnostic>::iterator;
  using const_iterator = std::vector<diagnostic>::const_iterator;

  diagnostics() = default;
  diagnostics(std::initializer_list<diagnostic> ds) {
    for (const auto& d : ds) push_back(d);
  }

  /// Adds `d`, or counts it when its file already has max_diagnostics. A long source line is
  /// cut to its window around the column.
  void push_back(diagnostic d) {
    file_count& f = count_for(d.where.file);
    if (f.summary != none) {
      omit(f, d.code, d.level);
      return;
    }
    if (d.source_line.size() > max_excerpt_columns && d.source_column == 0 && d.where.column) {
      const std::string line = std::move(d.source_line);
      set_source_line(d, line, detail::offset_of_column(line, d.where.column));
    }
    ++f.kept;
    items_.push_back(std::move(d));
  }
  /// Appends `first`..`last` as push_back does, one by one (only at the end).
  template <class It>
  iterator insert(const_iterator, It first, It last) {
    const std::size_t at = items_.size();
    for (; first != last; ++first) push_back(*first);
    return items_.begin() + static_cast<std::ptrdiff_t>(at);
  }
  /// Moves `other`'s diagnostics to the end, as push_back would add them one by one, each of its
  /// "and N more" diagnostics merged into this one's counts (a ruleset's files, read apart).
  void append(diagnostics&& other) {
    for (std::size_t k = 0; k < other.items_.size(); ++k) {
      const auto from = std::find_if(other.files_.begin(), other.files_.end(), [&](const file_count& f) { return f.summary == k; });
      if (from == other.files_.end()) {
        push_back(std::move(other.items_[k]));
        continue;
      }
      file_count& f = count_for(from->file);
      const severity worst = other.items_[k].level;
      for (const auto& [code, n] : from->by_code) omit(f, code, worst, n);
      // The counts by severity as they were, not all at the worst.
      f.by_level[static_cast<std::size_t>(worst)] -= from->omitted;
      for (std::size_t level = 0; level < f.by_level.size(); ++level) f.by_level[level] += from->by_level[level];
    }
    other.clear();
  }
  /// Whether a diagnostic of `file` would be kept now, not only counted.
  bool has_room(std::string_view file) { return count_for(file).summary == none; }
  /// Counts a diagnostic of `file` that is not built because there is no room for it.
  void omit(std::string_view file, std::string_view code, severity level) { omit(count_for(file), code, level); }
  /// Diagnostics counted and not kept, in all files.
  std::size_t omitted() const noexcept {
    std::size_t n = 0;
    for (const auto& f : files_) n += f.omitted;
    return n;
  }
  /// Diagnostics of `level` found, kept or only counted (a summary is not one of them).
  std::size_t count(severity level) const noexcept {
    std::size_t n = 0;
    for (const auto& d : items_) n += d.level == level;
    for (const auto& f : files_) {
      n += f.by_level[static_cast<std::size_t>(level)];
      if (f.summary != none && items_[f.summary].level == level) --n;
    }
    return n;
  }

  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  iterator begin() noexcept { return items_.begin(); }
  iterator end() noexcept { return items_.end(); }
  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.end(); }
  diagnostic& operator[](std::size_t i) noexcept { return items_[i]; }
  const diagnostic& operator[](std::size_t i) const noexcept { return items_[i]; }
  diagnostic& at(std::size_t i) { return items_.at(i); }
  const diagnostic& at(std::size_t i) const { return items_.at(i); }
  diagnostic& front() noexcept { return items_.front(); }
  const diagnostic& front() const noexcept { return items_.front(); }
  diagnostic& back() noexcept { return items_.back(); }
  const diagnostic& back() const noexcept { return items_.back(); }
  void reserve(std::size_t n) { items_.reserve(std::min(n, max_diagnostics + 1)); }
  void clear() noexcept {
    items_.clear();
    files_.clear();
  }

 private:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  struct file_count {
    std::string file;
    std::size_t kept = 0;
    std::size_t omitted = 0;
    std::size_t summary = none;  ///< the index of its "and N more" diagnostic
    std::vector<std::pair<std::string, std::size_t>> by_code;
    std::array<std::size_t, 3> by_level{};  ///< omitted, by severity
  };

  file_count& count_for(std::string_view file) {
    // A file's diagnostics mostly come together: the last one asked for first.
    if (files_.empty() || files_.back().file != file) {
      auto it = std::find_if(files_.begin(), files_.end(), [&](const file_count& f) { return f.file == file; });
      if (it == files_.end()) files_.emplace_back().file = file;
      else std::rotate(it, it + 1, files_.end());
    }
    file_count& f = files_.back();
    if (f.summary == none && f.kept >= max_diagnostics) {
      f.summary = items_.size();
      diagnostic& d = items_.emplace_back();
      d.level = severity::note;
      d.where.file = f.file;
    }
    return f;
  }

  /// Counts `n` diagnostics of `code` and `level` that are not kept, in `f`'s summary.
  void omit(file_count& f, std::string_view code, severity level, std::size_t n = 1) {
    if (f.summary == none) {  // room after all: counted, as asked
      f.kept = max_diagnostics;
      count_for(f.file);
    }
    auto c = std::find_if(f.by_code.begin(), f.by_code.end(), [&](const auto& e) { return e.first == code; });
    if (c == f.by_code.end()) {
      f.by_code.emplace_back(std::string(code), n);
      std::sort(f.by_code.begin(), f.by_code.end());
    } else {
      c->second += n;
    }
    f.omitted += n;
    f.by_level[static_cast<std::size_t>(level)] += n;
    diagnostic& d = items_[f.summary];
    if (static_cast<int>(level) < static_cast<int>(d.level)) d.level = level;  // error < warning < note
    write_summary(f);
  }

  /// "and 9900 more of the same kinds: E401 ×9899, E402 ×1（另有9900条同类问题未列出）"
  void write_summary(const file_count& f) {
    diagnostic& d = items_[f.summary];
    const std::string n = std::to_string(f.omitted);
    d.message.assign("and ").append(n).append(" more of the same kinds: ");
    for (std::size_t i = 0; i < f.by_code.size(); ++i) {
      if (i) d.message += ", ";
      d.message.append(f.by_code[i].first.empty() ? std::string_view("other") : std::string_view(f.by_code[i].first));
      d.message.append(" ×").append(std::to_string(f.by_code[i].second));
    }
    d.message.append("（另有").append(n).append("条同类问题未列出）");
  }

  std::vector<diagnostic> items_;
  std::vector<file_count> files_;
};

inline bool has_errors(const diagnostics& ds) noexcept {
  for (const auto& d : ds)
    if (d.level == severity::error) return true;
  return false;
}

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
    // As wide as what comes before the column: tabs kept, so the caret lines up under
    // tab-indented source, and two spaces under a CJK character, which takes two columns.
    const std::uint32_t column = d.source_column ? d.source_column : w.column;
    const std::string_view line = d.source_line;
    auto width_at = [&](std::size_t i) -> std::size_t {
      const std::size_t n = evenhand::detail::utf8_sequence(line.data() + i, line.data() + line.size());
      return n > 1 ? evenhand::detail::display_width(evenhand::detail::utf8_decode(line.data() + i, n)) : 1;
    };
    std::uint32_t col = 1;
    std::size_t i = 0;
    for (; i < line.size() && col < column; ++i) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      if ((c & 0xC0) == 0x80) continue;
      out.append(width_at(i), c == '\t' ? '\t' : ' ');
      ++col;
    }
    // The underline as wide as the characters it is under: a CJK character takes two columns.
    std::size_t underline = 0;
    std::uint32_t chars = 0;
    for (; i < line.size() && chars < std::max<std::uint32_t>(w.length, 1); ++i) {
      if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
      underline += width_at(i);
      ++chars;
    }
    if (chars < w.length) underline += w.length - chars;  // past the line's end (or its window)
    out += '^';
    out.append(underline > 1 ? underline - 1 : 0, '~');
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
