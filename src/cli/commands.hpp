// The evenhand command-line tool: one function per subcommand.
#pragma once

#include <evenhand/standard/loader.hpp>

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
  for (const auto& d : loaded.problems)
    if (d.level == severity::error) std::fputs(render_text(d).c_str(), stderr);
  if (loaded.problems.empty()) std::fprintf(stderr, "evenhand %s: cannot read %s\n", command, dir.c_str());
  return nullptr;
}

/// The whole of a file, or of standard input for "-"; nullopt when it cannot be read.
inline std::optional<std::string> slurp(const std::string& path) {
  if (path == "-") {
    std::ostringstream s;
    s << std::cin.rdbuf();
    return std::move(s).str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

}  // namespace evenhand::cli
