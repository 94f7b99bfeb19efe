// Reading supervision cases (YAML or JSON) against the ruleset: the item, its steps, its
// extension limit.
#include <evenhand/supervise/case.hpp>

#include "../eval/document.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <span>

namespace evenhand::supervise {
namespace {

using eval::detail::document;
using node = document::node;

constexpr std::string_view case_keys[] = {"item", "application", "received_at", "accepted_on", "steps", "tolerated", "events"};
constexpr std::string_view event_keys[] = {"at", "kind", "step", "days", "material", "note"};

std::string key_list(std::span<const std::string_view> keys) {
  std::string s;
  for (auto k : keys) s += (s.empty() ? "" : ", ") + std::string(k);
  return s;
}

class case_reader {
 public:
  case_reader(std::string_view text, const std::string& file, std::uint32_t first_line, const document& doc,
              diagnostics& out)
      : text_(text), file_(file), first_line_(first_line), doc_(doc), out_(out) {}

  void set_quiet(bool quiet) { quiet_ = quiet; }

  void error(const node& n, std::string code, std::string message, std::string hint = {}) {
    if (!reporting()) return count_error(code);
    ++errors_;
    out_.push_back(eval::detail::located(text_, file_, n.offset, std::move(code), std::move(message), std::move(hint), 1,
                                         first_line_));
  }
  /// Whether an error reported now is kept: in the quiet pass, or past the cap on diagnostics,
  /// it is only counted (`count_error`), and its message need not be built.
  bool reporting() { return !quiet_ && out_.has_room(file_); }
  void count_error(std::string_view code) {
    ++errors_;
    if (!quiet_) out_.omit(file_, code, severity::error);
  }

  void unknown_keys(const node& map, std::span<const std::string_view> keys, std::string_view where) {
    doc_.each(map, [&](const node& key) {
      if (std::find(keys.begin(), keys.end(), key.text) != keys.end()) return;
      if (!reporting()) return count_error("E501");
      std::string near = closest_match(key.text, keys);
      error(key, "E501", "unknown key '" + std::string(key.text) + "' in " + std::string(where),
            near.empty() ? "keys: " + key_list(keys) : "did you mean '" + near + "'?");
    });
  }

  /// A step of the item by id, or an error (E505) at `n`.
  const standard::step* find_step(const node& n, const standard::item& item) {
    for (const auto& s : item.workflow)
      if (s.id == n.text) return &s;
    std::vector<std::string> ids;
    for (const auto& s : item.workflow) ids.push_back(s.id);
    std::string near = closest_match(n.text, ids);
    std::string all;
    for (const auto& id : ids) all += (all.empty() ? "" : ", ") + id;
    error(n, "E505", "item " + item.code + " has no step '" + std::string(n.text) + "'",
          near.empty() ? "steps: " + all : "did you mean '" + near + "'?");
    return nullptr;
  }

  std::optional<case_record> read(const standard::ruleset& rules);

 private:
  void read_events(const node& events, const standard::item& item, case_record& c);
  /// The index of `s` among the item's steps.
  static std::size_t index_of(const standard::step& s, const standard::item& item) {
    return static_cast<std::size_t>(&s - item.workflow.data());
  }

  std::vector<bool> listed_;  ///< each step of the item: among the case's `steps:`

  std::string_view text_;
  const std::string& file_;
  std::uint32_t first_line_;
  const document& doc_;
  diagnostics& out_;
  std::size_t errors_ = 0;
  bool quiet_ = false;
};

std::optional<case_record> case_reader::read(const standard::ruleset& rules) {
  const node& top = doc_.root();
  if (!top.is_map()) {
    error(top, "E502", "a case is a map with item, received_at, accepted_on, events");
    return std::nullopt;
  }
  unknown_keys(top, case_keys, "the case");
  case_record c;
  const node* item_node = doc_.find(top, "item");
  if (!item_node || !item_node->is_scalar()) error(item_node ? *item_node : top, "E502", "the case names no item (item: <事项编码>)");
  else c.item = item_node->text;
  if (const node* n = doc_.find(top, "application"); n && !n->is_null()) {
    if (n->is_scalar()) c.application = n->text;
    else error(*n, "E502", "application must be the application's reference, a string");
  }
  if (const node* n = doc_.find(top, "received_at"); n && !n->is_null()) {
    c.received_at = n->is_scalar() ? timestamp::parse(n->text) : std::nullopt;
    if (!c.received_at) error(*n, "E502", "received_at must be a time with its zone, such as 2026-03-02T09:30:00+08:00");
  }
  const node* accepted = doc_.find(top, "accepted_on");
  if (accepted && !accepted->is_null()) {
    c.accepted_on = accepted->is_scalar() ? date::parse(accepted->text) : std::nullopt;
    if (!c.accepted_on) error(*accepted, "E502", "accepted_on must be a date YYYY-MM-DD");
  }
  if (errors_) return std::nullopt;
  if (!c.received_at && !c.accepted_on) {
    error(top, "E502", "a case needs received_at (when the application arrived) or accepted_on");
    return std::nullopt;
  }
  // The version in force when the application arrived, as evaluation picks it.
  std::optional<civil_time> civil = c.received_at ? to_civil(*c.received_at, rules.timezone) : std::nullopt;
  const std::optional<date> received_on =
      civil ? date::from_ymd(static_cast<int>(civil->year), civil->month, civil->day) : std::nullopt;
  const date on = received_on.value_or(c.accepted_on.value_or(date{}));
  if (received_on && c.accepted_on && *c.accepted_on < *received_on)
    error(*accepted, "E502", "accepted_on " + c.accepted_on->to_string() + " is before the application was received (" +
                                 received_on->to_string() + ")");
  c.standard = rules.find_item(c.item, on);
  if (!c.standard) {
    std::vector<std::string> codes;
    for (const auto& i : rules.items) codes.push_back(i.code);
    std::string near = closest_match(c.item, codes);
    error(*item_node, "E504", "no version of item '" + c.item + "' is in force on " + on.to_string(),
          near.empty() ? std::string() : "did you mean '" + near + "'?");
    return std::nullopt;
  }
  const standard::item& item = *c.standard;
  listed_.assign(item.workflow.size(), false);
  if (const node* steps = doc_.find(top, "steps"); steps && !steps->is_null()) {
    if (!steps->is_sequence()) error(*steps, "E502", "steps must be a list of the step ids that apply");
    else
      doc_.each(*steps, [&](const node& s) {
        if (!s.is_scalar()) error(s, "E502", "a step is named by its id");
        else if (const standard::step* st = find_step(s, item)) {
          c.steps.emplace_back(s.text);
          listed_[index_of(*st, item)] = true;
        }
      });
  }
  if (const node* tolerated = doc_.find(top, "tolerated"); tolerated && !tolerated->is_null()) {
    if (!tolerated->is_sequence()) error(*tolerated, "E502", "tolerated must be a list of the 容缺 materials' ids");
    else
      doc_.each(*tolerated, [&](const node& m) {
        if (!m.is_scalar()) return error(m, "E502", "a material is named by its id");
        auto it = std::find_if(item.materials.begin(), item.materials.end(), [&](const auto& x) { return x.id == m.text; });
        if (it == item.materials.end() || !it->tolerable)
          return error(m, "E511", "item " + item.code + " has no tolerable material '" + std::string(m.text) + "'（非容缺材料）");
        c.tolerated.emplace_back(m.text);
      });
  }
  if (const node* events = doc_.find(top, "events"); events && !events->is_null()) read_events(*events, item, c);
  if (errors_) return std::nullopt;
  return c;
}

void case_reader::read_events(const node& events, const standard::item& item, case_record& c) {
  if (!events.is_sequence()) {
    error(events, "E502", "events must be a list of { at, kind, step, days, note }");
    return;
  }
  if (events.size > max_case_events) {
    const node* past = &events;  // the first event past the limit
    std::size_t i = 0;
    doc_.each(events, [&](const node& n) {
      if (i++ == max_case_events) past = &n;
    });
    error(*past, "E510",
          "the case has " + std::to_string(events.size) + " events, more than the limit of " +
              std::to_string(max_case_events) + "（事件数超过上限）",
          "a case records what happened to one application: is this the right file?");
    return;
  }
  // What has happened to each step so far (the last: a special procedure that names no step),
  // to check that each event follows from the ones before it, in constant time an event.
  struct step_state {
    bool started = false, completed = false, special_open = false;
  };
  std::vector<step_state> steps(item.workflow.size() + 1);
  c.events.reserve(events.size);
  std::optional<timestamp> correction_open;
  std::int64_t extension = 0;
  std::optional<timestamp> previous;
  doc_.each(events, [&](const node& n) {
    if (!n.is_map()) {
      error(n, "E502", "an event is a map { at, kind, step, days, note }");
      return;
    }
    unknown_keys(n, event_keys, "an event");
    event e;
    const node* at = doc_.find(n, "at");
    const node* kind = doc_.find(n, "kind");
    const node* step = doc_.find(n, "step");
    const node* days = doc_.find(n, "days");
    const node* note = doc_.find(n, "note");
    auto parsed = at && at->is_scalar() ? timestamp::parse(at->text) : std::nullopt;
    if (!parsed) {
      error(at ? *at : n, "E502", "an event needs at: a time with its zone, such as 2026-03-02T09:30:00+08:00");
      return;
    }
    e.at = *parsed;
    auto k = std::find(std::begin(event_kind_names), std::end(event_kind_names), kind && kind->is_scalar() ? kind->text : "");
    if (k == std::end(event_kind_names)) {
      std::string near = kind && kind->is_scalar() ? closest_match(kind->text, event_kind_names) : std::string();
      error(kind ? *kind : n, "E503",
            kind && kind->is_scalar() ? "unknown event kind '" + std::string(kind->text) + "'" : "an event needs its kind",
            near.empty() ? "kinds: " + key_list(event_kind_names) : "did you mean '" + near + "'?");
      return;
    }
    e.kind = static_cast<event_kind>(k - std::begin(event_kind_names));
    if (previous && e.at < *previous)
      error(*at, "E506", "events out of order: " + e.at.to_string() + " is before the event above it (" +
                             previous->to_string() + ")");
    else if (c.received_at && e.at < *c.received_at)
      error(*at, "E506", "the event is before the application was received (" + c.received_at->to_string() + ")");
    previous = e.at;
    if (note && !note->is_null()) {
      if (note->is_scalar()) e.note = note->text;
      else error(*note, "E502", "note must be text");
    }

    // The step: named by step events, optional on special procedures, never elsewhere.
    const bool step_event = e.kind == event_kind::step_started || e.kind == event_kind::step_completed;
    const bool special_event = e.kind == event_kind::special_started || e.kind == event_kind::special_ended;
    const standard::step* s = nullptr;
    if (step && !step->is_null()) {
      if (!step_event && !special_event) {
        error(*step, "E501", "a " + std::string(to_string(e.kind)) + " event concerns the whole case and names no step");
        return;
      }
      if (!step->is_scalar() || !(s = find_step(*step, item))) {
        if (!step->is_scalar()) error(*step, "E502", "a step is named by its id");
        return;
      }
      e.step = s->id;
      if (!c.steps.empty() && !listed_[index_of(*s, item)]) {
        error(*step, "E505", "step '" + e.step + "' is not among the steps that apply to this case (steps:)");
        return;
      }
      if (step_event && !s->counted) {
        error(*step, "E505", "step '" + e.step + "' is a special procedure (counted: false)",
              "record it as special_started / special_ended: its time is not counted (art. 45)");
        return;
      }
      if (special_event && s->counted) {
        error(*step, "E505", "step '" + e.step + "' is not a special procedure (it is counted)",
              "record it as step_started / step_completed");
        return;
      }
    } else if (step_event) {
      error(n, "E502", "a " + std::string(to_string(e.kind)) + " event needs its step");
      return;
    }
    const node& here = step && !step->is_null() ? *step : *kind;
    step_state& st = steps[s ? index_of(*s, item) : item.workflow.size()];
    switch (e.kind) {
      case event_kind::step_started:
      case event_kind::special_started:
        if (st.started && s) error(here, "E507", "step '" + e.step + "' has already started");
        else if (e.kind == event_kind::special_started && st.special_open)
          error(here, "E507", "a special procedure without a step is already open: end it first");
        st.started = true;
        if (e.kind == event_kind::special_started) st.special_open = true;
        break;
      case event_kind::step_completed:
        if (!st.started) error(here, "E507", "step '" + e.step + "' completes before it started");
        else if (st.completed) error(here, "E507", "step '" + e.step + "' has already completed");
        st.completed = true;
        break;
      case event_kind::special_ended:
        if (!st.special_open)
          error(here, "E507",
                e.step.empty() ? "special_ended without a special_started before it"
                               : "special procedure '" + e.step + "' ends before it started");
        st.special_open = false;
        if (s) st.completed = true;
        break;
      case event_kind::correction_requested:
        if (correction_open)
          error(*kind, "E507", "a correction is already open (requested at " + correction_open->to_string() + ")",
                "record correction_resumed when the corrected materials arrive");
        correction_open = e.at;
        break;
      case event_kind::correction_resumed:
        if (!correction_open) error(*kind, "E507", "correction_resumed without a correction_requested before it");
        correction_open.reset();
        break;
      case event_kind::extension_granted: break;
      case event_kind::material_supplied: {
        const node* material = doc_.find(n, "material");
        if (!material || !material->is_scalar()) {
          error(material ? *material : n, "E502", "a material_supplied event needs material: the tolerated material's id");
          return;
        }
        if (std::find(c.tolerated.begin(), c.tolerated.end(), material->text) == c.tolerated.end()) {
          error(*material, "E511", "'" + std::string(material->text) + "' is not among the case's tolerated materials (tolerated:)");
          return;
        }
        for (const auto& before : c.events)
          if (before.kind == event_kind::material_supplied && before.material == material->text) {
            error(*material, "E507", "material '" + std::string(material->text) + "' was already supplied");
            return;
          }
        e.material = std::string(material->text);
        break;
      }
    }
    if (e.kind != event_kind::material_supplied)
      if (const node* material = doc_.find(n, "material"); material && !material->is_null()) {
        error(*material, "E501", "only a material_supplied event names a material");
        return;
      }

    // Days: the extension's length, and nothing else's.
    if (e.kind != event_kind::extension_granted) {
      if (days && !days->is_null()) error(*days, "E501", "only an extension_granted event has days");
    } else {
      const std::string_view t = days && days->is_scalar() ? days->text : std::string_view();
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), e.days);
      if (t.empty() || ec != std::errc() || p != t.data() + t.size() || e.days <= 0) {
        error(days ? *days : n, "E502", "an extension needs days: a positive whole number of working days");
      } else if (!item.deadlines.extension) {
        error(*days, "E508", "item " + item.code + " allows no extension of its legal limit",
              "its standard has no deadlines.extension");
      } else if (e.days > item.deadlines.extension->amount - extension) {  // the sum, without overflow
        const std::int64_t all = e.days > std::numeric_limits<std::int64_t>::max() - extension
                                     ? std::numeric_limits<std::int64_t>::max()
                                     : extension + e.days;
        error(*days, "E508",
              "extensions of " + std::to_string(all) + " working days in all are beyond the " +
                  std::to_string(item.deadlines.extension->amount) + " the standard allows (deadlines.extension)");
      }
      // Counted up to the most an int64 holds: days beyond any limit stay an error, not a wrap.
      extension = e.days > std::numeric_limits<std::int64_t>::max() - extension ? std::numeric_limits<std::int64_t>::max()
                                                                                 : extension + e.days;
    }
    c.events.push_back(std::move(e));
  });
}

constexpr std::size_t max_depth = 16;

}  // namespace

std::optional<case_record> read_case(std::string_view text, const std::string& file, const standard::ruleset& rules,
                                     diagnostics& problems, std::uint32_t first_line) {
  return read_case(text, file, rules, problems, input_format::detect, first_line);
}

std::optional<case_record> read_case(std::string_view text, const std::string& file, const standard::ruleset& rules,
                                     diagnostics& problems, input_format format, std::uint32_t first_line) {
  const eval::detail::document_kind kind{"the case", "E500", "E510", "E509", max_depth,
                                         "a case is a few kilobytes: is this the right file?"};
  return eval::detail::read_document(text, file, format, kind, first_line, problems, [&](const document& doc, bool quiet) {
    case_reader r(text, file, first_line, doc, problems);
    r.set_quiet(quiet);
    return r.read(rules);
  });
}

}  // namespace evenhand::supervise
