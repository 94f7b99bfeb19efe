#include "commands.hpp"

#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>

namespace {

constexpr const char* usage =
    "usage: evenhand <command> [options]\n"
    "\n"
    "commands:\n"
    "  expr [--bindings FILE|-] [--no-check] [--calendar DIR] [--container NAME] [--] EXPR\n"
    "      evaluate one expression; prints the result in the typed JSON encoding\n"
    "  lint RULESET_DIR [--format text|json]\n"
    "      check a ruleset: every error and warning, located (file:line:col)\n"
    "  eval RULESET_DIR APPLICATION|- [--as-of TIME] [--format json|text] [--input-format json|yaml]\n"
    "      evaluate an application: the canonical decision (json) or an explanation (text)\n"
    "  test RULESET_DIR\n"
    "      run the ruleset's tests (tests/*.yaml); ends with 'N passed, M failed'\n"
    "  graph RULESET_DIR ITEM [--application FILE] [--as-of DATE] [--format dot|svg] [--input-format json|yaml]\n"
    "      the workflow as a diagram; with an application, the steps that apply and its critical path\n"
    "  guide RULESET_DIR ITEM [--format md|html] [--as-of DATE] [--edition public|internal]\n"
    "      the service guide (办事指南) of the item version in force on DATE (default today)\n"
    "  diff OLD_RULESET NEW_RULESET [--format text|json]\n"
    "      what changed between two ruleset versions, item by item, stricter or looser\n"
    "      (exit 0 the same, 1 different)\n"
    "  supervise RULESET_DIR CASE|DIR|CASES.jsonl --now TIME [--format json|text] [--input-format json|yaml]\n"
    "      electronic supervision: a case's deadlines and light (green, yellow, red, overdue);\n"
    "      a directory or JSON Lines of cases gives a table of lights\n"
    "  journal verify|repair FILE [--format text|json]\n"
    "      verify a decision journal's hash chain (exit 1 naming the first bad record); repair\n"
    "      removes a torn last line only, keeping FILE.bak\n"
    "  ruleset snapshot RULESET_DIR STORE_DIR\n"
    "      keep a ruleset version in a store under its digest, for replay\n"
    "  replay JOURNAL (--store STORE_DIR | --against RULESET_DIR) [--format text|json] [--threads N]\n"
    "      decide every journal record again with the ruleset version it names (exit 1 if any\n"
    "      differs), or with another ruleset: which decisions it would change, grouped by rule\n"
    "  version      print the engine version\n"
    "\n"
    "exit codes: 0 success, 1 findings or evaluation error, 2 bad usage or unreadable input\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace evenhand::cli;
  if (argc < 2) {
    std::fputs(usage, stderr);
    return bad_input;
  }
  std::string command = argv[1];
  arguments args(argv + 2, argv + argc);
  try {
    if (command == "expr") return expr_command(args);
    if (command == "lint") return lint_command(args);
    if (command == "eval") return eval_command(args);
    if (command == "test") return test_command(args);
    if (command == "graph") return graph_command(args);
    if (command == "guide") return guide_command(args);
    if (command == "diff") return diff_command(args);
    if (command == "journal") return journal_command(args);
    if (command == "ruleset") return ruleset_command(args);
    if (command == "replay") return replay_command(args);
    if (command == "supervise") return supervise_command(args);
    if (command == "version" || command == "--version") {
      std::printf("evenhand %s\n", EVENHAND_VERSION_STRING);
      return success;
    }
    if (command == "help" || command == "--help" || command == "-h") {
      std::fputs(usage, stdout);
      return success;
    }
    std::fprintf(stderr, "evenhand: unknown command '%s'\n\n%s", command.c_str(), usage);
    return bad_input;
  } catch (const std::bad_alloc&) {
    std::fputs("evenhand: out of memory\n", stderr);
    return bad_input;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "evenhand: internal error: %s\n", e.what());
    return bad_input;
  }
}
