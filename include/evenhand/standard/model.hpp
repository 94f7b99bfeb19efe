// The checked, immutable model of a ruleset: what the loader builds from YAML (DESIGN §3).
//
// Everything here is resolved and compiled: references point at things that exist, every
// expression is a type-checked program, the workflow is an analysed DAG. Each element keeps
// the location it was written at, so later layers (lint, evaluation traces, guides) can
// point back into the file.
#pragma once

#include <evenhand/calendar.hpp>
#include <evenhand/date.hpp>
#include <evenhand/decimal.hpp>
#include <evenhand/diagnostics.hpp>
#include <evenhand/expr.hpp>
#include <evenhand/standard/field_index.hpp>
#include <evenhand/workflow/graph.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace evenhand::standard {

/// A period as the law states it: working days (工作日) or, where a law says so, natural days.
struct period {
  enum class unit : std::uint8_t { workdays, days };
  std::int64_t amount = 0;
  unit in = unit::workdays;
  source_location where;

  std::string to_string() const {
    return std::to_string(amount) + (in == unit::workdays ? (amount == 1 ? " workday" : " workdays")
                                                          : (amount == 1 ? " day" : " days"));
  }
  friend bool operator==(const period& a, const period& b) noexcept {
    return a.amount == b.amount && a.in == b.in;
  }
};

/// An expression as written and compiled.
struct rule {
  std::string source;
  source_location where;
  std::shared_ptr<const expr::program> program;
};

/// One option of an enum field: its value and the label guides and notices show.
struct enum_option {
  std::string value;
  std::string label;
};

struct field {
  std::string name;  ///< dotted path, e.g. "applicant.kind"
  std::string type_text;
  expr::type type = expr::type::dyn();
  std::string label;
  std::vector<enum_option> options;  ///< enum and list<enum> fields
  std::vector<field> fields;         ///< record and list<record> fields: the members, as written
  /// The members in name order, which is the record type's: indexes into `fields` (filled by
  /// the loader; a reader looks a member up among the type's sorted names and finds it here).
  std::vector<std::uint32_t> member_order;
  bool personal = false;             ///< masked in journals
  std::string description;
  /// A hall fact (the item's `facts:`): the workflow step that records it. Empty for the
  /// applicant's fields. A missing field is asked for in the notice; a missing fact leaves the
  /// decision pending.
  std::string step;
  source_location where;

  bool is_fact() const noexcept { return !step.empty(); }
};

/// Where a variable lives in the item's environment (no_slot: undeclared, e.g. a table input
/// that names no field, which the loader reported).
inline constexpr std::uint32_t no_slot = static_cast<std::uint32_t>(-1);

struct derived_fact {
  std::string name;
  rule value;
  std::uint32_t slot = no_slot;
};

/// A legal basis (法律依据) written as a structured entry: the article cited and, where it could be
/// read, its text. `note` is the editor's provenance note: it stays in the standard and never
/// reaches a guide or a notice. The citation guides and notices show is built from the rest
/// (standard::citation): 《title》（number）article（节录）：text.
struct basis_entry {
  std::string title;    ///< the law's title, without 《》: 中华人民共和国行政许可法
  std::string number;   ///< 文号 (optional): 国务院令第722号
  std::string article;  ///< 第四十二条第一款 (optional)
  std::string text;     ///< the article's text (optional)
  bool excerpt = false; ///< `text` is an excerpt or paraphrase (节录), not the whole article
  std::string note;     ///< the editor's provenance note; never shown in public documents
};

/// Which lint warnings an element opts out of, with the reviewer's reason.
struct lint_allowance {
  std::vector<std::string> allow;
  std::string reason;
};

enum class stage : std::uint8_t { acceptance, decision };
enum class failure : std::uint8_t { correct, reject, deny };

constexpr std::string_view to_string(stage s) noexcept {
  return s == stage::acceptance ? "acceptance" : "decision";
}
constexpr std::string_view to_string(failure f) noexcept {
  switch (f) {
    case failure::correct: return "correct";
    case failure::reject: return "reject";
    case failure::deny: return "deny";
  }
  return "correct";
}

struct condition {
  std::string id;
  standard::stage stage = stage::acceptance;
  std::optional<rule> when;
  rule require;
  failure on_fail = failure::correct;
  std::string statement;  ///< the condition as a guide states it (申请人持有有效的营业执照); empty: not written
  std::string message;    ///< what the notice says when it is not met
  std::vector<std::string> basis;
  lint_allowance lint;
  source_location where;
};

enum class material_form : std::uint8_t { original, copy, electronic };
constexpr std::string_view to_string(material_form f) noexcept {
  switch (f) {
    case material_form::original: return "original";
    case material_form::copy: return "copy";
    case material_form::electronic: return "electronic";
  }
  return "original";
}

/// What becomes of an application when a tolerated (容缺) material is not supplied by its due
/// date: `overdue` — supervision reports it, the hall decides; `withdrawn` — the application is
/// deemed withdrawn (视为撤回, e.g. 广东省优化营商环境条例 第三十二条).
enum class expiry : std::uint8_t { overdue, withdrawn };
constexpr std::string_view to_string(expiry e) noexcept { return e == expiry::withdrawn ? "withdrawn" : "overdue"; }

struct material {
  std::string id;
  std::string name;
  std::optional<rule> required_when;  ///< absent: always required
  material_form form = material_form::original;
  std::int64_t copies = 1;
  bool tolerable = false;    ///< 容缺: may follow within the tolerance period
  std::optional<period> tolerance_due;  ///< its own period (`tolerable: { due: … }`); nullopt: the item's
  std::optional<expiry> on_expiry;      ///< its own (`tolerable: { on_expiry: … }`); nullopt: the item's
  bool shared = false;       ///< source: shared — obtained by the hall from another department
  bool commitment = false;   ///< 告知承诺: a signed commitment may replace it
  std::vector<std::string> carries;  ///< fields of the application this material evidences
  std::string note;
  std::vector<std::string> basis;
  lint_allowance lint;
  source_location where;
};

/// When the hall closes (ruleset.office_hours, an item's override): a submission at or after
/// `closes`, read in the ruleset's time zone, is accepted on the next working day (DESIGN §5).
struct office_hours {
  std::int32_t closes = 0;  ///< seconds after midnight
  std::string text;         ///< as written, "17:30"
  source_location where;
};

struct deadlines {
  period legal;
  period promised;
  period control_line;
  std::optional<period> extension;
  std::vector<std::string> basis;
  source_location where;
};

struct step {
  std::string id;
  std::string name;
  std::vector<std::string> after;
  std::optional<rule> when;
  period limit;
  bool counted = true;  ///< false: a special procedure (行政许可法 art. 45), reported, not counted
  std::string role;
  std::vector<std::string> basis;
  lint_allowance lint;
  source_location where;
};

enum class hit_policy : std::uint8_t { unique, first, collect };

struct table_cell {
  std::string text;
  std::optional<rule> test;  ///< inputs: the unary test (nullopt: '-', any value)
  value output;              ///< outputs: the constant value
  source_location where;
};

struct table_row {
  std::size_t number = 0;  ///< 1-based, as the editor counts rows
  std::vector<table_cell> inputs;
  std::vector<table_cell> outputs;
  source_location where;
};

struct decision_table {
  std::string id;
  std::string name;
  hit_policy hit = hit_policy::unique;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<table_row> rows;
  std::vector<std::string> basis;
  lint_allowance lint;
  source_location where;
  std::vector<std::uint32_t> input_slots;   ///< each input's slot (no_slot when undeclared)
  std::vector<std::uint32_t> output_slots;  ///< each output's slot, as table.<id>.<output>
};

struct fee {
  std::string id;
  std::string name;
  rule amount;  ///< a decimal amount in yuan, or an expression yielding one
  std::optional<rule> when;
  std::vector<std::string> basis;
  lint_allowance lint;
  source_location where;
};

struct output {
  std::string id;
  std::string name;
  std::optional<rule> when;
  std::vector<std::pair<std::string, rule>> values;  ///< in the order written
  source_location where;
};

enum class handling : std::uint8_t { immediate, promised };

/// The service elements a published guide carries besides the standard's rules (provincial
/// standardisation rules require 监督投诉渠道 and 咨询方式): written in ruleset.yaml's `service:`,
/// an item's `service:` keys over them. Text as the hall publishes it; empty: not given.
struct service_info {
  std::string place;         ///< 办理地点
  std::string hours;         ///< 办理时间
  std::string consultation;  ///< 咨询方式
  std::string complaints;    ///< 监督投诉渠道
  std::string delivery;      ///< 送达方式
  std::optional<std::int64_t> visits;  ///< 到现场次数
};

/// One version of one licence item, resolved and checked.
struct item {
  std::string code;
  std::string name;
  std::string version;
  date effective_from;
  std::optional<date> effective_to;  ///< inclusive
  source_location effective_where;   ///< the `effective` key, for lint's calendar checks
  std::optional<standard::office_hours> office_hours;  ///< overrides the ruleset's
  std::string authority;
  standard::handling handling = handling::promised;
  bool joint = false;
  std::string kind;

  std::map<std::string, std::string> basis;  ///< id → citation (item's and the ruleset's)
  std::map<std::string, basis_entry> basis_entries;  ///< the entries of `basis` written structured, by id
  std::vector<field> fields;                 ///< the item's and the ruleset's shared ones, and its facts, sorted by name
  bool has_facts = false;                    ///< whether some of `fields` are hall facts (field::step)
  std::vector<derived_fact> derive;          ///< in dependency order
  std::vector<condition> conditions;
  std::vector<material> materials;
  std::optional<period> tolerance_due;
  expiry tolerance_on_expiry = expiry::overdue;  ///< `tolerance.on_expiry`, for every tolerated material without its own
  standard::deadlines deadlines;
  std::vector<step> workflow;
  workflow::analysis workflow_analysis;  ///< topological order, critical path
  std::vector<decision_table> tables;
  std::vector<fee> fees;
  std::vector<output> outputs;
  service_info service;  ///< the ruleset's service elements with the item's over them

  std::string file;    ///< path relative to the ruleset root
  std::string digest;  ///< sha256 of the item file
  std::shared_ptr<const expr::environment> environment;  ///< fields and facts, for evaluation
  std::uint32_t as_of_slot = no_slot, accepted_on_slot = no_slot;
  std::vector<std::uint32_t> field_slots;  ///< each of `fields`' slot, by index (set by the loader)
  field_index field_paths;                 ///< `fields` by dotted path and path prefix (set by the loader)

  /// The field named `path` and the fields under `path.`, from the loader's index; nullptr when
  /// there are none, or when the item was not built by the loader (no index).
  const field_index::entry* find_path(std::string_view path) const noexcept {
    if (field_paths.size() != fields.size()) return nullptr;
    return field_paths.find(path, [this](std::uint32_t i) { return std::string_view(fields[i].name); });
  }

  const field* find_field(std::string_view name) const noexcept {
    auto it = std::lower_bound(fields.begin(), fields.end(), name, [](const field& f, std::string_view n) { return f.name < n; });
    return it != fields.end() && it->name == name ? &*it : nullptr;
  }
  /// Whether `name` is a fact the hall records (declared under `facts:` with its step), not an
  /// applicant's field: the notice asks for fields, a missing fact leaves a decision pending.
  bool is_fact(std::string_view name) const noexcept {
    if (!has_facts) return false;
    const field* f = find_field(name);
    return f && f->is_fact();
  }
  /// Whether some field's name starts with `prefix` followed by '.' (a record written nested).
  bool has_fields_under(std::string_view prefix) const noexcept {
    // The first name not below prefix + "." (compared without building that string).
    auto below = [prefix](const field& f) {
      std::string_view n = f.name;
      std::string_view head = n.substr(0, prefix.size());
      if (head != prefix) return head < prefix;
      return n.size() == prefix.size() || n[prefix.size()] < '.';
    };
    auto it = std::partition_point(fields.begin(), fields.end(), below);
    return it != fields.end() && it->name.size() > prefix.size() && it->name.starts_with(prefix) &&
           it->name[prefix.size()] == '.';
  }
  bool in_force_on(date d) const noexcept {
    return d >= effective_from && (!effective_to || d <= *effective_to);
  }
};

/// Electronic supervision (电子监察, DESIGN §6): a case turns yellow when less than `warning`
/// remains before its control line.
struct supervision_settings {
  std::optional<period> warning;
};

/// How journals treat fields marked `personal: true`: replaced by a digest, or dropped.
struct journal_settings {
  enum class personal_data : std::uint8_t { digest, drop };
  personal_data personal = personal_data::digest;
  std::string salt;
};

struct ruleset {
  std::string id;
  std::string name;
  std::string timezone = "Asia/Shanghai";
  std::string calendar_name;
  source_location calendar_where;  ///< the `calendar` declaration in ruleset.yaml
  std::optional<standard::office_hours> office_hours;  ///< none: a submission on a working day is accepted that day
  std::shared_ptr<const workday_calendar> calendar;
  supervision_settings supervision;
  journal_settings journal;
  service_info service;                      ///< the service elements every item starts from
  std::map<std::string, std::string> basis;  ///< shared basis entries: id → citation
  std::map<std::string, basis_entry> basis_entries;  ///< the shared entries written structured, by id
  std::vector<field> fields;                 ///< shared fields, declared in every item
  std::vector<material> materials;           ///< shared materials, which items name by id
  std::vector<item> items;                   ///< sorted by code, then effective_from
  std::string digest;                        ///< sha256 over sorted paths and bytes
  std::string root;

  /// The version of item `code` in force on `on`, if any.
  const item* find_item(std::string_view code, date on) const noexcept {
    for (const auto& i : items)
      if (i.code == code && i.in_force_on(on)) return &i;
    return nullptr;
  }
};

}  // namespace evenhand::standard
