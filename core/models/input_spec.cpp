// core/models/input_spec.cpp — parsing and filling input specs (format in input_spec.h).
#include "core/models/input_spec.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "core/util/atomic_file.h"
#include "core/util/diagnostic.h"

namespace aotviz::models {

namespace {

using json = nlohmann::json;
constexpr const char* kStage = "inputs";
constexpr const char* kFormatHint =
    "an input spec is a list such as [{\"shape\": [8, 16], \"dtype\": \"float32\", \"requires_grad\": true}, "
    "{\"same_as\": 0}] (or {\"inputs\": [...], \"seed\": 0, \"grad_mode\": \"enabled\"}); see the README's "
    "\"Input specs\" section";

[[noreturn]] void bad(const std::string& origin, const std::string& path, const std::string& what) {
  fail(kStage, "", origin + ": " + path + " " + what, kFormatHint);
}

bool isFloating(c10::ScalarType t) { return c10::isFloatingType(t) || c10::isComplexType(t); }

}  // namespace

namespace {

/// An earlier input named by index or name.
int earlierInput(const json& ref, const std::map<std::string, size_t>& seen, size_t count, const std::string& origin,
                 const std::string& path) {
  if (ref.is_number_integer()) {
    int64_t k = ref.get<int64_t>();
    if (k < 0 || static_cast<size_t>(k) >= count) bad(origin, path, "is " + std::to_string(k) + ", not an earlier input");
    return static_cast<int>(k);
  }
  if (ref.is_string()) {
    auto it = seen.find(ref.get<std::string>());
    if (it == seen.end()) bad(origin, path, "names '" + ref.get<std::string>() + "', which is not an earlier input");
    return static_cast<int>(it->second);
  }
  bad(origin, path, "must be an earlier input's index or name");
}

std::vector<int64_t> intList(const json& x, const std::string& origin, const std::string& path, bool non_negative) {
  if (!x.is_array()) bad(origin, path, "must be an array of integers");
  std::vector<int64_t> r;
  for (size_t d = 0; d < x.size(); ++d) {
    const json& v = x[d];
    if (!v.is_number_integer() || (non_negative && v.get<int64_t>() < 0))
      bad(origin, path + "[" + std::to_string(d) + "]", non_negative ? "must be a non-negative integer" : "must be an integer");
    r.push_back(v.get<int64_t>());
  }
  return r;
}

}  // namespace

InputSpec parseInputSpec(const std::string& text, const std::string& origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers that overflow
    fail(kStage, "", origin + ": not valid JSON: " + e.what(), kFormatHint);
  }
  InputSpec spec;
  std::string list_path = "$";
  if (j.is_object()) {
    static const char* top[] = {"inputs", "seed", "grad_mode", "module", "description"};
    for (auto field = j.begin(); field != j.end(); ++field)
      if (std::find(std::begin(top), std::end(top), field.key()) == std::end(top))
        bad(origin, "$." + field.key(), "is not a known field (inputs, seed, grad_mode, module, description)");
    if (!j.contains("inputs") || !j["inputs"].is_array()) bad(origin, "$.inputs", "must be an array");
    if (j.contains("seed")) {
      if (!j["seed"].is_number_unsigned()) bad(origin, "$.seed", "must be a non-negative integer");
      spec.seed = j["seed"].get<uint64_t>();
    }
    if (j.contains("grad_mode")) {
      const json& g = j["grad_mode"];
      if (!g.is_string() || (g != "enabled" && g != "no_grad")) bad(origin, "$.grad_mode", "must be \"enabled\" or \"no_grad\"");
      spec.grad_enabled = g == "enabled";
    }
    if (j.contains("module") && j["module"].is_string()) spec.module = j["module"].get<std::string>();
    if (j.contains("description") && j["description"].is_string())
      spec.description = j["description"].get<std::string>();
    j = j["inputs"];
    list_path = "$.inputs";
  } else if (!j.is_array()) {
    bad(origin, "$", "must be a list of inputs or an object with \"inputs\"");
  }
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < j.size(); ++i) {
    const json& x = j[i];
    std::string p = list_path + "[" + std::to_string(i) + "]";
    if (!x.is_object()) bad(origin, p, "must be an object");
    static const char* known[] = {"name",  "shape",   "dtype", "init", "low",    "high", "requires_grad",
                                  "leaf",  "same_as", "view_of", "size", "stride", "offset"};
    for (auto field = x.begin(); field != x.end(); ++field)
      if (std::find(std::begin(known), std::end(known), field.key()) == std::end(known))
        bad(origin, p + "." + field.key(),
            "is not a known field (name, shape, dtype, init, low, high, requires_grad, leaf, same_as, view_of, size, "
            "stride, offset)");
    InputSpecEntry e;
    e.name = "input_" + std::to_string(i);
    if (x.contains("name")) {
      if (!x["name"].is_string() || x["name"].get<std::string>().empty()) bad(origin, p + ".name", "must be a non-empty string");
      e.name = x["name"].get<std::string>();
    }
    if (seen.count(e.name)) bad(origin, p + ".name", "repeats the input name '" + e.name + "'");
    if (x.contains("same_as")) {
      for (auto field = x.begin(); field != x.end(); ++field)
        if (field.key() != "name" && field.key() != "same_as") bad(origin, p, "with same_as takes no other fields than name");
      e.same_as = earlierInput(x["same_as"], seen, spec.inputs.size(), origin, p + ".same_as");
      const InputSpecEntry& other = spec.inputs[static_cast<size_t>(e.same_as)];
      e.shape = other.shape;
      e.dtype = other.dtype;
      e.requires_grad = other.requires_grad;
      e.leaf = other.leaf;
    } else if (x.contains("view_of")) {
      for (auto field = x.begin(); field != x.end(); ++field)
        if (field.key() != "name" && field.key() != "view_of" && field.key() != "size" && field.key() != "stride" &&
            field.key() != "offset")
          bad(origin, p + "." + field.key(), "does not apply to a view (view_of takes size, stride and offset)");
      e.view_of = earlierInput(x["view_of"], seen, spec.inputs.size(), origin, p + ".view_of");
      const InputSpecEntry& base = spec.inputs[static_cast<size_t>(e.view_of)];
      if (!x.contains("size")) bad(origin, p + ".size", "is required for a view");
      e.view_size = intList(x["size"], origin, p + ".size", true);
      if (x.contains("stride")) {
        e.view_stride = intList(x["stride"], origin, p + ".stride", true);
        if (e.view_stride.size() != e.view_size.size()) bad(origin, p + ".stride", "must have as many entries as size");
      } else {  // contiguous
        e.view_stride.assign(e.view_size.size(), 1);
        for (size_t d = e.view_size.size(); d-- > 1;)
          e.view_stride[d - 1] = e.view_stride[d] * std::max<int64_t>(e.view_size[d], 1);
      }
      if (x.contains("offset")) {
        if (!x["offset"].is_number_integer() || x["offset"].get<int64_t>() < 0)
          bad(origin, p + ".offset", "must be a non-negative integer");
        e.view_offset = x["offset"].get<int64_t>();
      }
      e.shape = e.view_size;
      e.dtype = base.dtype;
      e.requires_grad = base.requires_grad;  // a view of a tensor that requires grad requires grad
      e.leaf = !base.requires_grad;
    } else {
      if (!x.contains("shape")) bad(origin, p + ".shape", "must be an array of sizes");
      e.shape = intList(x["shape"], origin, p + ".shape", true);
      if (x.contains("dtype")) {
        if (!x["dtype"].is_string()) bad(origin, p + ".dtype", "must be a string such as \"float32\"");
        std::optional<c10::ScalarType> t = ir::parseDtype(x["dtype"].get<std::string>());
        if (!t)
          bad(origin, p + ".dtype", "'" + x["dtype"].get<std::string>() +
                                        "' is not a dtype (float32, float64, float16, bfloat16, int64, int32, bool)");
        e.dtype = *t;
      }
      if (x.contains("requires_grad")) {
        if (!x["requires_grad"].is_boolean()) bad(origin, p + ".requires_grad", "must be true or false");
        e.requires_grad = x["requires_grad"].get<bool>();
        if (e.requires_grad && !isFloating(e.dtype))
          bad(origin, p + ".requires_grad", "is true but only floating-point inputs can require grad");
      }
      if (x.contains("leaf")) {
        if (!x["leaf"].is_boolean()) bad(origin, p + ".leaf", "must be true or false");
        e.leaf = x["leaf"].get<bool>();
      }
      e.init = isFloating(e.dtype) ? "randn" : "randint";
      if (x.contains("init")) {
        if (!x["init"].is_string()) bad(origin, p + ".init", "must be a string");
        e.init = x["init"].get<std::string>();
        static const char* inits[] = {"randn", "rand", "zeros", "ones", "arange", "randint"};
        if (std::find(std::begin(inits), std::end(inits), e.init) == std::end(inits))
          bad(origin, p + ".init", "'" + e.init + "' is not one of randn, rand, zeros, ones, arange, randint");
        if ((e.init == "randn" || e.init == "rand") && !isFloating(e.dtype))
          bad(origin, p + ".init", "'" + e.init + "' needs a floating-point dtype; use randint, arange, zeros or ones");
      }
      for (const char* key : {"low", "high"})
        if (x.contains(key)) {
          if (!x[key].is_number_integer()) bad(origin, p + "." + key, "must be an integer");
          (std::string(key) == "low" ? e.low : e.high) = x[key].get<int64_t>();
        }
      if (e.init == "randint" && e.low >= e.high) bad(origin, p + ".high", "must be greater than low");
    }
    // Size limit: an input of more than kMaxElements elements (checked without overflowing) is refused before
    // anything is allocated.
    int64_t numel = 1;
    for (int64_t d : e.shape) {
      if (d != 0 && numel > kMaxElements / d)
        bad(origin, p + (x.contains("shape") ? ".shape" : ".size"),
            "has more than " + std::to_string(kMaxElements) + " elements, the limit for an example input");
      numel *= d;
    }
    seen[e.name] = spec.inputs.size();
    spec.inputs.push_back(std::move(e));
  }
  return spec;
}

InputSpec loadInputSpec(const std::string& path) {
  std::string text;
  try {
    text = util::readFile(path);
  } catch (const std::exception& e) {
    fail(kStage, "", "cannot read input spec '" + path + "': " + e.what(), "check the --inputs path");
  }
  return parseInputSpec(text, path);
}

std::vector<capture::InputDesc> makeInputs(const InputSpec& spec, uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<capture::InputDesc> out;
  for (const InputSpecEntry& e : spec.inputs) {
    capture::InputDesc d;
    d.name = e.name;
    d.kind = capture::InputKind::User;
    d.requires_grad = e.requires_grad;
    d.is_leaf = e.leaf || !e.requires_grad;
    if (e.same_as >= 0) {
      d.example = out.at(static_cast<size_t>(e.same_as)).example;
    } else if (e.view_of >= 0) {
      const at::Tensor& base = out.at(static_cast<size_t>(e.view_of)).example;
      try {
        d.example = base.as_strided(e.view_size, e.view_stride, e.view_offset);
      } catch (const c10::Error& err) {
        fail(kStage, e.name,
             "input '" + e.name + "' (view_of '" + spec.inputs[static_cast<size_t>(e.view_of)].name +
                 "') does not fit in its base's memory: " + err.what_without_backtrace(),
             "choose size, stride and offset so that every element lies inside the base tensor");
      }
    } else {
      at::TensorOptions o = at::TensorOptions().dtype(e.dtype);
      if (e.init == "randn") d.example = at::randn(e.shape, gen, o);
      else if (e.init == "rand") d.example = at::rand(e.shape, gen, o);
      else if (e.init == "zeros") d.example = at::zeros(e.shape, o);
      else if (e.init == "ones") d.example = at::ones(e.shape, o);
      else if (e.init == "arange") {
        int64_t n = 1;
        for (int64_t s : e.shape) n *= s;
        d.example = at::arange(n, o).view(e.shape);
      } else d.example = at::randint(e.low, e.high, e.shape, gen, o);
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace aotviz::models
