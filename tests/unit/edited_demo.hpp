// Copies of the demo ruleset with an edit applied, in a scratch directory of this process that
// is removed when the tests end: for tests of what a change to a standard does.
#pragma once

#include <evenhand/standard/loader.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

namespace evenhand::testing {

inline const std::filesystem::path demo_dir = std::filesystem::path(EVENHAND_SOURCE_DIR) / "rulesets/cn-demo";

/// This process's scratch directory, removed when the tests end.
struct scratch_root {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("evenhand-unit-test-" + std::to_string(::getpid()));
  ~scratch_root() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

/// A fresh path `name` in the scratch directory.
inline std::filesystem::path scratch(const std::string& name) {
  static scratch_root root;
  std::filesystem::path p = root.path / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p.parent_path());
  return p;
}

/// Replaces the first `from` in `file` (relative to `dir`) with `to`; fails the test if absent.
inline void edit_file(const std::filesystem::path& dir, const std::string& file, const std::string& from, const std::string& to) {
  std::ifstream in(dir / file, std::ios::binary);
  std::string text(std::istreambuf_iterator<char>(in), {});
  in.close();
  auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "'" << from << "' is not in " << file);
  text.replace(at, from.size(), to);
  std::ofstream(dir / file, std::ios::binary | std::ios::trunc) << text;
}

/// A copy of the demo ruleset named `name` with `from` replaced by `to` in `file`.
inline std::filesystem::path edited_demo(const std::string& name, const std::string& file, const std::string& from,
                                         const std::string& to) {
  std::filesystem::path dir = scratch(name);
  std::filesystem::copy(demo_dir, dir, std::filesystem::copy_options::recursive);
  edit_file(dir, file, from, to);
  return dir;
}

/// The loaded ruleset at `dir`; fails the test, showing the diagnostics, if it does not load.
inline std::shared_ptr<const standard::ruleset> load(const std::filesystem::path& dir) {
  auto loaded = standard::load_ruleset(dir);
  INFO(render_text(loaded.problems));
  REQUIRE(loaded.rules);
  return loaded.rules;
}

}  // namespace evenhand::testing
