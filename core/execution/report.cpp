// core/execution/report.cpp — the execution report's worst tensor, tolerances, description and JSON (no LibTorch
// runtime: the session loader and its fuzz target use it alone).
#include "core/execution/report.h"

#include <sstream>

#include "core/util/json_read.h"

namespace aotviz::execution {

void findWorst(Report& r) {
  r.ok = true;
  r.worst = 0;
  for (size_t i = 0; i < r.checks.size(); ++i) {
    const TensorCheck& t = r.checks[i];
    const TensorCheck& w = r.checks[r.worst];
    if (!t.ok) r.ok = false;
    const bool worse = w.problem.empty() && (!t.problem.empty() || t.tolerance_ratio > w.tolerance_ratio);
    if (worse) r.worst = i;
  }
}

nlohmann::json reportToJson(const Report& r) {
  auto side = [](const Side& s) {
    return nlohmann::json{{"median_step_ms", s.median_step_ms}, {"min_step_ms", s.min_step_ms},
                          {"peak_bytes", s.peak_bytes}};
  };
  nlohmann::json checks = nlohmann::json::array();
  for (const TensorCheck& t : r.checks) {
    nlohmann::json c = {{"kind", t.kind}, {"index", t.index}, {"name", t.name}, {"max_abs_diff", t.max_abs_diff},
                        {"tolerance_ratio", t.tolerance_ratio}, {"rtol", t.tolerance.rtol}, {"atol", t.tolerance.atol},
                        {"ok", t.ok}};
    if (!t.problem.empty()) c["problem"] = t.problem;
    checks.push_back(std::move(c));
  }
  nlohmann::json check = {{"ok", r.ok}, {"rng", r.rng}, {"tensors", checks}};
  if (!r.checks.empty()) check["worst"] = describeCheck(r.checks[r.worst]);
  return {{"model", r.model},
          {"training", r.training},
          {"iters", r.iters},
          {"eager", side(r.eager)},
          {"compiled", side(r.compiled)},
          {"ratio", r.ratio},
          {"max_abs_diff", {{"outputs", r.max_abs_diff_outputs}, {"gradients", r.max_abs_diff_grads},
                            {"inputs", r.max_abs_diff_inputs}}},
          {"check", check}};
}

Report reportFromJson(const nlohmann::json& j, const std::string& p) {
  const util::JsonReader R{"load", "the execution report is damaged or from another aotviz version"};
  auto side = [&R](const nlohmann::json& s, const std::string& sp) {
    return Side{R.doubleAt(s, "median_step_ms", sp), R.doubleAt(s, "min_step_ms", sp), R.intAt(s, "peak_bytes", sp)};
  };
  Report r;
  r.model = R.stringAt(j, "model", p);
  r.training = R.boolAt(j, "training", p);
  r.iters = static_cast<int>(R.intAt(j, "iters", p));
  r.eager = side(R.field(j, "eager", p), p + ".eager");
  r.compiled = side(R.field(j, "compiled", p), p + ".compiled");
  r.ratio = R.doubleAt(j, "ratio", p);
  const auto& d = R.field(j, "max_abs_diff", p);
  r.max_abs_diff_outputs = R.doubleAt(d, "outputs", p + ".max_abs_diff");
  r.max_abs_diff_grads = R.doubleAt(d, "gradients", p + ".max_abs_diff");
  r.max_abs_diff_inputs = R.doubleAt(d, "inputs", p + ".max_abs_diff");
  const std::string cp = p + ".check";
  const auto& check = R.field(j, "check", p);
  r.rng = R.stringAt(check, "rng", cp);
  if (check.contains("worst")) (void)R.stringAt(check, "worst", cp);  // written for people; recomputed below
  const auto& tensors = R.array(R.field(check, "tensors", cp), cp + ".tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    const std::string tp = util::indexPath(cp + ".tensors", i);
    const auto& t = tensors[i];
    TensorCheck c;
    c.kind = R.stringAt(t, "kind", tp);
    if (c.kind != "output" && c.kind != "gradient" && c.kind != "input")
      R.bad(tp + ".kind", "is '" + c.kind + "', expected output, gradient or input");
    c.index = static_cast<size_t>(R.intAt(t, "index", tp));
    c.name = R.stringAt(t, "name", tp);
    c.max_abs_diff = R.doubleAt(t, "max_abs_diff", tp);
    c.tolerance_ratio = R.doubleAt(t, "tolerance_ratio", tp);
    c.tolerance = {R.doubleAt(t, "rtol", tp), R.doubleAt(t, "atol", tp)};
    c.ok = R.boolAt(t, "ok", tp);
    if (t.contains("problem")) c.problem = R.stringAt(t, "problem", tp);
    (c.kind == "output" ? r.outputs : c.kind == "gradient" ? r.grads : r.inputs) += 1;
    r.checks.push_back(std::move(c));
  }
  findWorst(r);
  if (r.ok != R.boolAt(check, "ok", cp))
    R.bad(cp + ".ok", "disagrees with the tensors' own checks");
  return r;
}

Tolerance defaultTolerance(c10::ScalarType t) {
  switch (t) {
    case at::kDouble: return {1e-7, 1e-7};
    case at::kFloat: return {1e-4, 1e-5};
    case at::kHalf: case at::kBFloat16: return {1e-2, 1e-3};
    default: return {0, 0};
  }
}

std::string describeCheck(const TensorCheck& c) {
  if (!c.problem.empty()) return c.name + ": " + c.problem;
  std::ostringstream os;
  os.precision(3);
  os << c.name << ": max |compiled - eager| " << c.max_abs_diff;
  if (c.ok) os << ", within tolerance (" << c.tolerance_ratio << "x of it)";
  else os << " is " << c.tolerance_ratio << "x the tolerance";
  os << " (rtol " << c.tolerance.rtol << ", atol " << c.tolerance.atol << ")";
  return os.str();
}

}  // namespace aotviz::execution
