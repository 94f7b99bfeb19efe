// The evenhand command-line tool: one function per subcommand.
#pragma once

#include <evenhand/input.hpp>
#include <evenhand/standard/loader.hpp>

#include <algorithm>

#include <cstdio>
#include <fstream>
#include <memory>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace evenhand::cli {

/// Exit codes shared by every command (DESIGN §9).
enum exit_code : int { success = 0, findings = 1, bad_input = 2 };

using arguments = std::vector<std::string>;

int expr_command(const arguments& args);
int lint_command(const arguments& args);
int eval_command(const arguments& args);
int test_command(const arguments& args);
int graph_command(const arguments& args);
int guide_command(const arguments& args);
int diff_command(const arguments& args);
int journal_command(const arguments& args);
int ruleset_command(const arguments& args);
int replay_command(const arguments& args);
int supervise_command(const arguments& args);

/// The ruleset at `dir`, loaded and checked; null after printing its errors (located), or that
/// it cannot be read, on stderr: the command's input is unusable (exit `bad_input`).
inline std::shared_ptr<const standard::ruleset> load_or_report(const std::string& dir, const char* command) {
  auto loaded = standard::load_ruleset(dir);
  if (loaded.rules) return loaded.rules;
  standard::name_files_from(loaded.problems, dir);
  for (const auto& d : loaded.problems)
    if (d.level == severity::error) std::fputs(render_text(d).c_str(), stderr);
  if (loaded.problems.empty()) std::fprintf(stderr, "evenhand %s: cannot read %s\n", command, dir.c_str());
  return nullptr;
}

/// A file, or standard input for "-", up to `at_most` bytes; nullopt when it cannot be read.
/// One input (an application, a case) is read up to one byte past max_input_bytes: enough for
/// the library to refuse it as too large (E406), and never more, whatever the file (/dev/zero).
inline std::optional<std::string> slurp(const std::string& path, std::size_t at_most = max_input_bytes + 1) {
  std::ifstream file;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return std::nullopt;
  }
  std::istream& in = path == "-" ? std::cin : file;
  std::string text;
  constexpr std::size_t chunk = 1 << 16;
  while (text.size() < at_most) {
    const std::size_t want = std::min(chunk, at_most - text.size());
    const std::size_t had = text.size();
    text.resize(had + want);
    in.read(text.data() + had, static_cast<std::streamsize>(want));
    text.resize(had + static_cast<std::size_t>(in.gcount()));
    if (!in) break;
  }
  if (in.bad()) return std::nullopt;
  return text;
}

/// The value of `--input-format`: "json" or "yaml" (nullopt and a message on stderr otherwise).
inline std::optional<input_format> input_format_option(const std::string& value, const char* command) {
  auto f = parse_input_format(value);
  if (!f) std::fprintf(stderr, "evenhand %s: --input-format is json or yaml, not '%s'\n", command, value.c_str());
  return f;
}

}  // namespace evenhand::cli
