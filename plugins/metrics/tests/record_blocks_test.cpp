// record_blocks_test.cpp: the recorder's queue keeps records in order across blocks, puts a failed
// batch back in front, and reuses the blocks of a written batch.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "record_blocks.hpp"

namespace switchboard::metrics {
namespace {

using Blocks = RecordBlocks<std::string>;
constexpr size_t kBlock = Blocks::kBlockRecords;

std::vector<std::string> contents(const Blocks& blocks) {
    std::vector<std::string> all;
    blocks.for_each([&](const std::string& record) { all.push_back(record); });
    return all;
}

void push(Blocks& blocks, size_t from, size_t count) {
    for (size_t i = from; i < from + count; ++i) blocks.push_back(std::to_string(i));
}

std::vector<std::string> numbers(size_t from, size_t count) {
    std::vector<std::string> all;
    for (size_t i = from; i < from + count; ++i) all.push_back(std::to_string(i));
    return all;
}

TEST(RecordBlocks, KeepsArrivalOrderAcrossBlocks) {
    Blocks blocks;
    push(blocks, 0, 2 * kBlock + 3);
    EXPECT_EQ(blocks.size(), 2 * kBlock + 3);
    EXPECT_EQ(contents(blocks), numbers(0, 2 * kBlock + 3));
}

TEST(RecordBlocks, AFailedBatchGoesBackInFrontOfLaterRecords) {
    Blocks queue;
    push(queue, 0, kBlock + 5);
    Blocks batch = queue.take();
    EXPECT_TRUE(queue.empty());
    push(queue, kBlock + 5, 7);  // arrived while the batch was being written
    queue.prepend(std::move(batch));
    EXPECT_TRUE(batch.empty());
    EXPECT_EQ(queue.size(), kBlock + 12);
    push(queue, kBlock + 12, 2);
    EXPECT_EQ(contents(queue), numbers(0, kBlock + 14));
}

TEST(RecordBlocks, WrittenBlocksAreReusedUpToTheLimit) {
    Blocks queue;
    push(queue, 0, 3 * kBlock);
    Blocks written = queue.take();
    std::vector<const std::string*> written_slots;
    written.for_each([&](const std::string& record) { written_slots.push_back(&record); });
    written.clear();
    EXPECT_TRUE(written.empty());
    queue.take_spares(written, 2);  // keeps two of the three blocks: the last two

    // The next records land in the kept blocks: the same memory, no new allocation.
    push(queue, 0, 2 * kBlock);
    std::vector<const std::string*> slots;
    queue.for_each([&](const std::string& record) { slots.push_back(&record); });
    std::set<const std::string*> kept = {written_slots[kBlock], written_slots[2 * kBlock]};
    EXPECT_EQ((std::set<const std::string*>{slots[0], slots[kBlock]}), kept);
    EXPECT_EQ(contents(queue), numbers(0, 2 * kBlock));
}

}  // namespace
}  // namespace switchboard::metrics
