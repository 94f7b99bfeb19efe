// What every reader of what a user wrote shares: the bounds on it, and its declared format.
//
// Real inputs are small: a standard is a few kilobytes, an application or a case a few
// hundred bytes. The bounds make the work any input causes bounded too, a hostile one
// included; past each is a located error, never a slow or a killed process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace evenhand {

/// The largest text read as one input: a standard's file, an application, a case (4 MiB).
inline constexpr std::size_t max_input_bytes = 4 * 1024 * 1024;
/// Diagnostics kept for one input file; the rest are only counted, by code, in one last
/// diagnostic ("and N more of the same kinds").
inline constexpr std::size_t max_diagnostics = 100;
/// A diagnostic keeps a window of its source line around the column, not the whole line: at
/// most this many display columns (a CJK character is two) and bytes, "…" marking a cut.
inline constexpr std::size_t max_excerpt_columns = 80;
inline constexpr std::size_t max_excerpt_bytes = 120;
/// Events in one supervision case.
inline constexpr std::size_t max_case_events = 10'000;

/// How a text is written. `detect`: not declared; read as JSON when its first non-blank byte
/// is '{', else as YAML. A declared format is never second-guessed: a JSON text that is not
/// valid JSON (a trailing comma) is an error, even where YAML would read it.
enum class input_format : std::uint8_t { detect, json, yaml };

constexpr std::string_view to_string(input_format f) noexcept {
  switch (f) {
    case input_format::json: return "json";
    case input_format::yaml: return "yaml";
    case input_format::detect: break;
  }
  return "detect";
}

/// "json" or "yaml"; nullopt for anything else.
constexpr std::optional<input_format> parse_input_format(std::string_view name) noexcept {
  if (name == "json") return input_format::json;
  if (name == "yaml") return input_format::yaml;
  return std::nullopt;
}

/// The format a file's name declares: `.json` JSON, `.yaml` and `.yml` YAML, else (standard
/// input, `.txt`, no extension) `detect`.
constexpr input_format format_of_path(std::string_view path) noexcept {
  const auto dot = path.rfind('.');
  const auto slash = path.find_last_of("/\\");
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return input_format::detect;
  const std::string_view ext = path.substr(dot + 1);
  if (ext == "json") return input_format::json;
  if (ext == "yaml" || ext == "yml") return input_format::yaml;
  return input_format::detect;
}

/// The format `text` is read as: the declared one, or by its first non-blank byte ('{': JSON,
/// anything else: YAML). Never by which parser happens to accept it.
constexpr input_format resolve_format(input_format declared, std::string_view text) noexcept {
  if (declared != input_format::detect) return declared;
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{' ? input_format::json : input_format::yaml;
}

}  // namespace evenhand
