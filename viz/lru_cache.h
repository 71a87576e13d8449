// viz/lru_cache.h — a bounded map that evicts the least recently used entry when it is full. For caches of derived
// data (layouts, per-node facts, digests) whose keys are content digests or snapshot ids, never addresses. Not
// thread-safe: the owner locks. Entries live in a list, most recently used first, found through an ordered index
// (the caches are small: tens of entries).
#pragma once

#include <cstddef>
#include <functional>
#include <iterator>
#include <list>
#include <map>
#include <utility>

namespace aotviz::viz {

template <class Key, class Value, class Less = std::less<Key>>
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  /// The entry of `key`, now the most recently used; nullptr when there is none.
  Value* find(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return &it->second->second;
  }
  /// Whether `key` has an entry, without touching the order.
  bool contains(const Key& key) const { return index_.count(key) > 0; }

  /// Stores `value` under `key` as the most recently used entry (replacing an entry of the same key), evicting the
  /// least recently used one when the cache would hold more than capacity() entries.
  Value& put(const Key& key, Value value) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      it->second->second = std::move(value);
      entries_.splice(entries_.begin(), entries_, it->second);
      return it->second->second;
    }
    if (entries_.size() >= capacity_) {
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
    entries_.emplace_front(key, std::move(value));
    index_.emplace(key, entries_.begin());
    return entries_.front().second;
  }

  /// Removes the entries for which `drop(key, value)` holds.
  template <class Pred>
  void eraseIf(Pred drop) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (drop(it->first, it->second)) {
        index_.erase(it->first);
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }

  /// Calls f(key, value) for each entry, most recently used first.
  template <class F>
  void forEach(F f) const {
    for (const auto& [k, v] : entries_) f(k, v);
  }

  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }
  void clear() {
    index_.clear();
    entries_.clear();
  }

 private:
  using Entries = std::list<std::pair<Key, Value>>;
  size_t capacity_;
  Entries entries_;  // most recently used first
  std::map<Key, typename Entries::iterator, Less> index_;
};

}  // namespace aotviz::viz
