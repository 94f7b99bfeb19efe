// A semantic diff of two ruleset versions, item by item: what an editor's change does to the
// published standard, and whether it makes an item stricter or looser for the applicant.
//
//   auto d = evenhand::standard::diff_rulesets(*old_loaded.rules, *new_loaded.rules);
//   if (!d.equal()) std::cout << evenhand::standard::to_text(d);   // or to_json(d): canonical
//
// The models are compared, not the files: comments, YAML layout and whitespace inside
// expressions do not count; everything the engine evaluates does. Lint allowances are an
// editor's notes and are left out.
#pragma once

#include <evenhand/decimal.hpp>
#include <evenhand/diagnostics.hpp>
#include <evenhand/standard/model.hpp>
#include <evenhand/standard/text.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::standard {

enum class change_kind : std::uint8_t { added, removed, changed };

/// What a change does, where it can be known. A shorter or longer deadline binds the hall;
/// stricter and looser speak for the applicant.
enum class change_effect : std::uint8_t { changed, stricter, looser, shorter, longer };

constexpr std::string_view to_string(change_kind k) noexcept {
  return k == change_kind::added ? "added" : k == change_kind::removed ? "removed" : "changed";
}
constexpr std::string_view to_string(change_effect e) noexcept {
  switch (e) {
    case change_effect::changed: return "changed";
    case change_effect::stricter: return "stricter";
    case change_effect::looser: return "looser";
    case change_effect::shorter: return "shorter";
    case change_effect::longer: return "longer";
  }
  return "changed";
}

struct change {
  std::string element;  ///< item, field, derive, condition, material, tolerance, deadline, step, table, row, fee, output, basis, calendar, ruleset
  std::string id;       ///< the element's id (deadlines: legal, promised, control_line, extension; rows: table#n)
  change_kind kind = change_kind::changed;
  std::string aspect;  ///< changed: the attribute that differs (require, copies, …)
  std::optional<std::string> before, after;  ///< the attribute's text (added/removed: the element's gist)
  change_effect effect = change_effect::changed;
  std::string message;             ///< a condition's message (new, or old when removed)
  std::vector<std::string> basis;  ///< the element's basis (new, or old when removed)
};

/// One version of an item, as the diff names it.
struct version_ref {
  std::string version;
  date effective_from;
  std::optional<date> effective_to;
  std::string file;
};

struct item_diff {
  std::string code;
  std::string name;
  std::optional<version_ref> old_version;  ///< absent: the item was added
  std::optional<version_ref> new_version;  ///< absent: the item was removed
  std::vector<change> changes;
};

struct ruleset_diff {
  std::vector<change> ruleset;   ///< ruleset.yaml settings and the calendar
  std::vector<item_diff> items;  ///< items that differ, by code, then date
  bool equal() const noexcept { return ruleset.empty() && items.empty(); }
};

namespace detail::diffing {

inline bool ident_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

/// Expression source with insignificant whitespace removed: runs of blanks outside string
/// literals collapse, and vanish unless they separate two word characters (`a in b`).
inline std::string normal_expression(std::string_view s) {
  std::string out;
  char quote = 0;
  bool blank = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      out += c;
      if (c == '\\' && i + 1 < s.size()) out += s[++i];
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      blank = true;
      continue;
    }
    if (blank && !out.empty() && ident_char(out.back()) && ident_char(c)) out += ' ';
    blank = false;
    if (c == '"' || c == '\'') quote = c;
    out += c;
  }
  return out;
}

inline std::optional<std::string> text_of(const std::optional<rule>& r) {
  return r ? std::optional<std::string>(r->source) : std::nullopt;
}
inline std::string join(const std::vector<std::string>& v, std::string_view sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : std::string(sep)) + x;
  return s;
}
inline std::string yes_no(bool b) { return b ? "true" : "false"; }

inline std::string field_shape(const field& f) {
  std::string s = f.type_text;
  if (!f.options.empty()) {
    s += " {";
    for (std::size_t i = 0; i < f.options.size(); ++i)
      s += (i ? ", " : "") + f.options[i].value + (f.options[i].label.empty() ? "" : ": " + f.options[i].label);
    s += "}";
  }
  if (!f.fields.empty()) {
    s += " {";
    for (std::size_t i = 0; i < f.fields.size(); ++i)
      s += (i ? "; " : "") + f.fields[i].name + ": " + field_shape(f.fields[i]) + (f.fields[i].personal ? " personal" : "") +
           (f.fields[i].label.empty() ? "" : " 「" + f.fields[i].label + "」");
    s += "}";
  }
  return s;
}

inline std::string row_text(const table_row& r) {
  std::string s = "[";
  for (std::size_t i = 0; i < r.inputs.size(); ++i) s += (i ? ", " : "") + r.inputs[i].text;
  s += " → ";
  for (std::size_t i = 0; i < r.outputs.size(); ++i) s += (i ? ", " : "") + r.outputs[i].text;
  return s + "]";
}
inline std::string normal_row(const table_row& r) {
  std::string s;
  for (const auto& c : r.inputs) s += normal_expression(c.text) + '\x1f';
  s += '\x1e';
  for (const auto& c : r.outputs) s += normal_expression(c.text) + '\x1f';
  return s;
}

inline std::string values_text(const output& o) {
  std::string s;
  for (const auto& [k, v] : o.values) s += (s.empty() ? "" : "; ") + k + ": " + v.source;
  return s;
}
inline std::string normal_values(const output& o) {
  std::string s;
  for (const auto& [k, v] : o.values) s += k + '\x1f' + normal_expression(v.source) + '\x1e';
  return s;
}

/// Collects the changes of one element: each attribute compared, appended when it differs.
class recorder {
 public:
  recorder(std::vector<change>& out, std::string element, std::string id, std::string message = {},
           std::vector<std::string> basis = {})
      : out_(out), element_(std::move(element)), id_(std::move(id)), message_(std::move(message)), basis_(std::move(basis)) {}

  void text(std::string aspect, const std::optional<std::string>& before, const std::optional<std::string>& after,
            change_effect e = change_effect::changed) {
    if (before == after) return;
    push(std::move(aspect), before, after, e);
  }
  /// Expressions compare by their normalised source; the change shows them as written.
  void expression(std::string aspect, const std::optional<rule>& before, const std::optional<rule>& after,
                  change_effect when_added = change_effect::changed, change_effect when_removed = change_effect::changed) {
    if (!before && !after) return;
    if (before && after) {
      if (normal_expression(before->source) != normal_expression(after->source))
        push(std::move(aspect), before->source, after->source, change_effect::changed);
      return;
    }
    push(std::move(aspect), text_of(before), text_of(after), before ? when_removed : when_added);
  }
  void flag(std::string aspect, bool before, bool after, change_effect when_set, change_effect when_cleared) {
    if (before != after) push(std::move(aspect), yes_no(before), yes_no(after), after ? when_set : when_cleared);
  }
  void period_value(std::string aspect, const std::optional<period>& before, const std::optional<period>& after,
                    change_effect when_added = change_effect::changed, change_effect when_removed = change_effect::changed) {
    if (!before && !after) return;
    if (before && after) {
      if (*before == *after) return;
      change_effect e = before->in != after->in            ? change_effect::changed
                        : after->amount < before->amount ? change_effect::shorter
                                                         : change_effect::longer;
      push(std::move(aspect), before->to_string(), after->to_string(), e);
      return;
    }
    push(std::move(aspect), before ? std::optional(before->to_string()) : std::nullopt,
         after ? std::optional(after->to_string()) : std::nullopt, before ? when_removed : when_added);
  }
  void list(std::string aspect, const std::vector<std::string>& before, const std::vector<std::string>& after) {
    if (before != after) push(std::move(aspect), join(before), join(after), change_effect::changed);
  }

 private:
  std::vector<change>& out_;
  std::string element_, id_, message_;
  std::vector<std::string> basis_;

  void push(std::string aspect, std::optional<std::string> before, std::optional<std::string> after, change_effect e) {
    out_.push_back(change{element_, id_, change_kind::changed, std::move(aspect), std::move(before), std::move(after), e, message_, basis_});
  }
};

/// Matches elements by id: changes of those in both (in the new order), then the added ones
/// in place, then the removed ones after.
template <class T, class Id, class Compare, class Added, class Removed>
void keyed(const std::vector<T>& olds, const std::vector<T>& news, Id id, Compare compare, Added added, Removed removed) {
  std::map<std::string, const T*> old_by_id, new_by_id;
  for (const auto& o : olds) old_by_id.emplace(id(o), &o);
  for (const auto& n : news) new_by_id.emplace(id(n), &n);
  for (const auto& n : news) {
    auto it = old_by_id.find(id(n));
    if (it == old_by_id.end()) added(n);
    else compare(*it->second, n);
  }
  for (const auto& o : olds)
    if (!new_by_id.count(id(o))) removed(o);
}

inline change element_change(std::string element, std::string id, change_kind kind, std::optional<std::string> gist,
                             change_effect e, std::string message = {}, std::vector<std::string> basis = {}) {
  change c{std::move(element), std::move(id), kind, {}, std::nullopt, std::nullopt, e, std::move(message), std::move(basis)};
  (kind == change_kind::added ? c.after : c.before) = std::move(gist);
  return c;
}

inline int failure_rank(failure f) noexcept { return f == failure::correct ? 0 : 1; }

/// Rows have no ids: unchanged rows are matched by content (longest common subsequence); in
/// each stretch between them, removed and added rows pair up as changed rows.
inline void diff_rows(std::vector<change>& out, const decision_table& a, const decision_table& b) {
  const auto& x = a.rows;
  const auto& y = b.rows;
  const std::size_t n = x.size(), m = y.size();
  std::vector<std::string> nx, ny;
  for (const auto& r : x) nx.push_back(normal_row(r));
  for (const auto& r : y) ny.push_back(normal_row(r));
  std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = nx[i] == ny[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<std::pair<std::size_t, std::size_t>> same;
  for (std::size_t i = 0, j = 0; i < n && j < m;) {
    if (nx[i] == ny[j]) same.emplace_back(i++, j++);
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) ++i;
    else ++j;
  }
  same.emplace_back(n, m);
  std::vector<change> removed;
  auto row_id = [&](std::size_t number) { return b.id + "#" + std::to_string(number); };
  std::size_t i = 0, j = 0;
  for (auto [si, sj] : same) {
    std::size_t k = 0;
    for (; i + k < si && j + k < sj; ++k) {
      change c{"row", row_id(y[j + k].number), change_kind::changed, "cells", row_text(x[i + k]), row_text(y[j + k]),
               change_effect::changed, {}, b.basis};
      out.push_back(std::move(c));
    }
    for (std::size_t q = j + k; q < sj; ++q)
      out.push_back(element_change("row", row_id(y[q].number), change_kind::added, row_text(y[q]), change_effect::changed, {}, b.basis));
    for (std::size_t q = i + k; q < si; ++q)
      removed.push_back(element_change("row", a.id + "#" + std::to_string(x[q].number), change_kind::removed, row_text(x[q]),
                                       change_effect::changed, {}, a.basis));
    i = si + 1;
    j = sj + 1;
  }
  out.insert(out.end(), removed.begin(), removed.end());
}

inline void diff_items(std::vector<change>& out, const item& a, const item& b) {
  {
    recorder r(out, "item", b.code);
    r.text("name", a.name, b.name);
    r.text("version", a.version, b.version);
    r.text("effective_from", a.effective_from.to_string(), b.effective_from.to_string());
    r.text("effective_to", a.effective_to ? std::optional(a.effective_to->to_string()) : std::nullopt,
           b.effective_to ? std::optional(b.effective_to->to_string()) : std::nullopt);
    r.text("authority", a.authority, b.authority);
    r.text("handling", a.handling == handling::immediate ? "immediate" : "promised",
           b.handling == handling::immediate ? "immediate" : "promised");
    r.flag("joint", a.joint, b.joint, change_effect::changed, change_effect::changed);
    r.text("kind", a.kind, b.kind);
  }

  keyed(a.fields, b.fields, [](const field& f) { return f.name; },
        [&](const field& x, const field& y) {
          recorder r(out, "field", y.name);
          r.text("type", field_shape(x), field_shape(y));
          r.text("label", x.label, y.label);
          r.flag("personal", x.personal, y.personal, change_effect::changed, change_effect::changed);
          r.text("description", x.description, y.description);
        },
        [&](const field& y) { out.push_back(element_change("field", y.name, change_kind::added, field_shape(y), change_effect::changed)); },
        [&](const field& x) { out.push_back(element_change("field", x.name, change_kind::removed, field_shape(x), change_effect::changed)); });

  keyed(a.derive, b.derive, [](const derived_fact& f) { return f.name; },
        [&](const derived_fact& x, const derived_fact& y) { recorder(out, "derive", y.name).expression("value", x.value, y.value); },
        [&](const derived_fact& y) { out.push_back(element_change("derive", y.name, change_kind::added, y.value.source, change_effect::changed)); },
        [&](const derived_fact& x) { out.push_back(element_change("derive", x.name, change_kind::removed, x.value.source, change_effect::changed)); });

  keyed(a.conditions, b.conditions, [](const condition& c) { return c.id; },
        [&](const condition& x, const condition& y) {
          recorder r(out, "condition", y.id, y.message, y.basis);
          r.text("stage", std::string(to_string(x.stage)), std::string(to_string(y.stage)));
          // A new `when` narrows where the condition applies; dropping it widens it.
          r.expression("when", x.when, y.when, change_effect::looser, change_effect::stricter);
          r.expression("require", x.require, y.require);
          int up = failure_rank(y.on_fail) - failure_rank(x.on_fail);
          r.text("on_fail", std::string(to_string(x.on_fail)), std::string(to_string(y.on_fail)),
                 up > 0 ? change_effect::stricter : up < 0 ? change_effect::looser : change_effect::changed);
          r.text("statement", x.statement, y.statement);
          r.text("message", x.message, y.message);
          r.list("basis", x.basis, y.basis);
        },
        [&](const condition& y) {
          out.push_back(element_change("condition", y.id, change_kind::added, y.require.source, change_effect::stricter, y.message, y.basis));
        },
        [&](const condition& x) {
          out.push_back(element_change("condition", x.id, change_kind::removed, x.require.source, change_effect::looser, x.message, x.basis));
        });

  keyed(a.materials, b.materials, [](const material& m) { return m.id; },
        [&](const material& x, const material& y) {
          recorder r(out, "material", y.id, {}, y.basis);
          r.text("name", x.name, y.name);
          // Required only in some cases is looser than always; always is stricter.
          r.expression("required_when", x.required_when, y.required_when, change_effect::looser, change_effect::stricter);
          change_effect form = change_effect::changed;
          if (x.form == material_form::copy && y.form == material_form::original) form = change_effect::stricter;
          if (x.form == material_form::original && y.form == material_form::copy) form = change_effect::looser;
          r.text("form", std::string(to_string(x.form)), std::string(to_string(y.form)), form);
          r.text("copies", std::to_string(x.copies), std::to_string(y.copies),
                 y.copies > x.copies ? change_effect::stricter : change_effect::looser);
          r.flag("tolerable", x.tolerable, y.tolerable, change_effect::looser, change_effect::stricter);
          r.period_value("tolerable.due", x.tolerance_due, y.tolerance_due);
          auto expiry_text = [](const std::optional<expiry>& e) { return e ? std::string(to_string(*e)) : std::string(); };
          r.text("tolerable.on_expiry", expiry_text(x.on_expiry), expiry_text(y.on_expiry));
          r.flag("shared", x.shared, y.shared, change_effect::looser, change_effect::stricter);
          r.flag("commitment", x.commitment, y.commitment, change_effect::looser, change_effect::stricter);
          r.list("carries", x.carries, y.carries);
          r.text("note", x.note, y.note);
          r.list("basis", x.basis, y.basis);
        },
        [&](const material& y) { out.push_back(element_change("material", y.id, change_kind::added, y.name, change_effect::stricter, {}, y.basis)); },
        [&](const material& x) { out.push_back(element_change("material", x.id, change_kind::removed, x.name, change_effect::looser, {}, x.basis)); });

  recorder(out, "tolerance", "due").period_value("due", a.tolerance_due, b.tolerance_due);
  recorder(out, "tolerance", "on_expiry")
      .text("on_expiry", std::string(to_string(a.tolerance_on_expiry)), std::string(to_string(b.tolerance_on_expiry)));

  {
    const auto& x = a.deadlines;
    const auto& y = b.deadlines;
    recorder(out, "deadline", "legal", {}, y.basis).period_value("period", x.legal, y.legal);
    recorder(out, "deadline", "promised", {}, y.basis).period_value("period", x.promised, y.promised);
    recorder(out, "deadline", "control_line", {}, y.basis).period_value("period", x.control_line, y.control_line);
    recorder(out, "deadline", "extension", {}, y.basis)
        .period_value("period", x.extension, y.extension, change_effect::longer, change_effect::shorter);
    recorder(out, "deadline", "basis").list("basis", x.basis, y.basis);
  }

  keyed(a.workflow, b.workflow, [](const step& s) { return s.id; },
        [&](const step& x, const step& y) {
          recorder r(out, "step", y.id, {}, y.basis);
          r.text("name", x.name, y.name);
          r.list("after", x.after, y.after);
          r.expression("when", x.when, y.when);
          r.period_value("limit", x.limit, y.limit);
          r.flag("counted", x.counted, y.counted, change_effect::changed, change_effect::changed);
          r.text("role", x.role, y.role);
          r.list("basis", x.basis, y.basis);
        },
        [&](const step& y) {
          out.push_back(element_change("step", y.id, change_kind::added, y.name + " (" + y.limit.to_string() + ")", change_effect::changed, {}, y.basis));
        },
        [&](const step& x) {
          out.push_back(element_change("step", x.id, change_kind::removed, x.name + " (" + x.limit.to_string() + ")", change_effect::changed, {}, x.basis));
        });

  keyed(a.tables, b.tables, [](const decision_table& t) { return t.id; },
        [&](const decision_table& x, const decision_table& y) {
          recorder r(out, "table", y.id, {}, y.basis);
          r.text("name", x.name, y.name);
          auto hit = [](hit_policy h) { return std::string(h == hit_policy::unique ? "unique" : h == hit_policy::first ? "first" : "collect"); };
          r.text("hit", hit(x.hit), hit(y.hit));
          r.list("inputs", x.inputs, y.inputs);
          r.list("outputs", x.outputs, y.outputs);
          r.list("basis", x.basis, y.basis);
          diff_rows(out, x, y);
        },
        [&](const decision_table& y) {
          out.push_back(element_change("table", y.id, change_kind::added, y.name + " (" + std::to_string(y.rows.size()) + " rows)",
                                       change_effect::changed, {}, y.basis));
        },
        [&](const decision_table& x) {
          out.push_back(element_change("table", x.id, change_kind::removed, x.name + " (" + std::to_string(x.rows.size()) + " rows)",
                                       change_effect::changed, {}, x.basis));
        });

  keyed(a.fees, b.fees, [](const fee& f) { return f.id; },
        [&](const fee& x, const fee& y) {
          recorder r(out, "fee", y.id, {}, y.basis);
          r.text("name", x.name, y.name);
          auto before = decimal::parse(x.amount.source), after = decimal::parse(y.amount.source);
          if (before && after) {
            if (*before != *after)
              r.text("amount", x.amount.source, y.amount.source, *after > *before ? change_effect::stricter : change_effect::looser);
          } else {
            r.expression("amount", x.amount, y.amount);
          }
          r.expression("when", x.when, y.when);
          r.list("basis", x.basis, y.basis);
        },
        [&](const fee& y) {
          auto amount = decimal::parse(y.amount.source);
          out.push_back(element_change("fee", y.id, change_kind::added, y.name + ": " + y.amount.source,
                                       amount && amount->sign() == 0 ? change_effect::changed : change_effect::stricter, {}, y.basis));
        },
        [&](const fee& x) {
          auto amount = decimal::parse(x.amount.source);
          out.push_back(element_change("fee", x.id, change_kind::removed, x.name + ": " + x.amount.source,
                                       amount && amount->sign() == 0 ? change_effect::changed : change_effect::looser, {}, x.basis));
        });

  keyed(a.outputs, b.outputs, [](const output& o) { return o.id; },
        [&](const output& x, const output& y) {
          recorder r(out, "output", y.id);
          r.text("name", x.name, y.name);
          r.expression("when", x.when, y.when);
          if (normal_values(x) != normal_values(y)) r.text("values", values_text(x), values_text(y));
        },
        [&](const output& y) { out.push_back(element_change("output", y.id, change_kind::added, y.name, change_effect::changed)); },
        [&](const output& x) { out.push_back(element_change("output", x.id, change_kind::removed, x.name, change_effect::changed)); });

  for (const auto& [id, text] : b.basis) {
    auto it = a.basis.find(id);
    if (it == a.basis.end()) out.push_back(element_change("basis", id, change_kind::added, text, change_effect::changed));
    else recorder(out, "basis", id).text("text", it->second, text);
  }
  for (const auto& [id, text] : a.basis)
    if (!b.basis.count(id)) out.push_back(element_change("basis", id, change_kind::removed, text, change_effect::changed));
}

inline void diff_calendars(std::vector<change>& out, const workday_calendar* a, const workday_calendar* b) {
  if (!a || !b) {
    if (a != b) out.push_back(change{"calendar", "", a ? change_kind::removed : change_kind::added, {}, std::nullopt, std::nullopt,
                                     change_effect::changed, {}, {}});
    return;
  }
  auto years_a = a->years(), years_b = b->years();
  std::vector<int> all = years_a;
  all.insert(all.end(), years_b.begin(), years_b.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  for (int y : all) {
    bool in_a = a->covers(y), in_b = b->covers(y);
    if (in_a != in_b) {
      out.push_back(element_change("calendar", std::to_string(y), in_b ? change_kind::added : change_kind::removed,
                                   std::to_string(y), change_effect::changed));
      continue;
    }
    auto first = date::from_ymd(y, 1, 1), last = date::from_ymd(y, 12, 31);
    if (!first || !last) continue;
    for (auto d = *first; d <= *last;) {
      auto wa = a->is_workday(d), wb = b->is_workday(d);
      const bool* xa = std::get_if<bool>(&wa);
      const bool* xb = std::get_if<bool>(&wb);
      if (xa && xb && *xa != *xb)
        out.push_back(change{"calendar", d.to_string(), change_kind::changed, "day", *xa ? "workday" : "off day",
                             *xb ? "workday" : "off day", change_effect::changed, {}, {}});
      auto next = date::from_days(d.days() + 1);
      if (!next) break;
      d = *next;
    }
  }
}

}  // namespace detail::diffing

/// The differences between two loaded rulesets. Versions of an item are matched by code and
/// effective date, then by version label, then in date order among those left; the rest were
/// added or removed.
inline ruleset_diff diff_rulesets(const ruleset& old_rules, const ruleset& new_rules) {
  using namespace detail::diffing;
  ruleset_diff d;
  {
    recorder r(d.ruleset, "ruleset", new_rules.id);
    r.text("id", old_rules.id, new_rules.id);
    r.text("name", old_rules.name, new_rules.name);
    r.text("timezone", old_rules.timezone, new_rules.timezone);
    r.text("calendar", old_rules.calendar_name, new_rules.calendar_name);
    r.period_value("supervision.warning", old_rules.supervision.warning, new_rules.supervision.warning);
    auto personal = [](const journal_settings& j) { return std::string(j.personal == journal_settings::personal_data::digest ? "digest" : "drop"); };
    r.text("journal.personal", personal(old_rules.journal), personal(new_rules.journal));
    r.text("journal.salt", old_rules.journal.salt, new_rules.journal.salt);
  }
  diff_calendars(d.ruleset, old_rules.calendar.get(), new_rules.calendar.get());

  auto ref = [](const item& i) { return version_ref{i.version, i.effective_from, i.effective_to, i.file}; };
  std::vector<std::string> codes;
  for (const auto* rs : {&old_rules, &new_rules})
    for (const auto& i : rs->items) codes.push_back(i.code);
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  for (const auto& code : codes) {
    std::vector<const item*> olds, news;  // each in date order (the loader sorts them)
    for (const auto& i : old_rules.items)
      if (i.code == code) olds.push_back(&i);
    for (const auto& i : new_rules.items)
      if (i.code == code) news.push_back(&i);
    std::vector<std::pair<const item*, const item*>> pairs;
    auto match = [&](auto same) {
      for (auto& n : news) {
        if (!n) continue;
        for (auto& o : olds)
          if (o && same(*o, *n)) {
            pairs.emplace_back(o, n);
            o = n = nullptr;
            break;
          }
      }
    };
    match([](const item& o, const item& n) { return o.effective_from == n.effective_from; });
    match([](const item& o, const item& n) { return o.version == n.version; });
    match([](const item&, const item&) { return true; });
    for (auto* o : olds)
      if (o) pairs.emplace_back(o, nullptr);
    for (auto* n : news)
      if (n) pairs.emplace_back(nullptr, n);
    std::sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) {
      auto from = [](const auto& p) { return (p.second ? p.second : p.first)->effective_from; };
      return from(x) < from(y) || (from(x) == from(y) && x.second && !y.second);
    });
    for (auto [o, n] : pairs) {
      item_diff id;
      id.code = code;
      id.name = (n ? n : o)->name;
      if (o) id.old_version = ref(*o);
      if (n) id.new_version = ref(*n);
      if (o && n) {
        diff_items(id.changes, *o, *n);
        if (id.changes.empty()) continue;
      }
      d.items.push_back(std::move(id));
    }
  }
  return d;
}

namespace detail::diffing {

inline std::string version_text(const version_ref& v) {
  return v.version + " (from " + v.effective_from.to_string() + (v.effective_to ? " to " + v.effective_to->to_string() : "") + ")";
}

inline std::string change_line(const change& c) {
  std::string s = std::string("  ") + (c.kind == change_kind::added ? "+ " : c.kind == change_kind::removed ? "- " : "~ ") + c.element;
  if (!c.id.empty()) s += " " + c.id;
  if (!c.aspect.empty() && c.element != "deadline" && c.element != "tolerance") s += " " + c.aspect;
  s += " (" + std::string(to_string(c.effect)) + ")";
  auto shown = [](const std::optional<std::string>& t) { return t ? (t->empty() ? std::string("\"\"") : *t) : std::string("(none)"); };
  if (c.kind == change_kind::changed) s += ": " + shown(c.before) + " → " + shown(c.after);
  else s += ": " + shown(c.kind == change_kind::added ? c.after : c.before);
  s += "\n";
  if (c.element == "condition" && (c.kind != change_kind::changed || (c.aspect != "message" && c.aspect != "statement" && c.aspect != "basis"))) {
    s += "      message: " + c.message + "\n";
    if (!c.basis.empty()) s += "      basis: " + join(c.basis) + "\n";
  }
  return s;
}

}  // namespace detail::diffing

/// Counts of the changes by effect, and of items added and removed.
struct diff_summary {
  std::size_t changes = 0, stricter = 0, looser = 0, shorter = 0, longer = 0, changed = 0;
  std::size_t items_changed = 0, items_added = 0, items_removed = 0;
};

inline diff_summary summarise(const ruleset_diff& d) {
  diff_summary s;
  auto count = [&](const change& c) {
    ++s.changes;
    switch (c.effect) {
      case change_effect::stricter: ++s.stricter; break;
      case change_effect::looser: ++s.looser; break;
      case change_effect::shorter: ++s.shorter; break;
      case change_effect::longer: ++s.longer; break;
      case change_effect::changed: ++s.changed; break;
    }
  };
  for (const auto& c : d.ruleset) count(c);
  for (const auto& i : d.items) {
    if (!i.old_version) ++s.items_added;
    else if (!i.new_version) ++s.items_removed;
    else ++s.items_changed;
    for (const auto& c : i.changes) count(c);
  }
  return s;
}

/// One line per change, grouped by item, and a summary line.
inline std::string to_text(const ruleset_diff& d) {
  using namespace detail::diffing;
  std::string out;
  if (!d.ruleset.empty()) {
    out += "ruleset\n";
    for (const auto& c : d.ruleset) out += change_line(c);
  }
  for (const auto& i : d.items) {
    if (!i.old_version) {
      out += "+ " + i.code + " " + i.name + " " + version_text(*i.new_version) + ": added\n";
      continue;
    }
    if (!i.new_version) {
      out += "- " + i.code + " " + i.name + " " + version_text(*i.old_version) + ": removed\n";
      continue;
    }
    out += "~ " + i.code + " " + i.name + " " + version_text(*i.old_version);
    if (i.old_version->version != i.new_version->version || i.old_version->effective_from != i.new_version->effective_from)
      out += " → " + version_text(*i.new_version);
    out += ": " + std::to_string(i.changes.size()) + (i.changes.size() == 1 ? " change\n" : " changes\n");
    for (const auto& c : i.changes) out += change_line(c);
  }
  auto s = summarise(d);
  if (d.equal()) return "no differences\n";
  out += std::to_string(s.changes) + (s.changes == 1 ? " change" : " changes") + ": " + std::to_string(s.stricter) + " stricter, " +
         std::to_string(s.looser) + " looser, " + std::to_string(s.shorter) + " shorter, " + std::to_string(s.longer) + " longer, " +
         std::to_string(s.changed) + " changed; items: " + std::to_string(s.items_changed) + " changed, " +
         std::to_string(s.items_added) + " added, " + std::to_string(s.items_removed) + " removed\n";
  return out;
}

/// Canonical JSON: keys sorted, no insignificant whitespace, arrays in the diff's order.
inline std::string to_json(const ruleset_diff& d) {
  using evenhand::detail::append_json_string;
  auto optional_string = [](std::string& out, const std::optional<std::string>& s) {
    if (s) append_json_string(out, *s);
    else out += "null";
  };
  auto change_json = [&](std::string& out, const change& c) {
    out += "{\"after\":";
    optional_string(out, c.after);
    out += ",\"aspect\":";
    append_json_string(out, c.aspect);
    out += ",\"basis\":[";
    for (std::size_t i = 0; i < c.basis.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, c.basis[i]);
    }
    out += "],\"before\":";
    optional_string(out, c.before);
    out += ",\"effect\":";
    append_json_string(out, to_string(c.effect));
    out += ",\"element\":";
    append_json_string(out, c.element);
    out += ",\"id\":";
    append_json_string(out, c.id);
    out += ",\"kind\":";
    append_json_string(out, to_string(c.kind));
    out += ",\"message\":";
    append_json_string(out, c.message);
    out += '}';
  };
  auto changes_json = [&](std::string& out, const std::vector<change>& cs) {
    out += '[';
    for (std::size_t i = 0; i < cs.size(); ++i) {
      if (i) out += ',';
      change_json(out, cs[i]);
    }
    out += ']';
  };
  auto version_json = [&](std::string& out, const std::optional<version_ref>& v) {
    if (!v) {
      out += "null";
      return;
    }
    out += "{\"effective_from\":";
    append_json_string(out, v->effective_from.to_string());
    out += ",\"effective_to\":";
    if (v->effective_to) append_json_string(out, v->effective_to->to_string());
    else out += "null";
    out += ",\"file\":";
    append_json_string(out, v->file);
    out += ",\"version\":";
    append_json_string(out, v->version);
    out += '}';
  };
  std::string out = "{\"equal\":";
  out += d.equal() ? "true" : "false";
  out += ",\"items\":[";
  for (std::size_t k = 0; k < d.items.size(); ++k) {
    const auto& i = d.items[k];
    if (k) out += ',';
    out += "{\"changes\":";
    changes_json(out, i.changes);
    out += ",\"code\":";
    append_json_string(out, i.code);
    out += ",\"name\":";
    append_json_string(out, i.name);
    out += ",\"new\":";
    version_json(out, i.new_version);
    out += ",\"old\":";
    version_json(out, i.old_version);
    out += ",\"status\":";
    append_json_string(out, !i.old_version ? "added" : !i.new_version ? "removed" : "changed");
    out += '}';
  }
  out += "],\"ruleset\":";
  changes_json(out, d.ruleset);
  auto s = summarise(d);
  out += ",\"summary\":{\"changed\":" + std::to_string(s.changed) + ",\"changes\":" + std::to_string(s.changes) +
         ",\"items_added\":" + std::to_string(s.items_added) + ",\"items_changed\":" + std::to_string(s.items_changed) +
         ",\"items_removed\":" + std::to_string(s.items_removed) + ",\"longer\":" + std::to_string(s.longer) +
         ",\"looser\":" + std::to_string(s.looser) + ",\"shorter\":" + std::to_string(s.shorter) +
         ",\"stricter\":" + std::to_string(s.stricter) + "}}";
  return out;
}

}  // namespace evenhand::standard
