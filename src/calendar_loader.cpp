// Loads working-day calendar years from YAML and reports every problem with its position.
#include <evenhand/calendar_loader.hpp>
#include <evenhand/diagnostics.hpp>
#include <evenhand/digest.hpp>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "yaml_guard.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>

namespace evenhand {

namespace {

constexpr const char* weekday_names[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};

unsigned one_based(int v) { return v < 0 ? 1u : static_cast<unsigned>(v) + 1u; }

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// " (did you mean 'x'?)" for the closest known key within two edits, else "".
std::string did_you_mean(std::string_view key, std::initializer_list<std::string_view> known) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (std::string_view k : known) {
    const std::size_t d = edit_distance(key, k);
    if (d < best_distance && d < k.size()) {
      best = k;
      best_distance = d;
    }
  }
  return best.empty() ? std::string() : " (did you mean '" + std::string(best) + "'?)";
}

struct position {
  unsigned line = 1, column = 1;
};

position at(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return {one_based(m.line), one_based(m.column)};
}

struct listing {
  bool holiday;
  position where;
};

// The checks of one file; `failed` makes the file contribute nothing.
class year_file {
 public:
  year_file(const std::string& file, std::vector<calendar_load_error>& errors)
      : file_(file), errors_(errors) {}

  void error(position p, std::string message) {
    errors_.push_back({file_, p.line, p.column, std::move(message)});
    failed_ = true;
  }

  void load(std::string_view text, workday_calendar& into) {
    std::vector<YAML::Node> docs;
    if (auto bad = detail::check_yaml_syntax(text)) {  // before yaml-cpp: see yaml_guard.hpp
      line_column lc = locate(text, bad->offset);
      error({static_cast<unsigned>(lc.line), static_cast<unsigned>(lc.column)}, "malformed YAML: " + bad->message);
      return;
    }
    try {
      docs = YAML::LoadAll(std::string(text));
    } catch (const YAML::DeepRecursion& e) {  // yaml-cpp's own text for this is "bad file"
      error({one_based(e.mark.line), one_based(e.mark.column)}, "malformed YAML: nested too deeply");
      return;
    } catch (const YAML::Exception& e) {
      error({one_based(e.mark.line), one_based(e.mark.column)}, "malformed YAML: " + e.msg);
      return;
    }
    if (docs.empty() || docs[0].IsNull()) {
      error({}, "empty calendar file: expected the keys year, source, holidays and workdays");
      return;
    }
    if (docs.size() > 1) error(at(docs[1]), "a calendar file holds one YAML document, this is a second one");
    check_file_name();
    check_root(docs[0]);
    if (failed_) return;
    try {
      into.set_year(*year_, std::move(off_), std::move(adjusted_));
    } catch (const std::exception& e) {  // unreachable after the checks above; kept defensive
      error({}, e.what());
    }
  }

 private:
  // The file's last component must be YYYY.yaml: the directory loader relies on one file per year.
  void check_file_name() {
    const std::string base = std::filesystem::path(file_).filename().string();
    if (base.size() == 9 && base.compare(4, 5, ".yaml") == 0 &&
        std::all_of(base.begin(), base.begin() + 4, [](char c) { return c >= '0' && c <= '9'; })) {
      int y = 0;
      std::from_chars(base.data(), base.data() + 4, y);  // four digits checked above
      file_year_ = y;
    } else {
      error({}, "file name '" + base + "' must be the year it describes, e.g. 2025.yaml");
    }
  }

  void check_root(const YAML::Node& root) {
    if (!root.IsMap()) {
      error(at(root), "expected a mapping with the keys year, source, holidays and workdays");
      return;
    }
    std::map<std::string, std::pair<YAML::Node, position>> keys;  // key -> value, key position
    for (auto it = root.begin(); it != root.end(); ++it) {
      // Copies: it-> yields a temporary proxy, references into it would dangle.
      const YAML::Node k = it->first, v = it->second;
      if (!k.IsScalar()) {
        error(at(k), "a key must be a plain word (year, source, holidays or workdays)");
        continue;
      }
      const std::string& key = k.Scalar();
      if (key != "year" && key != "source" && key != "holidays" && key != "workdays") {
        error(at(k), "unknown key '" + key + "'" + did_you_mean(key, {"year", "source", "holidays", "workdays"}));
        continue;
      }
      if (auto prev = keys.find(key); prev != keys.end()) {
        error(at(k), "duplicate key '" + key + "' (first at line " + std::to_string(prev->second.second.line) + ")");
        continue;
      }
      keys.emplace(key, std::make_pair(v, at(k)));
    }

    if (auto y = keys.find("year"); y == keys.end())
      error(at(root), "missing 'year' (the year this file schedules, e.g. year: 2025)");
    else
      check_year(y->second.first);

    if (auto s = keys.find("source"); s == keys.end())
      error(at(root), "missing 'source' (the URL of the State Council notice)");
    else
      check_source(s->second.first);

    for (const char* list : {"holidays", "workdays"}) {
      auto l = keys.find(list);
      if (l == keys.end())
        error(at(root), std::string("missing '") + list + "' (write '" + list + ": []' if there are none)");
      else
        check_list(l->second.first, list, std::string_view(list) == "holidays");
    }
  }

  void check_year(const YAML::Node& n) {
    const std::string text = n.IsScalar() ? n.Scalar() : std::string();
    int value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!n.IsScalar() || !digits || ec != std::errc() || ptr != end || value < date::min_year ||
        value > date::max_year) {
      error(at(n), "year must be a number from 1 to 9999, not '" + text + "'");
      return;
    }
    if (file_year_ && *file_year_ != value) {
      error(at(n), "year " + std::to_string(value) + " does not match the file name '" +
                       std::filesystem::path(file_).filename().string() + "'");
      return;
    }
    year_ = value;
  }

  void check_source(const YAML::Node& n) {
    auto one = [&](const YAML::Node& s) {
      if (!s.IsScalar() || s.Scalar().empty()) error(at(s), "source must be the URL of the notice");
    };
    if (n.IsSequence()) {
      if (n.size() == 0) error(at(n), "source must name at least one notice");
      for (const auto& s : n) one(s);
    } else {
      one(n);
    }
  }

  void check_list(const YAML::Node& n, const char* list, bool holiday) {
    if (!n.IsSequence()) {
      error(at(n), std::string("'") + list + "' must be a list of { date: YYYY-MM-DD, name: ... } entries"
                   " (write [] for none)");
      return;
    }
    for (const auto& entry : n) check_entry(entry, holiday);
  }

  void check_entry(const YAML::Node& entry, bool holiday) {
    if (!entry.IsMap()) {
      error(at(entry), "an entry must be { date: YYYY-MM-DD, name: ... }");
      return;
    }
    std::optional<YAML::Node> date_node;
    bool has_name = false;
    for (auto it = entry.begin(); it != entry.end(); ++it) {
      const YAML::Node k = it->first, v = it->second;  // copies, as in check_root
      const std::string key = k.IsScalar() ? k.Scalar() : std::string();
      if (key == "date" && !date_node) {
        date_node = v;
      } else if (key == "name" && !has_name) {
        has_name = true;
        if (!v.IsScalar()) error(at(v), "name must be text, e.g. 春节");
      } else if (key == "date" || key == "name") {
        error(at(k), "duplicate key '" + key + "'");
      } else {
        error(at(k), "unknown key '" + key + "'" + did_you_mean(key, {"date", "name"}));
      }
    }
    if (!date_node) {
      error(at(entry), "entry without 'date'");
      return;
    }
    const std::string text = date_node->IsScalar() ? date_node->Scalar() : std::string();
    const position where = at(*date_node);
    const auto d = date::parse(text);
    if (!d) {
      error(where, "'" + text + "' is not a date (YYYY-MM-DD)");
      return;
    }
    if (year_ && d->year() != *year_) {
      error(where, d->to_string() + " is outside the year " + std::to_string(*year_));
      return;
    }
    if (!holiday && !d->is_weekend()) {
      error(where, d->to_string() + " is a " + weekday_names[d->weekday()] +
                       ": only a Saturday or Sunday can be an adjusted working day (Monday–Friday are worked anyway)");
      return;
    }
    auto [first, inserted] = seen_.emplace(d->days(), listing{holiday, where});
    if (!inserted) {
      const std::string earlier = " (line " + std::to_string(first->second.where.line) + ")";
      if (first->second.holiday == holiday)
        error(where, "duplicate date " + d->to_string() + ", first listed" + earlier);
      else
        error(where, d->to_string() + " is listed both as a holiday and as a working day" + earlier);
      return;
    }
    (holiday ? off_ : adjusted_).push_back(*d);
  }

  const std::string& file_;
  std::vector<calendar_load_error>& errors_;
  bool failed_ = false;
  std::optional<int> file_year_;
  std::optional<int> year_;
  std::map<std::int32_t, listing> seen_;  // date -> first listing
  std::vector<date> off_, adjusted_;
};

}  // namespace

void load_calendar_year(std::string_view text, const std::string& file_name, workday_calendar& into,
                        std::vector<calendar_load_error>& errors) {
  year_file f(file_name, errors);
  try {
    f.load(text, into);
  } catch (const std::exception& e) {  // a yaml-cpp surprise must not take the caller down
    f.error({}, std::string("cannot load calendar file: ") + e.what());
  }
}

std::optional<workday_calendar> load_calendar_directory(const std::filesystem::path& dir, std::string name,
                                                        std::vector<calendar_load_error>& errors) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files = ruleset_layout::calendar_files(dir, ec);
  if (ec) return std::nullopt;
  workday_calendar calendar(std::move(name));
  if (files.empty())
    errors.push_back({dir.string(), 1, 1, "no calendar files (YYYY.yaml) in this directory"});
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream text;
    if (in) text << in.rdbuf();
    if (!in || in.bad()) {
      errors.push_back({p.string(), 1, 1, "cannot read file"});
      continue;
    }
    load_calendar_year(text.str(), p.string(), calendar, errors);
  }
  return calendar;
}

}  // namespace evenhand
