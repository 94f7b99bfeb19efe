// evenhand journal verify|repair FILE: the hash chain of a decision journal.
#include "commands.hpp"

#include <evenhand/journal/journal.hpp>

#include <cstdio>

namespace evenhand::cli {
namespace {

constexpr const char* journal_usage = "usage: evenhand journal verify|repair FILE [--format text|json]\n";

std::string describe(const journal::verification& v, const std::string& file, const std::string& format) {
  if (format == "json") return journal::to_json(v, file) + "\n";
  if (v.ok()) return file + ": " + std::to_string(v.records) + " records, chain sound\n";
  return file + ":" + std::to_string(v.line) + ": record " + std::to_string(v.seq) + ": " +
         std::string(journal::to_string(v.found)) + ": " + v.detail + "\n" + std::to_string(v.records) +
         " records sound before it\n";
}

}  // namespace

int journal_command(const arguments& args) {
  std::vector<std::string> positional;
  std::string format = "text";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--format" && i + 1 < args.size()) format = args[++i];
    else positional.push_back(args[i]);
  }
  if (positional.size() != 2 || (format != "text" && format != "json") ||
      (positional[0] != "verify" && positional[0] != "repair")) {
    std::fputs(journal_usage, stderr);
    return bad_input;
  }
  const std::string& file = positional[1];
  try {
    if (positional[0] == "verify") {
      auto v = journal::verify(file);
      std::string out = describe(v, file, format);
      std::fwrite(out.data(), 1, out.size(), v.ok() ? stdout : (format == "json" ? stdout : stderr));
      return v.ok() ? success : findings;
    }
    journal::verification v;
    std::string backup = file + ".bak";
    if (journal::repair(file, backup, v)) {
      std::printf("%s: removed the torn last line (record %llu); %llu records kept; the file as it was is in %s\n",
                  file.c_str(), static_cast<unsigned long long>(v.seq), static_cast<unsigned long long>(v.records), backup.c_str());
      return success;
    }
    if (v.ok()) {
      std::printf("%s: %llu records, chain sound: nothing to repair\n", file.c_str(), static_cast<unsigned long long>(v.records));
      return success;
    }
    std::string out = describe(v, file, "text");
    std::fputs(out.c_str(), stderr);
    std::fputs("evenhand journal repair: only a torn last line is removed; this needs a person's look\n", stderr);
    return findings;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "evenhand journal: %s\n", e.what());
    return bad_input;
  }
}

}  // namespace evenhand::cli
