// The evenhand command-line tool: one function per subcommand.
#pragma once

#include <fstream>
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
int journal_command(const arguments& args);
int supervise_command(const arguments& args);

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
