// rollup_writer.cpp: see rollup_writer.hpp.
#include "rollup_writer.hpp"

#include <exception>
#include <utility>

#include "sources.hpp"

namespace switchboard::metrics {

RollupWriter::RollupWriter(const std::string& path) : db_(path) {
    for (size_t i = 0; i < kSourceCount; ++i) {
        writing_[i] = std::make_unique<RollupDeltas>(source_at(i));
        Statement mark = db_.prepare("SELECT rows_through FROM rollup_marks WHERE source = ?");
        mark.bind(1, source_at(i).name);
        if (!mark.step()) throw SqliteError("metrics: rollup_marks has no row for " + std::string(source_at(i).name));
        committed_through_[i] = mark.int64(0);
    }
    thread_ = std::thread([this] { run(); });
}

RollupWriter::~RollupWriter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
}

bool RollupWriter::hand_over(Deltas& deltas, const Marks& through) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !busy_; });
    if (failed_) return false;
    std::swap(writing_, deltas);
    writing_through_ = through;
    busy_ = true;
    changed_.notify_all();
    return true;
}

RollupWriter::Outcome RollupWriter::wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !busy_; });
    return {committed_through_, std::exchange(failed_, std::nullopt)};
}

void RollupWriter::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        changed_.wait(lock, [this] { return busy_ || stopping_; });
        if (!busy_) return;  // stopping, with nothing left to write
        lock.unlock();
        std::optional<std::string> failure;
        try {
            write(writing_, writing_through_);
        } catch (const std::exception& error) {
            failure = error.what();
        }
        for (auto& deltas : writing_) deltas->clear();
        lock.lock();
        if (failure)
            failed_ = std::move(failure);
        else
            committed_through_ = writing_through_;
        busy_ = false;
        changed_.notify_all();
    }
}

void RollupWriter::write(const Deltas& deltas, const Marks& through) {
    auto prepare = [this](const std::string& sql) -> Statement& { return db_.cached(sql); };
    Transaction transaction(db_);
    for (size_t i = 0; i < kSourceCount; ++i) {
        if (through[i] == committed_through_[i]) continue;  // read unlocked: only this thread writes it
        deltas[i]->write(prepare);
        db_.cached("UPDATE rollup_marks SET rows_through = ? WHERE source = ?")
            .bind(1, through[i])
            .bind_static(2, source_at(i).name)
            .run();
    }
    transaction.commit();
}

}  // namespace switchboard::metrics
