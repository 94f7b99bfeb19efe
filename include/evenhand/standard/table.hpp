// Decision tables (DESIGN §3): the cells' unary tests and the static analysis `evenhand lint`
// runs on a table — overlapping rows under `hit: unique`, masked rows under `hit: first`, and
// inputs no row matches (gaps).
//
// The analysis is by representative points, not by symbolic intervals: each input column gets
// a finite set of values that covers every distinct behaviour of cells comparing `?` with
// constants (each enum value; each constant, a value on each side and one between each pair of
// neighbouring constants for numbers and dates). Every finding carries a concrete input, so an
// overlap or a gap reported is real; a cell doing something else (`? % 2 == 0`) may hide one.
//
// Lives in `standard::tables` because the ruleset model (model.hpp) already names its own
// `table_cell`, `table_row` and `hit_policy` in `standard`.
#pragma once

#include <evenhand/date.hpp>
#include <evenhand/decimal.hpp>
#include <evenhand/expr.hpp>
#include <evenhand/value.hpp>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evenhand::standard::tables {

/// How a table picks its result: exactly one row may match (`unique`), the first matching row
/// in table order wins (`first`), or every matching row contributes (`collect`).
enum class hit_policy : std::uint8_t { unique, first, collect };

/// Turns a cell's text into an expression over the placeholder `?` (the column's input value),
/// as DMN's unary tests read. The text is trimmed of blanks first; then, in this order:
///  - `-` means any value: nullopt;
///  - a text starting with a comparison operator (`<`, `<=`, `>`, `>=`, `==`, `!=`) gets
///    `? ` prepended: `>= 100` → `? >= 100`;
///  - a DMN interval `[lo..hi]`, `(lo..hi)`, `]lo..hi[` and their mixes (square bracket facing
///    inwards = inclusive) → `? >= (lo) && ? < (hi)` etc.: `[10..100)` → `? >= (10) && ? < (100)`;
///  - a plain value — a literal (string, number, bool, null, possibly negated), a name
///    (`applicant.region`), a conversion of literals (`date("2026-01-01")`,
///    `decimal("0.5")`) or a list of those — written without `?` → `? == (text)`;
///  - DMN's comma list of plain values (`"a", "b"`) → `? in [text]`;
///  - anything else is used as written and must mention `?` (`"catering" in ?`,
///    `!("catering" in ?)`, `size(?) > 2`); compiling it reports what is wrong otherwise.
/// An empty text is returned as is (compiling it fails: a cell must say something).
std::optional<std::string> unary_test_source(std::string_view cell);

/// One input column of a table.
struct table_input {
  std::string name;  ///< the field or fact, as the table's `inputs` list names it
  expr::type type;   ///< its declared type (the placeholder's type in this column's cells)
  /// The closed domain, when the field lists one: an enum's values (for list<enum>, the
  /// element values). Empty: taken from an enum type's values, else the type decides.
  std::vector<value> values;
};

struct table_cell {
  std::optional<expr::program> test;  ///< compiled with `?` typed as the column; nullopt = any
  std::string text;                   ///< as written
};

struct table_row {
  std::vector<table_cell> cells;  ///< one per input (missing trailing cells count as any)
  std::size_t number = 0;         ///< 1-based row number as the editor sees it
};

struct table_finding {
  enum class kind { overlap, masked, gap } what = kind::gap;
  /// Row numbers involved: overlap, the two rows; masked, the masked row then the rows that
  /// mask it (ascending); gap, none.
  std::vector<std::size_t> rows;
  /// Input name → a concrete input showing the finding, in input order (masked: empty).
  std::vector<std::pair<std::string, value>> example;
  std::string message;  ///< English, one line
};

struct table_analysis_limits {
  /// Points (combinations of input representatives) examined exhaustively; beyond, as many
  /// again are sampled.
  std::size_t max_points = 200000;
};

struct table_analysis {
  /// Sorted by `rows` (lexicographically, so a gap — no rows — comes first); at most 20.
  std::vector<table_finding> findings;
  /// The exhaustive search exceeded `max_points` and the rest was sampled: overlaps and gaps
  /// found are still real, but some may be missed, and a row reported masked (its message
  /// says "among the sampled inputs") may in fact be reachable.
  bool truncated = false;
};

/// Analyses a table (see the file comment for the method):
///  - `unique`: pairs of rows that match a same input (overlap), one finding per pair;
///  - `first`: rows never chosen because earlier rows match every input they match (masked),
///    including rows that match no input at all;
///  - `unique` and `first`: inputs no row matches (gap, at most one finding, its message naming
///    only the inputs that matter). Checked only when every input's domain is enumerable or
///    made of intervals (enum, bool, list<enum>, int, uint, decimal, date, or listed values);
///    a free string (or another kind) makes gaps expected, so none are reported.
///  - `collect`: nothing (overlaps are the point, gaps are empty results).
/// Cells are evaluated with an activation of `env` (cells should read only `?`); a cell holds
/// for a value iff its program returns `true` (errors and unknowns do not match).
/// Deterministic: the same table gives the same findings, in the same order, with the same
/// examples.
table_analysis analyze_table(hit_policy hit, const std::vector<table_input>& inputs,
                             const std::vector<table_row>& rows, const expr::environment& env,
                             table_analysis_limits limits = {});

// ---------------------------------------------------------------------------------------------

namespace detail {

inline std::string_view trim(std::string_view s) noexcept {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

inline bool mentions_placeholder(const expr::ast& t) noexcept {
  for (const auto& n : t.nodes)
    if (n.kind == expr::node_kind::placeholder) return true;
  return false;
}

inline bool is_numeric_literal(const expr::node& n) noexcept {
  return n.kind == expr::node_kind::literal && (n.lit.index() == 2 || n.lit.index() == 3 || n.lit.index() == 4);
}

/// A value written without computation: what DMN lets a cell name for equality.
inline bool is_plain(const expr::ast& t, expr::node_id id) {
  const expr::node& n = t.at(id);
  switch (n.kind) {
    case expr::node_kind::literal:
    case expr::node_kind::ident: return true;
    case expr::node_kind::unary:
      return n.op.unary == expr::unary_op::negate && is_numeric_literal(t.at(n.args[0]));
    case expr::node_kind::select:  // a dotted name
      return !n.test_only && (t.at(n.args[0]).kind == expr::node_kind::ident ||
                              t.at(n.args[0]).kind == expr::node_kind::select) && is_plain(t, n.args[0]);
    case expr::node_kind::call: {
      static constexpr std::string_view conversions[] = {"date",   "decimal", "timestamp", "duration", "int",
                                                         "uint",   "double",  "string",    "bytes"};
      if (n.receiver_call || std::find(std::begin(conversions), std::end(conversions), n.name) == std::end(conversions))
        return false;
      for (auto a : n.args) {
        const expr::node& arg = t.at(a);
        if (arg.kind != expr::node_kind::literal && !(arg.kind == expr::node_kind::unary && is_plain(t, a)))
          return false;
      }
      return true;
    }
    case expr::node_kind::list:
      for (auto a : n.args)
        if (!is_plain(t, a)) return false;
      return true;
    default: return false;
  }
}

/// `[lo..hi)` and friends; nullopt when the text is not an interval.
inline std::optional<std::string> interval_source(std::string_view t) {
  if (t.size() < 5) return std::nullopt;
  char open = t.front(), close = t.back();
  if ((open != '[' && open != '(' && open != ']') || (close != ']' && close != ')' && close != '['))
    return std::nullopt;
  std::string_view inner = t.substr(1, t.size() - 2);
  // The first ".." outside quotes and brackets separates the bounds.
  char quote = 0;
  int depth = 0;
  std::size_t split = std::string_view::npos;
  for (std::size_t i = 0; i < inner.size(); ++i) {
    char c = inner[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    else if (c == '(' || c == '[' || c == '{') ++depth;
    else if (c == ')' || c == ']' || c == '}') --depth;
    else if (depth == 0 && c == '.' && i + 1 < inner.size() && inner[i + 1] == '.') {
      split = i;
      break;
    }
  }
  if (split == std::string_view::npos) return std::nullopt;
  std::string_view lo = trim(inner.substr(0, split)), hi = trim(inner.substr(split + 2));
  if (lo.empty() || hi.empty()) return std::nullopt;
  std::string s = "? ";
  s += open == '[' ? ">=" : ">";
  s += " (" + std::string(lo) + ") && ? ";
  s += close == ']' ? "<=" : "<";
  s += " (" + std::string(hi) + ")";
  return s;
}

}  // namespace detail

inline std::optional<std::string> unary_test_source(std::string_view cell) {
  std::string_view t = detail::trim(cell);
  if (t == "-") return std::nullopt;
  if (t.empty()) return std::string(t);
  for (std::string_view op : {"<", ">", "==", "!="})
    if (t.starts_with(op)) return "? " + std::string(t);
  if (auto iv = detail::interval_source(t)) return iv;
  expr::parse_options po;
  po.allow_placeholder = true;
  auto pr = expr::parse(t, po);
  if (pr.tree) {
    if (!detail::mentions_placeholder(*pr.tree) && pr.tree->root != expr::no_node &&
        detail::is_plain(*pr.tree, pr.tree->root))
      return "? == (" + std::string(t) + ")";
    return std::string(t);
  }
  // DMN's "a", "b": a comma list only parses inside brackets.
  std::string bracketed = "[" + std::string(t) + "]";
  auto lr = expr::parse(bracketed, po);
  if (lr.tree && lr.tree->root != expr::no_node && !detail::mentions_placeholder(*lr.tree)) {
    const expr::node& root = lr.tree->at(lr.tree->root);
    if (root.kind == expr::node_kind::list && root.args.size() >= 2 && detail::is_plain(*lr.tree, lr.tree->root))
      return "? in " + bracketed;
  }
  return std::string(t);
}

namespace detail {

/// Constants a column's cells compare `?` with, by the kind they can stand for.
struct column_constants {
  std::vector<std::int64_t> ints;
  std::vector<decimal> decimals;
  std::vector<date> dates;
  std::vector<std::string> strings;
};

/// A numeric literal's exact value from its source text (parentheses and blanks dropped, as
/// the checker reads literals beside a decimal), so 0.1 stays 0.1.
inline std::optional<decimal> literal_decimal(const expr::ast& t, expr::node_id id) {
  const expr::node& n = t.at(id);
  if (n.kind != expr::node_kind::literal) return std::nullopt;
  switch (n.lit.index()) {
    case 2: return decimal::from_int(std::get<std::int64_t>(n.lit));
    case 3: {
      auto u = std::get<std::uint64_t>(n.lit);
      return decimal::from_parts(static_cast<decimal::coefficient_type>(u), 0);
    }
    case 4: {
      std::string cleaned;
      for (char c : t.text(id))
        if (c != ' ' && c != '(' && c != ')') cleaned += c;
      return decimal::parse(cleaned);
    }
    default: return std::nullopt;
  }
}

inline void add_number(column_constants& out, const decimal& d) {
  out.decimals.push_back(d);
  // An int column needs the integers on both sides of a fractional constant.
  if (auto i = d.to_int64_truncated()) {
    out.ints.push_back(*i);
    if (d.normalized().scale() > 0 && *i < INT64_MAX && *i > INT64_MIN) out.ints.push_back(d.sign() < 0 ? *i - 1 : *i + 1);
  }
}

inline void collect_constants(const expr::ast& t, column_constants& out) {
  for (expr::node_id id = 0; id < t.nodes.size(); ++id) {
    const expr::node& n = t.at(id);
    if (n.kind == expr::node_kind::literal) {
      if (auto d = literal_decimal(t, id)) add_number(out, *d);
      if (n.lit.index() == 5) {
        const auto& s = std::get<std::string>(n.lit);
        out.strings.push_back(s);
        if (auto dt = date::parse(s)) out.dates.push_back(*dt);
        if (auto d = decimal::parse(s)) add_number(out, *d);  // decimal("0.5")
      }
    } else if (n.kind == expr::node_kind::unary && n.op.unary == expr::unary_op::negate) {
      if (auto d = literal_decimal(t, n.args[0])) add_number(out, negate(*d));
    } else if (n.kind == expr::node_kind::call && !n.receiver_call && n.name == "date" && n.args.size() == 3) {
      std::int64_t ymd[3] = {0, 0, 0};
      bool ok = true;
      for (int i = 0; i < 3 && ok; ++i) {
        const expr::node& a = t.at(n.args[static_cast<std::size_t>(i)]);
        ok = a.kind == expr::node_kind::literal && a.lit.index() == 2;
        if (ok) ymd[i] = std::get<std::int64_t>(a.lit);
      }
      if (ok && ymd[0] >= date::min_year && ymd[0] <= date::max_year && ymd[1] >= 1 && ymd[1] <= 12 && ymd[2] >= 1 &&
          ymd[2] <= 31)
        if (auto dt = date::from_ymd(static_cast<int>(ymd[0]), static_cast<int>(ymd[1]), static_cast<int>(ymd[2])))
          out.dates.push_back(*dt);
    }
  }
}

template <class T, class Less>
void sort_unique(std::vector<T>& v, Less less) {
  std::sort(v.begin(), v.end(), less);
  v.erase(std::unique(v.begin(), v.end(), [&](const T& a, const T& b) { return !less(a, b) && !less(b, a); }),
          v.end());
}

/// c1−1, c1, (between), c2, …, ck, ck+1 for sorted distinct constants.
inline std::vector<value> int_points(std::vector<std::int64_t> c) {
  sort_unique(c, std::less<>());
  if (c.empty()) return {value(std::int64_t{0})};
  std::vector<value> out;
  if (c.front() > INT64_MIN) out.emplace_back(c.front() - 1);
  for (std::size_t i = 0; i < c.size(); ++i) {
    out.emplace_back(c[i]);
    if (i + 1 < c.size() && c[i] + 1 < c[i + 1]) out.emplace_back(c[i] + 1);
  }
  if (c.back() < INT64_MAX) out.emplace_back(c.back() + 1);
  return out;
}

inline std::vector<value> decimal_points(std::vector<decimal> c) {
  sort_unique(c, [](const decimal& a, const decimal& b) { return a < b; });
  const decimal one = decimal::from_int(1), two = decimal::from_int(2);
  if (c.empty()) return {value(decimal())};
  std::vector<value> out;
  if (auto below = sub(c.front(), one)) out.emplace_back(*below);
  for (std::size_t i = 0; i < c.size(); ++i) {
    out.emplace_back(c[i]);
    if (i + 1 < c.size())
      if (auto sum = add(c[i], c[i + 1]))
        if (auto mid = div(*sum, two); mid && *mid > c[i] && *mid < c[i + 1]) out.emplace_back(*mid);
  }
  if (auto above = add(c.back(), one)) out.emplace_back(*above);
  return out;
}

inline std::vector<value> date_points(std::vector<date> c) {
  sort_unique(c, [](date a, date b) { return a < b; });
  if (c.empty()) return {value(*date::from_ymd(2000, 1, 1))};
  std::vector<value> out;
  if (auto below = c.front().plus_days(-1)) out.emplace_back(*below);
  for (std::size_t i = 0; i < c.size(); ++i) {
    out.emplace_back(c[i]);
    if (i + 1 < c.size())
      if (auto next = c[i].plus_days(1); next && *next < c[i + 1]) out.emplace_back(*next);
  }
  if (auto above = c.back().plus_days(1)) out.emplace_back(*above);
  return out;
}

/// The constants written plus one string none of them is (the "anything else" input).
inline std::vector<value> string_points(std::vector<std::string> c) {
  sort_unique(c, std::less<>());
  std::vector<value> out(c.begin(), c.end());
  std::string other = "other";
  while (std::binary_search(c.begin(), c.end(), other)) other += '\'';
  out.emplace_back(other);
  return out;
}

/// Sub-lists of the elements: empty, singletons, pairs (≤ 8 elements), all.
inline std::vector<value> subset_points(const std::vector<value>& e) {
  std::vector<value> out;
  out.emplace_back(list{});
  for (const auto& x : e) out.emplace_back(list{x});
  if (e.size() <= 8)
    for (std::size_t i = 0; i < e.size(); ++i)
      for (std::size_t j = i + 1; j < e.size(); ++j) out.emplace_back(list{e[i], e[j]});
  if (e.size() >= 3) out.emplace_back(list(e.begin(), e.end()));  // smaller: already a pair
  return out;
}

struct column_domain {
  std::vector<value> points;
  bool closed = true;  ///< enumerable or intervals: gaps are meaningful
};

inline column_domain domain_of(const table_input& in, const column_constants& k) {
  using expr::type_kind;
  const expr::type& t = in.type;
  auto listed = [&](const expr::type& ty) {
    std::vector<value> v = in.values;
    if (v.empty() && ty.kind() == type_kind::enum_)
      for (const auto& s : ty.enum_values()) v.emplace_back(s);
    return v;
  };
  column_domain d;
  if (t.kind() == type_kind::list) {
    std::vector<value> e = listed(t.elem());
    if (!e.empty()) {
      d.points = subset_points(e);
      return d;
    }
    d.closed = false;
    if (t.elem().is_stringish() || t.elem().is_dyn())
      for (auto& s : string_points(k.strings)) e.push_back(std::move(s));
    else if (t.elem().kind() == type_kind::int_)
      e = int_points(k.ints);
    d.points.emplace_back(list{});
    for (const auto& x : e) d.points.emplace_back(list{x});
    if (e.size() >= 2) d.points.emplace_back(list(e.begin(), e.end()));
    return d;
  }
  if (std::vector<value> v = listed(t); !v.empty()) {
    d.points = std::move(v);
    return d;
  }
  switch (t.kind()) {
    case type_kind::bool_: d.points = {value(true), value(false)}; return d;
    case type_kind::int_: d.points = int_points(k.ints); return d;
    case type_kind::uint_:
      for (const auto& p : int_points(k.ints))
        if (p.as_int() >= 0) d.points.emplace_back(static_cast<std::uint64_t>(p.as_int()));
      if (d.points.empty()) d.points.emplace_back(std::uint64_t{0});
      return d;
    case type_kind::decimal: d.points = decimal_points(k.decimals); return d;
    case type_kind::date: d.points = date_points(k.dates); return d;
    case type_kind::string:
    case type_kind::enum_: d.closed = false; d.points = string_points(k.strings); return d;
    default:
      // Not modelled (double, timestamp, dyn…): the strings and integers written, or null.
      d.closed = false;
      if (t.is_dyn()) {
        d.points = string_points(k.strings);
        for (auto& p : int_points(k.ints)) d.points.push_back(std::move(p));
      } else {
        d.points.emplace_back(nullptr);
      }
      return d;
  }
}

/// A value as an editor would write it in a cell (strings quoted, dates as ISO text).
inline void append_display(std::string& out, const value& v) {
  switch (v.kind()) {
    case value_kind::null_value: out += "null"; return;
    case value_kind::bool_value: out += v.as_bool() ? "true" : "false"; return;
    case value_kind::int_value: out += std::to_string(v.as_int()); return;
    case value_kind::uint_value: out += std::to_string(v.as_uint()); return;
    case value_kind::double_value: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_double());
      out.append(buf, r.ptr);
      return;
    }
    case value_kind::decimal_value: out += v.as_decimal().to_string(); return;
    case value_kind::date_value: out += v.as_date().to_string(); return;
    case value_kind::string_value: {
      out += '"';
      for (char c : v.as_string()) {
        if (c == '"' || c == '\\') {
          out += '\\';
          out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\x";
          out += hex[(c >> 4) & 0xf];
          out += hex[c & 0xf];
        } else {
          out += c;
        }
      }
      out += '"';
      return;
    }
    case value_kind::list_value: {
      out += '[';
      bool first = true;
      for (const auto& x : v.as_list()) {
        if (!first) out += ", ";
        first = false;
        append_display(out, x);
      }
      out += ']';
      return;
    }
    default: out += kind_name(v.kind()); return;
  }
}

/// "row 1", "rows 1 and 2", "rows 1, 2 and 3".
inline std::string row_list(const std::vector<std::size_t>& r) {
  std::string s = r.size() == 1 ? "row " : "rows ";
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (i) s += i + 1 == r.size() ? " and " : ", ";
    s += std::to_string(r[i]);
  }
  return s;
}

/// The search over combinations of column classes. Rows are bits; a column's values that
/// select the same rows form one class, since no cell can tell them apart, so only one
/// representative per class is ever combined.
class analyzer {
 public:
  analyzer(hit_policy hit, const std::vector<table_input>& inputs, const std::vector<table_row>& rows,
           const expr::environment& env, table_analysis_limits limits)
      : hit_(hit), inputs_(inputs), rows_(rows), n_rows_(rows.size()), words_((rows.size() + 63) / 64),
        n_cols_(inputs.size()), budget_(limits.max_points) {
    build_classes(env);
    found_.assign(n_rows_ * words_, 0);
    maskers_.assign(n_rows_ * words_, 0);
    matched_.assign(n_rows_, false);
    witnessed_.assign(n_rows_, false);
    path_.assign(n_cols_, 0);
  }

  table_analysis run() {
    table_analysis out;
    std::vector<std::uint64_t> all(words_, 0);
    for (std::size_t r = 0; r < n_rows_; ++r) all[r / 64] |= bit(r);
    bool empty_domain = false;
    for (const auto& c : reps_) empty_domain = empty_domain || c.empty();
    if (!empty_domain) {
      search(0, all);
      if (aborted_) {
        out.truncated = true;
        sample();
      }
    }
    report(out);
    return out;
  }

 private:
  static std::uint64_t bit(std::size_t r) noexcept { return std::uint64_t{1} << (r % 64); }
  static bool any(const std::uint64_t* s, std::size_t w) noexcept {
    for (std::size_t i = 0; i < w; ++i)
      if (s[i]) return true;
    return false;
  }
  const std::uint64_t* cls(std::size_t col, std::size_t k) const noexcept {
    return classes_[col].data() + k * words_;
  }

  void build_classes(const expr::environment& env) {
    expr::activation act(env);
    reps_.resize(n_cols_);
    classes_.resize(n_cols_);
    bool closed = true;
    for (std::size_t c = 0; c < n_cols_; ++c) {
      column_constants k;
      for (const auto& row : rows_)
        if (c < row.cells.size() && row.cells[c].test) collect_constants(row.cells[c].test->tree(), k);
      column_domain d = domain_of(inputs_[c], k);
      closed = closed && d.closed;
      std::map<std::vector<std::uint64_t>, std::size_t> seen;  // lookup only, never iterated
      for (const auto& p : d.points) {
        std::vector<std::uint64_t> s(words_, 0);
        for (std::size_t r = 0; r < n_rows_; ++r) {
          const auto& cells = rows_[r].cells;
          bool ok = true;
          if (c < cells.size() && cells[c].test) {
            value v = cells[c].test->evaluate(act, p);
            ok = v.is_bool() && v.as_bool();
          }
          if (ok) s[r / 64] |= bit(r);
        }
        if (seen.emplace(s, reps_[c].size()).second) {
          reps_[c].push_back(p);
          classes_[c].insert(classes_[c].end(), s.begin(), s.end());
        }
      }
    }
    check_gaps_ = closed && hit_ != hit_policy::collect;
    // suffix_[d]: rows that can still match given columns d.. (each has some class with them).
    // cover_[d]: rows matching whatever columns d.. are (a row of '-' cells, say): with one
    // of them reachable, no input below is a gap.
    suffix_.assign((n_cols_ + 1) * words_, 0);
    for (std::size_t r = 0; r < n_rows_; ++r) suffix_[n_cols_ * words_ + r / 64] |= bit(r);
    cover_ = suffix_;
    for (std::size_t c = n_cols_; c-- > 0;) {
      for (std::size_t w = 0; w < words_; ++w) {
        std::uint64_t u = 0, i = ~std::uint64_t{0};
        for (std::size_t k = 0; k < reps_[c].size(); ++k) {
          u |= cls(c, k)[w];
          i &= cls(c, k)[w];
        }
        suffix_[c * words_ + w] = u & suffix_[(c + 1) * words_ + w];
        cover_[c * words_ + w] = i & cover_[(c + 1) * words_ + w];
      }
    }
  }

  bool gap_open() const noexcept { return check_gaps_ && !gap_; }

  void search(std::size_t depth, const std::vector<std::uint64_t>& s) {
    if (aborted_) return;
    if (++visited_ > budget_) {
      aborted_ = true;
      return;
    }
    std::vector<std::uint64_t> reach(words_);
    for (std::size_t w = 0; w < words_; ++w) reach[w] = s[w] & suffix_[depth * words_ + w];
    if (!any(reach.data(), words_)) {
      // Every input below here is unmatched.
      if (gap_open()) {
        gap_ = path_;
        std::fill(gap_->begin() + static_cast<std::ptrdiff_t>(depth), gap_->end(), 0);
      }
      return;
    }
    if (depth == n_cols_) {
      leaf(reach);
      return;
    }
    bool learn = false;
    if (hit_ == hit_policy::unique) {
      for (std::size_t i = 0; i < n_rows_ && !learn; ++i) {
        if (!(reach[i / 64] & bit(i))) continue;
        for (std::size_t w = i / 64; w < words_ && !learn; ++w) {
          // Bits above i in its word (none for bit 63: the shift wraps to 0, 0 - 1 is all ones).
          std::uint64_t above = w == i / 64 ? ~((bit(i) << 1) - 1) : ~std::uint64_t{0};
          learn = (reach[w] & above & ~found_[i * words_ + w]) != 0;
        }
      }
    } else if (hit_ == hit_policy::first) {
      // The first reachable row is chosen somewhere below: pick, per column, a class holding
      // it; the rows matching there are all reachable, so none comes before it. (Other rows
      // are marked matched only at leaves, where the rows masking them are known.)
      bool first = true;
      for (std::size_t r = 0; r < n_rows_; ++r) {
        if (!(reach[r / 64] & bit(r))) continue;
        if (first) {
          witnessed_[r] = true;
          matched_[r] = true;
        }
        first = false;
        learn = learn || !witnessed_[r];
      }
    }
    bool gap_below = gap_open();
    for (std::size_t w = 0; w < words_ && gap_below; ++w) gap_below = !(reach[w] & cover_[depth * words_ + w]);
    if (!learn && !gap_below) return;
    std::vector<std::uint64_t> next(words_);
    for (std::size_t k = 0; k < reps_[depth].size(); ++k) {
      path_[depth] = k;
      const std::uint64_t* c = cls(depth, k);
      for (std::size_t w = 0; w < words_; ++w) next[w] = reach[w] & c[w];
      search(depth + 1, next);
      if (aborted_) return;
    }
  }

  /// One input (path_) matched by the rows in `s`.
  void leaf(const std::vector<std::uint64_t>& s) {
    if (!any(s.data(), words_)) {
      if (gap_open()) gap_ = path_;
      return;
    }
    if (hit_ == hit_policy::unique) {
      for (std::size_t i = 0; i < n_rows_; ++i) {
        if (!(s[i / 64] & bit(i))) continue;
        for (std::size_t j = i + 1; j < n_rows_; ++j) {
          if (!(s[j / 64] & bit(j)) || (found_[i * words_ + j / 64] & bit(j))) continue;
          found_[i * words_ + j / 64] |= bit(j);
          add_overlap(i, j);
        }
      }
    } else if (hit_ == hit_policy::first) {
      bool first = true;
      for (std::size_t r = 0; r < n_rows_; ++r) {
        if (!(s[r / 64] & bit(r))) continue;
        matched_[r] = true;
        if (first) witnessed_[r] = true;
        first = false;
        // The earlier rows matching here take this input from r.
        for (std::size_t w = 0; w <= r / 64; ++w) {
          std::uint64_t below = w < r / 64 ? ~std::uint64_t{0} : bit(r) - 1;
          maskers_[r * words_ + w] |= s[w] & below;
        }
      }
    }
  }

  void add_overlap(std::size_t i, std::size_t j) {
    std::size_t a = rows_[i].number, b = rows_[j].number;
    auto key = std::make_pair(std::min(a, b), std::max(a, b));
    // Only the first max_findings pairs (by row numbers) can be reported; keep no more.
    if (overlaps_.size() >= max_findings && key > std::prev(overlaps_.end())->first) return;
    overlaps_.emplace(key, path_);
    if (overlaps_.size() > max_findings) overlaps_.erase(std::prev(overlaps_.end()));
  }

  void sample() {
    // A fixed-seed LCG (Knuth's MMIX constants): the same samples on every machine and run.
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    std::vector<std::uint64_t> s(words_);
    for (std::size_t n = 0; n < budget_; ++n) {
      for (std::size_t w = 0; w < words_; ++w) s[w] = suffix_[n_cols_ * words_ + w];
      for (std::size_t c = 0; c < n_cols_; ++c) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        auto count = static_cast<std::uint64_t>(reps_[c].size());
        path_[c] = static_cast<std::size_t>(((state >> 32) * count) >> 32);
        const std::uint64_t* k = cls(c, path_[c]);
        for (std::size_t w = 0; w < words_; ++w) s[w] &= k[w];
      }
      leaf(s);
    }
  }

  std::vector<std::pair<std::string, value>> example_of(const std::vector<std::size_t>& p) const {
    std::vector<std::pair<std::string, value>> ex;
    for (std::size_t c = 0; c < n_cols_; ++c) ex.emplace_back(inputs_[c].name, reps_[c][p[c]]);
    return ex;
  }

  static std::string describe(const std::vector<std::pair<std::string, value>>& ex, const std::vector<bool>& show) {
    std::string s;
    for (std::size_t c = 0; c < ex.size(); ++c) {
      if (!show[c]) continue;
      if (!s.empty()) s += ", ";
      s += ex[c].first + " = ";
      append_display(s, ex[c].second);
    }
    return s;
  }

  /// Whether no row matches whatever the columns in `free` are, the others fixed at `p`.
  bool unmatched_for_all(const std::vector<std::size_t>& p, const std::vector<bool>& free) const {
    std::vector<std::uint64_t> fixed(words_);
    for (std::size_t w = 0; w < words_; ++w) fixed[w] = suffix_[n_cols_ * words_ + w];
    std::vector<std::size_t> free_cols;
    std::size_t combos = 1;
    for (std::size_t c = 0; c < n_cols_; ++c) {
      if (free[c]) {
        free_cols.push_back(c);
        combos *= reps_[c].size();
        if (combos > 4096) combos = 4097;  // saturate: too many to check
        continue;
      }
      const std::uint64_t* k = cls(c, p[c]);
      for (std::size_t w = 0; w < words_; ++w) fixed[w] &= k[w];
    }
    if (!any(fixed.data(), words_)) return true;
    if (combos > 4096) return false;
    std::vector<std::size_t> idx(free_cols.size(), 0);
    std::vector<std::uint64_t> s(words_);
    for (;;) {
      s = fixed;
      for (std::size_t f = 0; f < free_cols.size(); ++f) {
        const std::uint64_t* k = cls(free_cols[f], idx[f]);
        for (std::size_t w = 0; w < words_; ++w) s[w] &= k[w];
      }
      if (any(s.data(), words_)) return false;
      std::size_t f = 0;
      for (; f < free_cols.size(); ++f) {
        if (++idx[f] < reps_[free_cols[f]].size()) break;
        idx[f] = 0;
      }
      if (f == free_cols.size()) return true;
    }
  }

  void report(table_analysis& out) const {
    const char* sampled = out.truncated ? " (among the sampled inputs)" : "";
    std::vector<bool> all_shown(n_cols_, true);
    for (const auto& [key, p] : overlaps_) {
      table_finding f;
      f.what = table_finding::kind::overlap;
      f.rows = {key.first, key.second};
      f.example = example_of(p);
      f.message = "rows " + std::to_string(key.first) + " and " + std::to_string(key.second) + " overlap: both match " +
                  (n_cols_ ? describe(f.example, all_shown) : std::string("every input"));
      out.findings.push_back(std::move(f));
    }
    if (hit_ == hit_policy::first) {
      for (std::size_t r = 0; r < n_rows_; ++r) {
        if (witnessed_[r]) continue;
        table_finding f;
        f.what = table_finding::kind::masked;
        std::vector<std::size_t> by;
        for (std::size_t q = 0; q < r; ++q)
          if (maskers_[r * words_ + q / 64] & bit(q)) by.push_back(rows_[q].number);
        std::sort(by.begin(), by.end());
        f.rows.push_back(rows_[r].number);
        f.rows.insert(f.rows.end(), by.begin(), by.end());
        if (by.empty())
          f.message = "row " + std::to_string(rows_[r].number) + " matches no input, so it is never chosen" + sampled;
        else
          f.message = "row " + std::to_string(rows_[r].number) + " is masked by " + row_list(by) +
                      ": every input it matches, an earlier row matches first" + sampled;
        out.findings.push_back(std::move(f));
      }
    }
    if (gap_) {
      table_finding f;
      f.what = table_finding::kind::gap;
      f.example = example_of(*gap_);
      // Name only the inputs that make the gap: drop, one by one, each input whose value
      // does not matter given those already dropped.
      std::vector<bool> free(n_cols_, false);
      for (std::size_t c = 0; c < n_cols_; ++c) {
        free[c] = true;
        if (!unmatched_for_all(*gap_, free)) free[c] = false;
      }
      std::vector<bool> show(n_cols_);
      std::string whatever;
      std::size_t n_free = 0, seen_free = 0;
      for (std::size_t c = 0; c < n_cols_; ++c) n_free += free[c] ? 1 : 0;
      for (std::size_t c = 0; c < n_cols_; ++c) {
        show[c] = !free[c];
        if (!free[c]) continue;
        ++seen_free;
        if (seen_free > 1) whatever += seen_free == n_free ? " and " : ", ";
        whatever += inputs_[c].name;
      }
      if (n_free == n_cols_) f.message = "no row matches any input";
      else
        f.message = "no row matches " + describe(f.example, show) +
                    (n_free ? " (whatever " + whatever + (n_free == 1 ? " is)" : " are)") : std::string());
      out.findings.push_back(std::move(f));
    }
    std::stable_sort(out.findings.begin(), out.findings.end(),
                     [](const table_finding& a, const table_finding& b) { return a.rows < b.rows; });
    if (out.findings.size() > max_findings) out.findings.resize(max_findings);
  }

  static constexpr std::size_t max_findings = 20;

  hit_policy hit_;
  const std::vector<table_input>& inputs_;
  const std::vector<table_row>& rows_;
  std::size_t n_rows_, words_, n_cols_, budget_;
  std::vector<std::vector<value>> reps_;                ///< per column: one value per class
  std::vector<std::vector<std::uint64_t>> classes_;     ///< per column: the rows of each class
  std::vector<std::uint64_t> suffix_;                   ///< per depth: rows still satisfiable
  std::vector<std::uint64_t> cover_;                    ///< per depth: rows satisfied whatever follows
  bool check_gaps_ = false;
  std::size_t visited_ = 0;
  bool aborted_ = false;
  std::vector<std::size_t> path_;                       ///< class per column of the current input
  std::vector<std::uint64_t> found_;                    ///< unique: pairs already seen (i < j)
  std::map<std::pair<std::size_t, std::size_t>, std::vector<std::size_t>> overlaps_;
  std::vector<bool> matched_, witnessed_;               ///< first: matches some input / is chosen
  std::vector<std::uint64_t> maskers_;                  ///< first: earlier rows co-matching
  std::optional<std::vector<std::size_t>> gap_;
};

}  // namespace detail

inline table_analysis analyze_table(hit_policy hit, const std::vector<table_input>& inputs,
                                    const std::vector<table_row>& rows, const expr::environment& env,
                                    table_analysis_limits limits) {
  if (hit == hit_policy::collect) return {};
  return detail::analyzer(hit, inputs, rows, env, limits).run();
}

}  // namespace evenhand::standard::tables
