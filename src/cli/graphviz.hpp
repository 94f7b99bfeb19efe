// Rendering DOT to SVG with Graphviz's `dot`, when it is installed. The process call lives here
// in the tool, not in the library: a hall system may have no Graphviz, or its own renderer.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace evenhand::cli {

inline bool dot_installed() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

/// The SVG that `dot -Tsvg` makes of `dot`; nullopt when dot fails (or cannot be started).
inline std::optional<std::string> dot_to_svg(const std::string& dot) {
  char path[] = "/tmp/evenhand-dot-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return std::nullopt;
  std::FILE* f = fdopen(fd, "w");
  if (!f) {
    std::remove(path);
    return std::nullopt;
  }
  std::fwrite(dot.data(), 1, dot.size(), f);
  std::fclose(f);
  std::string command = std::string("dot -Tsvg '") + path + "' 2>/dev/null";
  std::FILE* p = popen(command.c_str(), "r");
  if (!p) {
    std::remove(path);
    return std::nullopt;
  }
  std::string svg;
  char buffer[8192];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) svg.append(buffer, n);
  int status = pclose(p);
  std::remove(path);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return svg;
}

}  // namespace evenhand::cli
