#include "segment/segment_2d.hpp"

#include <vector>

#include "image/masks.hpp"
#include "image/preprocess.hpp"
#include "segment/batch_decode.hpp"
#include "segment/boxes.hpp"
#include "segment/scoped_timer.hpp"

namespace medsam {

template <typename Label>
void segment_2d(const LiteMedSAMModel& model, const Image2D& image, const double* boxes, int64_t n,
                Label* segs, SegmentStats& stats) {
  for (int64_t i = 0; i < n; ++i) check_box_values(boxes + 4 * i, 4, i);
  std::vector<float> input(kInputElements), embedding(kEmbeddingElements);
  std::vector<uint8_t> scratch;
  Extent resized;
  {
    ScopedTimer t(stats.preprocess_seconds);
    resized = prepare_encoder_input(image.data, image.h, image.w, image.channels,
                                    static_cast<int64_t>(image.w) * image.channels, input.data(),
                                    scratch);
  }
  {
    ScopedTimer t(stats.encode_seconds);
    model.encode(input.data(), 1, embedding.data());
    stats.slices_encoded += 1;
  }
  std::vector<Box> frame_boxes;
  for (int64_t i = 0; i < n; ++i) {
    const double* b = boxes + 4 * i;
    frame_boxes.push_back(box_to_frame(b[0], b[1], b[2], b[3], image.h, image.w));
  }
  decode_boxes(model, embedding.data(), frame_boxes, resized, image.h, image.w, stats,
               [&](size_t i, const uint8_t* mask, MaskRegion region) {
                 ScopedTimer t(stats.postprocess_seconds);
                 write_label(mask, image.w, region, static_cast<Label>(i + 1), segs);
               });
}

template void segment_2d<uint8_t>(const LiteMedSAMModel&, const Image2D&, const double*, int64_t,
                                  uint8_t*, SegmentStats&);
template void segment_2d<uint16_t>(const LiteMedSAMModel&, const Image2D&, const double*, int64_t,
                                   uint16_t*, SegmentStats&);

}  // namespace medsam
