// A hall system's acceptance handler: load the ruleset once at start-up, then evaluate the
// applications that arrive, on several threads at once, and journal every decision before
// answering (the journal is the hall's record of what it decided, and why).
//
//   hall_acceptance RULESET_DIR APPLICATIONS_DIR JOURNAL [THREADS]
//
// Prints each application's stage, outcome and how many things its notice asks for, in file
// order, then verifies the journal. Exit 0 when every application was decided and journalled.
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/journal/journal.hpp>
#include <evenhand/standard/loader.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace evenhand;

namespace {

struct result {
  std::string file;
  std::string line;  // what to print, or the error
  bool ok = false;
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

/// The work for one application: read and check it, decide, journal, describe.
void accept(const standard::ruleset& rules, journal::writer& journal, const fs::path& file, result& out) {
  out.file = file.filename().string();
  diagnostics problems;
  auto app = eval::read_application(read_text(file), out.file, rules, problems);
  if (!app) {  // located problems (E40x): the clerk shows them; nothing is decided
    out.line = render_text(problems);
    return;
  }
  eval::decision d = eval::evaluate(rules, *app);
  // Synced: the record is on disk before the applicant hears the outcome. Concurrent appends
  // share one disk sync.
  journal.append(*app, d, journal::durability::synced);
  char line[160];
  std::snprintf(line, sizeof line, "%-52s %-10s %-17s %zu to supply", out.file.c_str(),
                std::string(eval::to_string(d.stage)).c_str(), std::string(eval::to_string(d.outcome)).c_str(),
                d.notice.size());
  out.line = line;
  out.ok = true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fputs("usage: hall_acceptance RULESET_DIR APPLICATIONS_DIR JOURNAL [THREADS]\n", stderr);
    return 2;
  }
  unsigned threads = argc == 5 ? static_cast<unsigned>(std::stoul(argv[4])) : std::max(1u, std::thread::hardware_concurrency());

  // Once, at start-up: loading checks every rule; the result is immutable and shared.
  auto loaded = standard::load_ruleset(argv[1]);
  if (!loaded.rules) {
    std::fputs(render_text(loaded.problems).c_str(), stderr);
    return 2;
  }
  const standard::ruleset& rules = *loaded.rules;

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(argv[2]))
    if (e.path().extension() == ".json" || e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());

  try {
    journal::writer journal(argv[3], rules);  // one writer per file, shared by every thread
    std::vector<result> results(files.size());
    std::atomic<std::size_t> next{0};
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < threads; ++t)
      workers.emplace_back([&] {
        for (std::size_t i; (i = next++) < files.size();) {
          try {
            accept(rules, journal, files[i], results[i]);
          } catch (const std::exception& e) {  // a failed write: this application is not decided
            results[i].line = files[i].filename().string() + ": " + e.what();
          }
        }
      });
    workers.clear();  // joins

    std::printf("ruleset %s: %zu applications on %u threads\n", rules.id.c_str(), files.size(), threads);
    bool all_ok = true;
    for (const auto& r : results) {
      std::printf("%s\n", r.line.c_str());
      all_ok = all_ok && r.ok;
    }
    journal.sync();
    auto v = journal::verify(argv[3]);
    if (v.ok()) std::printf("journal: %llu records, chain sound\n", static_cast<unsigned long long>(v.records));
    else std::printf("journal: line %llu: %s\n", static_cast<unsigned long long>(v.line), v.detail.c_str());
    return all_ok && v.ok() ? 0 : 1;
  } catch (const std::exception& e) {  // the journal could not be opened or written
    std::fprintf(stderr, "hall_acceptance: %s\n", e.what());
    return 1;
  }
}
