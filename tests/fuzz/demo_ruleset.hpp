// The ruleset the fuzz targets that read applications and cases check against: the bundled
// rulesets/cn-demo, loaded once (EVENHAND_RULESET names another).
#pragma once

#include <evenhand/standard/loader.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace evenhand::fuzz {

inline const standard::ruleset& demo_ruleset() {
  static const std::shared_ptr<const standard::ruleset> loaded = [] {
    const char* dir = std::getenv("EVENHAND_RULESET");
    auto r = standard::load_ruleset(dir ? dir : EVENHAND_SOURCE_DIR "/rulesets/cn-demo");
    if (!r.rules) {
      std::fprintf(stderr, "the fuzz target's ruleset does not load:\n%s", render_text(r.problems).c_str());
      std::abort();
    }
    return r.rules;
  }();
  return *loaded;
}

}  // namespace evenhand::fuzz
