#include "engine/onnx_session.hpp"

#include <sstream>

namespace medsam {
namespace {

std::vector<int64_t> tensor_shape(const OrtTypeInfo* info, const std::string& what) {
  const OrtApi& api = ort();
  const OrtTensorTypeAndShapeInfo* tensor = nullptr;
  check(api.CastTypeInfoToTensorInfo(info, &tensor), "CastTypeInfoToTensorInfo");
  if (tensor == nullptr) throw OrtError(what + " is not a tensor");
  ONNXTensorElementDataType type;
  check(api.GetTensorElementType(tensor, &type), "GetTensorElementType");
  if (type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) throw OrtError(what + " is not float32");
  size_t rank = 0;
  check(api.GetDimensionsCount(tensor, &rank), "GetDimensionsCount");
  std::vector<int64_t> dims(rank);
  check(api.GetDimensions(tensor, dims.data(), rank), "GetDimensions");
  return dims;
}

std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream out;
  out << "(";
  for (size_t i = 0; i < s.size(); ++i) out << (i ? "," : "") << s[i];
  out << ")";
  return out.str();
}

}  // namespace

OnnxSession::OnnxSession(const std::string& model_path, const EngineSettings& settings)
    : path_(model_path) {
  OrtRuntime& runtime = OrtRuntime::get();
  const OrtApi& api = runtime.api();

  OrtSessionOptions* raw_options = nullptr;
  check(api.CreateSessionOptions(&raw_options), "CreateSessionOptions");
  OrtOwned<OrtSessionOptions> options(raw_options);
  check(api.SetSessionGraphOptimizationLevel(options.get(), ORT_ENABLE_ALL), "graph optimisation");
  check(api.SetIntraOpNumThreads(options.get(), settings.threads), "SetIntraOpNumThreads");
  // One model runs at a time inside a session; parallelism comes from intra-op threads.
  check(api.SetInterOpNumThreads(options.get(), 1), "SetInterOpNumThreads");
  check(api.SetSessionExecutionMode(options.get(), ORT_SEQUENTIAL), "SetSessionExecutionMode");

  OrtSession* raw_session = nullptr;
  check(api.CreateSession(runtime.env(), model_path.c_str(), options.get(), &raw_session),
        ("loading " + model_path).c_str());
  session_.reset(raw_session);

  OrtMemoryInfo* raw_memory = nullptr;
  check(api.CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &raw_memory),
        "CreateCpuMemoryInfo");
  cpu_memory_.reset(raw_memory);

  OrtAllocator* allocator = nullptr;
  check(api.GetAllocatorWithDefaultOptions(&allocator), "GetAllocatorWithDefaultOptions");
  auto collect = [&](bool inputs) {
    size_t count = 0;
    check(inputs ? api.SessionGetInputCount(session_.get(), &count)
                 : api.SessionGetOutputCount(session_.get(), &count),
          "SessionGetCount");
    for (size_t i = 0; i < count; ++i) {
      char* name = nullptr;
      check(inputs ? api.SessionGetInputName(session_.get(), i, allocator, &name)
                   : api.SessionGetOutputName(session_.get(), i, allocator, &name),
            "SessionGetName");
      std::string owned(name);
      check(api.AllocatorFree(allocator, name), "AllocatorFree");
      OrtTypeInfo* raw_info = nullptr;
      check(inputs ? api.SessionGetInputTypeInfo(session_.get(), i, &raw_info)
                   : api.SessionGetOutputTypeInfo(session_.get(), i, &raw_info),
            "SessionGetTypeInfo");
      OrtOwned<OrtTypeInfo> info(raw_info);
      auto shape = tensor_shape(info.get(), model_path + ": " + owned);
      (inputs ? input_names_ : output_names_).push_back(owned);
      (inputs ? input_shapes_ : output_shapes_).push_back(shape);
    }
  };
  collect(true);
  collect(false);
}

void OnnxSession::run(const std::vector<TensorView>& inputs,
                      const std::vector<TensorView>& outputs) const {
  const OrtApi& api = ort();
  if (inputs.size() != input_names_.size() || outputs.size() != output_names_.size()) {
    throw std::invalid_argument(path_ + ": wrong number of inputs or outputs");
  }
  auto wrap = [&](const TensorView& t, const std::vector<int64_t>& declared,
                  const std::string& name) {
    if (t.shape.size() != declared.size()) {
      throw std::invalid_argument(path_ + ": " + name + " has rank " +
                                  std::to_string(t.shape.size()) + ", model expects " +
                                  shape_str(declared));
    }
    for (size_t d = 0; d < declared.size(); ++d) {
      if (declared[d] >= 0 && declared[d] != t.shape[d]) {
        throw std::invalid_argument(path_ + ": " + name + " has shape " + shape_str(t.shape) +
                                    ", model expects " + shape_str(declared));
      }
    }
    OrtValue* value = nullptr;
    check(api.CreateTensorWithDataAsOrtValue(
              cpu_memory_.get(), t.data, t.elements() * sizeof(float), t.shape.data(),
              t.shape.size(), ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &value),
          "CreateTensorWithDataAsOrtValue");
    return OrtOwned<OrtValue>(value);
  };
  std::vector<OrtOwned<OrtValue>> owned;
  std::vector<const OrtValue*> in_values;
  std::vector<OrtValue*> out_values;
  std::vector<const char*> in_names, out_names;
  for (size_t i = 0; i < inputs.size(); ++i) {
    owned.push_back(wrap(inputs[i], input_shapes_[i], input_names_[i]));
    in_values.push_back(owned.back().get());
    in_names.push_back(input_names_[i].c_str());
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    owned.push_back(wrap(outputs[i], output_shapes_[i], output_names_[i]));
    out_values.push_back(owned.back().get());
    out_names.push_back(output_names_[i].c_str());
  }
  check(api.Run(session_.get(), nullptr, in_names.data(), in_values.data(), in_values.size(),
                out_names.data(), out_names.size(), out_values.data()),
        ("running " + path_).c_str());
}

}  // namespace medsam
