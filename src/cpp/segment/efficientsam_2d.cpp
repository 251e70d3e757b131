#include "segment/efficientsam_2d.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "image/torch_resample.hpp"
#include "models/efficientsam_prompts.hpp"
#include "segment/batch_decode.hpp"
#include "segment/boxes.hpp"
#include "segment/scoped_timer.hpp"

namespace medsam {

void prepare_stretched_input(const uint8_t* img, int h, int w, int channels, int size,
                             const PointPromptSettings& settings, float* out) {
  const int64_t pixels = static_cast<int64_t>(h) * w;
  float scale = 255.0f;
  if (settings.scale_by_max) {
    const uint8_t top = *std::max_element(img, img + pixels * channels);
    scale = top > 0 ? top : 1.0f;  // an all-black image stays black, not NaN
  }
  std::vector<float> plane(pixels);
  const int64_t frame = static_cast<int64_t>(size) * size;
  for (int c = 0; c < 3; ++c) {
    const int source = channels == 3 ? c : 0;
    for (int64_t i = 0; i < pixels; ++i) plane[i] = img[i * channels + source] / scale;
    float* dst = out + c * frame;
    torch_bilinear(plane.data(), h, w, dst, size, size);
    const float mean = settings.mean[c], inv_std = 1.0f / settings.std[c];
    for (int64_t i = 0; i < frame; ++i) dst[i] = (dst[i] - mean) * inv_std;
  }
}

namespace {

constexpr int kLowResSide = 256;  // the decoder's logits are (K, 256, 256) per prompt
constexpr int64_t kLowRes = kLowResSide * kLowResSide;

int chosen_mask(const float* iou, int k, int mask_output) {
  if (mask_output >= 0) return mask_output;
  return static_cast<int>(std::max_element(iou, iou + k) - iou);
}

// Upsamples one prompt's chosen logits to the image and writes `label` where they are > 0.
template <typename Label>
void paint_mask(const float* logits, const Image2D& image, bool bicubic, Label label,
                std::vector<float>& upsampled, Label* segs) {
  (bicubic ? torch_bicubic : torch_bilinear)(logits, kLowResSide, kLowResSide, upsampled.data(),
                                             image.h, image.w);
  for (size_t px = 0; px < upsampled.size(); ++px) {
    if (upsampled[px] > 0.0f) segs[px] = label;
  }
}

}  // namespace

template <typename Label>
void segment_2d_points(const EfficientSAMModel& model, const Image2D& image, const double* boxes,
                       int64_t n, const PointPromptSettings& settings, Label* segs,
                       SegmentStats& stats) {
  for (int64_t i = 0; i < n; ++i) check_box_2d(boxes + 4 * i, i);
  const int k = model.num_masks();
  if (settings.mask_output >= k) {
    throw std::invalid_argument("mask_output " + std::to_string(settings.mask_output) +
                                " but the decoder gives " + std::to_string(k) + " masks");
  }
  const int size = model.input_size();
  std::vector<float> input(3 * static_cast<size_t>(size) * size),
      embedding(EfficientSAMModel::kEmbeddingElements);
  {
    ScopedTimer t(stats.preprocess_seconds);
    prepare_stretched_input(image.data, image.h, image.w, image.channels, size, settings,
                            input.data());
  }
  {
    ScopedTimer t(stats.encode_seconds);
    model.encode(input.data(), embedding.data());
    stats.slices_encoded += 1;
  }
  std::vector<float> coords, labels, logits, iou, upsampled(static_cast<size_t>(image.h) * image.w);
  const int p =
      point_prompts(boxes, n, image.h, image.w, size, settings.center_point, coords, labels);
  for (int64_t first = 0; first < n; first += kDecodeBatch) {
    const int64_t count = std::min(kDecodeBatch, n - first);
    logits.resize(count * k * kLowRes);
    iou.resize(count * k);
    {
      ScopedTimer t(stats.decode_seconds);
      model.decode(embedding.data(), coords.data() + first * p * 2, labels.data() + first * p,
                   count, p, logits.data(), iou.data());
      stats.decoder_runs += 1;
      stats.masks_decoded += count;
    }
    ScopedTimer t(stats.postprocess_seconds);
    for (int64_t i = 0; i < count; ++i) {
      const int mask = chosen_mask(iou.data() + i * k, k, settings.mask_output);
      paint_mask(logits.data() + (i * k + mask) * kLowRes, image, settings.bicubic,
                 static_cast<Label>(first + i + 1), upsampled, segs);
    }
  }
}

template void segment_2d_points<uint8_t>(const EfficientSAMModel&, const Image2D&, const double*,
                                         int64_t, const PointPromptSettings&, uint8_t*,
                                         SegmentStats&);
template void segment_2d_points<uint16_t>(const EfficientSAMModel&, const Image2D&, const double*,
                                          int64_t, const PointPromptSettings&, uint16_t*,
                                          SegmentStats&);

}  // namespace medsam
