// checkpointer.cpp: see checkpointer.hpp.
#include "checkpointer.hpp"

#include <utility>

namespace workflow {

void Checkpointer::submit(Write write, Then then) {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    queue_.push_back({std::move(write), std::move(then)});
    if (flushing_) return;  // the running flush picks it up
    flushing_ = true;
    host_.post_blocking([this] { flush(); });
}

void Checkpointer::flush() {
    for (;;) {
        std::vector<Entry> batch;
        {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) {
                flushing_ = false;
                idle_.notify_all();
                return;
            }
            batch.swap(queue_);
        }
        bool committed = false;
        try {
            std::lock_guard lock(store_mutex_);
            Transaction transaction(store_.database());
            for (Entry& entry : batch)
                if (entry.write) entry.write(store_);
            transaction.commit();
            committed = true;
        } catch (const std::exception& e) {
            // Acting on an uncommitted change would break the durability promise: drop the
            // continuations; the run resumes from the last commit at the next start.
            host_.log_error(std::string("workflow checkpoint failed, ") + std::to_string(batch.size()) +
                            " change(s) not applied: " + e.what());
        }
        if (!committed) continue;
        for (Entry& entry : batch) {
            try {
                if (entry.then) entry.then();
            } catch (const std::exception& e) {
                host_.log_error(std::string("workflow continuation failed: ") + e.what());
            }
        }
    }
}

void Checkpointer::drain_and_stop() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return !flushing_ && queue_.empty(); });
    stopped_ = true;
}

}  // namespace workflow
