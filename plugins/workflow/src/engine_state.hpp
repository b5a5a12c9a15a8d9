// engine_state.hpp: the engine's in-memory view of an unfinished run. Private to engine*.cpp.
#pragma once

#include "engine.hpp"

#include <chrono>

namespace workflow {

inline int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct Engine::ActiveTask {
    const TaskDefinition* definition = nullptr;
    TaskRow row;
    uint64_t call_id = 0;
    uint64_t timer_id = 0;     // a retry delay, a wait, or a timeout
    bool queued = false;       // in ready_, waiting for a slot
    bool in_flight = false;    // a tool call counted in in_flight_
    bool resume_same = false;  // was running at the last stop: run the same attempt again
    bool timed_out = false;
    bool cancel_requested = false;
};

struct Engine::ActiveRun {
    RunRow row;  // tasks are kept in `tasks`, not in row.tasks
    Definition definition;
    std::map<std::string, ActiveTask> tasks;
    int64_t seq = 0;
    std::vector<std::unique_ptr<RunWatcher>> watchers;
    bool finishing = false;
};

}  // namespace workflow
