// An application (申请) as the hall receives it, checked against its item's declared fields.
//
//   diagnostics problems;
//   auto app = eval::read_application(text, "app.yaml", *rules, problems);
//
// YAML or JSON, as declared (`input_format`), or by its first byte ('{': JSON). Field values
// nest by their dotted paths, or are given as flat dotted keys. Decimals are read from their
// text, exactly. A value of the wrong type, an unknown field, a value outside an enum, a key
// given twice, an application larger than 4 MiB are located errors: an application with
// errors is reported, never evaluated around. Codes: E400 not valid JSON/YAML or not UTF-8,
// E401 unknown key or field, E402 wrong type or shape, E403 not a value of its enum, E404 no
// version of the item in force, E405 a key or field given twice, E406 larger than the limit, E407
// a hall fact given under `fields:` or an applicant field under `facts:`.
#pragma once

#include <evenhand/diagnostics.hpp>
#include <evenhand/input.hpp>
#include <evenhand/standard/model.hpp>
#include <evenhand/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evenhand::eval {

struct submitted_material {
  std::string id;
  standard::material_form form = standard::material_form::original;
  std::int64_t copies = 1;
  bool commitment = false;  ///< a signed commitment (告知承诺书) given instead of the material
  std::optional<date> valid_until;
};

struct application {
  std::string id;    ///< the hall's own reference, if given
  std::string item;  ///< item code
  timestamp submitted_at;
  const standard::item* standard = nullptr;  ///< the version in force when it was submitted
  /// Dotted path → value, sorted by path (facts included). The paths are the standard's own:
  /// views into its field declarations, which live as long as the ruleset.
  std::vector<std::pair<std::string_view, value>> fields;
  std::vector<std::uint32_t> slots;  ///< each field's variable slot in the item's environment, found once
  std::vector<submitted_material> materials;          ///< in the order given
  std::string digest;  ///< sha256 of the application's canonical form
};

/// The canonical bytes of an application, which its digest is taken over: one line of JSON
/// with sorted keys, the fields by dotted path with typed values. It is itself an application
/// that `read_application` reads back to the same application.
std::string canonical_form(const application& a);
/// The same, appended to `out`.
void append_canonical_form(std::string& out, const application& a);

/// Reads and checks an application against the ruleset. nullopt with located diagnostics
/// (codes E4xx) when it is not a valid application.
std::optional<application> read_application(std::string_view text, const std::string& file,
                                            const standard::ruleset& rules, diagnostics& problems);

/// The same, the text read as `format` declares (a file's extension: `format_of_path`).
std::optional<application> read_application(std::string_view text, const std::string& file,
                                            const standard::ruleset& rules, diagnostics& problems,
                                            input_format format);

struct read_options {
  /// How the text is written: JSON, YAML, or `detect` (by its first non-blank byte).
  input_format format = input_format::detect;
  /// A larger text is refused unread (E406), as a standard's file is (load_limits::max_file_bytes).
  std::size_t max_bytes = max_input_bytes;
  /// A journal's copy of an application (journal/record.hpp): a field marked `personal` may
  /// hold its masked text (a digest) in place of a value of its type.
  bool masked_personal = false;
  /// Whether to compute the application's digest (its canonical form, hashed); replay of a
  /// masked copy takes the recorded one instead.
  bool digest = true;
};

std::optional<application> read_application(std::string_view text, const std::string& file,
                                            const standard::ruleset& rules, diagnostics& problems,
                                            const read_options& options);

/// Reads into `out`, replacing what it held and reusing its room: a hall system that reads
/// application after application keeps one per thread, so reading hardly allocates. False, with
/// located diagnostics as `read_application` gives them, when the text is not a valid
/// application (what `out` then holds is unspecified).
bool read_application_into(application& out, std::string_view text, const std::string& file,
                           const standard::ruleset& rules, diagnostics& problems, const read_options& options = {});

}  // namespace evenhand::eval
