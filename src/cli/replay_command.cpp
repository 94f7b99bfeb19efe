// evenhand ruleset snapshot RULESET_DIR STORE_DIR: keep a ruleset version under its digest.
// evenhand replay JOURNAL --store STORE_DIR | --against RULESET_DIR: prove or compare decisions.
#include "commands.hpp"

#include <evenhand/journal/replay.hpp>
#include <evenhand/journal/store.hpp>
#include <evenhand/standard/loader.hpp>

#include <charconv>
#include <cstdio>

namespace evenhand::cli {
namespace {

constexpr const char* ruleset_usage = "usage: evenhand ruleset snapshot RULESET_DIR STORE_DIR\n";
constexpr const char* replay_usage =
    "usage: evenhand replay JOURNAL (--store STORE_DIR | --against RULESET_DIR) [--format text|json]\n"
    "                       [--threads N] [--limit N]\n"
    "  --store    decide every record again with the ruleset version it names; exit 1 if any differs\n"
    "  --against  impact analysis: which decisions another ruleset would change, grouped by rule\n"
    "  --limit    records listed per finding in text output (default 20; json lists all)\n";

void write(const std::string& s, std::FILE* to = stdout) { std::fwrite(s.data(), 1, s.size(), to); }

std::string number(std::uint64_t n) { return std::to_string(n); }
std::string records(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " record" : " records"); }

std::string chain_text(const journal::verification& v) {
  if (v.ok()) return "chain sound";
  return "chain broken at line " + number(v.line) + " (record " + number(v.seq) + "): " +
         std::string(journal::to_string(v.found)) + ": " + v.detail;
}

/// A difference as one line: `path: recorded → replayed` (JSON texts; "—" for absent).
std::string difference_text(const journal::difference& d) {
  auto side = [](const std::string& s) { return s.empty() ? std::string("—") : s.size() > 160 ? s.substr(0, 157) + "…" : s; };
  return (d.path.empty() ? std::string("(decision)") : d.path) + ": " + side(d.recorded) + " → " + side(d.replayed);
}

void append_raw_or_null(std::string& out, const std::string& json) { out += json.empty() ? "null" : json; }

void append_differences(std::string& out, const std::vector<journal::difference>& ds) {
  out += '[';
  for (std::size_t i = 0; i < ds.size(); ++i) {
    if (i) out += ',';
    out += "{\"path\":";
    evenhand::detail::append_json_string(out, ds[i].path);
    out += ",\"recorded\":";
    append_raw_or_null(out, ds[i].recorded);
    out += ",\"replayed\":";
    append_raw_or_null(out, ds[i].replayed);
    out += '}';
  }
  out += ']';
}

std::string kinds_text(const journal::change_kinds& k) {
  std::string out;
  for (auto [on, name] : {std::pair{k.outcome, "outcome"}, {k.notice, "notice"}, {k.deadlines, "deadlines"}, {k.outputs, "outputs"}})
    if (on) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

std::string replay_json(const journal::replay_report& r) {
  std::string out = "{\"chain\":" + journal::to_json(r.chain) + ",\"differ\":" + number(r.differ) + ",\"findings\":[";
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const auto& f = r.findings[i];
    if (i) out += ',';
    out += "{\"detail\":";
    evenhand::detail::append_json_string(out, f.detail);
    out += ",\"differences\":";
    append_differences(out, f.differences);
    out += ",\"line\":" + number(f.line) + ",\"recorded_outcome\":";
    evenhand::detail::append_json_string(out, f.recorded_outcome);
    out += ",\"replayed_outcome\":";
    evenhand::detail::append_json_string(out, f.replayed_outcome);
    out += ",\"result\":";
    evenhand::detail::append_json_string(out, journal::to_string(f.result));
    out += ",\"seq\":" + number(f.seq) + "}";
  }
  out += "],\"missing\":" + number(r.missing) + ",\"missing_rulesets\":{";
  bool first = true;
  for (const auto& [digest, n] : r.missing_rulesets) {
    if (!first) out += ',';
    first = false;
    evenhand::detail::append_json_string(out, digest);
    out += ':' + number(n);
  }
  out += "},\"ok\":" + std::string(r.ok() ? "true" : "false") + ",\"records\":" + number(r.records) +
         ",\"same\":" + number(r.same) + ",\"unreadable\":" + number(r.unreadable) + "}\n";
  return out;
}

std::string replay_text(const journal::replay_report& r, const std::string& file, std::size_t limit) {
  std::string out;
  std::size_t shown = 0;
  for (const auto& f : r.findings) {
    if (f.result == journal::replayed_record::verdict::missing_ruleset) continue;  // summarised below
    if (shown++ == limit) {
      out += "… and more (--limit N, or --format json for every one)\n";
      break;
    }
    out += file + ":" + number(f.line) + ": record " + number(f.seq) + ": ";
    if (f.result == journal::replayed_record::verdict::unreadable) {
      out += "cannot be decided again: " + f.detail + "\n";
      continue;
    }
    out += "differs";
    if (f.recorded_outcome != f.replayed_outcome) out += " (" + f.recorded_outcome + " → " + f.replayed_outcome + ")";
    out += "\n";
    for (const auto& d : f.differences) out += "    " + difference_text(d) + "\n";
  }
  for (const auto& [digest, n] : r.missing_rulesets) {
    std::string why;
    std::uint64_t first_seq = 0;
    for (const auto& f : r.findings)
      if (f.result == journal::replayed_record::verdict::missing_ruleset && (f.detail.find(digest) != std::string::npos)) {
        why = f.detail;
        first_seq = f.seq;
        break;
      }
    out += file + ": " + number(n) + (n == 1 ? " record names" : " records name") + " a ruleset version that cannot be used (first: record " +
           number(first_seq) + "): " + why + "\n";
  }
  out += file + ": replayed " + records(r.records) + ": " + number(r.same) + " same, " + number(r.differ) + " differ, " +
         number(r.missing) + " without their ruleset, " + number(r.unreadable) + " cannot be decided; " + chain_text(r.chain) + "\n";
  return out;
}

std::string impact_json(const journal::impact_report& r) {
  std::string out = "{\"causes\":[";
  for (std::size_t i = 0; i < r.causes.size(); ++i) {
    const auto& c = r.causes[i];
    if (i) out += ',';
    out += "{\"changes\":[";
    bool first = true;
    for (auto [on, name] : {std::pair{c.kinds.outcome, "outcome"}, {c.kinds.notice, "notice"}, {c.kinds.deadlines, "deadlines"}, {c.kinds.outputs, "outputs"}})
      if (on) out += (first ? "\"" : ",\"") + std::string(name) + "\"", first = false;
    out += "],\"decisions\":" + number(c.decisions) + ",\"examples\":[";
    for (std::size_t k = 0; k < c.examples.size(); ++k) {
      const auto& e = c.examples[k];
      if (k) out += ',';
      out += "{\"after\":";
      evenhand::detail::append_json_string(out, e.after);
      out += ",\"before\":";
      evenhand::detail::append_json_string(out, e.before);
      out += ",\"differences\":";
      append_differences(out, e.differences);
      out += ",\"seq\":" + number(e.seq) + "}";
    }
    out += "],\"rule\":";
    evenhand::detail::append_json_string(out, c.rule);
    out += '}';
  }
  out += "],\"chain\":" + journal::to_json(r.chain) + ",\"changed\":" + number(r.changed) + ",\"changes\":{\"deadlines\":" +
         number(r.deadlines) + ",\"notice\":" + number(r.notice) + ",\"outcome\":" + number(r.outcome) +
         ",\"outputs\":" + number(r.outputs) + "},\"not_decidable\":[";
  for (std::size_t i = 0; i < r.not_decided.size(); ++i) {
    if (i) out += ',';
    out += "{\"detail\":";
    evenhand::detail::append_json_string(out, r.not_decided[i].detail);
    out += ",\"seq\":" + number(r.not_decided[i].seq) + "}";
  }
  out += "],\"records\":" + number(r.records) + ",\"ruleset\":{\"digest\":";
  evenhand::detail::append_json_string(out, r.ruleset_digest);
  out += ",\"id\":";
  evenhand::detail::append_json_string(out, r.ruleset_id);
  out += "},\"unchanged\":" + number(r.unchanged) + "}\n";
  return out;
}

std::string impact_text(const journal::impact_report& r, const std::string& file, std::size_t limit) {
  std::string out = "impact of ruleset " + r.ruleset_id + " (" + r.ruleset_digest + ") on " + file + "\n";
  out += number(r.records) + (r.records == 1 ? " decision: " : " decisions: ") + number(r.changed) + " would change, " + number(r.unchanged) + " would not, " +
         number(r.not_decidable) + " cannot be decided under it; " + chain_text(r.chain) + "\n";
  if (r.changed)
    out += "  outcome " + number(r.outcome) + ", notice " + number(r.notice) + ", deadlines " + number(r.deadlines) +
           ", outputs " + number(r.outputs) + "\n";
  if (!r.causes.empty()) out += "by rule:\n";
  for (const auto& c : r.causes) {
    out += "  " + c.rule + ": " + number(c.decisions) + (c.decisions == 1 ? " decision" : " decisions") + " (" + kinds_text(c.kinds) + ")\n";
    for (const auto& e : c.examples) {
      out += "      e.g. record " + number(e.seq) + (e.before != e.after ? ": " + e.before + " → " + e.after : std::string(": outcome unchanged"));
      std::size_t n = 0;
      for (const auto& d : e.differences) {
        if (n++ == 3) {
          out += "; …";
          break;
        }
        out += "; " + difference_text(d);
      }
      out += "\n";
    }
  }
  std::size_t shown = 0;
  for (const auto& nd : r.not_decided) {
    if (shown++ == limit) {
      out += "  … and more\n";
      break;
    }
    out += "  record " + number(nd.seq) + " cannot be decided: " + nd.detail + "\n";
  }
  return out;
}

bool parse_count(const std::string& s, std::size_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

int ruleset_command(const arguments& args) {
  if (args.size() != 3 || args[0] != "snapshot") {
    std::fputs(ruleset_usage, stderr);
    return bad_input;
  }
  try {
    journal::ruleset_store store(args[2]);
    auto r = store.snapshot(args[1]);
    std::printf("%s %s in %s (%zu files)\n", r.already_stored ? "already stored:" : "stored", r.digest.c_str(),
                r.directory.string().c_str(), r.files);
    return success;
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "evenhand ruleset snapshot: %s\n", e.what());
    return std::string_view(e.what()).find("does not load") != std::string_view::npos ? findings : bad_input;
  }
}

int replay_command(const arguments& args) {
  std::string journal_file, store_dir, against, format = "text";
  std::size_t threads = 0, limit = 20;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool has_value = i + 1 < args.size();
    if (a == "--store" && has_value) store_dir = args[++i];
    else if (a == "--against" && has_value) against = args[++i];
    else if (a == "--format" && has_value) format = args[++i];
    else if (a == "--threads" && has_value && parse_count(args[i + 1], threads)) ++i;
    else if (a == "--limit" && has_value && parse_count(args[i + 1], limit)) ++i;
    else if (journal_file.empty() && !a.starts_with("--")) journal_file = a;
    else {
      std::fprintf(stderr, "evenhand replay: unexpected argument '%s'\n%s", a.c_str(), replay_usage);
      return bad_input;
    }
  }
  if (journal_file.empty() || store_dir.empty() == against.empty() || (format != "text" && format != "json")) {
    std::fputs(replay_usage, stderr);
    return bad_input;
  }
  journal::replay_options options;
  options.threads = static_cast<unsigned>(threads);
  if (!store_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(store_dir, ec)) {
      std::fprintf(stderr, "evenhand replay: %s: not a ruleset store (a directory made by 'evenhand ruleset snapshot')\n",
                   store_dir.c_str());
      return bad_input;
    }
    journal::ruleset_store store(store_dir);
    journal::replay_report report;
    try {
      report = journal::replay(
          journal_file, [&](std::string_view digest, std::string& why) { return store.find(digest, &why); }, options);
    } catch (const std::system_error& e) {
      std::fprintf(stderr, "evenhand replay: %s\n", e.what());
      return bad_input;
    }
    write(format == "json" ? replay_json(report) : replay_text(report, journal_file, limit));
    return report.ok() ? success : findings;
  }
  auto loaded = standard::load_ruleset(against);
  if (!loaded.rules) {
    standard::name_files_from(loaded.problems, against);
    write(render_text(loaded.problems), stderr);
    std::fprintf(stderr, "evenhand replay: %s does not load\n", against.c_str());
    return loaded.unreadable ? bad_input : findings;
  }
  journal::impact_report report;
  try {
    report = journal::impact(journal_file, *loaded.rules, options);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "evenhand replay: %s\n", e.what());
    return bad_input;
  }
  write(format == "json" ? impact_json(report) : impact_text(report, journal_file, limit));
  return report.changed == 0 && report.not_decidable == 0 && report.chain.ok() ? success : findings;
}

}  // namespace evenhand::cli
