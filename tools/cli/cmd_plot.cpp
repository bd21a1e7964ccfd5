// monde-sim plot: PNG charts of a sweep's results (tools/sweep/gnuplot_chart.hpp) with gnuplot.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "system/run_outputs.hpp"
#include "tools/cli/cli.hpp"
#include "tools/sweep/gnuplot_chart.hpp"

namespace monde::tools {

namespace {

namespace fs = std::filesystem;

struct PlotOptions {
  std::string results, policies, labels, script;
  sweep::ChartRequest chart;
};

// "a,b,c" -> {a, b, c}; "" -> {}.
std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  const std::string list = text.empty() ? "" : text + ",";
  for (std::size_t start = 0, comma; (comma = list.find(',', start)) != std::string::npos; start = comma + 1) {
    out.push_back(list.substr(start, comma - start));
  }
  return out;
}

int plot(PlotOptions o) {
  std::string path = o.results;
  std::error_code ec;
  if (fs::is_directory(path, ec)) path = (fs::path(path) / "results.json").string();
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot read (give a sweep's results.json or its directory)");
  nlohmann::json results;
  try {
    results = nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
  o.chart.label_keys = comma_list(o.labels);
  o.chart.policies = comma_list(o.policies);
  // The output place first, so that a bad path fails before gnuplot runs.
  system::write_text_file(o.chart.out, "");
  std::string script;
  try {
    const std::string terminal = sweep::draw_chart(results, o.chart, &script);
    std::cout << "wrote " << o.chart.out << " (" << o.chart.kind << ", gnuplot " << terminal << ")\n";
  } catch (...) {
    // Only the empty file written above: never a device or anything else named as the output
    // (as root, --out /dev/null would otherwise remove /dev/null).
    if (fs::is_regular_file(fs::symlink_status(o.chart.out, ec)) && fs::file_size(o.chart.out, ec) == 0) {
      fs::remove(o.chart.out, ec);
    }
    throw;
  }
  if (!o.script.empty()) {
    system::write_text_file(o.script, script);
    std::cout << "wrote " << o.script << "\n";
  }
  return kExitOk;
}

}  // namespace

Command add_plot_command(CLI::App& app) {
  auto* sub = app.add_subcommand("plot", "draw a PNG chart of a sweep's results with gnuplot: speedup bars, time "
                                         "breakdown, sensitivity lines");
  auto o = std::make_shared<PlotOptions>();
  sub->add_option("results", o->results, "the sweep's results.json, or its directory")->required();
  sub->add_option("--kind", o->chart.kind, "speedup, breakdown or sensitivity")
      ->required()
      ->check(CLI::IsMember({"speedup", "breakdown", "sensitivity"}));
  sub->add_option("--x", o->chart.x, "sensitivity: the (numeric) axis key on the x axis, e.g. run.batch");
  sub->add_option("--metric", o->chart.metric, "sensitivity: the metric on the y axis (default step_ms; results.json "
                                               "lists them with units)");
  sub->add_option("--xlabel", o->chart.xlabel, "sensitivity: the x axis label (default: the key and its unit where "
                                               "known)");
  sub->add_flag("--logx", o->chart.log_x, "sensitivity: a log2 x axis");
  sub->add_option("--policies", o->policies, "only these policies, comma-separated")->type_name("A,B,...");
  sub->add_option("--label", o->labels, "axis keys named in each point's label besides model and phase "
                                        "(default: all; '-': none)")
      ->type_name("KEY,...");
  sub->add_option("--title", o->chart.title, "the chart's title (default: what it shows)");
  sub->add_option("--out", o->chart.out, "the PNG to write")->required()->check(non_empty_path());
  sub->add_option("--script", o->script, "also write the gnuplot script (data inline) here")->check(non_empty_path());
  return {sub, [o] { return plot(*o); }};
}

}  // namespace monde::tools
