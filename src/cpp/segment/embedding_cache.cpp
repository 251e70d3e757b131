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

void EmbeddingCache::plan(std::vector<int> order) {
  std::lock_guard<std::mutex> lock(mutex_);
  order_ = std::move(order);
  cursor_ = 0;
  uses_.clear();
  for (size_t position = 0; position < order_.size(); ++position) {
    uses_[order_[position]].push_back(position);
  }
}

void EmbeddingCache::encode_ahead() {
  // Working ahead needs room for the slice being encoded, one ready and one in use.
  if (capacity_ < 3) throw std::invalid_argument("encode_ahead needs a capacity of at least 3");
  if (!helper_.joinable()) helper_ = std::thread([this] { helper_loop(); });
}

bool EmbeddingCache::helper_idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !helper_encoding_;
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

// The position in the plan of the next get() for `slice` after the current one; past the
// plan's end when no later call asks for it.
size_t EmbeddingCache::next_use(int slice) const {
  auto found = uses_.find(slice);
  if (found == uses_.end()) return order_.size();
  const std::vector<size_t>& positions = found->second;
  auto later = std::lower_bound(positions.begin(), positions.end(), gets_);
  return later == positions.end() ? order_.size() : *later;
}

// Evicts finished entries until there is room, the one needed furthest ahead first (an
// entry the helper is still writing is never evicted; the helper leaves a slot free for
// this).
void EmbeddingCache::make_room() {
  while (entries_.size() >= capacity_) {
    auto victim = entries_.end();
    size_t victim_use = 0;
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (!it->second.ready) continue;
      const size_t use = next_use(it->first);
      if (victim == entries_.end() || use > victim_use) {
        victim = it;
        victim_use = use;
      }
    }
    if (victim == entries_.end()) return;
    entries_.erase(victim);
  }
}

// Claims `slice`, encodes it with the lock released, and publishes it.
float* EmbeddingCache::encode_into_new_entry(Lock& lock, int slice, int worker) {
  claimed_.insert(slice);
  Entry& entry = entries_[slice];  // map nodes stay put while the lock is released
  entry.data.resize(elements_);
  peak_ = std::max(peak_, entries_.size());
  float* data = entry.data.data();
  const bool helper = worker == 1;
  if (helper) helper_encoding_ = true;
  lock.unlock();
  try {
    encode_(slice, data, worker);
  } catch (...) {
    lock.lock();
    if (helper) helper_encoding_ = false;
    entries_.erase(slice);
    changed_.notify_all();
    throw;
  }
  lock.lock();
  if (helper) helper_encoding_ = false;
  entry.ready = true;
  ++encoded_;
  changed_.notify_all();
  return data;
}

// Encodes the next planned slice nobody has claimed; false when there is none, or when
// running further ahead would overfill the cache.
bool EmbeddingCache::encode_next_planned(Lock& lock, int worker) {
  while (cursor_ < order_.size() && claimed_.count(order_[cursor_])) ++cursor_;
  if (cursor_ == order_.size() || entries_.size() + 1 >= capacity_) return false;
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
    if (it->second.ready) return it->second.data.data();
    // The helper is encoding this slice: encode the next planned one meanwhile.
    if (!encode_next_planned(lock, 0)) {
      changed_.wait(lock, [&] {
        auto found = entries_.find(slice);
        return helper_error_ || found == entries_.end() || found->second.ready;
      });
    }
  }
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
