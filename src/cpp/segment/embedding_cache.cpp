#include "segment/embedding_cache.hpp"

#include <algorithm>
#include <stdexcept>

namespace medsam {

EmbeddingCache::EmbeddingCache(size_t capacity, size_t embedding_elements, Encoder encode)
    : capacity_(std::max<size_t>(capacity, 1)),
      elements_(embedding_elements),
      encode_(std::move(encode)) {}

EmbeddingCache::~EmbeddingCache() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (helper_.joinable()) helper_.join();
}

void EmbeddingCache::encode_ahead(std::vector<int> order, double decode_cost) {
  // Working ahead needs room for the slice being encoded, one ready and one in use.
  if (capacity_ < 3) throw std::invalid_argument("encode_ahead needs a capacity of at least 3");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    order_ = std::move(order);
    cursor_ = 0;
    decode_cost_ = std::max(decode_cost, 0.0);
    planned_ = std::set<int>(order_.begin(), order_.end());
    unclaimed_ = 0;
    for (int slice : planned_) unclaimed_ += claimed_.count(slice) ? 0 : 1;
  }
  if (!helper_.joinable()) helper_ = std::thread([this] { helper_loop(); });
}

size_t EmbeddingCache::encoded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return encoded_;
}

size_t EmbeddingCache::peak_entries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_;
}

void EmbeddingCache::rethrow_helper_error() const {
  if (helper_error_) std::rethrow_exception(helper_error_);
}

// Evicts least recently used finished entries until there is room (an entry the helper
// is still writing is never evicted; the helper leaves a slot free for this).
void EmbeddingCache::make_room() {
  while (entries_.size() >= capacity_) {
    auto oldest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.ready &&
          (oldest == entries_.end() || it->second.last_used < oldest->second.last_used)) {
        oldest = it;
      }
    }
    if (oldest == entries_.end()) return;
    entries_.erase(oldest);
  }
}

// Taking one more encode keeps the caller from finishing last when the encodes left
// (U) outweigh its decodes left (D) by at least two: it should take (U - D * cost) / 2.
bool EmbeddingCache::caller_should_encode() const {
  const double decodes_left = static_cast<double>(order_.size() - std::min(gets_, order_.size()));
  return static_cast<double>(unclaimed_) - decodes_left * decode_cost_ >= 2.0;
}

// Claims `slice`, encodes it with the lock released, and publishes it.
float* EmbeddingCache::encode_into_new_entry(Lock& lock, int slice, int worker) {
  if (claimed_.insert(slice).second && planned_.count(slice)) --unclaimed_;
  Entry& entry = entries_[slice];  // map nodes stay put while the lock is released
  entry.data.resize(elements_);
  entry.last_used = ++clock_;
  peak_ = std::max(peak_, entries_.size());
  float* data = entry.data.data();
  lock.unlock();
  try {
    encode_(slice, data, worker);
  } catch (...) {
    lock.lock();
    entries_.erase(slice);
    changed_.notify_all();
    throw;
  }
  lock.lock();
  entry.ready = true;
  ++encoded_;
  changed_.notify_all();
  return data;
}

// Encodes the next planned slice nobody has claimed; false when there is none (or, on
// the caller's thread, when running further ahead would overfill the cache).
bool EmbeddingCache::encode_next_planned(Lock& lock, int worker) {
  while (cursor_ < order_.size() && claimed_.count(order_[cursor_])) ++cursor_;
  if (cursor_ == order_.size() || entries_.size() + 1 >= capacity_) return false;
  if (worker == 0 && !caller_should_encode()) return false;
  encode_into_new_entry(lock, order_[cursor_++], worker);
  return true;
}

void EmbeddingCache::helper_loop() {
  Lock lock(mutex_);
  try {
    for (;;) {
      // One slot always stays free for the caller's own encode, so the cache never
      // holds more than its capacity.
      changed_.wait(lock, [&] { return stop_ || entries_.size() + 1 < capacity_; });
      if (stop_ || !encode_next_planned(lock, 1)) return;
    }
  } catch (...) {
    helper_error_ = std::current_exception();
    changed_.notify_all();
  }
}

const float* EmbeddingCache::get(int slice) {
  Lock lock(mutex_);
  ++gets_;
  for (;;) {
    rethrow_helper_error();
    auto it = entries_.find(slice);
    if (it == entries_.end()) {
      make_room();
      return encode_into_new_entry(lock, slice, 0);
    }
    if (it->second.ready) {
      it->second.last_used = ++clock_;
      return it->second.data.data();
    }
    // The helper is encoding this slice: encode the next planned one meanwhile.
    if (!encode_next_planned(lock, 0)) {
      changed_.wait(lock, [&] {
        auto found = entries_.find(slice);
        return helper_error_ || found == entries_.end() || found->second.ready;
      });
    }
  }
}

bool EmbeddingCache::ready(int slice) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(slice);
  return it != entries_.end() && it->second.ready;
}

void EmbeddingCache::release(int slice) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(slice);
    if (it != entries_.end() && it->second.ready) entries_.erase(it);
  }
  changed_.notify_all();
}

}  // namespace medsam
