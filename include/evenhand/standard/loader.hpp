// Loading rulesets from YAML into the checked model (DESIGN §3).
//
//   auto loaded = evenhand::standard::load_ruleset("rulesets/cn-demo");
//   for (const auto& d : loaded.problems) std::cerr << render_text(d);
//   if (loaded.rules) use(*loaded.rules);
//
// The loader reports every problem of every file in one run, each located at file, line and
// column (inside the YAML scalar for errors in expressions). It never throws for bad input:
// only std::bad_alloc escapes.
#pragma once

#include <evenhand/diagnostics.hpp>
#include <evenhand/input.hpp>
#include <evenhand/standard/model.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace evenhand::standard {

struct load_limits {
  std::size_t max_file_bytes = max_input_bytes;  ///< 4 MiB; a standard is a few kilobytes
  std::size_t max_items_per_section = 5000;      ///< conditions, materials, steps, rows, …
  std::size_t max_yaml_depth = 64;               ///< nesting of YAML collections
  std::size_t threads = 0;  ///< items loaded in parallel: 0 = one per core, 1 = serial
};

struct load_result {
  std::shared_ptr<const ruleset> rules;  ///< null when any error was found
  diagnostics problems;                  ///< errors and warnings, in file order
  bool unreadable = false;               ///< the directory or ruleset.yaml could not be read
};

/// Loads and checks the ruleset at `root` (ruleset.yaml, calendars/, items/*.yaml). Its
/// diagnostics name files relative to `root` ("items/x.yaml").
load_result load_ruleset(const std::filesystem::path& root, const load_limits& limits = {});

/// Names the files of `load_ruleset(root)`'s diagnostics as `root` was given ("rulesets/cn-demo"
/// gives "rulesets/cn-demo/items/x.yaml"), so that a terminal or an editor opens them from
/// where the command ran, as a tool prints them.
void name_files_from(diagnostics& problems, const std::filesystem::path& root);

/// Loads one item file's text against an already loaded ruleset context (shared basis and
/// calendar); for tests and the fuzzer. `file` names the text in diagnostics.
struct item_context {
  std::map<std::string, std::string> basis;
  std::map<std::string, basis_entry> basis_entries;  ///< the shared entries written structured
  std::vector<field> fields;        ///< shared fields (ruleset.yaml)
  std::vector<material> materials;  ///< shared materials, referenced by id
  service_info service;             ///< ruleset.yaml's service elements, which an item's keys override
  std::shared_ptr<const workday_calendar> calendar;
};
std::optional<item> load_item_text(std::string_view text, const std::string& file,
                                   const item_context& context, diagnostics& problems,
                                   const load_limits& limits = {});

}  // namespace evenhand::standard
