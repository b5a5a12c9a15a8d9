// memory_release.cpp: see memory_release.hpp.
#include "memory_release.hpp"

#include <malloc.h>

#include <atomic>
#include <chrono>

namespace switchboard::host {

namespace {
std::atomic<bool> trim_scheduled{false};  // one trim covers every answer sent before it runs
}

void configure_allocator() {
    // A block of 1 MiB or more (an answer's text, a big vector) gets its own mapping, returned
    // on free. By default glibc raises this threshold each time such a block is freed, after
    // which big blocks come from the per-thread arenas and stay there: measured, each blocking
    // thread that once served a 14 MiB answer kept 14 MiB for good.
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
}

void release_memory_after_answer(Executor& executor, size_t answer_bytes) {
    if (answer_bytes < kLargeAnswerBytes || trim_scheduled.exchange(true)) return;
    executor.post_after(std::chrono::milliseconds(200), [] {
        trim_scheduled = false;
        malloc_trim(0);
    });
}

}  // namespace switchboard::host
