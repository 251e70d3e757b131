#include "models/litemedsam_model.hpp"

#include <stdexcept>
#include <thread>
#include <vector>

namespace medsam {

LiteMedSAMModel::LiteMedSAMModel(const std::string& encoder_path, const std::string& decoder_path,
                                 const EngineSettings& settings)
    : encoder_path_(encoder_path),
      decoder_path_(decoder_path),
      settings_(settings),
      encoder_(open_session(encoder_path, settings)),
      decoder_(open_session(decoder_path, settings)) {
  expect_signature(*encoder_, encoder_path, {"image"}, {"embeddings"},
                   "convert the checkpoint with `medsam-fast convert`");
  expect_signature(*decoder_, decoder_path, {"image_embeddings", "boxes"}, {"low_res_logits"},
                   "convert the checkpoint with `medsam-fast convert`");
}

void LiteMedSAMModel::encode(const float* images, int64_t batch, float* embeddings) const {
  encoder_->run({{const_cast<float*>(images), {batch, 3, 256, 256}}},
                {{embeddings, {batch, 256, 64, 64}}});
}

void LiteMedSAMModel::decode(const float* embedding, const float* boxes, int64_t n,
                             float* logits) const {
  decoder_->run(
      {{const_cast<float*>(embedding), {1, 256, 64, 64}}, {const_cast<float*>(boxes), {n, 4}}},
      {{logits, {n, 1, 256, 256}}});
}

const LiteMedSAMModel* LiteMedSAMModel::half_threaded() const {
  const int threads = settings_.threads > 0 ? settings_.threads
                                            : static_cast<int>(std::thread::hardware_concurrency());
  if (threads < 2) return nullptr;
  std::call_once(half_once_, [&] {
    // ORT sessions take concurrent Run calls; at one intra-op thread each call runs on
    // its caller's thread, so two callers use two cores without sharing a pool.
    // OpenVINO gets one stream per caller, each with half the threads.
    EngineSettings half = settings_;
    half.threads = threads / 2;
    half.concurrent_calls = 2;
    half_ = std::make_unique<LiteMedSAMModel>(encoder_path_, decoder_path_, half);
  });
  return half_.get();
}

}  // namespace medsam
