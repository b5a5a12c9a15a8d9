// record_blocks.hpp: a queue of records kept in blocks of a fixed size.
//
// A growing queue never moves the records it holds (an LlmCall is ~600 bytes), and the blocks of
// a written batch come back for later records (clear, take_spares). Queueing a record then
// allocates nothing for the record itself and writes to memory that is already mapped. A vector
// that outgrew its buffer moved every record, and a deque of one record per node allocated each;
// both faulted in fresh pages, 40 to 60% of the bus thread's time at 200,000 records/s.
//
// Thread safety: none; Recorder guards it.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace switchboard::metrics {

template <typename Record>
class RecordBlocks {
 public:
    static constexpr size_t kBlockRecords = 1024;

    void push_back(Record&& record) {
        if (blocks_.empty() || blocks_.back().size() == kBlockRecords) blocks_.push_back(fresh_block());
        blocks_.back().push_back(std::move(record));
        ++size_;
    }

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (const std::vector<Record>& block : blocks_)
            for (const Record& record : block) fn(record);
    }

    // Puts `earlier`'s records in front of these: a batch that failed to write, back in the queue.
    void prepend(RecordBlocks&& earlier) {
        blocks_.insert(blocks_.begin(), std::make_move_iterator(earlier.blocks_.begin()),
                       std::make_move_iterator(earlier.blocks_.end()));
        size_ += earlier.size_;
        earlier.blocks_.clear();
        earlier.size_ = 0;
    }

    // Destroys the records, keeping their blocks for later ones.
    void clear() {
        for (std::vector<Record>& block : blocks_) {
            block.clear();
            spare_.push_back(std::move(block));
        }
        blocks_.clear();
        size_ = 0;
    }

    // Takes `other`'s spare blocks, keeping at most `max_spare` in all (the rest are freed).
    void take_spares(RecordBlocks& other, size_t max_spare) {
        while (!other.spare_.empty() && spare_.size() < max_spare) {
            spare_.push_back(std::move(other.spare_.back()));
            other.spare_.pop_back();
        }
        other.spare_.clear();
        if (spare_.size() > max_spare) spare_.resize(max_spare);
    }

    // Moves the records out, leaving the spare blocks here.
    RecordBlocks take() {
        RecordBlocks taken;
        std::swap(taken.blocks_, blocks_);
        std::swap(taken.size_, size_);
        return taken;
    }

 private:
    std::vector<Record> fresh_block() {
        if (spare_.empty()) {
            std::vector<Record> block;
            block.reserve(kBlockRecords);
            return block;
        }
        std::vector<Record> block = std::move(spare_.back());
        spare_.pop_back();
        return block;
    }

    std::vector<std::vector<Record>> blocks_;
    std::vector<std::vector<Record>> spare_;  // empty, each with room for kBlockRecords
    size_t size_ = 0;
};

}  // namespace switchboard::metrics
