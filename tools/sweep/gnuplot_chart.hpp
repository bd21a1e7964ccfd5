// PNG charts of a sweep's results.json, drawn by gnuplot (Debian: gnuplot-nox; pngcairo when it
// has it, else png):
//   speedup      clustered bars: each finished point (labelled by model, phase and its axis
//                values) and each policy's speedup over offload; a line at 1
//   breakdown    clustered bars per point and policy: step time beside the busy time of the GPU
//                fetch, GPU compute, NDP path and the links. Side by side, not stacked: the paths
//                run concurrently, so the terms overlap and do not add up to the step time
//   sensitivity  a metric against one numeric axis, one line per policy (and per combination of
//                the other axes' values)
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace monde::sweep {

struct ChartRequest {
  std::string kind;                   // speedup | breakdown | sensitivity
  std::string x;                      // sensitivity: the axis key on the x axis
  std::string metric = "step_ms";     // sensitivity: the metric on the y axis (results' metric names)
  std::vector<std::string> policies;  // empty: every policy in the results
  std::string title;                  // empty: one that says what the chart shows
  std::string xlabel;                 // sensitivity: empty: the key, with its unit where known
  bool log_x = false;                 // sensitivity: a log2 x axis (batch sizes 1, 8, 64, ...)
  // Axis keys named in a point's label besides model and phase; empty: all of them; ["-"]: none
  // (a study whose other axes only follow the model, e.g. its routing trace, reads better so).
  std::vector<std::string> label_keys;
  std::string out;                    // the PNG
};

// The gnuplot script (data inline) for `results` (the parsed results.json). Throws
// std::runtime_error naming the option when the request does not fit the results (an unknown
// axis or metric, a non-numeric axis, no finished point).
std::string gnuplot_script(const nlohmann::json& results, const ChartRequest& request, const std::string& terminal);

// Runs gnuplot on the script; throws std::runtime_error with gnuplot's message, or saying how to
// install it when it is missing. Returns the terminal used.
std::string draw_chart(const nlohmann::json& results, const ChartRequest& request, std::string* script_out = nullptr);

}  // namespace monde::sweep
