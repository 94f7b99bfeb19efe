// Runs a callable on a thread with a small stack, as hall runtimes give their worker threads
// (256 KB), and measures how much of that stack it used.
//
// The stack is mapped here, painted with a pattern, and guarded below by an inaccessible page,
// so that an overflow stops the test binary at once (SIGSEGV) instead of writing over memory;
// after the run, the lowest byte that lost the pattern is the deepest point the call reached.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>

namespace evenhand::test {

/// The stack hall runtimes give their worker threads.
inline constexpr std::size_t hall_thread_stack = 256 * 1024;

/// Whether this build runs under AddressSanitizer, whose redzones and fake frames make every
/// frame several times larger: there a 256 KB stack measures ASan, not the code.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool under_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool under_asan = true;
#else
inline constexpr bool under_asan = false;
#endif
#else
inline constexpr bool under_asan = false;
#endif

/// Runs `f` to its end on a new thread whose stack is `stack_bytes` long; rethrows what `f`
/// throws. Returns the bytes of stack used (including the thread's own start-up frames).
inline std::size_t run_with_stack(std::size_t stack_bytes, const std::function<void()>& f) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  stack_bytes = (stack_bytes + page - 1) / page * page;
  const std::size_t mapped = stack_bytes + page;  // the guard page below the stack
  void* base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::runtime_error("run_with_stack: mmap failed");
  auto* guard = static_cast<unsigned char*>(base);
  unsigned char* stack = guard + page;
  constexpr unsigned char paint = 0xA5;
  std::memset(stack, paint, stack_bytes);
  mprotect(guard, page, PROT_NONE);

  struct job {
    const std::function<void()>* f;
    std::exception_ptr error;
  } j{&f, nullptr};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, stack, stack_bytes);
  pthread_t thread;
  int rc = pthread_create(
      &thread, &attr,
      [](void* p) -> void* {
        auto* jp = static_cast<job*>(p);
        try {
          (*jp->f)();
        } catch (...) {
          jp->error = std::current_exception();
        }
        return nullptr;
      },
      &j);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    munmap(base, mapped);
    throw std::runtime_error("run_with_stack: pthread_create failed: " + std::string(std::strerror(rc)));
  }
  pthread_join(thread, nullptr);
  std::size_t untouched = 0;
  while (untouched < stack_bytes && stack[untouched] == paint) ++untouched;
  munmap(base, mapped);
  if (j.error) std::rethrow_exception(j.error);
  return stack_bytes - untouched;
}

/// Runs `f` on a thread with the stack of a hall worker thread (see `hall_thread_stack`).
inline std::size_t run_on_hall_thread(const std::function<void()>& f) {
  return run_with_stack(hall_thread_stack, f);
}

}  // namespace evenhand::test
