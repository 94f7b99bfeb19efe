// Replay and impact analysis (DESIGN §7).
//
// Replay re-evaluates every journal record with the ruleset version its decision names (from a
// ruleset store) at its recorded `as_of`, and compares the bytes: a record whose decision
// differs is reported with each differing field. Impact analysis re-evaluates the same records
// with another ruleset and tells which decisions would change — outcome, notice, deadlines,
// outputs — grouped by the rules that cause the change.
//
//   journal::ruleset_store store("/srv/evenhand/store");
//   auto report = journal::replay_text(text, [&](std::string_view digest, std::string& why) {
//     return store.find(digest, &why);
//   });
//
// Masked personal data. A journal keeps personal fields as salted digests (or drops them), so
// the rules that read them cannot be evaluated again: those conditions and materials keep their
// recorded results (eval::recorded_results), everything that follows from them — notice,
// outcome, schedule — is derived again and compared. The application digest of a masked record
// is the recorded one (the original text is not in the journal); an unmasked record's digest is
// computed again and must match. Facts a dropped field supplied read as "(personal)", as the
// journal wrote them.
#pragma once

#include <evenhand/eval/application.hpp>
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/eval/evaluate.hpp>
#include <evenhand/journal/journal.hpp>
#include <evenhand/journal/record.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <forward_list>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace evenhand::journal {

/// One difference between two decisions: where (`outcome`, `schedule.due.legal`,
/// `conditions[premises-area].result`), and each side's JSON text (empty when absent).
struct difference {
  std::string path;
  std::string recorded, replayed;
};

namespace detail {

/// A value whose canonical text (eval::detail::put_value) is `text`: numbers keep their
/// digits as decimals, dates and times stay strings (as the decision writes them).
inline std::optional<value> value_of_text(std::string_view t) {
  if (t.empty()) return std::nullopt;
  if (t[0] == '"') {
    auto s = string_of(t);
    return s ? std::optional<value>(value(std::move(*s))) : std::nullopt;
  }
  if (t[0] == '{') {
    map_entries entries;
    bool ok = each_member(t, [&](std::string_view k, std::string_view v) {
      auto key = string_of(k);
      auto e = value_of_text(v);
      if (!key || !e) return false;
      entries.emplace_back(value(std::move(*key)), std::move(*e));
      return true;
    });
    if (!ok) return std::nullopt;
    return value::make_map(std::move(entries));
  }
  if (t[0] == '[') {
    list items;
    bool ok = true;
    if (!each_element(t, [&](std::string_view e) {
          auto v = value_of_text(e);
          if (v) items.push_back(std::move(*v));
          else ok = false;
        }) || !ok)
      return std::nullopt;
    return value(std::move(items));
  }
  if (t == "null") return value();
  if (t == "true") return value(true);
  if (t == "false") return value(false);
  if (t.find_first_of(".eE") == std::string_view::npos) {
    std::int64_t i = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), i);
    if (ec == std::errc() && p == t.data() + t.size()) return value(i);
    std::uint64_t u = 0;
    auto [p2, ec2] = std::from_chars(t.data(), t.data() + t.size(), u);
    if (ec2 == std::errc() && p2 == t.data() + t.size()) return value(u);
  }
  if (auto d = decimal::parse(t)) return value(*d);
  return std::nullopt;
}

template <class E, std::size_t N>
std::optional<E> enum_of(std::string_view text) {
  for (std::size_t i = 0; i < N; ++i)
    if (eval::to_string(static_cast<E>(i)) == text) return static_cast<E>(i);
  return std::nullopt;
}

// --- Differences between two decisions ------------------------------------------------------

/// How an element of an array of objects is known across versions: its id (with its kind, for
/// notice entries, where one id may be both a material and a condition).
inline std::optional<std::string> element_key(const boost::json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto* id = o.if_contains("id");
  if (!id || !id->is_string()) return std::nullopt;
  std::string key(id->as_string());
  if (const auto* kind = o.if_contains("kind"); kind && kind->is_string()) key = std::string(kind->as_string()) + ":" + key;
  return key;
}

inline bool keyed(const boost::json::array& a) {
  std::vector<std::string> keys;
  for (const auto& e : a) {
    auto k = element_key(e);
    if (!k) return false;
    keys.push_back(std::move(*k));
  }
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) == keys.end();
}

inline std::string text_of(const boost::json::value* v) { return v ? boost::json::serialize(*v) : std::string(); }

inline void diff_values(const boost::json::value* a, const boost::json::value* b, std::string& path,
                        std::vector<difference>& out) {
  if (a && b && *a == *b) return;
  auto nest = [&](std::string_view step, const boost::json::value* x, const boost::json::value* y) {
    std::size_t len = path.size();
    path += step;
    diff_values(x, y, path, out);
    path.resize(len);
  };
  if (a && b && a->is_object() && b->is_object()) {
    std::vector<std::string_view> keys;
    for (const auto& kv : a->as_object()) keys.emplace_back(kv.key().data(), kv.key().size());
    for (const auto& kv : b->as_object()) keys.emplace_back(kv.key().data(), kv.key().size());
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (auto k : keys) {
      boost::json::string_view key(k.data(), k.size());
      nest((path.empty() ? "" : ".") + std::string(k), a->as_object().if_contains(key), b->as_object().if_contains(key));
    }
    return;
  }
  if (a && b && a->is_array() && b->is_array()) {
    const auto& x = a->as_array();
    const auto& y = b->as_array();
    if (!x.empty() && !y.empty() && keyed(x) && keyed(y)) {
      // Elements by their ids: in the recorded order, then those only the replay has.
      std::vector<std::pair<std::string, const boost::json::value*>> ys;
      for (const auto& e : y) ys.emplace_back(*element_key(e), &e);
      std::vector<bool> matched(ys.size(), false);
      for (const auto& e : x) {
        std::string k = *element_key(e);
        const boost::json::value* other = nullptr;
        for (std::size_t i = 0; i < ys.size(); ++i)
          if (!matched[i] && ys[i].first == k) matched[i] = true, other = ys[i].second;
        nest("[" + k + "]", &e, other);
      }
      for (std::size_t i = 0; i < ys.size(); ++i)
        if (!matched[i]) nest("[" + ys[i].first + "]", nullptr, ys[i].second);
      return;
    }
    if (x.size() == y.size() && !x.empty() && (x[0].is_object() || x[0].is_array())) {
      for (std::size_t i = 0; i < x.size(); ++i) nest("[" + std::to_string(i) + "]", &x[i], &y[i]);
      return;
    }
  }
  out.push_back({path, text_of(a), text_of(b)});
}

}  // namespace detail

/// The fields in which two decisions' JSON differ, in key order; arrays of rules are matched by
/// id, so an added condition is one difference, not a shifted list.
inline std::vector<difference> diff_decisions(std::string_view recorded, std::string_view replayed) {
  boost::system::error_code ec1, ec2;
  auto a = boost::json::parse(boost::json::string_view(recorded.data(), recorded.size()), ec1);
  auto b = boost::json::parse(boost::json::string_view(replayed.data(), replayed.size()), ec2);
  if (ec1 || ec2) return {{"", std::string(recorded), std::string(replayed)}};
  std::vector<difference> out;
  std::string path;
  detail::diff_values(&a, &b, path, out);
  return out;
}

/// What a recorded decision says about how to decide it again.
struct recorded_decision {
  std::string ruleset_digest;
  std::string item;
  std::string application_digest;
  timestamp as_of;
};

namespace detail {

inline std::optional<recorded_decision> read_recorded(std::optional<std::string_view> ruleset, std::optional<std::string_view> item,
                                                      std::optional<std::string_view> application,
                                                      std::optional<std::string_view> as_of_text) {
  recorded_decision r;
  auto digest = ruleset ? detail::string_of(detail::member(*ruleset, "digest")) : std::nullopt;
  auto code = item ? detail::string_of(detail::member(*item, "code")) : std::nullopt;
  auto app = detail::string_of(application);
  auto as_of = detail::string_of(as_of_text);
  auto when = as_of ? timestamp::parse(*as_of) : std::nullopt;
  if (!digest || !code || !app || !when) return std::nullopt;
  r.ruleset_digest = std::move(*digest);
  r.item = std::move(*code);
  r.application_digest = std::move(*app);
  r.as_of = *when;
  return r;
}

}  // namespace detail

inline std::optional<recorded_decision> read_recorded(std::string_view decision) {
  std::optional<std::string_view> ruleset, item, application, as_of_text;
  detail::each_member(decision, [&](std::string_view k, std::string_view v) {  // one pass
    if (k == "\"ruleset\"") ruleset = v;
    else if (k == "\"item\"") item = v;
    else if (k == "\"application\"") application = v;
    else if (k == "\"as_of\"") as_of_text = v;
    return !(ruleset && item && application && as_of_text);  // the rest is not needed
  });
  return detail::read_recorded(ruleset, item, application, as_of_text);
}

/// The same from a parsed record, whose decision's members are already found.
inline std::optional<recorded_decision> read_recorded(const parsed_record& r) {
  return detail::read_recorded(r.decision_member("ruleset"), r.decision_member("item"), r.decision_member("application"),
                               r.decision_member("as_of"));
}

/// The recorded results of the rules that read masked fields: they stand in for evaluation.
class masked_rules final : public eval::recorded_results {
 public:
  /// `recorded_decision` must outlive this object: it is read only when a rule reads a masked
  /// field, and then once.
  masked_rules(const standard::item& item, const std::vector<std::string>& masked, std::string_view recorded_decision)
      : item_(item), recorded_(recorded_decision) {
    slots_.reserve(masked.size());
    for (const auto& name : masked)
      if (auto slot = item.environment->slot_of(name)) slots_.push_back(*slot);
    std::sort(slots_.begin(), slots_.end());
  }
  /// The same for a parsed record (which must outlive this object), whose decision's members
  /// are already found.
  masked_rules(const standard::item& item, const parsed_record& record) : masked_rules(item, record.masked, record.decision) {
    conditions_text_ = record.decision_member("conditions");
    materials_text_ = record.decision_member("materials");
    found_ = true;
  }

  bool reads_masked(std::span<const std::uint32_t> read) const noexcept {
    for (auto slot : read)
      if (std::binary_search(slots_.begin(), slots_.end(), slot)) return true;
    return false;
  }
  const std::vector<std::uint32_t>& slots() const noexcept { return slots_; }

  /// The facts of masked fields as the journal recorded them (what evaluation saw of them is
  /// a digest, or nothing). With `dropped`, a value the writer replaced by "(personal)" because
  /// it equalled a personal value is taken as recorded too.
  void restore_facts(eval::decision& d, bool dropped) const {
    read_record();
    const auto& decls = item_.environment->declarations();
    auto recorded = [&](std::string_view name) -> std::optional<value> {
      for (const auto& [field, text] : reads_)  // the first condition that read it
        if (field == name) return detail::value_of_text(text);
      return std::nullopt;
    };
    for (const auto& c : d.conditions)
      for (auto slot : c.read) {
        if (!std::binary_search(slots_.begin(), slots_.end(), slot) || d.fact_value(slot)) continue;
        if (auto v = recorded(decls[slot].name)) {
          auto at = std::lower_bound(d.facts.begin(), d.facts.end(), slot,
                                     [](const eval::fact& f, std::uint32_t s) { return f.slot < s; });
          d.facts.insert(at, {slot, decls[slot].name, std::move(*v)});
        }
      }
    for (auto& f : d.facts) {
      bool masked = std::binary_search(slots_.begin(), slots_.end(), f.slot);
      if (!masked && !dropped) continue;
      auto v = recorded(f.name);
      if (!v) continue;
      if (masked) f.v = std::move(*v);
      else f.v = keep_withheld(f.v, *v);
    }
  }

  void condition(std::size_t, eval::rule_result& r) const override {
    if (!reads_masked(r.read)) return;
    read_record();
    const auto* it = find_last(conditions_, r.id);
    if (!it) return;
    r.result = it->result;
    r.needs = it->needs;
    r.detail = it->detail;
  }

  void material(std::size_t k, eval::material_result& m) const override {
    const auto& when = item_.materials[k].required_when;
    if (!when || !when->program) return;
    const auto& read = when->program->slots_read();
    if (!reads_masked({read.data(), read.size()})) return;
    read_record();
    const auto* it = find_last(materials_, m.id);
    if (!it) return;
    m.status = it->status;
    m.reason = it->reason;
    m.needs = it->needs;
  }

 private:
  struct condition_record {
    eval::rule_status result;
    std::vector<std::string> needs;
    std::string detail;
  };
  struct material_record {
    eval::material_status status;
    eval::shortfall reason;
    std::vector<std::string> needs;
  };
  /// `replayed` with the scalars the record shows as "(personal)" taken from the record.
  static value keep_withheld(const value& replayed, const value& record) {
    if (record.kind() == value_kind::string_value && record.as_string() == "(personal)") return record;
    if (replayed.kind() == value_kind::list_value && record.kind() == value_kind::list_value &&
        replayed.as_list().size() == record.as_list().size()) {
      list out;
      for (std::size_t i = 0; i < replayed.as_list().size(); ++i) out.push_back(keep_withheld(replayed.as_list()[i], record.as_list()[i]));
      return value(std::move(out));
    }
    if (replayed.kind() == value_kind::map_value && record.kind() == value_kind::map_value) {
      map_entries out;
      for (const auto& [k, e] : replayed.as_map()) {
        const value* other = nullptr;
        for (const auto& [rk, re] : record.as_map())
          if (cel_equal(rk, k)) other = &re;
        out.emplace_back(k, other ? keep_withheld(e, *other) : e);
      }
      // A dropped member of a record (derived facts copy records, members and all).
      for (const auto& [rk, re] : record.as_map()) {
        if (re.kind() != value_kind::string_value || re.as_string() != "(personal)") continue;
        bool present = false;
        for (const auto& [k, e] : replayed.as_map()) present |= cel_equal(rk, k);
        if (!present) out.emplace_back(rk, re);
      }
      return value::make_map(std::move(out));
    }
    return replayed;
  }

  /// A JSON string's value, as a view into the record when it has no escapes.
  std::optional<std::string_view> text_of(std::optional<std::string_view> raw) const {
    if (!raw || raw->size() < 2 || raw->front() != '"' || raw->back() != '"') return std::nullopt;
    std::string_view inner = raw->substr(1, raw->size() - 2);
    if (inner.find('\\') == std::string_view::npos) return inner;
    auto decoded = detail::string_of(raw);
    if (!decoded) return std::nullopt;
    return decoded_.emplace_front(std::move(*decoded));
  }
  template <class Record>
  static const Record* find_last(const std::vector<std::pair<std::string_view, Record>>& v, std::string_view id) {
    for (auto it = v.rbegin(); it != v.rend(); ++it)
      if (it->first == id) return &it->second;
    return nullptr;
  }

  /// The recorded results of the conditions and materials, and the values the conditions read.
  void read_record() const {
    if (read_) return;
    read_ = true;
    auto strings = [](std::optional<std::string_view> arr) {
      std::vector<std::string> out;
      if (arr)
        detail::each_element(*arr, [&](std::string_view e) {
          if (auto s = detail::string_of(e)) out.push_back(std::move(*s));
        });
      return out;
    };
    std::optional<std::string_view> cs = conditions_text_, ms = materials_text_;
    if (!found_)
      detail::each_member(recorded_, [&](std::string_view k, std::string_view v) {  // one pass
        if (k == "\"conditions\"") cs = v;
        else if (k == "\"materials\"") ms = v;
        return !ms;  // materials come after conditions
      });
    std::optional<std::string_view> id, result, needs, detail_text, read, status, reason;
    auto clear = [&] { id = result = needs = detail_text = read = status = reason = std::nullopt; };
    // Room for a typical item's rules and the values they read, each block no larger than
    // 1 kB, the largest that glibc keeps in its per-thread cache.
    conditions_.reserve(12);
    materials_.reserve(16);
    reads_.reserve(32);
    if (cs)
      detail::each_object(
          *cs,
          [&](std::string_view k, std::string_view v) {
            if (k == "\"id\"") id = v;
            else if (k == "\"result\"") result = v;
            else if (k == "\"needs\"") needs = v;
            else if (k == "\"detail\"") detail_text = v;
            else if (k == "\"read\"") read = v;
            return true;
          },
          [&] {
            auto name = text_of(id);
            auto result_text = detail::string_of(result);
            auto rule_status = result_text ? detail::enum_of<eval::rule_status, 5>(*result_text) : std::nullopt;
            if (name && rule_status)
              conditions_.push_back({*name, {*rule_status, strings(needs), detail::string_of(detail_text).value_or("")}});
            if (read)
              detail::each_member(*read, [&](std::string_view k, std::string_view v) {
                if (auto field = text_of(k)) reads_.emplace_back(*field, v);
                return true;
              });
            clear();
          });
    if (auto rules = ms ? detail::member(*ms, "rules") : std::nullopt)
      detail::each_object(
          *rules,
          [&](std::string_view k, std::string_view v) {
            if (k == "\"id\"") id = v;
            else if (k == "\"status\"") status = v;
            else if (k == "\"reason\"") reason = v;
            else if (k == "\"needs\"") needs = v;
            return true;
          },
          [&] {
            auto name = text_of(id);
            auto status_text = detail::string_of(status);
            auto material_status = status_text ? detail::enum_of<eval::material_status, 7>(*status_text) : std::nullopt;
            auto reason_text = detail::string_of(reason);
            auto shortfall = reason_text ? detail::enum_of<eval::shortfall, 4>(*reason_text) : eval::shortfall::none;
            if (name && material_status && shortfall)
              materials_.push_back({*name, {*material_status, *shortfall, strings(needs)}});
            clear();
          });
  }

  const standard::item& item_;
  std::string_view recorded_;
  std::vector<std::uint32_t> slots_;
  mutable bool read_ = false;
  // Small and read a few times each: vectors in the record's order, keyed by views into the
  // recorded decision (or into decoded_, for the rare key written with escapes).
  mutable std::vector<std::pair<std::string_view, std::string_view>> reads_;
  mutable std::vector<std::pair<std::string_view, condition_record>> conditions_;
  mutable std::vector<std::pair<std::string_view, material_record>> materials_;
  mutable std::forward_list<std::string> decoded_;  // a deque would allocate even when empty
  std::optional<std::string_view> conditions_text_, materials_text_;
  bool found_ = false;  // the two above are known
};

namespace detail {

/// Masks, in a replayed decision's facts, tables and outputs, the values that were personal
/// values of the original application, as the journal's writer did (record.hpp
/// `mask_by_value`): a value is personal when its salted digest is one of the digests the
/// masked application holds.
inline void mask_like_the_writer(eval::decision& d, const eval::application& app, const std::vector<std::uint32_t>& masked_slots,
                                 const masking& m) {
  std::vector<std::string> digests;
  std::function<void(const value&)> collect = [&](const value& v) {
    if (v.kind() == value_kind::string_value && v.as_string().starts_with("sha256:")) digests.emplace_back(v.as_string());
    else if (v.kind() == value_kind::list_value)
      for (const auto& e : v.as_list()) collect(e);
    else if (v.kind() == value_kind::map_value)
      for (const auto& [k, e] : v.as_map()) collect(e);
  };
  for (std::size_t i = 0; i < app.fields.size(); ++i)
    if (i < app.slots.size() && std::binary_search(masked_slots.begin(), masked_slots.end(), app.slots[i]))
      collect(app.fields[i].second);
  std::sort(digests.begin(), digests.end());
  masker mk(m);
  std::function<value(const value&)> mask = [&](const value& v) -> value {
    if (v.kind() == value_kind::list_value) {
      list out;
      for (const auto& e : v.as_list()) out.push_back(mask(e));
      return value(std::move(out));
    }
    if (v.kind() == value_kind::map_value) {
      map_entries out;
      for (const auto& [k, e] : v.as_map()) out.emplace_back(k, mask(e));
      return value::make_map(std::move(out));
    }
    std::string text;
    eval::detail::put_value(text, v);
    const std::string& digest = mk.digest_of(text);
    return std::binary_search(digests.begin(), digests.end(), digest) ? value(digest) : v;
  };
  for (auto& f : d.facts)
    if (!std::binary_search(masked_slots.begin(), masked_slots.end(), f.slot)) f.v = mask(f.v);
  for (auto& t : d.tables)
    for (auto& [name, v] : t.outputs) v = mask(v);
  for (auto& o : d.outputs)
    for (auto& [name, v] : o.values) v = mask(v);
}

}  // namespace detail

/// One record decided again.
struct redecision {
  std::string decision;  ///< the canonical decision JSON; empty when it could not be decided
  std::string problem;   ///< why not: the application does not read under these rules, …
};

/// Decides a journal record again under `rules`, as replay and impact analysis do, into `out`
/// (whose strings keep their room from one record to the next).
inline void redecide_into(redecision& out, const standard::ruleset& rules, const parsed_record& r,
                          const recorded_decision& recorded, const masking& m) {
  out.decision.clear();
  out.problem.clear();
  diagnostics problems;
  eval::read_options options;
  options.masked_personal = !r.masked.empty();
  options.digest = r.masked.empty();  // a masked copy's digest is not the application's
  // One application and one decision per thread, reused (reading into one and evaluate_into
  // replace all they hold): a journal is replayed record after record, and fresh ones would
  // allocate each of their vectors. Both are done with before this returns.
  static thread_local eval::application application;
  static thread_local eval::decision d;
  if (!eval::read_application_into(application, r.application, "journal", rules, problems, options)) {
    out.problem = "its application does not read under ruleset " + rules.digest + ": " + first_error(problems);
    return;
  }
  const eval::application* const app = &application;
  if (r.masked.empty()) {
    eval::evaluate_into(d, rules, *app, recorded.as_of);
    eval::append_json(out.decision, d);
    return;
  }
  masked_rules standing_in(*app->standard, r);
  eval::evaluate_into(d, rules, *app, recorded.as_of, &standing_in);
  d.application_digest = recorded.application_digest;
  standing_in.restore_facts(d, m.personal == standard::journal_settings::personal_data::drop);
  eval::append_json(out.decision, d);
  if (out.decision != r.decision && m.personal == standard::journal_settings::personal_data::digest) {
    detail::mask_like_the_writer(d, *app, standing_in.slots(), m);
    out.decision.clear();
    eval::append_json(out.decision, d);
  }
}

/// The same, returned.
inline redecision redecide(const standard::ruleset& rules, const parsed_record& r, const recorded_decision& recorded,
                           const masking& m) {
  redecision out;
  redecide_into(out, rules, r, recorded, m);
  return out;
}

/// What happened to one record.
struct replayed_record {
  enum class verdict : std::uint8_t { same, differs, missing_ruleset, unreadable };
  std::uint64_t line = 0;
  std::uint64_t seq = 0;
  verdict result = verdict::same;
  std::string detail;  ///< missing_ruleset: the digest; unreadable: why
  std::vector<difference> differences;
  std::string recorded_outcome, replayed_outcome;
};

constexpr std::string_view to_string(replayed_record::verdict v) noexcept {
  constexpr std::string_view names[] = {"same", "differs", "missing_ruleset", "unreadable"};
  return names[static_cast<std::size_t>(v)];
}

/// A whole journal replayed.
struct replay_report {
  verification chain;                   ///< the chain's soundness, as `verify` says
  std::uint64_t records = 0, same = 0, differ = 0, missing = 0, unreadable = 0;
  std::vector<replayed_record> findings;  ///< every record not `same`, in journal order
  std::map<std::string, std::uint64_t> missing_rulesets;  ///< digest → records that name it
  bool ok() const noexcept { return chain.ok() && differ == 0 && missing == 0 && unreadable == 0; }
};

/// Where replay finds a ruleset version: its digest → the loaded ruleset, or null with why.
using ruleset_source = std::function<std::shared_ptr<const standard::ruleset>(std::string_view digest, std::string& why)>;

struct replay_options {
  std::optional<std::string> salt;  ///< the hall's own masking salt, when it kept one apart from the ruleset
  unsigned threads = 0;             ///< 0: one per core
};

namespace detail {

/// Runs `work(i)` for i in [0, n) on `threads` threads, in blocks, any order.
template <class F>
void parallel_for(std::size_t n, unsigned threads, F&& work) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  constexpr std::size_t block = 64;
  std::atomic<std::size_t> next{0};
  auto run = [&] {
    for (std::size_t start; (start = next.fetch_add(block)) < n;)
      for (std::size_t i = start; i < std::min(n, start + block); ++i) work(i);
  };
  if (threads == 1 || n <= block) {
    run();
    return;
  }
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(run);
  run();
  for (auto& t : pool) t.join();
}

inline std::string outcome_of(std::string_view decision) {
  return string_of(member(decision, "outcome")).value_or("");
}

/// The journal's lines a block at a time: `start_block(n)` told a block of n lines comes; its
/// records parsed (in parallel) and given to `per_record(i, line, record)`, i the line's place
/// in its block; then the chain followed in order, and `end_block(n)` told the block is done.
/// Memory is bounded by the block, whatever the journal's size.
template <class StartBlock, class PerRecord, class EndBlock>
verification read_journal(line_source& source, unsigned threads, StartBlock&& start_block, PerRecord&& per_record,
                          EndBlock&& end_block) {
  chain_checker chain;
  std::vector<journal_line> lines;
  // Only what the chain needs is kept of each record.
  std::vector<std::optional<chain_link>> links;
  std::vector<std::string> why;
  bool following = true;
  while (source.next(lines)) {
    links.assign(lines.size(), std::nullopt);
    why.assign(lines.size(), std::string());
    start_block(lines.size());
    parallel_for(lines.size(), threads, [&](std::size_t i) {
      if (lines[i].oversized) {
        why[i] = oversized_line();
        return;
      }
      // Each thread parses into one record, reused: its strings keep their room. It is moved
      // out while in use, so a journal read inside `per_record` (by a ruleset source, say)
      // starts with an empty one instead of overwriting it.
      static thread_local parsed_record spare;
      parsed_record r = std::move(spare);
      if (parse_record_into(r, lines[i].text, &why[i])) {
        links[i] = static_cast<const chain_link&>(r);
        per_record(i, lines[i].number, r);
      }
      spare = std::move(r);
    });
    for (std::size_t i = 0; following && i < lines.size(); ++i)
      following = chain.add(lines[i].number, links[i] ? &*links[i] : nullptr, why[i], lines[i].next_offset);
    end_block(lines.size());
  }
  if (!source.tail().empty()) chain.tail(source.lines() + 1, source.tail());
  return chain.result();
}

}  // namespace detail

/// Replays a journal: every complete record is decided again with the ruleset version its
/// decision names, at its `as_of`, and the bytes compared. Read a block at a time: memory grows
/// with the records that differ, not with the journal.
inline replay_report replay_lines(detail::line_source& source, const ruleset_source& find, const replay_options& options = {}) {
  std::mutex lookup;
  std::map<std::string, std::shared_ptr<const standard::ruleset>, std::less<>> rulesets;
  std::map<std::string, std::string, std::less<>> missing_why;
  std::vector<std::optional<replayed_record>> results;
  replay_report report;
  auto fold = [&](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      auto& r = results[i];
      if (!r) continue;  // a line that is not a record: the chain report names it
      ++report.records;
      switch (r->result) {
        case replayed_record::verdict::same: continue;
        case replayed_record::verdict::differs: ++report.differ; break;
        case replayed_record::verdict::missing_ruleset:
          ++report.missing;
          ++report.missing_rulesets[r->detail];
          break;
        case replayed_record::verdict::unreadable: ++report.unreadable; break;
      }
      report.findings.push_back(std::move(*r));
    }
  };
  auto start = [&](std::size_t n) { results.resize(n); };
  report.chain = detail::read_journal(source, options.threads, start, [&](std::size_t i, std::uint64_t line, const parsed_record& r) {
    replayed_record out;
    out.line = line;
    out.seq = r.seq;
    auto recorded = read_recorded(r);
    if (!recorded) {
      out.result = replayed_record::verdict::unreadable;
      out.detail = "its decision does not name a ruleset digest, item and as_of";
      results[i] = std::move(out);
      return;
    }
    std::shared_ptr<const standard::ruleset> rules;
    {
      std::lock_guard guard(lookup);
      auto it = rulesets.find(recorded->ruleset_digest);
      if (it == rulesets.end()) {
        std::string why;
        it = rulesets.emplace(recorded->ruleset_digest, find(recorded->ruleset_digest, why)).first;
        if (!it->second) missing_why[recorded->ruleset_digest] = why.empty() ? "not found" : why;
      }
      rules = it->second;
    }
    if (!rules) {
      out.result = replayed_record::verdict::missing_ruleset;
      out.detail = recorded->ruleset_digest;
      results[i] = std::move(out);
      return;
    }
    masking m = masking::of(*rules);
    if (options.salt) m.salt = *options.salt;
    static thread_local redecision again;  // reused, record after record
    redecide_into(again, *rules, r, *recorded, m);
    if (again.decision.empty()) {
      out.result = replayed_record::verdict::unreadable;
      out.detail = again.problem;
    } else if (again.decision != r.decision) {
      out.result = replayed_record::verdict::differs;
      out.differences = diff_decisions(r.decision, again.decision);
      out.recorded_outcome = detail::outcome_of(r.decision);
      out.replayed_outcome = detail::outcome_of(again.decision);
    }
    results[i] = std::move(out);
  }, [&](std::size_t n) {
    fold(n);
    results.clear();
  });
  report.same = report.records - report.differ - report.missing - report.unreadable;
  for (auto& f : report.findings)
    if (f.result == replayed_record::verdict::missing_ruleset) {
      auto it = missing_why.find(f.detail);
      if (it != missing_why.end() && it->second != f.detail) f.detail = it->second;
    }
  return report;
}

/// Replays a journal held in memory.
inline replay_report replay_text(std::string_view text, const ruleset_source& find, const replay_options& options = {}) {
  detail::line_source source(text);
  return replay_lines(source, find, options);
}

/// Replays a journal file, read as a stream. Throws std::system_error when it cannot be read.
inline replay_report replay(const std::filesystem::path& path, const ruleset_source& find, const replay_options& options = {}) {
  detail::file_descriptor fd(path, O_RDONLY);
  detail::line_source source(fd.get(), path);
  return replay_lines(source, find, options);
}

// --- Impact analysis -----------------------------------------------------------------------

/// Which parts of a decision a change touches.
struct change_kinds {
  bool outcome = false, notice = false, deadlines = false, outputs = false;
  bool any() const noexcept { return outcome || notice || deadlines || outputs; }
};

/// The kinds of change a difference is, and the rule it names: `condition premises-area`,
/// `material layout-plan`, `table validity`, `deadlines`, … (empty when it names none).
inline std::pair<change_kinds, std::string> classify(const difference& d) {
  change_kinds k;
  std::string_view p = d.path;
  auto bracketed = [&](std::string_view prefix) -> std::string {
    if (!p.starts_with(prefix) || p.size() <= prefix.size() || p[prefix.size()] != '[') return {};
    auto close = p.find(']', prefix.size());
    return close == std::string_view::npos ? std::string() : std::string(p.substr(prefix.size() + 1, close - prefix.size() - 1));
  };
  auto rest_after = [&](std::string_view prefix, const std::string& id) { return p.substr(prefix.size() + id.size() + 2); };
  if (p == "outcome" || p == "stage" || p.starts_with("stages")) {
    k.outcome = true;
    return {k, {}};
  }
  if (p.starts_with("notice")) {
    k.notice = true;
    std::string key = bracketed("notice");
    auto colon = key.find(':');
    if (colon == std::string::npos) return {k, {}};
    std::string kind = key.substr(0, colon), id = key.substr(colon + 1);
    if (kind == "tolerated") kind = "material";
    return {k, kind + " " + id};
  }
  if (p.starts_with("schedule")) {
    k.deadlines = true;
    if (std::string id = bracketed("schedule.steps"); !id.empty()) return {k, "step " + id};
    if (p.starts_with("schedule.due")) return {k, "deadlines"};
    if (p.starts_with("schedule.critical_path")) return {k, "workflow"};
    return {k, {}};
  }
  for (auto [prefix, name] : {std::pair<std::string_view, std::string_view>{"tables", "table"}, {"fees", "fee"}, {"outputs", "output"}}) {
    if (!p.starts_with(prefix)) continue;
    k.outputs = true;
    std::string id = bracketed(prefix);
    return {k, id.empty() ? std::string() : std::string(name) + " " + id};
  }
  // The trace: a rule whose result changed (not merely the values it read).
  if (std::string id = bracketed("conditions"); !id.empty()) {
    auto rest = rest_after("conditions", id);
    if (rest.empty() || rest == ".result" || rest.starts_with(".needs") || rest == ".detail") return {k, "condition " + id};
  }
  if (std::string id = bracketed("materials.rules"); !id.empty()) {
    auto rest = rest_after("materials.rules", id);
    if (rest.empty() || rest == ".status" || rest == ".reason" || rest.starts_with(".needs")) return {k, "material " + id};
  }
  return {k, {}};
}

/// One decision that would change, as an example of a cause.
struct impact_example {
  std::uint64_t seq = 0;
  std::string before, after;  ///< outcomes
  std::vector<difference> differences;
};

/// The decisions one rule would change.
struct impact_cause {
  std::string rule;  ///< `condition premises-area`, `deadlines`, … or "(other)"
  std::uint64_t decisions = 0;
  change_kinds kinds;  ///< what it changes, in any of them
  std::vector<impact_example> examples;  ///< a few, those whose outcome moves first; in journal order
};

struct impact_report {
  std::string ruleset_id, ruleset_digest;
  verification chain;
  std::uint64_t records = 0, changed = 0, unchanged = 0, not_decidable = 0;
  std::uint64_t outcome = 0, notice = 0, deadlines = 0, outputs = 0;  ///< decisions changing each
  std::vector<impact_cause> causes;  ///< most decisions first, then by name
  std::vector<replayed_record> not_decided;  ///< records the new ruleset cannot decide, and why
};

/// What `rules` would have decided for every record of a journal, against what was decided.
/// Read a block at a time: memory grows with the causes and their examples, not the journal.
inline impact_report impact_lines(detail::line_source& source, const standard::ruleset& rules, const replay_options& options = {},
                                  std::size_t examples_per_cause = 3) {
  struct per_record {
    std::uint64_t seq = 0, line = 0;
    bool decided = false;
    std::string problem;
    change_kinds kinds;
    std::vector<std::string> causes;
    impact_example example;
  };
  std::vector<std::optional<per_record>> results;
  masking m = masking::of(rules);
  if (options.salt) m.salt = *options.salt;
  impact_report report;
  report.ruleset_id = rules.id;
  report.ruleset_digest = rules.digest;
  std::map<std::string, impact_cause> causes;
  std::map<std::string, std::vector<impact_example>> unmoved;
  auto fold = [&](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      auto& r = results[i];
      if (!r) continue;
      ++report.records;
      if (!r->decided) {
        ++report.not_decidable;
        replayed_record nd;
        nd.seq = r->seq;
        nd.line = r->line;
        nd.result = replayed_record::verdict::unreadable;
        nd.detail = r->problem;
        report.not_decided.push_back(std::move(nd));
        continue;
      }
      if (!r->kinds.any()) {
        ++report.unchanged;  // identical, or differing only in names and digests of the ruleset
        continue;
      }
      ++report.changed;
      report.outcome += r->kinds.outcome;
      report.notice += r->kinds.notice;
      report.deadlines += r->kinds.deadlines;
      report.outputs += r->kinds.outputs;
      if (r->causes.empty()) r->causes.push_back("(other)");
      for (const auto& name : r->causes) {
        auto& c = causes[name];
        c.rule = name;
        ++c.decisions;
        c.kinds.outcome |= r->kinds.outcome;
        c.kinds.notice |= r->kinds.notice;
        c.kinds.deadlines |= r->kinds.deadlines;
        c.kinds.outputs |= r->kinds.outputs;
        // Examples whose outcome moves tell an editor most: those first, then others.
        if (r->example.before != r->example.after) {
          if (c.examples.size() < examples_per_cause) c.examples.push_back(r->example);
        } else if (auto& others = unmoved[name]; others.size() < examples_per_cause) {
          others.push_back(r->example);
        }
      }
    }
    results.clear();
  };
  auto start = [&](std::size_t n) { results.resize(n); };
  report.chain = detail::read_journal(source, options.threads, start, [&](std::size_t i, std::uint64_t line, const parsed_record& r) {
    per_record out;
    out.seq = r.seq;
    out.line = line;
    auto recorded = read_recorded(r);
    if (!recorded) {
      out.problem = "its decision does not name a ruleset digest, item and as_of";
      results[i] = std::move(out);
      return;
    }
    static thread_local redecision again;  // reused, record after record
    redecide_into(again, rules, r, *recorded, m);
    if (again.decision.empty()) {
      out.problem = again.problem;
      results[i] = std::move(out);
      return;
    }
    out.decided = true;
    if (again.decision == r.decision) {
      results[i] = std::move(out);
      return;
    }
    for (auto& d : diff_decisions(r.decision, again.decision)) {
      auto [kinds, cause] = classify(d);
      out.kinds.outcome |= kinds.outcome;
      out.kinds.notice |= kinds.notice;
      out.kinds.deadlines |= kinds.deadlines;
      out.kinds.outputs |= kinds.outputs;
      if (!cause.empty()) out.causes.push_back(std::move(cause));
      if (kinds.any() || !out.causes.empty()) out.example.differences.push_back(std::move(d));
    }
    std::sort(out.causes.begin(), out.causes.end());
    out.causes.erase(std::unique(out.causes.begin(), out.causes.end()), out.causes.end());
    out.example.seq = r.seq;
    out.example.before = detail::outcome_of(r.decision);
    out.example.after = detail::outcome_of(again.decision);
    results[i] = std::move(out);
  }, fold);
  for (auto& [name, c] : causes) {
    for (auto& e : unmoved[name])
      if (c.examples.size() < examples_per_cause) c.examples.push_back(std::move(e));
    std::sort(c.examples.begin(), c.examples.end(), [](const impact_example& a, const impact_example& b) { return a.seq < b.seq; });
    report.causes.push_back(std::move(c));
  }
  std::stable_sort(report.causes.begin(), report.causes.end(),
                   [](const impact_cause& a, const impact_cause& b) { return a.decisions > b.decisions; });
  return report;
}

/// Impact analysis over a journal held in memory.
inline impact_report impact_text(std::string_view text, const standard::ruleset& rules, const replay_options& options = {},
                                 std::size_t examples_per_cause = 3) {
  detail::line_source source(text);
  return impact_lines(source, rules, options, examples_per_cause);
}

/// Impact analysis over a journal file, read as a stream.
inline impact_report impact(const std::filesystem::path& path, const standard::ruleset& rules, const replay_options& options = {},
                            std::size_t examples_per_cause = 3) {
  detail::file_descriptor fd(path, O_RDONLY);
  detail::line_source source(fd.get(), path);
  return impact_lines(source, rules, options, examples_per_cause);
}

}  // namespace evenhand::journal
