// A case under electronic supervision (电子监察, DESIGN §6): an application the hall received
// (and usually accepted), plus what has happened to it since, as timestamped events.
//
//   diagnostics problems;
//   auto c = supervise::read_case(text, "case.yaml", *rules, problems);
//
// The file (YAML or JSON):
//   item: SCJG-XK-001
//   application: SCJG-2026-0001          # optional: the hall's reference
//   received_at: 2026-02-10T09:30:00+08:00
//   accepted_on: 2026-02-10              # absent: received, not yet accepted (art. 32 applies)
//   steps: [accept, review, decide]      # optional: the steps that apply (from the decision)
//   events:
//     - { at: 2026-02-11T10:00:00+08:00, kind: step_started, step: review }
//     - { at: 2026-02-12T16:00:00+08:00, kind: correction_requested, note: 补正营业执照 }
//     - { at: 2026-02-26T09:00:00+08:00, kind: correction_resumed }
//     - { at: 2026-03-02T09:00:00+08:00, kind: extension_granted, days: 5 }
//     - { at: 2026-02-12T09:00:00+08:00, kind: material_supplied, material: layout-plan }
//   tolerated: [layout-plan]             # optional: the 容缺 materials outstanding at acceptance
// Events come in time order. A reader error (codes E5xx) is located at file:line:col: an
// unknown kind or step, events out of order, a resume without a request, an extension beyond
// the item's `deadlines.extension`, a key given twice (E509), more than max_case_events
// events or 4 MiB (E510), a tolerated material the item does not tolerate or the case does not
// list (E511), …; a case with errors is reported, never supervised.
#pragma once

#include <evenhand/diagnostics.hpp>
#include <evenhand/input.hpp>
#include <evenhand/standard/model.hpp>
#include <evenhand/time.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::supervise {

enum class event_kind : std::uint8_t {
  step_started,
  step_completed,
  correction_requested,  ///< the applicant must correct or supplement: the clock stops
  correction_resumed,    ///< the corrected materials arrived: the clock runs again
  special_started,       ///< a special procedure (art. 45): its time is not counted
  special_ended,
  extension_granted,     ///< art. 42: the head of the organ extends the legal limit by `days`
  material_supplied,     ///< a tolerated (容缺) material arrived: `material`
};

inline constexpr std::string_view event_kind_names[] = {
    "step_started",       "step_completed",  "correction_requested", "correction_resumed",
    "special_started",    "special_ended",   "extension_granted",    "material_supplied"};

constexpr std::string_view to_string(event_kind k) noexcept { return event_kind_names[static_cast<std::size_t>(k)]; }

struct event {
  timestamp at;
  event_kind kind = event_kind::step_started;
  std::string step;       ///< step_*: the step; special_*: the special step, if it is one
  std::int64_t days = 0;  ///< extension_granted: working days added to the legal limit
  std::string material;   ///< material_supplied: the tolerated material's id
  std::string note;
};

/// `case` is a keyword: the record of one case.
struct case_record {
  std::string item;         ///< item code
  std::string application;  ///< the hall's reference, if given
  std::optional<timestamp> received_at;
  std::optional<date> accepted_on;  ///< nullopt: received, not (yet) accepted
  /// The steps that apply to this application, as its decision's schedule says. Empty: the
  /// steps without a `when`, plus every step an event names.
  std::vector<std::string> steps;
  /// The tolerated (容缺) materials outstanding when it was accepted, as its decision says.
  std::vector<std::string> tolerated;
  std::vector<event> events;  ///< in time order
  const standard::item* standard = nullptr;  ///< the version in force, found by the reader
};

/// Reads and checks a case against the ruleset. nullopt with located diagnostics (E5xx) when it
/// is not a valid case. `first_line` is the line `text` starts at in `file` (JSON Lines).
std::optional<case_record> read_case(std::string_view text, const std::string& file, const standard::ruleset& rules,
                                     diagnostics& problems, std::uint32_t first_line = 1);
/// The same, the text read as `format` declares (a file's extension: `format_of_path`).
std::optional<case_record> read_case(std::string_view text, const std::string& file, const standard::ruleset& rules,
                                     diagnostics& problems, input_format format, std::uint32_t first_line = 1);

}  // namespace evenhand::supervise
