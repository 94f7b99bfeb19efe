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

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace evenhand::eval {

/// One rule's result, by its stable id.
struct rule_result {
  std::string id;
  std::string result;               ///< pass | fail | unknown | error | not_applicable
  std::vector<std::string> needs;   ///< unknown: the fields it needs
  std::string detail;               ///< error: the message
  std::vector<std::pair<std::string, value>> read;  ///< the values it read
};

struct notice_entry {
  std::string kind;  ///< condition | material | field | tolerated
  std::string id;
  std::string text;  ///< in the standard's own words
  std::string reason;  ///< material: missing | form | copies
  std::vector<std::string> basis;
  std::optional<date> due;
};

struct material_result {
  std::string id;
  std::string status;  ///< submitted | missing | tolerated | obtained | committed | not_required | unknown
  std::string reason;  ///< missing: missing | form | copies
  std::vector<std::string> needs;
};

struct scheduled_step {
  std::string id;
  std::string applies;  ///< yes | no | unknown
  bool counted = true;
  std::optional<date> due;
};

struct schedule {
  date accepted_on;
  std::vector<scheduled_step> steps;  ///< in the order written
  std::vector<std::string> critical_path;
  std::optional<date> legal, promised, control_line;
  std::vector<std::string> errors;  ///< e.g. a date in a year without a published calendar
};

struct table_result {
  std::string id;
  std::string result;  ///< hit | none | unknown | error
  std::vector<std::size_t> rows;
  std::vector<std::pair<std::string, value>> outputs;  ///< collect: each output is a list
  std::vector<std::string> needs;
  std::string detail;
};

struct named_value {
  std::string id;
  std::optional<value> amount;  ///< fee amount or output value; nullopt when it does not apply
  std::string status;           ///< applies | not_applicable | unknown | error
  std::string detail;
};

struct output_result {
  std::string id;
  std::string status;
  std::vector<std::pair<std::string, value>> values;
};

struct decision {
  std::string engine;
  std::string ruleset_id, ruleset_digest;
  std::string item, item_version, item_digest;
  std::string application_id, application_digest;
  timestamp as_of;
  std::string stage;    ///< acceptance | decision
  std::string outcome;  ///< reject | correct | accept | accept_tolerated | grant | deny | pending
  std::vector<rule_result> conditions;
  std::vector<material_result> materials;
  std::vector<std::string> unexpected_materials;
  std::vector<notice_entry> notice;
  eval::schedule schedule;
  std::vector<table_result> tables;
  std::vector<named_value> fees;
  std::vector<output_result> outputs;
};

namespace detail {

inline std::vector<std::string> unknown_needs(const value& v) {
  return v.is_unknown() ? v.as_unknown().attributes : std::vector<std::string>{};
}

/// Rule outcome for a boolean result.
inline void judge(rule_result& r, const value& v) {
  if (v.is_unknown()) {
    r.result = "unknown";
    r.needs = v.as_unknown().attributes;
  } else if (v.is_error()) {
    r.result = "error";
    r.detail = v.as_error().message;
  } else if (v.kind() != value_kind::bool_value) {
    r.result = "error";
    r.detail = "the rule gave " + std::string(kind_name(v.kind())) + ", not a bool";
  } else {
    r.result = v.as_bool() ? "pass" : "fail";
  }
}

inline std::vector<std::pair<std::string, value>> reads(const standard::rule& rule, const expr::activation& act) {
  std::vector<std::pair<std::string, value>> out;
  if (!rule.program) return out;
  for (auto slot : rule.program->slots_read())
    if (act.is_set(slot)) out.emplace_back(act.env().declarations()[slot].name, act.get(slot));
  return out;
}

template <class T>
std::optional<date> calendar_date(const calendar_result<T>& r, std::vector<std::string>& errors) {
  if (const auto* e = std::get_if<calendar_error>(&r)) {
    if (std::find(errors.begin(), errors.end(), e->message) == errors.end()) errors.push_back(e->message);
    return std::nullopt;
  }
  return std::get<T>(r);
}

inline std::optional<date> add_period(const workday_calendar* cal, date from, const standard::period& p,
                                      std::vector<std::string>& errors) {
  if (p.in == standard::period::unit::days) {
    if (auto d = from.plus_days(p.amount)) return d;
    errors.push_back("date out of range");
    return std::nullopt;
  }
  if (!cal) {
    errors.push_back("the ruleset has no working-day calendar");
    return std::nullopt;
  }
  return calendar_date(cal->add_workdays(from, p.amount), errors);
}

}  // namespace detail

/// Evaluates `app` against its standard as of `as_of` (default: when it was submitted).
inline decision evaluate(const standard::ruleset& rules, const application& app,
                         std::optional<timestamp> as_of = std::nullopt) {
  const standard::item& item = *app.standard;
  decision d;
  d.engine = std::string("evenhand ") + EVENHAND_VERSION_STRING;
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
  d.schedule.accepted_on = today;

  // Facts: the application's fields, then as_of and the acceptance date, then derived facts.
  expr::activation act(*item.environment);
  if (app.slots.size() == app.fields.size()) {
    for (std::size_t i = 0; i < app.fields.size(); ++i) act.set(app.slots[i], app.fields[i].second);
  } else {
    for (const auto& [name, v] : app.fields) act.set(name, v);
  }
  act.set("as_of", value(today));
  act.set("accepted_on", value(today));
  for (const auto& f : item.derive)
    if (f.value.program) act.set(f.name, f.value.program->evaluate(act));

  // Tables first: conditions and outputs may read table.<id>.<output>.
  for (const auto& t : item.tables) {
    table_result tr;
    tr.id = t.id;
    std::vector<value> inputs;
    for (const auto& name : t.inputs) {
      auto slot = item.environment->slot_of(name);
      inputs.push_back(slot ? act.get(*slot) : value::make_unknown({name}));
    }
    bool unknown = false;
    for (const auto& v : inputs)
      if (v.is_unknown()) {
        unknown = true;
        auto n = v.as_unknown().attributes;
        tr.needs.insert(tr.needs.end(), n.begin(), n.end());
      }
    if (unknown) {
      tr.result = "unknown";
      d.tables.push_back(std::move(tr));
      continue;
    }
    for (const auto& row : t.rows) {
      bool match = true;
      for (std::size_t i = 0; i < row.inputs.size() && match; ++i) {
        const auto& cell = row.inputs[i];
        if (!cell.test || !cell.test->program) continue;
        value r = cell.test->program->evaluate(act, inputs[i]);
        match = r.kind() == value_kind::bool_value && r.as_bool();
      }
      if (!match) continue;
      tr.rows.push_back(row.number);
      if (t.hit == standard::hit_policy::first) break;
    }
    if (tr.rows.empty()) {
      tr.result = "none";
    } else if (t.hit == standard::hit_policy::unique && tr.rows.size() > 1) {
      tr.result = "error";
      tr.detail = "rows " + std::to_string(tr.rows[0]) + " and " + std::to_string(tr.rows[1]) + " both match";
    } else {
      tr.result = "hit";
      for (std::size_t o = 0; o < t.outputs.size(); ++o) {
        value out;
        if (t.hit == standard::hit_policy::collect) {
          list all;
          for (auto n : tr.rows) all.push_back(t.rows[n - 1].outputs[o].output);
          out = value(std::move(all));
        } else {
          out = t.rows[tr.rows.front() - 1].outputs[o].output;
        }
        act.set("table." + t.id + "." + t.outputs[o], out);
        tr.outputs.emplace_back(t.outputs[o], std::move(out));
      }
    }
    d.tables.push_back(std::move(tr));
  }

  // Conditions, every one.
  bool any_unknown = false;
  auto worst_at = [&](standard::stage s, standard::failure f) {
    for (std::size_t i = 0; i < item.conditions.size(); ++i)
      if (item.conditions[i].stage == s && item.conditions[i].on_fail == f && d.conditions[i].result == "fail") return true;
    return false;
  };
  for (const auto& c : item.conditions) {
    rule_result r;
    r.id = c.id;
    if (c.when && c.when->program) {
      value w = c.when->program->evaluate(act);
      if (w.is_unknown() || w.is_error() || w.kind() != value_kind::bool_value) {
        detail::judge(r, w);
        r.read = detail::reads(*c.when, act);
        d.conditions.push_back(std::move(r));
        continue;
      }
      if (!w.as_bool()) {
        r.result = "not_applicable";
        r.read = detail::reads(*c.when, act);
        d.conditions.push_back(std::move(r));
        continue;
      }
    }
    if (c.require.program) {
      detail::judge(r, c.require.program->evaluate(act));
      r.read = detail::reads(c.require, act);
    }
    d.conditions.push_back(std::move(r));
  }

  // Materials: required when their rule says so; submitted in the right form and number.
  std::optional<date> tolerance_due;
  if (item.tolerance_due) tolerance_due = detail::add_period(rules.calendar.get(), today, *item.tolerance_due, d.schedule.errors);
  std::vector<bool> known(app.materials.size(), false);
  for (const auto& m : item.materials) {
    material_result mr;
    mr.id = m.id;
    bool required = true;
    if (m.required_when && m.required_when->program) {
      value w = m.required_when->program->evaluate(act);
      if (w.is_unknown()) {
        mr.status = "unknown";
        mr.needs = w.as_unknown().attributes;
        d.materials.push_back(std::move(mr));
        continue;
      }
      required = w.kind() == value_kind::bool_value && w.as_bool();
    }
    const submitted_material* given = nullptr;
    for (std::size_t i = 0; i < app.materials.size(); ++i)
      if (app.materials[i].id == m.id) {
        given = &app.materials[i];
        known[i] = true;
      }
    if (!required) mr.status = "not_required";
    else if (m.shared) mr.status = "obtained";
    else if (given && given->commitment && m.commitment) mr.status = "committed";
    else if (given && m.form == standard::material_form::original && given->form != standard::material_form::original) mr.status = "missing", mr.reason = "form";
    else if (given && given->copies < m.copies) mr.status = "missing", mr.reason = "copies";
    else if (given) mr.status = "submitted";
    else if (m.tolerable) mr.status = "tolerated";
    else mr.status = "missing", mr.reason = "missing";
    d.materials.push_back(std::move(mr));
  }
  for (std::size_t i = 0; i < app.materials.size(); ++i)
    if (!known[i]) d.unexpected_materials.push_back(app.materials[i].id);

  // The notice (一次性告知): everything to supply or fix, once, in the standard's order.
  for (std::size_t i = 0; i < item.conditions.size(); ++i) {
    const auto& c = item.conditions[i];
    if (c.stage == standard::stage::acceptance && d.conditions[i].result == "fail")
      d.notice.push_back({"condition", c.id, c.message, "", c.basis, std::nullopt});
  }
  for (std::size_t i = 0; i < item.materials.size(); ++i) {
    const auto& m = item.materials[i];
    const auto& mr = d.materials[i];
    if (mr.status == "missing")
      d.notice.push_back({"material", m.id, m.name, mr.reason, m.basis, std::nullopt});
    else if (mr.status == "tolerated")
      d.notice.push_back({"tolerated", m.id, m.name, "", m.basis, tolerance_due});
  }
  std::vector<std::string> unknown_fields;
  for (std::size_t i = 0; i < item.conditions.size(); ++i)
    if (item.conditions[i].stage == standard::stage::acceptance && d.conditions[i].result == "unknown")
      unknown_fields.insert(unknown_fields.end(), d.conditions[i].needs.begin(), d.conditions[i].needs.end());
  for (const auto& mr : d.materials)
    if (mr.status == "unknown") unknown_fields.insert(unknown_fields.end(), mr.needs.begin(), mr.needs.end());
  std::sort(unknown_fields.begin(), unknown_fields.end());
  unknown_fields.erase(std::unique(unknown_fields.begin(), unknown_fields.end()), unknown_fields.end());
  for (const auto& name : unknown_fields) {
    const standard::field* f = item.find_field(name);
    if (!f)
      for (const auto& shared : rules.fields)
        if (shared.name == name) f = &shared;
    d.notice.push_back({"field", name, f ? f->label : name, "", {}, std::nullopt});
    any_unknown = true;
  }

  // Acceptance: reject > correct > accept_tolerated > accept.
  bool acceptance_error = false;
  for (std::size_t i = 0; i < item.conditions.size(); ++i)
    if (item.conditions[i].stage == standard::stage::acceptance && d.conditions[i].result == "error") acceptance_error = true;
  bool missing = std::any_of(d.materials.begin(), d.materials.end(), [](const auto& m) { return m.status == "missing"; });
  bool tolerated = std::any_of(d.materials.begin(), d.materials.end(), [](const auto& m) { return m.status == "tolerated"; });
  d.stage = "acceptance";
  if (worst_at(standard::stage::acceptance, standard::failure::reject)) d.outcome = "reject";
  else if (worst_at(standard::stage::acceptance, standard::failure::correct) || missing || any_unknown || acceptance_error)
    d.outcome = "correct";
  else if (tolerated) d.outcome = "accept_tolerated";
  else d.outcome = "accept";

  // Decision stage, once accepted: deny > pending > grant.
  if (d.outcome == "accept" || d.outcome == "accept_tolerated") {
    // A tolerated material (容缺) does not hold the decision up: it is due by its own date,
    // which the notice states. Unknown decision facts do.
    bool pending = false;
    bool deny = false;
    for (std::size_t i = 0; i < item.conditions.size(); ++i) {
      if (item.conditions[i].stage != standard::stage::decision) continue;
      const auto& r = d.conditions[i];
      if (r.result == "fail") deny = true;
      if (r.result == "unknown" || r.result == "error") pending = true;
    }
    d.stage = "decision";
    d.outcome = deny ? "deny" : pending ? "pending" : "grant";
  }

  // The schedule from the acceptance date, on the ruleset's calendar.
  const workday_calendar* cal = rules.calendar.get();
  auto& s = d.schedule;
  if (d.stage == "decision" || d.outcome == "accept" || d.outcome == "accept_tolerated") {
    s.legal = detail::add_period(cal, today, item.deadlines.legal, s.errors);
    s.promised = detail::add_period(cal, today, item.deadlines.promised, s.errors);
    s.control_line = detail::add_period(cal, today, item.deadlines.control_line, s.errors);
    std::vector<bool> applies(item.workflow.size(), true);
    std::vector<std::optional<date>> due(item.workflow.size());
    for (std::size_t i = 0; i < item.workflow.size(); ++i) {
      scheduled_step st;
      st.id = item.workflow[i].id;
      st.counted = item.workflow[i].counted;
      st.applies = "yes";
      if (item.workflow[i].when && item.workflow[i].when->program) {
        value w = item.workflow[i].when->program->evaluate(act);
        if (w.is_unknown()) st.applies = "unknown";
        else if (!(w.kind() == value_kind::bool_value && w.as_bool())) st.applies = "no", applies[i] = false;
      }
      s.steps.push_back(std::move(st));
    }
    for (std::size_t v : item.workflow_analysis.topological_order) {
      std::optional<date> start = today;
      for (std::size_t u : item.workflow_analysis.predecessors[v]) {
        if (!due[u]) {
          start.reset();
          break;
        }
        if (*due[u] > *start) start = due[u];
      }
      if (!start) continue;
      // A step that does not apply passes its predecessors' finish through.
      due[v] = applies[v] ? detail::add_period(cal, *start, item.workflow[v].limit, s.errors) : start;
      // Special procedures are not counted: their own date is shown, later steps depend on
      // how long they really take, so their dates stay open.
      if (applies[v] && !item.workflow[v].counted) {
        s.steps[v].due = due[v];
        due[v].reset();
        continue;
      }
      if (applies[v]) s.steps[v].due = due[v];
    }
    std::vector<workflow::step_spec> specs;
    for (const auto& st : item.workflow) {
      workflow::step_spec sp;
      sp.id = st.id;
      sp.limit = st.limit.amount;
      sp.counted = st.counted;
      specs.push_back(std::move(sp));
    }
    if (!item.workflow_analysis.topological_order.empty()) {
      auto [path, days] = workflow::longest_path(specs, item.workflow_analysis.predecessors,
                                                         item.workflow_analysis.topological_order, applies);
      (void)days;
      for (auto i : path) s.critical_path.push_back(item.workflow[i].id);
    }
  }

  // Fees and outputs: computed whatever the outcome, when their inputs are known.
  for (const auto& f : item.fees) {
    named_value nv;
    nv.id = f.id;
    nv.status = "applies";
    if (f.when && f.when->program) {
      value w = f.when->program->evaluate(act);
      if (w.is_unknown()) nv.status = "unknown";
      else if (!(w.kind() == value_kind::bool_value && w.as_bool())) nv.status = "not_applicable";
    }
    if (nv.status == "applies" && f.amount.program) {
      value a = f.amount.program->evaluate(act);
      if (a.is_unknown()) nv.status = "unknown";
      else if (a.is_error()) nv.status = "error", nv.detail = a.as_error().message;
      else nv.amount = a;
    }
    d.fees.push_back(std::move(nv));
  }
  for (const auto& o : item.outputs) {
    output_result orr;
    orr.id = o.id;
    orr.status = "applies";
    if (o.when && o.when->program) {
      value w = o.when->program->evaluate(act);
      if (w.is_unknown()) orr.status = "unknown";
      else if (!(w.kind() == value_kind::bool_value && w.as_bool())) orr.status = "not_applicable";
    }
    if (orr.status == "applies")
      for (const auto& [key, r] : o.values)
        if (r.program) orr.values.emplace_back(key, r.program->evaluate(act));
    d.outputs.push_back(std::move(orr));
  }
  return d;
}

}  // namespace evenhand::eval
