#pragma once
// A small thread-safe map whose entries are forgotten after a fixed time. Used where a lookup
// may be answered slightly stale (token and project-access checks: at most one second), which
// bounds how long a change made by another server goes unseen. When full, it is emptied
// rather than evicting one entry at a time: the cost is one extra lookup per key.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace easel {

template <typename V>
class ExpiringCache {
 public:
  ExpiringCache(int64_t ttl_ms, size_t max_entries) : ttl_ms_(ttl_ms), max_entries_(max_entries) {}

  // The value stored under `key` less than ttl_ms before `now_ms`, if any.
  std::optional<V> Get(const std::string& key, int64_t now_ms) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || now_ms - it->second.stored_at_ms >= ttl_ms_) return std::nullopt;
    return it->second.value;
  }

  void Put(const std::string& key, V value, int64_t now_ms) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[key] = Entry{std::move(value), now_ms};
  }

  void Clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
  }

  // Forgets every entry whose value satisfies `pred`.
  template <typename Pred>
  void EraseIf(Pred pred) {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = pred(it->second.value) ? entries_.erase(it) : std::next(it);
    }
  }

 private:
  struct Entry {
    V value;
    int64_t stored_at_ms;
  };
  const int64_t ttl_ms_;
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace easel
