// Fuzzes the standards loader with whole item files: any bytes must give an item or located
// diagnostics — never a crash, a hang, a leak or an exception past the API.
#include <evenhand/standard/loader.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const evenhand::standard::item_context context = [] {
    evenhand::standard::item_context c;
    auto calendar = std::make_shared<evenhand::workday_calendar>("fuzz");
    for (int year = 2024; year <= 2026; ++year) calendar->set_year(year, {}, {});
    c.calendar = calendar;
    c.basis["XKF-42"] = "《中华人民共和国行政许可法》第四十二条";
    return c;
  }();
  evenhand::diagnostics problems;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto item = evenhand::standard::load_item_text(text, "fuzz.yaml", context, problems);
  // Either a model, or at least one located error.
  if (!item) {
    bool located = false;
    for (const auto& d : problems)
      if (d.level == evenhand::severity::error && d.where.line >= 1) located = true;
    if (!located) __builtin_trap();
  }
  return 0;
}
