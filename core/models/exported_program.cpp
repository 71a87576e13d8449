// core/models/exported_program.cpp — torch.export import: the archive's program replayed op by op (Note
// [Replaying an exported program] in exported_program.h).
#include "core/models/exported_program.h"

#include <ATen/core/ivalue.h>

#include <filesystem>
#include <unordered_map>

#include "core/capture/capture.h"
#include "core/models/export_archive.h"
#include "core/util/diagnostic.h"

namespace aotviz::models {

namespace {

using pt2::Binding;
using pt2::Output;
using pt2::Program;
using pt2::Step;
using pt2::ValueRef;

constexpr const char* kStage = "inputs";

c10::IValue lookup(const std::unordered_map<std::string, c10::IValue>& env, const std::string& name, const Step* s) {
  auto it = env.find(name);
  if (it == env.end())
    fail("capture", s ? s->name : "", "the exported graph reads '" + name + "' before any node defines it",
         "the archive is damaged; save it again with torch.export.save");
  return it->second;
}

/// What a node's arguments resolve against: the values defined so far and the device the replay runs on.
struct Env {
  std::unordered_map<std::string, c10::IValue> values;
  std::optional<c10::Device> exported, run;  // Program::device, and the device of the replay's inputs
};

c10::IValue resolve(const ValueRef& r, const Env& env, const Step* s) {
  switch (r.kind) {
    case ValueRef::Kind::Constant:
      if (r.constant.isDevice() && env.exported && env.run && r.constant.toDevice() == *env.exported) return *env.run;
      if (!r.wrap_number) return r.constant;
      return r.constant.isDouble() ? capture::wrappedNumber(r.constant.toDouble())
                                   : capture::wrappedNumber(r.constant.isBool() ? int64_t(r.constant.toBool()) : r.constant.toInt());
    case ValueRef::Kind::Name: return lookup(env.values, r.name, s);
    case ValueRef::Kind::Names: {
      if (r.int_list) {
        std::vector<int64_t> v;
        for (size_t i = 0; i < r.names.size(); ++i) v.push_back(r.names[i] ? lookup(env.values, *r.names[i], s).toInt() : r.ints[i]);
        return c10::IValue(v);
      }
      c10::List<at::Tensor> list;
      for (const auto& n : r.names) list.push_back(lookup(env.values, *n, s).toTensor());
      return c10::IValue(list);
    }
    case ValueRef::Kind::OptionalNames: {
      c10::List<std::optional<at::Tensor>> list;
      for (const auto& n : r.names) list.push_back(n ? std::optional<at::Tensor>(lookup(env.values, *n, s).toTensor()) : std::nullopt);
      return c10::IValue(list);
    }
  }
  return {};
}

std::vector<at::Tensor> replay(const Program& p, const std::vector<at::Tensor>& flat) {
  // Device arguments follow the inputs (Program::device): a mask made with arange(device=cpu) is made on the
  // trace device while capturing, so it is traced as PyTorch traces it, and on the GPU when the inputs are there.
  Env env{p.constants, p.device, std::nullopt};
  for (const auto& [name, index] : p.tensor_inputs) {
    env.values[name] = flat.at(index);
    if (!env.run && flat.at(index).defined()) env.run = flat.at(index).device();
  }
  std::vector<c10::IValue> stack;
  for (const Step& s : p.steps) {
    capture::ScopeGuard scope(s.scope);
    capture::SourceGuard source(s.source);
    stack.clear();
    for (const ValueRef& a : s.args) stack.push_back(resolve(a, env, &s));
    if (s.sym) {
      stack = {s.sym(stack)};
    } else {
      s.op->callBoxed(stack);
    }
    for (size_t i = 0; i < s.outputs.size() && i < stack.size(); ++i) {
      const Binding& b = s.outputs[i];
      if (b.name) env.values[*b.name] = stack[i];
      if (!b.is_list) continue;
      const std::vector<at::Tensor> list = stack[i].toTensorVector();
      for (size_t k = 0; k < b.list.size() && k < list.size(); ++k) env.values[b.list[k]] = list[k];
    }
  }
  std::vector<at::Tensor> out;
  for (const Output& o : p.outputs) {
    const c10::IValue v = resolve(o.value, env, nullptr);
    if (o.kind == Output::Kind::CopyInto) {
      flat.at(o.input).copy_(v.toTensor());
      continue;
    }
    out.push_back(v.isTensor() ? v.toTensor() : at::Tensor());
  }
  return out;
}

Model toModel(pt2::Archive a) {
  Model m;
  m.name = std::move(a.name);
  m.description = std::move(a.description);
  m.inputs = std::move(a.inputs);
  m.notes = std::move(a.notes);
  m.grad_enabled = a.grad_enabled;
  m.fn = [program = a.program](const std::vector<at::Tensor>& flat) { return replay(*program, flat); };
  return m;
}

}  // namespace

bool looksLikeExportedProgram(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".pt2") == 0;
}

Model loadExportedProgramFromBytes(std::string bytes, const std::string& origin, const InputSpec* spec, uint64_t seed) {
  return toModel(pt2::readArchive(std::move(bytes), origin, spec, seed));
}

Model loadExportedProgram(const std::string& pt2_path, const InputSpec* spec, uint64_t seed) {
  if (!std::filesystem::exists(pt2_path))
    fail(kStage, pt2_path, "no such file", "pass a built-in model name (aotviz models), a .pt2 or a TorchScript .pt file");
  return toModel(pt2::readArchiveFile(pt2_path, spec, seed));
}

}  // namespace aotviz::models
