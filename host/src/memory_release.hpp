// memory_release.hpp: hands the memory of a large answer back to the system once it is sent.
#pragma once

#include <cstddef>

#include "executor.hpp"

namespace switchboard::host {

// glibc keeps freed memory in its per-thread arenas, so one answer of tens of MiB (parsed and
// serialized on several threads) would hold the process at that high-water mark for good.
inline constexpr size_t kLargeAnswerBytes = size_t{4} << 20;

// Sets glibc's allocator up for a long-running server; call first thing in main.
void configure_allocator();

// After an answer of `answer_bytes`, from kLargeAnswerBytes on: trims the heap a moment later,
// once the plugin has freed its own copy (it does when its respond call returns).
void release_memory_after_answer(Executor& executor, size_t answer_bytes);

}  // namespace switchboard::host
