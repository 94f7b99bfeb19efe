// evenhand journal verify|repair FILE: the hash chain of a decision journal.
#include "commands.hpp"

#include <evenhand/journal/journal.hpp>

#include <cstdio>

namespace evenhand::cli {
namespace {

constexpr const char* journal_usage = "usage: evenhand journal verify|repair FILE [--format text|json]\n";

std::string describe(const journal::verification& v, const std::string& file, const std::string& format) {
  if (format == "json") return journal::to_json(v, file) + "\n";
  auto records = [](std::uint64_t n) { return std::to_string(n) + (n == 1 ? " record" : " records"); };
  if (v.ok()) return file + ": " + records(v.records) + ", chain sound\n";
  return file + ":" + std::to_string(v.line) + ": record " + std::to_string(v.seq) + ": " +
         std::string(journal::to_string(v.found)) + ": " + v.detail + "\n" + records(v.records) +
         " sound before it\n";
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
    auto r = journal::repair(file);
    using action = journal::repair_result::action;
    if (format == "json") {
      std::string out = journal::to_json(r, file) + "\n";
      std::fwrite(out.data(), 1, out.size(), stdout);
      return r.done == action::refused ? findings : success;
    }
    auto records = [](std::uint64_t n) { return std::to_string(n) + (n == 1 ? " record" : " records"); };
    switch (r.done) {
      case action::nothing:
        std::printf("%s: %s, chain sound: nothing to repair\n", file.c_str(), records(r.found.records).c_str());
        return success;
      case action::newline_added:
        std::printf("%s: the last record (%llu) was whole but lacked its newline: added; %s kept; the file as it was is in %s\n",
                    file.c_str(), static_cast<unsigned long long>(r.found.seq), records(r.found.records + 1).c_str(),
                    r.backup.c_str());
        return success;
      case action::torn_tail_removed:
        std::printf("%s: removed the torn last line (%llu bytes, never a whole record); %s kept; the file as it was is in %s\n",
                    file.c_str(), static_cast<unsigned long long>(r.bytes_removed), records(r.found.records).c_str(),
                    r.backup.c_str());
        return success;
      case action::refused: break;
    }
    std::string out = describe(r.found, file, "text");
    std::fputs(out.c_str(), stderr);
    std::fputs("evenhand journal repair: only a torn or unterminated last line is mended; this needs a person's look\n", stderr);
    return findings;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "evenhand journal: %s\n", e.what());
    return bad_input;
  }
}

}  // namespace evenhand::cli
