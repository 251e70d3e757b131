#include "models/litemedsam_model.hpp"

#include <stdexcept>
#include <thread>
#include <vector>

namespace medsam {
namespace {

// The 3D strategies decode one box at a time; a batch-1 compilation serves those calls.
EngineSettings decoder_settings(EngineSettings settings) {
  settings.batch_of_one_input = "boxes";
  settings.batch_of_one_shape = {1, 4};
  return settings;
}

}  // namespace

LiteMedSAMModel::LiteMedSAMModel(const std::string& encoder_path, const std::string& decoder_path,
                                 const EngineSettings& settings)
    : encoder_path_(encoder_path),
      decoder_path_(decoder_path),
      settings_(settings),
      encoder_(open_session(encoder_path, settings)),
      decoder_(open_session(decoder_path, decoder_settings(settings))) {
  expect_signature(*encoder_, encoder_path, {"image"}, {"embeddings"},
                   "convert the checkpoint with `medsam-fast convert`");
  // Older conversions lack the IoU output; they still run every strategy but the
  // confidence-guided one.
  has_iou_ = decoder_->output_names().size() == 2;
  expect_signature(*decoder_, decoder_path, {"image_embeddings", "boxes"},
                   has_iou_ ? std::vector<std::string>{"low_res_logits", "iou_predictions"}
                            : std::vector<std::string>{"low_res_logits"},
                   "convert the checkpoint with `medsam-fast convert`");
}

void LiteMedSAMModel::encode(const float* images, int64_t batch, float* embeddings) const {
  encoder_->run({{const_cast<float*>(images), {batch, 3, 256, 256}}},
                {{embeddings, {batch, 256, 64, 64}}});
}

void LiteMedSAMModel::decode(const float* embedding, const float* boxes, int64_t n, float* logits,
                             float* iou) const {
  if (iou != nullptr && !has_iou_) {
    throw std::invalid_argument(decoder_path_ +
                                ": the decoder has no iou_predictions output; convert the "
                                "checkpoint again with `medsam-fast convert`");
  }
  const std::vector<TensorView> inputs{{const_cast<float*>(embedding), {1, 256, 64, 64}},
                                       {const_cast<float*>(boxes), {n, 4}}};
  if (!has_iou_) {
    decoder_->run(inputs, {{logits, {n, 1, 256, 256}}});
    return;
  }
  // The engines fill every output, so a caller without use for the IoU gets scratch.
  std::vector<float> scratch(iou == nullptr ? n : 0);
  decoder_->run(inputs, {{logits, {n, 1, 256, 256}}, {iou ? iou : scratch.data(), {n, 1}}});
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
