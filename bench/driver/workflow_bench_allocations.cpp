// workflow_bench_allocations.cpp: counts heap allocations per thread, so the overhead benchmark
// can show what a task costs besides time. In a file of its own: where the replaced operators
// are visible, GCC pairs the inlined free() with `new` and warns.
#include "workflow_bench.hpp"

#include <cstdlib>
#include <new>

namespace {
thread_local uint64_t allocations = 0;
}  // namespace

void* operator new(size_t size) {
    ++allocations;
    if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
    throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, size_t) noexcept { std::free(memory); }

namespace wfbench {
uint64_t thread_allocations() { return allocations; }
}  // namespace wfbench
