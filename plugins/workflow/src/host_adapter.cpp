// host_adapter.cpp: see host_adapter.hpp.
#include "host_adapter.hpp"

#include <memory>

namespace workflow {

namespace {
void deliver_reply(void* user, int ok, sb_str json) {
    std::unique_ptr<std::function<void(bool, Json)>> done(static_cast<std::function<void(bool, Json)>*>(user));
    Json value;
    try {
        value = Json::parse(switchboard::from_sb(json));
    } catch (const std::exception& e) {
        value = {{"code", SB_ERR_INTERNAL}, {"message", std::string("unreadable reply: ") + e.what()}};
        ok = 0;
    }
    try {
        (*done)(ok != 0, std::move(value));
    } catch (...) {  // nothing may escape into the host
    }
}
}  // namespace

HostAdapter::~HostAdapter() {
    const sb_host_api* api = plugin_.api();
    std::unique_lock lock(mutex_);
    for (auto& [id, timer] : timers_) {
        if (api->cancel_timer(api->host, id) != 0) {
            delete timer;
        } else {
            timer->task = nullptr;  // firing now: it runs empty, and we wait for it below
            ++firing_;
        }
    }
    timers_.clear();
    idle_.wait(lock, [this] { return firing_ == 0; });
}

uint64_t HostAdapter::call_tool(std::string params_json, std::function<void(bool ok, Json value)> done) {
    const sb_host_api* api = plugin_.api();
    auto* box = new std::function<void(bool, Json)>(std::move(done));
    return api->call_tool(api->host, switchboard::to_sb(params_json), &deliver_reply, box);
}

uint64_t HostAdapter::run_after(int64_t delay_ms, std::function<void()> task) {
    const sb_host_api* api = plugin_.api();
    auto* timer = new Timer{this, 0, std::move(task)};
    // Held across post_after so that fire() (which takes it) sees the id in the map.
    std::lock_guard lock(mutex_);
    timer->id =
        api->post_after(api->host, static_cast<uint64_t>(delay_ms < 0 ? 0 : delay_ms), &HostAdapter::fire, timer);
    timers_[timer->id] = timer;
    return timer->id;
}

void HostAdapter::cancel_timer(uint64_t timer_id) {
    const sb_host_api* api = plugin_.api();
    std::lock_guard lock(mutex_);
    auto found = timers_.find(timer_id);
    if (found == timers_.end()) return;
    if (api->cancel_timer(api->host, timer_id) != 0) {
        delete found->second;
        timers_.erase(found);
    }
}

void HostAdapter::fire(void* user) {
    auto* timer = static_cast<Timer*>(user);
    HostAdapter* owner = timer->owner;
    std::function<void()> task;
    {
        std::lock_guard lock(owner->mutex_);
        // Not in the map: the destructor already counted this one in firing_.
        if (owner->timers_.erase(timer->id) != 0) ++owner->firing_;
        task = std::move(timer->task);
    }
    delete timer;
    try {
        if (task) task();
    } catch (...) {  // nothing may escape into the host
    }
    std::lock_guard lock(owner->mutex_);
    --owner->firing_;
    owner->idle_.notify_all();
}

}  // namespace workflow
