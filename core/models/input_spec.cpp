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
    "an input spec is {\"inputs\": [{\"name\": \"x\", \"shape\": [8, 16], \"dtype\": \"float32\", "
    "\"requires_grad\": false}]}; see the README's \"Input specs\" section";

[[noreturn]] void bad(const std::string& origin, const std::string& path, const std::string& what) {
  fail(kStage, "", origin + ": " + path + " " + what, kFormatHint);
}

bool isFloating(c10::ScalarType t) { return c10::isFloatingType(t) || c10::isComplexType(t); }

}  // namespace

InputSpec parseInputSpec(const std::string& text, const std::string& origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    fail(kStage, "", origin + ": not valid JSON: " + e.what(), kFormatHint);
  }
  if (!j.is_object()) bad(origin, "$", "must be an object");
  if (!j.contains("inputs") || !j["inputs"].is_array()) bad(origin, "$.inputs", "must be an array");
  InputSpec spec;
  if (j.contains("seed")) {
    if (!j["seed"].is_number_unsigned()) bad(origin, "$.seed", "must be a non-negative integer");
    spec.seed = j["seed"].get<uint64_t>();
  }
  if (j.contains("module") && j["module"].is_string()) spec.module = j["module"].get<std::string>();
  if (j.contains("description") && j["description"].is_string()) spec.description = j["description"].get<std::string>();
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < j["inputs"].size(); ++i) {
    const json& x = j["inputs"][i];
    std::string p = "$.inputs[" + std::to_string(i) + "]";
    if (!x.is_object()) bad(origin, p, "must be an object");
    InputSpecEntry e;
    if (!x.contains("name") || !x["name"].is_string() || x["name"].get<std::string>().empty())
      bad(origin, p + ".name", "must be a non-empty string");
    e.name = x["name"].get<std::string>();
    if (seen.count(e.name)) bad(origin, p + ".name", "repeats the input name '" + e.name + "'");
    static const char* known[] = {"name", "shape", "dtype", "init", "low", "high", "requires_grad", "same_as"};
    for (auto field = x.begin(); field != x.end(); ++field)
      if (std::find(std::begin(known), std::end(known), field.key()) == std::end(known))
        bad(origin, p + "." + field.key(),
            "is not a known field (name, shape, dtype, init, low, high, requires_grad, same_as)");
    if (x.contains("same_as")) {
      if (!x["same_as"].is_string()) bad(origin, p + ".same_as", "must be a string");
      e.same_as = x["same_as"].get<std::string>();
      if (!seen.count(e.same_as))
        bad(origin, p + ".same_as", "names '" + e.same_as + "', which is not an earlier input");
      if (x.size() > 2) bad(origin, p, "with same_as takes no other fields than name");
      const InputSpecEntry& other = spec.inputs[seen[e.same_as]];
      e.shape = other.shape;
      e.dtype = other.dtype;
      e.requires_grad = other.requires_grad;
    } else {
      if (!x.contains("shape") || !x["shape"].is_array()) bad(origin, p + ".shape", "must be an array of sizes");
      for (size_t d = 0; d < x["shape"].size(); ++d) {
        const json& s = x["shape"][d];
        if (!s.is_number_integer() || s.get<int64_t>() < 0)
          bad(origin, p + ".shape[" + std::to_string(d) + "]", "must be a non-negative integer");
        e.shape.push_back(s.get<int64_t>());
      }
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
  std::map<std::string, size_t> index;
  for (const InputSpecEntry& e : spec.inputs) {
    capture::InputDesc d;
    d.name = e.name;
    d.kind = capture::InputKind::User;
    d.requires_grad = e.requires_grad;
    if (!e.same_as.empty()) {
      d.example = out.at(index.at(e.same_as)).example;
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
    index[e.name] = out.size();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace aotviz::models
