// Fuzzes the supervision case reader and `supervise` against the bundled ruleset: any bytes
// (JSON or YAML, a file or one line of JSON Lines) must give a case or located diagnostics, and
// each case read a status — the same bytes whether measured into a fresh status or a reused
// one, and canonical JSON. Never a crash, a hang, a leak or an exception past the API.
#include <evenhand/standard/loader.hpp>
#include <evenhand/supervise/case.hpp>
#include <evenhand/supervise/supervise.hpp>

#include "canonical_json.hpp"
#include "demo_ruleset.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

const evenhand::standard::ruleset& rules() { return evenhand::fuzz::demo_ruleset(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A fixed clock, inside the demo calendar's years, so that runs repeat.
  static const evenhand::timestamp now = *evenhand::timestamp::parse("2026-03-16T09:00:00+08:00");
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // As a file, and as line 7 of a JSON Lines file (diagnostics then count from there).
  for (std::uint32_t first_line : {1u, 7u}) {
    evenhand::diagnostics problems;
    auto c = evenhand::supervise::read_case(text, "fuzz", rules(), problems, first_line);
    if (!c) {
      bool located = false;
      for (const auto& d : problems)
        if (d.level == evenhand::severity::error && d.where.line >= first_line) located = true;
      if (!located) __builtin_trap();
      continue;
    }
    if (!c->standard) __builtin_trap();
    const std::string first = evenhand::supervise::to_json(evenhand::supervise::supervise(rules(), *c->standard, *c, now));
    static evenhand::supervise::status reused;  // keeps the last input's room, as a hall's thread does
    evenhand::supervise::supervise_into(reused, rules(), *c->standard, *c, now);
    if (evenhand::supervise::to_json(reused) != first) __builtin_trap();
    if (!evenhand::fuzz::is_canonical_json(first)) __builtin_trap();
  }
  return 0;
}
