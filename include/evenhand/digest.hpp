// SHA-256 digests (OpenSSL libcrypto) of bytes, files and whole rulesets.
//
// A ruleset's digest covers exactly the files that decide (ruleset.yaml, the item files, the
// named calendar's year files), in the byte order of their relative paths with '/' separators,
// each framed by its path and length so that moving bytes between files changes the digest.
// Ruleset tests, notes and READMEs beside them do not decide, so they do not change it. The
// file system's listing order, timestamps and permissions play no part: the same files give the
// same digest anywhere.
#pragma once

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace evenhand {

/// Incremental SHA-256.
class sha256 {
 public:
  sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), algorithm(), nullptr) != 1) throw std::bad_alloc();
  }
  sha256& update(std::string_view bytes) {
    EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size());
    return *this;
  }
  /// The digest as 64 lower-case hex digits. The object is spent afterwards (until `restart`).
  std::string hex() {
    std::string out;
    append_hex(out);
    return out;
  }
  /// Appends the digest's 64 hex digits to `out`; the object is spent afterwards.
  void append_hex(std::string& out) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md.data(), &len);
    static constexpr char digits[] = "0123456789abcdef";
    char text[2 * EVP_MAX_MD_SIZE];
    for (unsigned i = 0; i < len; ++i) {
      text[2 * i] = digits[md[i] >> 4];
      text[2 * i + 1] = digits[md[i] & 15];
    }
    out.append(text, 2 * len);
  }
  /// Starts a new digest with the same context (cheaper than a new object).
  void restart() {
    if (EVP_DigestInit_ex(ctx_.get(), algorithm(), nullptr) != 1) throw std::bad_alloc();
  }

 private:
  /// The implementation, fetched once: OpenSSL 3 looks it up in its providers on every
  /// EVP_sha256() initialisation otherwise, which costs more than hashing a short text.
  static const EVP_MD* algorithm() {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    static const EVP_MD* const md = [] {
      const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
      return fetched ? fetched : EVP_sha256();
    }();
    return md;
#else
    return EVP_sha256();
#endif
  }
  struct deleter {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, deleter> ctx_;
};

/// Makes `out` "sha256:" + the hex digest of the bytes of `parts`, one after another, in the
/// room `out` already has (a caller digesting in a loop keeps one string).
inline void assign_sha256_digest(std::string& out, std::initializer_list<std::string_view> parts) {
  // One context per thread, started again for each digest: making a context costs about as
  // much as hashing a short text.
  thread_local sha256 h;
  h.restart();
  for (auto part : parts) h.update(part);
  out.clear();
  out.reserve(7 + 64);
  out += "sha256:";
  h.append_hex(out);
}

/// "sha256:" + hex digest of the bytes of `parts`, one after another.
inline std::string sha256_digest(std::initializer_list<std::string_view> parts) {
  std::string out;
  assign_sha256_digest(out, parts);
  return out;
}

/// "sha256:" + hex digest of `bytes`.
inline std::string sha256_digest(std::string_view bytes) {
  return sha256_digest(std::initializer_list<std::string_view>{bytes});
}

namespace detail {

inline void update_framed(sha256& h, std::string_view path, std::string_view bytes) {
  auto put_u64 = [&h](std::uint64_t n) {
    char be[8];
    for (int i = 7; i >= 0; --i, n >>= 8) be[i] = static_cast<char>(n & 0xFF);
    h.update(std::string_view(be, 8));
  };
  put_u64(path.size());
  h.update(path);
  put_u64(bytes.size());
  h.update(bytes);
}

}  // namespace detail

/// One file of a ruleset: its path relative to the ruleset root ('/'-separated) and bytes.
struct ruleset_file {
  std::string path;
  std::string bytes;
};

/// Where a ruleset keeps the files that decide. The loader lists them through these functions,
/// and the digest reads what they list, so the two cannot drift apart.
namespace ruleset_layout {

/// The regular files directly in `dir` whose extension is one of `extensions`, sorted by name.
/// An unreadable directory sets `ec`.
inline std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir,
                                                   std::initializer_list<std::string_view> extensions,
                                                   std::error_code& ec) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string ext = it->path().extension().string();
    std::error_code type_ec;
    if (std::find(extensions.begin(), extensions.end(), ext) != extensions.end() && it->is_regular_file(type_ec))
      files.push_back(it->path());
  }
  // Directory order is unspecified: sort so loading and digests are the same on every machine.
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });
  return files;
}

/// The item standards: `items/*.yaml` and `items/*.yml`.
inline std::vector<std::filesystem::path> item_files(const std::filesystem::path& root, std::error_code& ec) {
  return files_in(root / "items", {".yaml", ".yml"}, ec);
}

/// The directory of the calendar `ruleset.yaml` names.
inline std::filesystem::path calendar_directory(const std::filesystem::path& root, std::string_view calendar) {
  return root / "calendars" / std::filesystem::path(std::string(calendar));
}

/// A calendar's year files: `<dir>/*.yaml`.
inline std::vector<std::filesystem::path> calendar_files(const std::filesystem::path& dir, std::error_code& ec) {
  return files_in(dir, {".yaml"}, ec);
}

}  // namespace ruleset_layout

/// Reads the files of the ruleset at `root` that decide: `ruleset.yaml`, the item files and the
/// year files of `calendar` (the name `ruleset.yaml` gives; empty for none), with paths relative
/// to `root`, sorted. Returns nullopt and sets `error` when the directory or a file is unreadable.
inline std::optional<std::vector<ruleset_file>> read_ruleset_files(const std::filesystem::path& root,
                                                                   std::string_view calendar, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    error = root.string() + ": not a directory";
    return std::nullopt;
  }
  std::vector<fs::path> paths{root / "ruleset.yaml"};
  auto add = [&](std::vector<fs::path> found, const fs::path& dir) {
    if (ec && ec != std::errc::no_such_file_or_directory) {
      error = dir.string() + ": " + ec.message();
      return false;
    }
    ec.clear();
    paths.insert(paths.end(), found.begin(), found.end());
    return true;
  };
  if (!add(ruleset_layout::item_files(root, ec), root / "items")) return std::nullopt;
  if (!calendar.empty()) {
    fs::path dir = ruleset_layout::calendar_directory(root, calendar);
    if (!add(ruleset_layout::calendar_files(dir, ec), dir)) return std::nullopt;
  }
  std::vector<ruleset_file> files;
  for (const fs::path& p : paths) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
      error = p.string() + ": cannot read";
      return std::nullopt;
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
      error = p.string() + ": cannot read";
      return std::nullopt;
    }
    files.push_back({p.lexically_relative(root).generic_string(), std::move(bytes)});
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

/// The digest of a set of files (any order given; sorted by path here).
inline std::string ruleset_digest(std::vector<ruleset_file> files) {
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  sha256 h;
  h.update("evenhand-ruleset-v1");
  for (const auto& f : files) detail::update_framed(h, f.path, f.bytes);
  return "sha256:" + h.hex();
}

}  // namespace evenhand
