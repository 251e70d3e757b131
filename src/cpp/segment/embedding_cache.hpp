// Slice embeddings of one volume, each freed once no box needs it, and bounded so that a
// long volume never holds thousands of 4 MiB embeddings: when full, the cache gives up
// the slice the pass's plan needs furthest ahead.
//
// With encode_ahead(), a helper thread encodes the slices in the order the pass will ask
// for them while the caller decodes, and the caller, instead of idling while the helper
// finishes the slice it needs, encodes the next planned one itself: on 2 cores both stay
// busy with single-threaded runs, which measured faster than one 2-thread session doing
// encodes and decodes in turn.  While the helper has nothing it may encode (the cache is
// full of slices still needed, or the plan is done), helper_idle() tells the caller it
// has both cores.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace medsam {

class EmbeddingCache {
 public:
  // Encodes `slice` into `embedding`; `worker` is 0 on the caller's thread, 1 on the
  // helper's (so each can keep its own buffers).  Called from both threads at once after
  // encode_ahead().
  using Encoder = std::function<void(int slice, float* embedding, int worker)>;

  EmbeddingCache(size_t capacity, size_t embedding_elements, Encoder encode);
  ~EmbeddingCache();  // stops the helper (after its current slice)
  EmbeddingCache(const EmbeddingCache&) = delete;
  EmbeddingCache& operator=(const EmbeddingCache&) = delete;

  // The slices get() will be asked for, one entry per call and in call order.  A full
  // cache evicts the slice whose next use is furthest ahead: for a known order, the
  // fewest re-encodes.
  void plan(std::vector<int> order);

  // Starts the helper on the plan (std::invalid_argument below a capacity of 3): it
  // encodes the planned slices in order while the caller decodes once per get().  While
  // the helper finishes a slice the caller needs, the caller encodes the next planned one
  // itself (when the cache has room for it).
  void encode_ahead();

  // The embedding of `slice`, encoding it on a miss.  The pointer stays valid until the
  // next call to get() or release() (only the caller's thread evicts).
  const float* get(int slice);
  // No remaining box needs `slice`: free it now rather than when the cache fills.
  void release(int slice);

  // True unless the helper is encoding a slice: without a helper, while it waits for room,
  // and once it has encoded every planned slice.
  bool helper_idle() const;

  size_t encoded() const;  // encoder runs, re-encodes included
  size_t peak_entries() const;

 private:
  struct Entry {
    std::vector<float> data;
    bool ready = false;
  };
  using Lock = std::unique_lock<std::mutex>;

  float* encode_into_new_entry(Lock& lock, int slice, int worker);
  bool encode_next_planned(Lock& lock, int worker);
  size_t next_use(int slice) const;
  void make_room();
  void helper_loop();
  void rethrow_helper_error() const;

  size_t capacity_;
  size_t elements_;
  Encoder encode_;
  std::map<int, Entry> entries_;
  std::set<int> claimed_;  // planned slices someone has encoded (or is encoding)
  std::vector<int> order_;
  std::map<int, std::vector<size_t>> uses_;  // each planned slice's positions in order_
  size_t cursor_ = 0;                        // into order_: everything before it is claimed
  size_t gets_ = 0;                          // get() calls so far: decodes the caller has started
  size_t encoded_ = 0;
  size_t peak_ = 0;
  bool helper_encoding_ = false;
  bool stop_ = false;
  std::exception_ptr helper_error_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // an entry became ready, room appeared, or stop
  std::thread helper_;
};

}  // namespace medsam
