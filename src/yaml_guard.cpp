#include "yaml_guard.hpp"

#include <yaml.h>

namespace evenhand::detail {

std::optional<yaml_syntax_error> check_yaml_syntax(std::string_view text, std::size_t max_depth) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return yaml_syntax_error{0, "out of memory"};
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  std::optional<yaml_syntax_error> error;
  std::size_t depth = 0;
  for (;;) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      yaml_syntax_error e;
      e.offset = parser.problem_mark.index;
      e.message = parser.problem ? parser.problem : "malformed YAML";
      if (parser.context) e.message = std::string(parser.context) + ": " + e.message;
      error = std::move(e);
      break;
    }
    bool end = event.type == YAML_STREAM_END_EVENT;
    if (event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT) {
      if (++depth > max_depth) {
        error = yaml_syntax_error{event.start_mark.index,
                                  "nested more than " + std::to_string(max_depth) + " levels deep"};
        yaml_event_delete(&event);
        break;
      }
    } else if (event.type == YAML_SEQUENCE_END_EVENT || event.type == YAML_MAPPING_END_EVENT) {
      --depth;
    }
    yaml_event_delete(&event);
    if (end) break;
  }
  yaml_parser_delete(&parser);
  return error;
}

}  // namespace evenhand::detail
