// Evaluating an application against its item's standard (DESIGN §5).
//
//   auto d = eval::evaluate(*rules, app);            // as of the application's submission
//   std::string json = eval::to_json(d);              // canonical bytes
//
// Every condition and material rule is evaluated (never stopping at the first failure). A field
// the application lacks is unknown: the rules that need it say so, and the outcome is never
// better than `correct`. Nothing here reads the clock, the locale or the environment: the same
// application and ruleset give the same decision, byte for byte.
#pragma once

#include <evenhand/eval/application.hpp>
#include <evenhand/standard/model.hpp>

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::eval {

/// A condition's result.
enum class rule_status : std::uint8_t { pass, fail, unknown, error, not_applicable };
/// What became of a material the standard lists.
enum class material_status : std::uint8_t { submitted, missing, tolerated, obtained, committed, not_required, unknown };
/// Why a required material counts as missing.
enum class shortfall : std::uint8_t { none, missing, form, copies };
/// What a notice entry asks of the applicant.
enum class notice_kind : std::uint8_t { condition, material, field, tolerated };
/// Whether a workflow step applies to this application.
enum class applicability : std::uint8_t { yes, no, unknown };
enum class table_status : std::uint8_t { hit, none, unknown, error };
/// Whether a fee or an output applies. withheld (outputs only): the output would apply, but the
/// application was rejected, is to be corrected, or was denied, so nothing is issued.
enum class charge_status : std::uint8_t { applies, not_applicable, unknown, error, withheld };
enum class decision_stage : std::uint8_t { acceptance, decision };
/// Why the acceptance date is what it is: the day of submission (a working day, within office
/// hours), the next working day after a submission on a rest day or after the hall closed, or
/// none, the application not being accepted.
enum class acceptance_day : std::uint8_t { submission_day, rest_day, after_hours, not_accepted };
/// acceptance: reject > correct > accept_tolerated > accept; decision: deny > pending > grant.
enum class outcome : std::uint8_t { reject, correct, accept_tolerated, accept, grant, deny, pending };

constexpr std::string_view to_string(rule_status s) noexcept {
  constexpr std::string_view names[] = {"pass", "fail", "unknown", "error", "not_applicable"};
  return names[static_cast<std::size_t>(s)];
}
constexpr std::string_view to_string(material_status s) noexcept {
  constexpr std::string_view names[] = {"submitted", "missing",      "tolerated", "obtained",
                                        "committed", "not_required", "unknown"};
  return names[static_cast<std::size_t>(s)];
}
constexpr std::string_view to_string(shortfall s) noexcept {
  constexpr std::string_view names[] = {"", "missing", "form", "copies"};
  return names[static_cast<std::size_t>(s)];
}
constexpr std::string_view to_string(notice_kind k) noexcept {
  constexpr std::string_view names[] = {"condition", "material", "field", "tolerated"};
  return names[static_cast<std::size_t>(k)];
}
constexpr std::string_view to_string(applicability a) noexcept {
  constexpr std::string_view names[] = {"yes", "no", "unknown"};
  return names[static_cast<std::size_t>(a)];
}
constexpr std::string_view to_string(table_status s) noexcept {
  constexpr std::string_view names[] = {"hit", "none", "unknown", "error"};
  return names[static_cast<std::size_t>(s)];
}
constexpr std::string_view to_string(charge_status s) noexcept {
  constexpr std::string_view names[] = {"applies", "not_applicable", "unknown", "error", "withheld"};
  return names[static_cast<std::size_t>(s)];
}
constexpr std::string_view to_string(acceptance_day a) noexcept {
  constexpr std::string_view names[] = {"submission_day", "rest_day", "after_hours", "not_accepted"};
  return names[static_cast<std::size_t>(a)];
}
constexpr std::string_view to_string(decision_stage s) noexcept {
  return s == decision_stage::acceptance ? "acceptance" : "decision";
}
constexpr std::string_view to_string(outcome o) noexcept {
  constexpr std::string_view names[] = {"reject", "correct", "accept_tolerated", "accept", "grant", "deny", "pending"};
  return names[static_cast<std::size_t>(o)];
}

// A decision borrows the standard's own text (ids, messages, basis) from the ruleset it was
// made with, as an application borrows its item: keep the ruleset alive while you use it.
// What comes from the application (its id, digest, unexpected materials) is copied.

/// One condition's result, by its stable id.
struct rule_result {
  std::string_view id;
  rule_status result = rule_status::pass;
  std::vector<std::string> needs;  ///< unknown: the fields it needs
  std::string detail;              ///< error: the message
  std::span<const std::uint32_t> read;  ///< the variables it reads, by name (their values: decision::facts)
};

struct notice_entry {
  notice_kind kind = notice_kind::condition;
  std::string_view id;
  std::string_view text;  ///< in the standard's own words
  shortfall reason = shortfall::none;  ///< material: missing | form | copies
  std::span<const std::string> basis;
  std::optional<date> due;
};

struct material_result {
  std::string_view id;
  material_status status = material_status::submitted;
  shortfall reason = shortfall::none;
  std::vector<std::string> needs;
  std::optional<date> due;  ///< tolerated: the last day to supply it (its own period, or the item's)
  standard::expiry on_expiry = standard::expiry::overdue;  ///< tolerated: what becomes of the application after `due`
};

struct scheduled_step {
  std::string_view id;
  applicability applies = applicability::yes;
  bool counted = true;
  std::optional<date> due;
};

struct schedule {
  date submitted_on;  ///< the submission's date in the ruleset's time zone
  /// From which every deadline counts; none when the application was not accepted (reject,
  /// correct): then there are no due dates either, and accepted_on_reason says not_accepted.
  std::optional<date> accepted_on;
  acceptance_day accepted_on_reason = acceptance_day::submission_day;
  std::vector<scheduled_step> steps;  ///< in the order written
  std::vector<std::string_view> critical_path;
  std::optional<date> legal, promised, control_line;
  std::vector<std::string> errors;  ///< e.g. a date in a year without a published calendar
  /// Years the deadlines reach that the calendar has no published schedule for, ascending.
  /// Not empty: the decision has no deadlines, and require_deadlines refuses it.
  std::vector<int> calendar_not_covered;
};

struct table_result {
  std::string_view id;
  table_status result = table_status::none;
  std::vector<std::size_t> rows;
  std::vector<std::pair<std::string_view, value>> outputs;  ///< collect: each output is a list
  std::vector<std::string> needs;
  std::string detail;
};

struct fee_result {
  std::string_view id;
  std::optional<value> amount;  ///< nullopt when it does not apply
  charge_status status = charge_status::applies;
  std::string detail;
};

struct output_result {
  std::string_view id;
  charge_status status = charge_status::applies;
  std::vector<std::pair<std::string_view, value>> values;
};

/// A value the rules read, as it was when they read it.
struct fact {
  std::uint32_t slot = 0;
  std::string_view name;
  value v;
};

struct decision {
  std::string_view engine;
  std::string_view ruleset_id, ruleset_digest;
  std::string_view item, item_version, item_digest;
  std::string application_id, application_digest;
  timestamp as_of;
  /// The outcome to act on now (see evaluate_into): the acceptance outcome when the application
  /// was not accepted, or when it was and the hall has recorded no fact yet (the window's
  /// evaluation) and the decision is still pending; otherwise the decision outcome.
  decision_stage stage = decision_stage::acceptance;
  eval::outcome outcome = eval::outcome::correct;
  /// The acceptance stage's outcome: reject > correct > accept_tolerated > accept.
  eval::outcome acceptance = eval::outcome::correct;
  /// The decision stage's outcome, once accepted (nullopt: not reached): deny > pending > grant.
  std::optional<eval::outcome> decided;
  std::vector<rule_result> conditions;
  std::vector<material_result> materials;
  std::vector<std::string> unexpected_materials;
  std::vector<std::string> unknown_fields;  ///< sorted: the fields the notice asks for
  std::vector<notice_entry> notice;
  eval::schedule schedule;
  std::vector<table_result> tables;
  std::vector<fee_result> fees;
  std::vector<output_result> outputs;
  std::vector<fact> facts;  ///< by slot, ascending: every set variable a condition read

  /// The value a condition read from `slot`, or nullptr when it was not set.
  const value* fact_value(std::uint32_t slot) const noexcept {
    auto it = std::lower_bound(facts.begin(), facts.end(), slot, [](const fact& f, std::uint32_t s) { return f.slot < s; });
    return it != facts.end() && it->slot == slot ? &it->v : nullptr;
  }
};

namespace detail {

inline bool is_true(const value& v) noexcept { return v.kind() == value_kind::bool_value && v.as_bool(); }

/// Rule outcome for a boolean result.
inline void judge(rule_result& r, const value& v) {
  if (v.is_unknown()) {
    r.result = rule_status::unknown;
    r.needs = v.as_unknown().attributes;
  } else if (v.is_error()) {
    r.result = rule_status::error;
    r.detail = v.as_error().message;
  } else if (v.kind() != value_kind::bool_value) {
    r.result = rule_status::error;
    r.detail = "the rule gave " + std::string(kind_name(v.kind())) + ", not a bool";
  } else {
    r.result = v.as_bool() ? rule_status::pass : rule_status::fail;
  }
}

/// The variables a rule reads, in the order of their names (the trace's order).
inline std::span<const std::uint32_t> reads(const standard::rule& rule) noexcept {
  if (!rule.program) return {};
  const auto& s = rule.program->slots_read_by_name();
  return {s.data(), s.size()};
}

/// Adds `year` to the ascending, duplicate-free `years`.
inline void add_year(std::vector<int>& years, int year) {
  auto at = std::lower_bound(years.begin(), years.end(), year);
  if (at == years.end() || *at != year) years.insert(at, year);
}

template <class T>
std::optional<T> calendar_date(const calendar_result<T>& r, std::vector<std::string>& errors,
                                  std::vector<int>* uncovered = nullptr) {
  if (const auto* e = std::get_if<calendar_error>(&r)) {
    if (std::find(errors.begin(), errors.end(), e->message) == errors.end()) errors.push_back(e->message);
    if (uncovered && e->year != 0) add_year(*uncovered, e->year);
    return std::nullopt;
  }
  return std::get<T>(r);
}

inline std::optional<date> add_period(const workday_calendar* cal, date from, const standard::period& p,
                                      std::vector<std::string>& errors, std::vector<int>* uncovered = nullptr) {
  if (p.in == standard::period::unit::days) {
    // Natural days (日) ending on a rest day end on the next working day (民法典 art. 203).
    if (cal) return calendar_date(cal->period_end_in_days(from, p.amount), errors, uncovered);
    if (auto d = from.plus_days(p.amount)) return d;
    errors.push_back("date out of range");
    return std::nullopt;
  }
  if (!cal) {
    errors.push_back("the ruleset has no working-day calendar");
    return std::nullopt;
  }
  return calendar_date(cal->add_workdays(from, p.amount), errors, uncovered);
}

/// add_period into a schedule: its errors, and the years its calendar lacks.
inline std::optional<date> add_period(const workday_calendar* cal, date from, const standard::period& p, schedule& s) {
  return add_period(cal, from, p, s.errors, &s.calendar_not_covered);
}

/// The acceptance date of a submission at `submitted` (DESIGN §5): its date in the ruleset's
/// time zone when that is a working day and the hall (office hours: the item's, else the
/// ruleset's) had not closed; otherwise the next working day. A year the calendar lacks is
/// recorded in `errors`/`uncovered`, and the submission's date stands.
struct acceptance {
  date submitted_on, accepted_on;
  acceptance_day because = acceptance_day::submission_day;
};

inline acceptance accept_on(const standard::ruleset& rules, const standard::item& item, timestamp submitted,
                            std::vector<std::string>& errors, std::vector<int>& uncovered) {
  acceptance a;
  auto civil = to_civil(submitted, rules.timezone);
  a.submitted_on = civil ? date::from_ymd(static_cast<int>(civil->year), civil->month, civil->day).value_or(date{})
                         : submitted.to_date(0);
  a.accepted_on = a.submitted_on;
  const workday_calendar* cal = rules.calendar.get();
  if (!cal) return a;
  const auto workday = calendar_date(cal->is_workday(a.submitted_on), errors, &uncovered);
  if (!workday) return a;
  const auto& hours = item.office_hours ? item.office_hours : rules.office_hours;
  if (!*workday) a.because = acceptance_day::rest_day;
  else if (hours && civil && civil->hour * 3600 + civil->minute * 60 + civil->second >= hours->closes)
    a.because = acceptance_day::after_hours;
  else return a;
  if (auto next = calendar_date(cal->add_workdays(a.submitted_on, 1), errors, &uncovered)) a.accepted_on = *next;
  return a;
}

/// Whether an optional `when` lets a fee, output or step apply.
inline applicability applies_when(const std::optional<standard::rule>& when, const expr::activation& act) {
  if (!when || !when->program) return applicability::yes;
  value w = when->program->evaluate(act);
  if (w.is_unknown()) return applicability::unknown;
  return is_true(w) ? applicability::yes : applicability::no;
}

inline void evaluate_table(const standard::decision_table& t, expr::activation& act, table_result& tr) {
  tr.id = t.id;
  tr.rows.clear();
  tr.outputs.clear();
  tr.needs.clear();
  tr.detail.clear();
  static const value undeclared = value::make_error("the table input names no field");
  std::array<const value*, 16> small{};
  std::vector<const value*> big;
  const value** inputs = small.data();
  if (t.inputs.size() > small.size()) {
    big.resize(t.inputs.size());
    inputs = big.data();
  }
  bool unknown = false;
  for (std::size_t i = 0; i < t.inputs.size(); ++i) {
    std::uint32_t slot = i < t.input_slots.size() ? t.input_slots[i] : standard::no_slot;
    inputs[i] = slot == standard::no_slot ? &undeclared : &act.get(slot);
    if (inputs[i]->is_unknown()) {
      unknown = true;
      const auto& n = inputs[i]->as_unknown().attributes;
      tr.needs.insert(tr.needs.end(), n.begin(), n.end());
    }
  }
  if (unknown) {
    tr.result = table_status::unknown;
    return;
  }
  for (const auto& row : t.rows) {
    bool match = true;
    for (std::size_t i = 0; i < row.inputs.size() && match; ++i) {
      const auto& cell = row.inputs[i];
      if (!cell.test || !cell.test->program) continue;
      match = is_true(cell.test->program->evaluate(act, *inputs[i]));
    }
    if (!match) continue;
    tr.rows.push_back(row.number);
    if (t.hit == standard::hit_policy::first) break;
  }
  if (tr.rows.empty()) {
    tr.result = table_status::none;
    return;
  }
  if (t.hit == standard::hit_policy::unique && tr.rows.size() > 1) {
    tr.result = table_status::error;
    tr.detail = "rows " + std::to_string(tr.rows[0]) + " and " + std::to_string(tr.rows[1]) + " both match";
    return;
  }
  tr.result = table_status::hit;
  tr.outputs.reserve(t.outputs.size());
  for (std::size_t o = 0; o < t.outputs.size(); ++o) {
    std::uint32_t slot = o < t.output_slots.size() ? t.output_slots[o] : standard::no_slot;
    if (t.hit == standard::hit_policy::collect) {
      list all;
      for (auto n : tr.rows) all.push_back(t.rows[n - 1].outputs[o].output);
      value out(std::move(all));
      act.set(slot, out);
      tr.outputs.emplace_back(t.outputs[o], std::move(out));
    } else {
      const value& out = t.rows[tr.rows.front() - 1].outputs[o].output;
      act.bind(slot, out);  // a constant of the ruleset
      tr.outputs.emplace_back(t.outputs[o], out);
    }
  }
}

/// The activation an evaluation uses: each thread's own, reused from one evaluation to the
/// next (its two vectors keep their room: two allocations fewer per decision, one of them
/// larger than glibc's thread cache holds). An evaluation nested in another on the same
/// thread, from a `recorded_results` that evaluates, gets one of its own.
class pooled_activation {
 public:
  explicit pooled_activation(const expr::environment& env) {
    if (in_use()) {
      act_ = &own_.emplace(env);
      return;
    }
    in_use() = true;
    auto& kept = thread_activation();
    if (kept) kept->reset(env);
    else kept.emplace(env);
    act_ = &*kept;
  }
  ~pooled_activation() {
    if (own_) return;
    act_->clear();  // no values of this evaluation outlive it
    in_use() = false;
  }
  pooled_activation(const pooled_activation&) = delete;
  pooled_activation& operator=(const pooled_activation&) = delete;
  expr::activation& get() noexcept { return *act_; }

 private:
  static bool& in_use() noexcept {
    static thread_local bool taken = false;
    return taken;
  }
  static std::optional<expr::activation>& thread_activation() noexcept {
    static thread_local std::optional<expr::activation> kept;
    return kept;
  }
  expr::activation* act_ = nullptr;
  std::optional<expr::activation> own_;
};

}  // namespace detail

/// Results that stand in for rules which cannot be evaluated again. Replaying a journal record
/// whose personal data was masked (journal/replay.hpp), the conditions and materials that read
/// a masked field keep their recorded results; everything that follows from them (notice,
/// outcome, schedule) is derived again.
class recorded_results {
 public:
  virtual void condition(std::size_t index, rule_result& r) const = 0;
  virtual void material(std::size_t index, material_result& m) const = 0;

 protected:
  ~recorded_results() = default;
};

/// An evaluation asked for as of a time before the application was submitted: the hall cannot
/// have accepted (or decided) what had not yet arrived. The caller's mistake, refused.
class as_of_before_submission : public std::invalid_argument {
 public:
  as_of_before_submission(timestamp as_of, timestamp submitted)
      : std::invalid_argument("as_of " + as_of.to_string() + " 早于申请提交时间 " + submitted.to_string() +
                              "，不能在收到申请之前受理或决定；as_of " + as_of.to_string() +
                              " is before the application was submitted (" + submitted.to_string() + ")") {}
};

/// Evaluates `app` against its standard as of `as_of` (default: when it was submitted) into
/// `d`, replacing what it held. A hall system that evaluates in a loop can keep one decision
/// per thread and pass it here: its storage is reused, so evaluation hardly allocates. The
/// result is the same as `evaluate`'s, byte for byte. Throws as_of_before_submission when
/// `as_of` is before the application's `submitted_at`.
inline void evaluate_into(decision& d, const standard::ruleset& rules, const application& app,
                          std::optional<timestamp> as_of = std::nullopt, const recorded_results* recorded = nullptr) {
  static constexpr std::string_view engine = "evenhand " EVENHAND_VERSION_STRING;
  if (as_of && *as_of < app.submitted_at) throw as_of_before_submission(*as_of, app.submitted_at);
  const standard::item& item = *app.standard;
  d.engine = engine;
  d.ruleset_id = rules.id;
  d.ruleset_digest = rules.digest;
  d.item = item.code;
  d.item_version = item.version;
  d.item_digest = item.digest;
  d.application_id = app.id;
  d.application_digest = app.digest;
  d.as_of = as_of.value_or(app.submitted_at);

  auto civil = to_civil(d.as_of, rules.timezone);
  date today = civil ? date::from_ymd(static_cast<int>(civil->year), civil->month, civil->day).value_or(date{})
                     : d.as_of.to_date(0);
  // Accepted on a working day (DESIGN §5): the deadlines count from it. What the calendar lacks
  // for it counts only for an application that is accepted (below).
  std::vector<std::string> acceptance_errors;
  std::vector<int> acceptance_uncovered;
  const detail::acceptance acceptance_day_of = detail::accept_on(rules, item, app.submitted_at, acceptance_errors, acceptance_uncovered);
  const date accepted_on = acceptance_day_of.accepted_on;
  d.schedule.submitted_on = acceptance_day_of.submitted_on;
  d.schedule.accepted_on = accepted_on;
  d.schedule.accepted_on_reason = acceptance_day_of.because;
  d.unexpected_materials.clear();
  d.unknown_fields.clear();
  d.notice.clear();
  d.facts.clear();
  d.schedule.steps.clear();
  d.schedule.critical_path.clear();
  d.schedule.errors.clear();
  d.schedule.calendar_not_covered.clear();
  d.schedule.legal.reset();
  d.schedule.promised.reset();
  d.schedule.control_line.reset();

  // Facts: the application's fields (borrowed), then as_of and the acceptance date, then
  // derived facts.
  detail::pooled_activation pooled(*item.environment);
  expr::activation& act = pooled.get();
  if (app.slots.size() == app.fields.size()) {
    for (std::size_t i = 0; i < app.fields.size(); ++i) act.bind(app.slots[i], app.fields[i].second);
  } else {
    for (const auto& [name, v] : app.fields)
      if (auto slot = item.environment->slot_of(name)) act.bind(*slot, v);
  }
  act.set(item.as_of_slot, value(today));
  act.set(item.accepted_on_slot, value(accepted_on));
  for (const auto& f : item.derive)
    if (f.value.program) act.set(f.slot, f.value.program->evaluate(act));

  // Tables first: conditions and outputs may read table.<id>.<output>.
  d.tables.resize(item.tables.size());
  for (std::size_t i = 0; i < item.tables.size(); ++i) detail::evaluate_table(item.tables[i], act, d.tables[i]);

  // Conditions, every one.
  d.conditions.resize(item.conditions.size());
  for (std::size_t i = 0; i < item.conditions.size(); ++i) {
    const auto& c = item.conditions[i];
    rule_result& r = d.conditions[i];
    r.id = c.id;
    r.result = rule_status::pass;
    r.needs.clear();
    r.detail.clear();
    r.read = {};
    if (c.when && c.when->program) {
      value w = c.when->program->evaluate(act);
      r.read = detail::reads(*c.when);
      if (w.kind() != value_kind::bool_value) {
        detail::judge(r, w);
        continue;
      }
      if (!w.as_bool()) {
        r.result = rule_status::not_applicable;
        continue;
      }
    }
    if (c.require.program) {
      detail::judge(r, c.require.program->evaluate(act));
      r.read = detail::reads(c.require);
    }
  }

  if (recorded)
    for (std::size_t i = 0; i < d.conditions.size(); ++i) recorded->condition(i, d.conditions[i]);

  // Materials: required when their rule says so; submitted in the right form and number.
  std::optional<date> tolerance_due;  // the item's, for tolerated materials without their own period
  if (item.tolerance_due) tolerance_due = detail::add_period(rules.calendar.get(), accepted_on, *item.tolerance_due, d.schedule);
  std::array<bool, 64> known_small{};
  std::vector<bool> known_big(app.materials.size() > known_small.size() ? app.materials.size() : 0, false);
  auto known = [&](std::size_t i) -> bool { return app.materials.size() > known_small.size() ? known_big[i] : known_small[i]; };
  auto mark_known = [&](std::size_t i) {
    if (app.materials.size() > known_small.size()) known_big[i] = true;
    else known_small[i] = true;
  };
  d.materials.resize(item.materials.size());
  for (std::size_t k = 0; k < item.materials.size(); ++k) {
    const auto& m = item.materials[k];
    material_result& mr = d.materials[k];
    mr.id = m.id;
    mr.reason = shortfall::none;
    mr.needs.clear();
    mr.due.reset();
    mr.on_expiry = standard::expiry::overdue;
    // Found first: a submitted material is never "unexpected", even when whether it is
    // required is not known yet.
    const submitted_material* given = nullptr;
    for (std::size_t i = 0; i < app.materials.size(); ++i)
      if (app.materials[i].id == m.id) {
        given = &app.materials[i];
        mark_known(i);
      }
    bool required = true;
    if (m.required_when && m.required_when->program) {
      value w = m.required_when->program->evaluate(act);
      if (w.is_unknown()) {
        mr.status = material_status::unknown;
        mr.needs = w.as_unknown().attributes;
        continue;
      }
      required = detail::is_true(w);
    }
    if (!required) mr.status = material_status::not_required;
    else if (m.shared) mr.status = material_status::obtained;
    else if (given && given->commitment && m.commitment) mr.status = material_status::committed;
    else if (given && m.form == standard::material_form::original && given->form != standard::material_form::original)
      mr.status = material_status::missing, mr.reason = shortfall::form;
    else if (given && given->copies < m.copies) mr.status = material_status::missing, mr.reason = shortfall::copies;
    else if (given) mr.status = material_status::submitted;
    else if (m.tolerable) mr.status = material_status::tolerated;
    else mr.status = material_status::missing, mr.reason = shortfall::missing;
  }
  if (recorded)
    for (std::size_t k = 0; k < d.materials.size(); ++k) recorded->material(k, d.materials[k]);
  // Each tolerated material's due date (its own period, or the item's) and what its expiry does.
  for (std::size_t k = 0; k < item.materials.size(); ++k) {
    material_result& mr = d.materials[k];
    if (mr.status != material_status::tolerated) continue;
    const auto& m = item.materials[k];
    mr.due = m.tolerance_due ? detail::add_period(rules.calendar.get(), accepted_on, *m.tolerance_due, d.schedule) : tolerance_due;
    mr.on_expiry = m.on_expiry.value_or(item.tolerance_on_expiry);
  }
  for (std::size_t i = 0; i < app.materials.size(); ++i)
    if (!known(i)) d.unexpected_materials.push_back(app.materials[i].id);

  // The notice (一次性告知): everything to supply or fix, once, in the standard's order.
  for (std::size_t i = 0; i < item.conditions.size(); ++i) {
    const auto& c = item.conditions[i];
    if (c.stage == standard::stage::acceptance && d.conditions[i].result == rule_status::fail)
      d.notice.push_back({notice_kind::condition, c.id, c.message, shortfall::none, c.basis, std::nullopt});
  }
  for (std::size_t i = 0; i < item.materials.size(); ++i) {
    const auto& m = item.materials[i];
    const auto& mr = d.materials[i];
    if (mr.status == material_status::missing)
      d.notice.push_back({notice_kind::material, m.id, m.name, mr.reason, m.basis, std::nullopt});
    else if (mr.status == material_status::tolerated)
      d.notice.push_back({notice_kind::tolerated, m.id, m.name, shortfall::none, m.basis, mr.due});
  }
  // The applicant's fields a rule needs are asked for, whichever stage reads them (一次性告知);
  // the hall's facts (declared with the step that records them) are not the applicant's to
  // supply: they leave the decision pending instead.
  auto& unknown_fields = d.unknown_fields;
  bool unknown_facts = false;
  auto ask_for = [&](const std::vector<std::string>& needs) {
    for (const auto& name : needs) {
      if (item.is_fact(name)) unknown_facts = true;
      else unknown_fields.push_back(name);
    }
  };
  for (const auto& r : d.conditions)
    if (r.result == rule_status::unknown) ask_for(r.needs);
  for (const auto& mr : d.materials)
    if (mr.status == material_status::unknown) ask_for(mr.needs);
  std::sort(unknown_fields.begin(), unknown_fields.end());
  unknown_fields.erase(std::unique(unknown_fields.begin(), unknown_fields.end()), unknown_fields.end());
  for (const auto& name : unknown_fields) {
    const standard::field* f = item.find_field(name);
    if (!f)
      for (const auto& shared : rules.fields)
        if (shared.name == name) f = &shared;
    // Unknowns only ever name declared variables; the declaration's name lives with the ruleset.
    const expr::declaration* decl = item.environment->find(name);
    std::string_view id = decl ? std::string_view(decl->name) : f ? std::string_view(f->name) : std::string_view();
    d.notice.push_back({notice_kind::field, id, f ? std::string_view(f->label) : id, shortfall::none, {}, std::nullopt});
  }

  // Acceptance: reject > correct > accept_tolerated > accept.
  bool reject = false, correct = !unknown_fields.empty(), tolerated = false;  // tolerated: one outstanding
  for (std::size_t i = 0; i < item.conditions.size(); ++i) {
    const auto& c = item.conditions[i];
    if (c.stage != standard::stage::acceptance) continue;
    rule_status r = d.conditions[i].result;
    if (r == rule_status::fail && c.on_fail == standard::failure::reject) reject = true;
    if (r == rule_status::fail && c.on_fail == standard::failure::correct) correct = true;
    if (r == rule_status::error) correct = true;
  }
  for (const auto& m : d.materials) {
    if (m.status == material_status::missing) correct = true;
    if (m.status == material_status::tolerated) tolerated = true;
  }
  // A 不予受理 notice states why the application is not accepted, and asks for nothing: its
  // reasons are the failed reject conditions (no material or field would change them).
  if (reject) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < d.notice.size(); ++i) {
      const auto& n = d.notice[i];
      bool reason = false;
      if (n.kind == notice_kind::condition)
        for (const auto& c : item.conditions)
          if (c.id == n.id) reason = c.on_fail == standard::failure::reject;
      if (reason) d.notice[kept++] = n;
    }
    d.notice.resize(kept);
  }
  d.acceptance = reject ? outcome::reject : correct ? outcome::correct : tolerated ? outcome::accept_tolerated : outcome::accept;
  d.decided.reset();
  const bool accepted = d.acceptance == outcome::accept || d.acceptance == outcome::accept_tolerated;

  // Decision stage, once accepted: deny > pending > grant. Pending while a fact the hall
  // records is unknown, or a tolerated material (容缺) is still outstanding: a licence is
  // never granted around a material the applicant has yet to supply.
  if (accepted) {
    bool pending = tolerated || unknown_facts, deny = false;
    for (std::size_t i = 0; i < item.conditions.size(); ++i) {
      if (item.conditions[i].stage != standard::stage::decision) continue;
      rule_status r = d.conditions[i].result;
      if (r == rule_status::fail) deny = true;
      if (r == rule_status::unknown || r == rule_status::error) pending = true;
    }
    d.decided = deny ? outcome::deny : pending ? outcome::pending : outcome::grant;
  }
  // The outcome to act on: not accepted → the acceptance outcome; decided (grant, deny) → the
  // decision; pending → at the window (no fact recorded yet) the acceptance outcome, what the
  // applicant is told when handing in, and afterwards pending.
  bool facts_recorded = false;
  if (item.has_facts)
    for (const auto& [name, v] : app.fields)
      if (item.is_fact(name)) {
        facts_recorded = true;
        break;
      }
  if (!accepted || (*d.decided == outcome::pending && !facts_recorded)) {
    d.stage = decision_stage::acceptance;
    d.outcome = d.acceptance;
  } else {
    d.stage = decision_stage::decision;
    d.outcome = *d.decided;
  }

  // The schedule from the acceptance date, on the ruleset's calendar.
  const workday_calendar* cal = rules.calendar.get();
  auto& s = d.schedule;
  if (accepted) {
    for (const auto& e : acceptance_errors)
      if (std::find(s.errors.begin(), s.errors.end(), e) == s.errors.end()) s.errors.push_back(e);
    for (int y : acceptance_uncovered) detail::add_year(s.calendar_not_covered, y);
    s.legal = detail::add_period(cal, accepted_on, item.deadlines.legal, s);
    s.promised = detail::add_period(cal, accepted_on, item.deadlines.promised, s);
    s.control_line = detail::add_period(cal, accepted_on, item.deadlines.control_line, s);
    const std::size_t n = item.workflow.size();
    boost::container::small_vector<bool, 32> applies(n, true);
    boost::container::small_vector<std::optional<date>, 32> due(n);
    s.steps.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      scheduled_step& st = s.steps[i];
      st.id = item.workflow[i].id;
      st.counted = item.workflow[i].counted;
      st.applies = detail::applies_when(item.workflow[i].when, act);
      if (st.applies == applicability::no) applies[i] = false;
    }
    for (std::size_t v : item.workflow_analysis.topological_order) {
      std::optional<date> start = accepted_on;
      for (std::size_t u : item.workflow_analysis.predecessors[v]) {
        if (!due[u]) {
          start.reset();
          break;
        }
        if (*due[u] > *start) start = due[u];
      }
      if (!start) continue;
      // A step that does not apply passes its predecessors' finish through.
      due[v] = applies[v] ? detail::add_period(cal, *start, item.workflow[v].limit, s) : start;
      // Special procedures are not counted: their own date is shown, later steps depend on
      // how long they really take, so their dates stay open.
      if (applies[v] && !item.workflow[v].counted) {
        s.steps[v].due = due[v];
        due[v].reset();
        continue;
      }
      if (applies[v]) s.steps[v].due = due[v];
    }
    if (!item.workflow_analysis.topological_order.empty()) {
      boost::container::small_vector<std::size_t, 32> path;
      workflow::longest_path_into(path, item.workflow_analysis.counted_days, item.workflow_analysis.predecessors,
                                  item.workflow_analysis.topological_order, [&](std::size_t i) { return applies[i]; });
      s.critical_path.reserve(path.size());
      for (auto i : path) s.critical_path.push_back(item.workflow[i].id);
    }
  } else {
    // Not accepted (reject, correct): no acceptance date, so no deadlines run, and none is
    // refused for a year the calendar lacks.
    s.accepted_on.reset();
    s.calendar_not_covered.clear();
    s.accepted_on_reason = acceptance_day::not_accepted;
  }

  // Fees and outputs: computed whatever the outcome, when their inputs are known.
  d.fees.resize(item.fees.size());
  for (std::size_t i = 0; i < item.fees.size(); ++i) {
    const auto& f = item.fees[i];
    fee_result& fr = d.fees[i];
    fr.id = f.id;
    fr.amount.reset();
    fr.detail.clear();
    applicability a = detail::applies_when(f.when, act);
    fr.status = a == applicability::yes ? charge_status::applies
                : a == applicability::no ? charge_status::not_applicable
                                          : charge_status::unknown;
    if (fr.status == charge_status::applies && f.amount.program) {
      value amount = f.amount.program->evaluate(act);
      if (amount.is_unknown()) fr.status = charge_status::unknown;
      else if (amount.is_error()) fr.status = charge_status::error, fr.detail = amount.as_error().message;
      else fr.amount = std::move(amount);
    }
  }
  const bool issuable = accepted && *d.decided != outcome::deny;
  d.outputs.resize(item.outputs.size());
  for (std::size_t i = 0; i < item.outputs.size(); ++i) {
    const auto& o = item.outputs[i];
    output_result& orr = d.outputs[i];
    orr.id = o.id;
    orr.values.clear();
    applicability a = detail::applies_when(o.when, act);
    orr.status = a == applicability::yes ? charge_status::applies
                 : a == applicability::no ? charge_status::not_applicable
                                           : charge_status::unknown;
    // Nothing is issued on a reject, a correction or a denial: no licence "applies" to them.
    if (orr.status == charge_status::applies && !issuable) orr.status = charge_status::withheld;
    if (orr.status == charge_status::applies) {
      orr.values.reserve(o.values.size());
      for (const auto& [key, r] : o.values)
        if (r.program) orr.values.emplace_back(key, r.program->evaluate(act));
    }
  }

  // The facts the trace shows: every set variable a condition read, copied once.
  const std::size_t slots = item.environment->slot_count();
  std::array<bool, 256> read_small{};
  std::vector<bool> read_big(slots > read_small.size() ? slots : 0, false);
  auto mark = [&](std::uint32_t slot) {
    if (slot >= slots) return;
    if (slots > read_small.size()) read_big[slot] = true;
    else read_small[slot] = true;
  };
  std::size_t count = 0;
  for (const auto& r : d.conditions)
    for (auto slot : r.read) mark(slot), ++count;
  d.facts.reserve(std::min(count, slots));
  const auto& decls = item.environment->declarations();
  for (std::uint32_t slot = 0; slot < slots; ++slot) {
    bool was_read = slots > read_small.size() ? read_big[slot] : read_small[slot];
    if (was_read && act.is_set(slot)) d.facts.push_back({slot, decls[slot].name, act.get(slot)});
  }
}

/// Evaluates `app` against its standard as of `as_of` (default: when it was submitted).
inline decision evaluate(const standard::ruleset& rules, const application& app,
                         std::optional<timestamp> as_of = std::nullopt) {
  decision d;
  evaluate_into(d, rules, app, as_of);
  return d;
}

/// A decision whose deadlines reach a year the ruleset's calendar has no published schedule
/// for (国务院办公厅 has not published that year's holidays, or the ruleset lacks them). Its
/// deadlines cannot be counted: no hall may act on it as if it had them.
class calendar_not_covered : public std::runtime_error {
 public:
  explicit calendar_not_covered(std::vector<int> years)
      : std::runtime_error(message_for(years)), years_(std::move(years)) {}

  /// The years without a schedule, ascending.
  const std::vector<int>& years() const noexcept { return years_; }

  /// The message in Chinese, for the clerk: "工作日历未覆盖 2027 年…".
  static std::string message_zh(const std::vector<int>& years) {
    std::string zh;
    for (std::size_t i = 0; i < years.size(); ++i) zh += (i ? "、" : "") + std::to_string(years[i]);
    return "工作日历未覆盖 " + zh + " 年（尚无公布的节假日安排），无法计算办理期限，不能据此作出决定";
  }

  /// Chinese, then English: "工作日历未覆盖 2027 年…；the working-day calendar has no …".
  static std::string message_for(const std::vector<int>& years) {
    std::string en;
    for (std::size_t i = 0; i < years.size(); ++i) en += (i ? ", " : "") + std::to_string(years[i]);
    return message_zh(years) + "；the working-day calendar has no published schedule for " + en +
           ": the deadlines cannot be counted, and the decision cannot be acted on";
  }

 private:
  std::vector<int> years_;
};

/// Throws calendar_not_covered when the decision's deadlines need a year its calendar lacks.
/// Adapters (the CLI, the C API, Python) call it on every decision they hand out; the decision
/// itself marks the years (schedule.calendar_not_covered), so evaluation stays a pure function.
inline void require_deadlines(const decision& d) {
  if (!d.schedule.calendar_not_covered.empty()) throw calendar_not_covered(d.schedule.calendar_not_covered);
}

}  // namespace evenhand::eval
