// The evenhand command-line tool: one function per subcommand.
#pragma once

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
int ruleset_command(const arguments& args);
int replay_command(const arguments& args);

}  // namespace evenhand::cli
