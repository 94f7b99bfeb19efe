// Fuzzes the application reader, the hall's most exposed input, against the bundled ruleset:
// any bytes, read as JSON and as YAML, must give an application or located diagnostics. Each
// application read is decided twice — once into a fresh decision, once into a reused one — and
// the two canonical decisions must be the same bytes, and canonical JSON. Never a crash, a hang,
// a leak or an exception past the API.
#include <evenhand/eval/application.hpp>
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/eval/evaluate.hpp>
#include <evenhand/standard/loader.hpp>

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

void read_and_decide(std::string_view text) {
  evenhand::diagnostics problems;
  auto app = evenhand::eval::read_application(text, "fuzz", rules(), problems);
  if (!app) {
    // A refusal says where and why.
    bool located = false;
    for (const auto& d : problems)
      if (d.level == evenhand::severity::error && d.where.line >= 1) located = true;
    if (!located) __builtin_trap();
    return;
  }
  const std::string first = evenhand::eval::to_json(evenhand::eval::evaluate(rules(), *app));
  static evenhand::eval::decision reused;  // keeps the last input's room, as a hall's thread does
  evenhand::eval::evaluate_into(reused, rules(), *app);
  if (evenhand::eval::to_json(reused) != first) __builtin_trap();
  if (!evenhand::fuzz::is_canonical_json(first)) __builtin_trap();
  // The application's canonical form reads back to the same application.
  evenhand::diagnostics again;
  auto back = evenhand::eval::read_application(evenhand::eval::canonical_form(*app), "canonical", rules(), again);
  if (!back || back->digest != app->digest) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  read_and_decide(bytes);  // JSON when it starts with '{', else YAML
  std::string yaml = "---\n";  // the same bytes as a YAML document, whatever they start with
  yaml.append(bytes);
  read_and_decide(yaml);
  return 0;
}
