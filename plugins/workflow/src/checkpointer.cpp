// checkpointer.cpp: see checkpointer.hpp.
#include "checkpointer.hpp"

#include <algorithm>
#include <iterator>
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
            batch = take_batch();
        }
        const auto writes = static_cast<uint64_t>(
            std::count_if(batch.begin(), batch.end(), [](const Entry& entry) { return bool(entry.write); }));
        // A batch without writes holds only continuations waiting for earlier commits, which
        // are done: no transaction needed.
        bool committed = !options_.durable || writes == 0;
        try {
            if (!committed) {
                std::lock_guard lock(store_mutex_);
                Transaction transaction(store_.database());
                for (Entry& entry : batch)
                    if (entry.write) entry.write(store_);
                transaction.commit();
                committed = true;
                commits_.fetch_add(1, std::memory_order_relaxed);
            }
            writes_.fetch_add(writes, std::memory_order_relaxed);
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

std::vector<Checkpointer::Entry> Checkpointer::take_batch() {
    std::vector<Entry> batch;
    if (options_.max_batch == 0) {
        batch.swap(queue_);
        return batch;
    }
    // Entries without a write (continuations that only wait for a commit) ride along with the
    // write before them, so a limit of 1 still means one commit per state change.
    size_t taken = 0;
    size_t writes = 0;
    while (taken < queue_.size() && (!queue_[taken].write || writes < options_.max_batch)) {
        if (queue_[taken].write) ++writes;
        ++taken;
    }
    batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + taken));
    queue_.erase(queue_.begin(), queue_.begin() + taken);
    return batch;
}

void Checkpointer::drain_and_stop() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return !flushing_ && queue_.empty(); });
    stopped_ = true;
}

}  // namespace workflow
