// Electronic supervision (电子监察, DESIGN §6): where a running case stands against its
// deadlines, on the ruleset's working-day calendar.
//
//   auto s = supervise::supervise(*rules, *c.standard, c, now);
//   std::string json = supervise::to_json(s);   // canonical bytes
//
// The rules (行政许可法 arts. 32, 42, 45, 82):
// - Periods are working days, the start day not counted (art. 82; 民法典 arts. 201, 203). A
//   limit a law states in natural days (日) counts them, and ends on the next working day when
//   its last day is a rest day (民法典 art. 203), as evaluation counts it.
// - The clock starts on the acceptance date A. A received application that the hall neither
//   accepted nor told what to correct within 5 working days of receipt counts as accepted on the
//   day it was received (art. 32: "五日内"; art. 82 makes that 5 working days).
// - A correction stops the clock from the day after it was requested through the day the
//   corrected materials arrived; so does a special procedure (art. 45), start to end. Only
//   corrections requested on or after the recorded acceptance stop it: earlier ones are the
//   art. 32 notice, and in a deemed acceptance a late notice is the hall's delay, not the
//   applicant's. Overlapping stops count once.
// - used = working days in (A, E] outside stops, E = today, or the day the last step
//   completed when every step that applies has. A deadline of N working days falls on the N-th
//   such day after A; remaining = N − used (negative once past).
// - An extension (art. 42) adds its days to the legal limit only: the promised limit and the
//   control line are the hall's own promises, which an extension of the law's limit does not
//   relax. One granted after the legal limit ran out cannot revive it and is not counted.
// - Each step is due `limit` working days after it started, or, not yet started, after the
//   completion (or due date) of the last of its `after` steps that apply (A when it has none).
//   Corrections stop step clocks; special procedures do not stop the clocks of other steps,
//   which run beside them. A step is late if it completed after its due date, or is open past it.
// - The light: overdue past the legal limit; red past the control line or the promised limit;
//   yellow when fewer working days than the ruleset's `supervision.warning` remain before the
//   control line of a running case; green otherwise.
// Nothing here reads the clock: `now` is an input. Same inputs → same bytes.
#pragma once

#include <evenhand/eval/decision_json.hpp>
#include <evenhand/eval/evaluate.hpp>
#include <evenhand/supervise/case.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::supervise {

enum class light : std::uint8_t { green, yellow, red, overdue };

constexpr std::string_view to_string(light l) noexcept {
  constexpr std::string_view names[] = {"green", "yellow", "red", "overdue"};
  return names[static_cast<std::size_t>(l)];
}

struct deadline_status {
  std::int64_t limit = 0;      ///< working days (the legal limit with its extension); natural days for a limit in days
  bool natural_days = false;   ///< the limit is in natural days (日): limit and remaining count them
  std::optional<date> due;
  std::int64_t remaining = 0;  ///< counted working days left; negative when past
  bool past = false;           ///< the case's day is after `due`
};

struct step_status {
  std::string_view id;
  bool special = false;  ///< counted: false (art. 45)
  std::optional<date> started, completed, due;
  bool late = false;
  std::int64_t days_late = 0;  ///< working days after due (corrections not counted)
};

/// A tolerated (容缺) material: due `tolerance.due` (its own or the item's) after acceptance, on
/// the working-day calendar; overdue when not supplied by then (supplied late, or not yet and
/// today is past it). On expiry `withdrawn`, the application is deemed withdrawn (视为撤回).
struct tolerated_status {
  std::string_view id;
  std::optional<date> due, supplied;
  bool overdue = false;
  standard::expiry on_expiry = standard::expiry::overdue;
};

struct stopped_days {
  std::int64_t correction = 0, special = 0, total = 0;  ///< total: overlaps counted once
};

struct status {
  std::string_view item, item_version;
  std::string application;
  timestamp now;
  date today;                            ///< now's date in the ruleset's time zone
  std::optional<date> received_on;
  std::optional<date> notice_due;        ///< art. 32: the last day to accept or ask for corrections
  std::optional<date> accepted_on;       ///< the clock's start; nullopt: not accepted yet
  bool deemed_accepted = false;          ///< art. 32: accepted on receipt by law
  std::optional<date> finished_on;       ///< every step that applies completed
  bool clock_stopped = false;            ///< a correction or special procedure is open now
  std::int64_t used = 0;
  stopped_days stopped;
  std::int64_t extension_days = 0;       ///< counted extension (art. 42)
  deadline_status control_line, promised, legal;
  std::vector<step_status> steps;        ///< the steps that apply, in the order written
  std::vector<tolerated_status> tolerated;  ///< the case's 容缺 materials, in the case's order
  bool withdrawn = false;                ///< a tolerated material with on_expiry withdrawn is overdue: 视为撤回
  std::optional<supervise::light> light; ///< nullopt when errors leave the case unmeasured
  std::vector<std::string_view> basis;   ///< the articles the result rests on
  std::vector<std::string> messages;     ///< for the clerk, in Chinese
  std::vector<std::string> errors;       ///< e.g. a year without a published calendar
};

namespace detail {

/// A stop of the clock: working days in (from, to] are not counted.
struct pause {
  date from, to;
};

/// Civil dates of instants in one zone, the zone looked up once.
class local_dates {
 public:
  explicit local_dates(std::string_view zone) {
    if (zone.empty() || zone == "UTC" || zone == "Z") return;
    if (zone[0] == '+' || zone[0] == '-') {
      auto off = evenhand::detail::parse_fixed_offset(zone);
      valid_ = off.has_value();
      fixed_ = off.value_or(0);
      return;
    }
    // A sweep of many cases on many threads asks the zone cache once per thread.
    rules_ = evenhand::detail::tz::zone_for_thread(zone);
    valid_ = rules_ != nullptr;
  }
  bool valid() const noexcept { return valid_; }
  date of(timestamp t) const noexcept {
    return t.to_date(rules_ ? evenhand::detail::tz::utoff_at(*rules_, t.unix_seconds()) : fixed_);
  }

 private:
  const evenhand::detail::tz::zone_rules* rules_ = nullptr;  // cached for the life of the process
  std::int32_t fixed_ = 0;
  bool valid_ = true;
};

/// Calendar arithmetic that records the first error and then does nothing.
class counter {
 public:
  counter(const workday_calendar& cal, std::vector<std::string>& errors) : cal_(cal), errors_(errors) {}
  bool failed() const noexcept { return failed_; }

  std::int64_t workdays(date a, date b) {
    if (failed_ || b <= a) return 0;
    return take(cal_.workdays_between(a, b), std::int64_t{0});
  }
  date add(date d, std::int64_t n) { return failed_ ? d : take(cal_.add_workdays(d, n), d); }

  /// Working days in (a, b] outside the pauses (sorted, disjoint).
  std::int64_t counted(date a, date b, const std::vector<pause>& pauses) {
    std::int64_t n = workdays(a, b);
    for (const auto& p : pauses) n -= workdays(std::max(p.from, a), std::min(p.to, b));
    return n;
  }
  /// Natural days in (a, b] outside the pauses (sorted, disjoint).
  static std::int64_t counted_days(date a, date b, const std::vector<pause>& pauses) {
    auto span = [](date x, date y) { return y > x ? std::int64_t{y.days()} - x.days() : std::int64_t{0}; };
    std::int64_t n = span(a, b);
    for (const auto& p : pauses) n -= span(std::max(p.from, a), std::min(p.to, b));
    return n;
  }
  /// The last day of a period of n natural days after `base` outside the pauses: the n-th such
  /// day, or the next working day when that is a rest day (民法典 art. 203), as evaluation counts.
  date counted_add_days(date base, std::int64_t n, const std::vector<pause>& pauses) {
    date cur = base;
    for (const auto& p : pauses) {
      if (n <= 0) break;
      if (p.to <= cur) continue;
      if (p.from > cur) {
        const std::int64_t available = std::int64_t{p.from.days()} - cur.days();
        if (n <= available) break;
        n -= available;
      }
      cur = p.to;
    }
    return failed_ ? cur : take(cal_.period_end_in_days(cur, n), cur);
  }
  /// counted or counted_days, as the period is written.
  std::int64_t counted_in(const standard::period& unit, date a, date b, const std::vector<pause>& pauses) {
    return unit.in == standard::period::unit::days ? counted_days(a, b, pauses) : counted(a, b, pauses);
  }
  /// The due day of n units of `unit` after `base`: counted_add or counted_add_days.
  date due_in(const standard::period& unit, date base, std::int64_t n, const std::vector<pause>& pauses) {
    return unit.in == standard::period::unit::days ? counted_add_days(base, n, pauses) : counted_add(base, n, pauses);
  }

  /// The day of the n-th working day after `base` outside the pauses (sorted, disjoint).
  date counted_add(date base, std::int64_t n, const std::vector<pause>& pauses) {
    if (n <= 0) return add(base, n);
    date cur = base;
    for (const auto& p : pauses) {
      if (p.to <= cur) continue;
      if (p.from > cur) {
        const std::int64_t available = workdays(cur, p.from);
        if (n <= available) return add(cur, n);
        n -= available;
      }
      cur = p.to;
    }
    return add(cur, n);
  }

 private:
  template <class T>
  T take(calendar_result<T>&& r, T fallback) {
    if (auto* e = std::get_if<calendar_error>(&r)) {
      failed_ = true;
      errors_.push_back(e->message);
      return fallback;
    }
    return std::get<T>(r);
  }
  const workday_calendar& cal_;
  std::vector<std::string>& errors_;
  bool failed_ = false;
};

/// Sorts and joins overlapping or touching pauses.
inline void merge(std::vector<pause>& v) {
  std::sort(v.begin(), v.end(), [](const pause& a, const pause& b) { return a.from < b.from || (a.from == b.from && a.to < b.to); });
  std::size_t out = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (out && v[i].from <= v[out - 1].to) v[out - 1].to = std::max(v[out - 1].to, v[i].to);
    else v[out++] = v[i];
  }
  v.resize(out);
}

inline std::string days_text(std::int64_t n, bool natural = false) {
  return std::to_string(n) + (natural ? "日" : "个工作日");
}

/// 「距内控线还有3个工作日（2026-03-13届满）」, 「已超过法定时限2个工作日（…届满）」.
inline std::string deadline_text(std::string_view name, const deadline_status& d, bool finished) {
  const std::string due = "（" + d.due->to_string() + "届满）";
  if (finished)
    return d.past ? "超过" + std::string(name) + (d.remaining < 0 ? days_text(-d.remaining, d.natural_days) : "") + "办结" + due
                  : "在" + std::string(name) + "内办结" + due;
  if (d.past) return "已超过" + std::string(name) + (d.remaining < 0 ? days_text(-d.remaining, d.natural_days) : "") + due;
  if (d.remaining == 0) return std::string(name) + "今日届满（" + d.due->to_string() + "）";  // used == limit: due today
  return "距" + std::string(name) + "还有" + days_text(d.remaining, d.natural_days) + due;
}

}  // namespace detail

namespace detail {

/// The case's tolerated materials against their due dates (from the acceptance date A; the
/// clock's stops do not move them: the applicant's promise runs on its own).
inline void watch_tolerated(status& s, const standard::item& item, const case_record& c, date A, const local_dates& zone,
                            counter& cal) {
  for (const auto& id : c.tolerated) {
    auto m = std::find_if(item.materials.begin(), item.materials.end(), [&](const standard::material& x) { return x.id == id; });
    if (m == item.materials.end()) continue;  // read_case refuses such a case
    tolerated_status& t = s.tolerated.emplace_back();
    t.id = m->id;
    t.on_expiry = m->on_expiry.value_or(item.tolerance_on_expiry);
    const auto& period = m->tolerance_due ? m->tolerance_due : item.tolerance_due;
    if (period) t.due = period->in == standard::period::unit::days ? A.plus_days(period->amount) : cal.add(A, period->amount);
    for (const auto& e : c.events)
      if (e.kind == event_kind::material_supplied && e.material == id) t.supplied = zone.of(e.at);
    if (!t.due) continue;
    t.overdue = t.supplied ? *t.supplied > *t.due : s.today > *t.due;
    if (!t.overdue) {
      if (!t.supplied) s.messages.push_back("容缺材料“" + m->name + "”应于" + t.due->to_string() + "前补交");
      continue;
    }
    if (t.on_expiry == standard::expiry::withdrawn) {
      s.withdrawn = true;
      s.messages.push_back("容缺材料“" + m->name + "”未在" + t.due->to_string() + "前补交，申请视为撤回");
    } else {
      s.messages.push_back("容缺材料“" + m->name + "”" + (t.supplied ? "逾期补交（" + t.supplied->to_string() + "）" : "逾期未补交") +
                           "（应于" + t.due->to_string() + "前补交）");
    }
  }
}

}  // namespace detail

/// Measures case `c` of item `item` as of `now` into `s`, replacing what it held (a caller
/// that supervises in a loop reuses its storage). The status borrows ids from the ruleset.
inline void supervise_into(status& s, const standard::ruleset& rules, const standard::item& item, const case_record& c,
                           timestamp now) {
  using detail::pause;
  s.item = item.code;
  s.item_version = item.version;
  s.application = c.application;
  s.now = now;
  s.today = date{};
  s.received_on.reset();
  s.notice_due.reset();
  s.accepted_on.reset();
  s.deemed_accepted = false;
  s.finished_on.reset();
  s.clock_stopped = false;
  s.used = 0;
  s.stopped = {};
  s.extension_days = 0;
  s.control_line = s.promised = s.legal = {};
  s.steps.clear();
  s.tolerated.clear();
  s.withdrawn = false;
  s.light.reset();
  s.basis.clear();
  s.messages.clear();
  s.errors.clear();

  const detail::local_dates zone(rules.timezone);
  if (!zone.valid()) {
    s.errors.push_back("unknown time zone '" + rules.timezone + "'");
    return;
  }
  s.today = zone.of(now);
  if (!rules.calendar) {
    s.errors.push_back("the ruleset has no working-day calendar");
    return;
  }
  // Limits in natural days (日, where a law counts them) are counted as evaluation counts them:
  // the period ends on its n-th day, or the next working day when that is a rest day.
  const auto& dl = item.deadlines;
  if (c.events.size() > max_case_events) {  // read_case refuses such a case; one built by hand may have them
    s.errors.push_back("the case has " + std::to_string(c.events.size()) + " events, more than the limit of " +
                       std::to_string(max_case_events));
    return;
  }
  if (c.received_at && *c.received_at > now) {
    s.errors.push_back("the application was received (" + c.received_at->to_string() + ") after now (" + now.to_string() + ")");
    return;
  }
  if (c.accepted_on && *c.accepted_on > s.today) {
    s.errors.push_back("受理日期 " + c.accepted_on->to_string() + " 晚于监察时点所在日 " + s.today.to_string() +
                       "，无法监察；the case was accepted on " + c.accepted_on->to_string() + ", after now (" +
                       now.to_string() + "): it cannot be measured");
    return;
  }
  for (const auto& e : c.events)
    if (e.at > now) {
      s.errors.push_back("an event (" + std::string(to_string(e.kind)) + " at " + e.at.to_string() + ") is after now (" +
                         now.to_string() + ")");
      return;
    }
  detail::counter cal(*rules.calendar, s.errors);

  // Acceptance, and art. 32's deemed acceptance.
  std::optional<date> first_correction;
  for (const auto& e : c.events)
    if (e.kind == event_kind::correction_requested) {
      first_correction = zone.of(e.at);
      break;
    }
  if (c.received_at) {
    s.received_on = zone.of(*c.received_at);
    s.notice_due = cal.add(*s.received_on, 5);
    if (cal.failed()) return;
  }
  const bool notified_in_time = first_correction && s.notice_due && *first_correction <= *s.notice_due;
  if (s.received_on && !notified_in_time &&
      (c.accepted_on ? *c.accepted_on > *s.notice_due : s.today > *s.notice_due)) {
    s.accepted_on = s.received_on;
    s.deemed_accepted = true;
    s.basis.push_back("XKF-32");
    s.messages.push_back("收件后5个工作日内（至" + s.notice_due->to_string() +
                         "）未受理也未一次告知补正，依《行政许可法》第三十二条，自收到申请材料之日（" +
                         s.received_on->to_string() + "）起视为受理");
  } else {
    s.accepted_on = c.accepted_on;
  }
  if (!s.accepted_on) {
    s.light = light::green;
    s.messages.push_back(notified_in_time ? "已一次告知需要补正的全部内容，待申请人补正后受理"
                                          : "尚未受理：应于" + s.notice_due->to_string() +
                                                "前受理或一次告知需要补正的全部内容（《行政许可法》第三十二条）");
    return;
  }
  const date A = *s.accepted_on;
  if (s.today < A) {
    s.errors.push_back("now (" + s.today.to_string() + ") is before the acceptance date " + A.to_string());
    return;
  }

  // The steps that apply, and when each started and completed.
  const std::size_t n = item.workflow.size();
  struct step_times {
    bool applies = false;
    std::optional<date> started, completed;
  };
  std::vector<step_times> steps(n);
  auto index_of = [&](std::string_view id) -> std::size_t {
    for (std::size_t i = 0; i < n; ++i)
      if (item.workflow[i].id == id) return i;
    return n;
  };
  if (!c.steps.empty()) {
    for (const auto& id : c.steps)
      if (auto i = index_of(id); i < n) steps[i].applies = true;
  } else {
    for (std::size_t i = 0; i < n; ++i) steps[i].applies = !item.workflow[i].when;
  }

  // Stops of the clock, from the events in time order.
  std::vector<pause> corrections, specials;
  bool late_notice = false;
  bool correction_open = false;  // since correction_from (a plain flag: GCC misjudges optional<date> here)
  date correction_from;
  struct open_special {
    std::string_view step;
    date from;
  };
  std::vector<open_special> open_specials;
  for (const auto& e : c.events) {
    const date d = zone.of(e.at);
    std::size_t i = e.step.empty() ? n : index_of(e.step);
    if (i < n) steps[i].applies = true;
    switch (e.kind) {
      case event_kind::step_started:
      case event_kind::special_started:
        if (i < n) steps[i].started = d;
        if (e.kind == event_kind::special_started) open_specials.push_back({e.step, d});
        break;
      case event_kind::step_completed:
      case event_kind::special_ended:
        if (i < n) steps[i].completed = d;
        if (e.kind == event_kind::special_ended)
          for (auto it = open_specials.begin(); it != open_specials.end(); ++it)
            if (it->step == e.step) {
              specials.push_back({std::max(it->from, A), std::max(d, A)});
              open_specials.erase(it);
              break;
            }
        break;
      case event_kind::correction_requested:
        // Before the recorded acceptance it is the art. 32 notice (in a deemed acceptance a
        // late one): the applicant's time, not a stop of the hall's clock.
        if (c.accepted_on && d >= *c.accepted_on) correction_open = true, correction_from = d;
        else if (s.deemed_accepted && d > *s.notice_due) late_notice = true;
        break;
      case event_kind::correction_resumed:
        if (correction_open) corrections.push_back({std::max(correction_from, A), std::max(d, A)});
        correction_open = false;
        break;
      case event_kind::extension_granted: break;
    }
  }

  // Finished when every step that applies has completed: the clock ends there.
  bool any = false, all = true;
  date finished = A;
  for (const auto& st : steps) {
    if (!st.applies) continue;
    any = true;
    if (!st.completed) all = false;
    else finished = std::max(finished, *st.completed);
  }
  if (any && all) s.finished_on = finished;
  const date E = s.finished_on ? std::min(*s.finished_on, s.today) : s.today;
  if (correction_open) corrections.push_back({std::max(correction_from, A), std::max(E, A)});
  for (const auto& o : open_specials) specials.push_back({std::max(o.from, A), std::max(E, A)});
  s.clock_stopped = !s.finished_on && (correction_open || !open_specials.empty());
  detail::merge(corrections);
  detail::merge(specials);
  std::vector<pause> stops = corrections;
  stops.insert(stops.end(), specials.begin(), specials.end());
  detail::merge(stops);

  const std::int64_t elapsed = cal.workdays(A, E);
  s.stopped.correction = elapsed - cal.counted(A, E, corrections);
  s.stopped.special = elapsed - cal.counted(A, E, specials);
  s.used = cal.counted(A, E, stops);
  s.stopped.total = elapsed - s.used;
  if (!specials.empty()) s.basis.push_back("XKF-45");

  // Extensions, each counted only when granted before the legal limit (as extended so far) ran
  // out. That limit's day is found again only when an extension moved it.
  bool legal_due_found = false;  // a plain flag, as above
  date legal_due;
  for (const auto& e : c.events) {
    if (e.kind != event_kind::extension_granted) continue;
    const date on = zone.of(e.at);
    if (!legal_due_found) legal_due = cal.due_in(dl.legal, A, dl.legal.amount + s.extension_days, stops), legal_due_found = true;
    if (on > legal_due) {
      s.messages.push_back(on.to_string() + "作出的延长期限决定晚于法定期限届满（" + legal_due.to_string() + "），不予计入");
      continue;
    }
    s.extension_days += e.days;
    legal_due_found = false;
  }
  if (s.extension_days) s.basis.push_back("XKF-42");

  auto measure = [&](deadline_status& d, const standard::period& unit, std::int64_t limit) {
    d.limit = limit;
    d.natural_days = unit.in == standard::period::unit::days;
    d.due = cal.due_in(unit, A, limit, stops);
    d.past = E > *d.due;
    // Natural days left to the due day (which art. 203 may have moved past the n-th day).
    d.remaining = !d.natural_days ? limit - s.used
                  : d.past        ? -detail::counter::counted_days(*d.due, E, stops)
                                  : detail::counter::counted_days(E, *d.due, stops);
  };
  measure(s.control_line, dl.control_line, dl.control_line.amount);
  measure(s.promised, dl.promised, dl.promised.amount);
  measure(s.legal, dl.legal, dl.legal.amount + s.extension_days);

  // Steps in dependency order; a step that does not apply passes its predecessors' finish on.
  std::vector<date> finish(n, A);
  std::vector<date> due(n, A);
  for (std::size_t v : item.workflow_analysis.topological_order) {
    date base = A;
    for (std::size_t u : item.workflow_analysis.predecessors[v]) base = std::max(base, finish[u]);
    if (!steps[v].applies) {
      finish[v] = base;
      continue;
    }
    if (steps[v].started) base = *steps[v].started;
    due[v] = cal.due_in(item.workflow[v].limit, base, item.workflow[v].limit.amount, corrections);
    finish[v] = steps[v].completed.value_or(due[v]);
  }
  s.steps.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!steps[i].applies) continue;
    step_status& st = s.steps.emplace_back();
    st.id = item.workflow[i].id;
    st.special = !item.workflow[i].counted;
    st.started = steps[i].started;
    st.completed = steps[i].completed;
    st.due = due[i];
    const date until = steps[i].completed.value_or(E);
    st.late = until > due[i];
    st.days_late = st.late ? cal.counted_in(item.workflow[i].limit, due[i], until, corrections) : 0;
  }
  if (cal.failed()) {
    s.steps.clear();
    s.messages.clear();
    return;
  }

  // The light, and what the clerk reads.
  const bool running = !s.finished_on;
  if (s.legal.past) s.light = light::overdue;
  else if (s.control_line.past || s.promised.past) s.light = light::red;
  else if (running && rules.supervision.warning &&
           (rules.supervision.warning->in == dl.control_line.in
                ? s.control_line.remaining
                : cal.counted_in(*rules.supervision.warning, E, *s.control_line.due, stops)) < rules.supervision.warning->amount)
    s.light = light::yellow;
  else s.light = light::green;

  if (late_notice) s.messages.push_back("补正告知晚于收件后5个工作日，视为受理后不停止计时");
  if (s.finished_on) s.messages.push_back("已办结（" + s.finished_on->to_string() + "）");
  if (s.clock_stopped)
    s.messages.push_back(correction_open ? "补正期间，计时暂停" : "特别程序期间，计时暂停（《行政许可法》第四十五条）");
  s.messages.push_back("已用" + detail::days_text(s.used) +
                       (s.stopped.total ? "（补正、特别程序不计" + detail::days_text(s.stopped.total) + "）" : ""));
  s.messages.push_back(detail::deadline_text("内控线", s.control_line, !running));
  s.messages.push_back(detail::deadline_text("承诺时限", s.promised, !running));
  s.messages.push_back(detail::deadline_text("法定时限", s.legal, !running) +
                       (s.extension_days ? "（含延长" + detail::days_text(s.extension_days, s.legal.natural_days) + "）" : ""));
  for (std::size_t k = 0, i = 0; i < n; ++i) {
    if (!steps[i].applies) continue;
    const step_status& st = s.steps[k++];
    if (st.late)
      s.messages.push_back("环节“" + item.workflow[i].name + "”" + (st.completed ? "超期" : "已超期") +
                           detail::days_text(st.days_late, item.workflow[i].limit.in == standard::period::unit::days) + "（应于" + st.due->to_string() + "前完成）");
  }
  detail::watch_tolerated(s, item, c, A, zone, cal);
}

/// Measures case `c` of item `item` as of `now`.
inline status supervise(const standard::ruleset& rules, const standard::item& item, const case_record& c, timestamp now) {
  status s;
  supervise_into(s, rules, item, c, now);
  return s;
}

/// The case of an application from the decision that accepted it: item, id, acceptance date
/// (nullopt when it was not accepted) and the steps that apply (those whose `when` could not
/// be decided included, so that none goes unwatched). `received_at` is the decision's as_of.
inline case_record case_from_decision(const eval::decision& d, const standard::item& item) {
  case_record c;
  c.item = std::string(d.item);
  c.application = d.application_id;
  c.received_at = d.as_of;
  if (d.decided) c.accepted_on = d.schedule.accepted_on;  // accepted: the decision stage was reached
  for (const auto& st : d.schedule.steps)
    if (st.applies != eval::applicability::no) c.steps.emplace_back(st.id);
  for (const auto& m : d.materials)
    if (m.status == eval::material_status::tolerated) c.tolerated.emplace_back(m.id);
  c.standard = &item;
  return c;
}

/// The canonical JSON of a status: keys sorted, no whitespace, dates as ISO 8601 strings.
inline std::string to_json(const status& s) {
  using eval::detail::object_writer;
  std::string out;
  out.reserve(1024);
  {
    eval::detail::json_out sink(out);
    object_writer w(sink);
    w.date_or_null("accepted_on", s.accepted_on);
    w.str("application", s.application);
    w.strings("basis", s.basis);
    w.key("clock_stopped") += s.clock_stopped ? "true" : "false";
    if (!s.accepted_on || !s.light) {
      w.key("deadlines") += "null";
    } else {
      object_writer dw(w.key("deadlines"));
      auto deadline = [&](std::string_view k, const deadline_status& d) {
        object_writer x(dw.key(k));
        x.date_or_null("due", d.due);
        eval::detail::append_integer(x.key("limit"), d.limit);
        x.key("past") += d.past ? "true" : "false";
        eval::detail::append_integer(x.key("remaining"), d.remaining);
      };
      deadline("control_line", s.control_line);
      deadline("legal", s.legal);
      deadline("promised", s.promised);
    }
    w.key("deemed_accepted") += s.deemed_accepted ? "true" : "false";
    w.strings("errors", s.errors);
    eval::detail::append_integer(w.key("extension_days"), s.extension_days);
    w.date_or_null("finished_on", s.finished_on);
    w.str("item", s.item);
    w.str("item_version", s.item_version);
    if (s.light) w.str("light", to_string(*s.light));
    else w.key("light") += "null";
    w.strings("messages", s.messages);
    w.date_or_null("notice_due", s.notice_due);
    w.str("now", s.now.to_string());
    w.date_or_null("received_on", s.received_on);
    eval::detail::array(w.key("steps"), s.steps, [](eval::detail::json_out& o, const step_status& st) {
      object_writer x(o);
      x.date_or_null("completed", st.completed);
      eval::detail::append_integer(x.key("days_late"), st.days_late);
      x.date_or_null("due", st.due);
      x.str("id", st.id);
      x.key("late") += st.late ? "true" : "false";
      x.key("special") += st.special ? "true" : "false";
      x.date_or_null("started", st.started);
    });
    {
      object_writer x(w.key("stopped"));
      eval::detail::append_integer(x.key("correction"), s.stopped.correction);
      eval::detail::append_integer(x.key("special"), s.stopped.special);
      eval::detail::append_integer(x.key("total"), s.stopped.total);
    }
    w.str("today", s.today.to_string());
    eval::detail::array(w.key("tolerated"), s.tolerated, [](eval::detail::json_out& o, const tolerated_status& t) {
      object_writer x(o);
      x.date_or_null("due", t.due);
      x.str("id", t.id);
      x.str("on_expiry", standard::to_string(t.on_expiry));
      x.key("overdue") += t.overdue ? "true" : "false";
      x.date_or_null("supplied", t.supplied);
    });
    eval::detail::append_integer(w.key("used"), s.used);
    w.key("withdrawn") += s.withdrawn ? "true" : "false";
  }
  return out;
}

}  // namespace evenhand::supervise
