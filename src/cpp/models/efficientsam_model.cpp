#include "models/efficientsam_model.hpp"

#include <stdexcept>
#include <vector>

namespace medsam {

EfficientSAMModel::EfficientSAMModel(const std::string& encoder_path,
                                     const std::string& decoder_path,
                                     const EngineSettings& settings, int input_size, int num_masks)
    : encoder_(open_session(encoder_path, settings)),
      decoder_(open_session(decoder_path, settings)),
      input_size_(input_size),
      num_masks_(num_masks) {
  if (input_size < 16 || input_size > 4096)
    throw std::invalid_argument("input_size must be in [16, 4096]");
  if (num_masks < 1 || num_masks > 16) throw std::invalid_argument("num_masks must be in [1, 16]");
  expect_signature(*encoder_, encoder_path, {"image"}, {"embeddings"},
                   "convert it with `medsam-fast convert --family efficientsam`");
  expect_signature(*decoder_, decoder_path, {"image_embeddings", "point_coords", "point_labels"},
                   {"low_res_logits", "iou_predictions"},
                   "convert it with `medsam-fast convert --family efficientsam`");
}

void EfficientSAMModel::encode(const float* image, float* embedding) const {
  encoder_->run({{const_cast<float*>(image), {1, 3, input_size_, input_size_}}},
                {{embedding, {1, 256, 64, 64}}});
}

void EfficientSAMModel::decode(const float* embedding, const float* coords, const float* labels,
                               int64_t n, int64_t p, float* logits, float* iou) const {
  decoder_->run({{const_cast<float*>(embedding), {1, 256, 64, 64}},
                 {const_cast<float*>(coords), {n, p, 2}},
                 {const_cast<float*>(labels), {n, p}}},
                {{logits, {n, num_masks_, 256, 256}}, {iou, {n, num_masks_}}});
}

}  // namespace medsam
