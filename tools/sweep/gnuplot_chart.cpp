#include "tools/sweep/gnuplot_chart.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "tools/sweep/sweep_spec.hpp"

namespace monde::sweep {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string q(const std::string& s) {  // a gnuplot string literal (double quotes)
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string leaf(const std::string& key) { return key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1); }

// What a point is called on a category axis: model and phase, then its other axis values.
std::string point_label(const json& point, const std::vector<std::string>& skip,
                        const std::vector<std::string>& only) {
  std::string label = point.value("model", "") + " " + point.value("phase", "");
  for (const auto& [k, v] : point.at("values").items()) {
    if (k == "model" || k == "run.phase" || std::find(skip.begin(), skip.end(), k) != skip.end()) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), k) == only.end()) continue;
    label += " " + leaf(k) + "=" + value_text(v);
  }
  return label;
}

std::vector<const json*> finished(const json& results) {
  std::vector<const json*> out;
  for (const auto& p : results.at("points")) {
    if (p.value("status", "") == "done" && p.contains("policies")) out.push_back(&p);
  }
  if (out.empty()) throw std::runtime_error("the results have no finished point to draw");
  return out;
}

std::vector<std::string> chosen_policies(const json& results, const ChartRequest& r) {
  const auto all = results.at("policies").get<std::vector<std::string>>();
  if (r.policies.empty()) return all;
  for (const auto& p : r.policies) {
    if (std::find(all.begin(), all.end(), p) == all.end()) {
      std::string allowed;
      for (const auto& a : all) allowed += (allowed.empty() ? "" : ", ") + a;
      throw std::runtime_error("--policies: '" + p + "' is not in the results; allowed " + allowed);
    }
  }
  return r.policies;
}

std::string metric_unit(const json& results, const std::string& metric) {
  std::string names;
  for (const auto& m : results.at("metrics")) {
    if (m.at("name") == metric) return m.at("unit").get<std::string>();
    names += (names.empty() ? "" : ", ") + m.at("name").get<std::string>();
  }
  throw std::runtime_error("--metric: '" + metric + "' is not a results metric; allowed " + names);
}

std::string value_or_missing(const json& point, const std::string& policy, const std::string& metric) {
  const json& p = point.at("policies");
  if (!p.contains(policy) || !p[policy].contains(metric) || !p[policy][metric].is_number()) return "NaN";
  std::ostringstream s;
  s.precision(9);
  s << p[policy][metric].get<double>();
  return s.str();
}

std::string header(const std::string& terminal, const ChartRequest& r, int width) {
  std::ostringstream s;
  s << "set terminal " << terminal << " size " << width << ",600" << (terminal == "pngcairo" ? " font \"sans,10\"" : "")
    << "\nset output " << q(r.out) << "\nset key outside right top\nset grid ytics\n";
  return s.str();
}

std::string histogram_style() {
  return "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
         "set boxwidth 0.9\nset xtics rotate by -30 left noenhanced\nset key noenhanced\nset yrange [0:*]\n";
}

std::string speedup(const json& results, const ChartRequest& r, const std::string& terminal) {
  const auto points = finished(results);
  std::vector<std::string> policies;
  for (const auto& p : chosen_policies(results, r)) {
    if (p != "offload") policies.push_back(p);  // offload over offload is 1 by definition: the line at 1
  }
  if (policies.empty()) throw std::runtime_error("--kind speedup: no policy besides offload to compare");
  std::ostringstream s;
  s << header(terminal, r, std::max(800, 90 * int(points.size()) * int(policies.size()) / 2 + 300)) << histogram_style()
    << "set title " << q(r.title.empty() ? "Step-time speedup over parameter offloading" : r.title) << " noenhanced\n"
    << "set ylabel \"speedup over offload (x) = offload step time / policy step time\"\n"
    << "set xlabel \"sweep point (model, phase, axis values)\"\n"
    << "$data << EOD\n";
  for (const json* p : points) {
    s << q(point_label(*p, {}, r.label_keys));
    for (const auto& pol : policies) s << " " << value_or_missing(*p, pol, "speedup_vs_offload");
    s << "\n";
  }
  s << "EOD\nplot ";
  for (std::size_t i = 0; i < policies.size(); ++i) {
    s << (i ? ", " : "") << "$data using " << i + 2 << (i == 0 ? ":xtic(1)" : "") << " title " << q(policies[i]);
  }
  s << ", 1 with lines dashtype 2 lc rgb \"black\" title \"offload (1x)\"\n";
  return s.str();
}

std::string breakdown(const json& results, const ChartRequest& r, const std::string& terminal) {
  const auto points = finished(results);
  const auto policies = chosen_policies(results, r);
  const std::vector<std::pair<std::string, std::string>> terms = {
      {"step_ms", "step time"},           {"gpu_fetch_ms", "GPU fetch (DMA busy)"},
      {"gpu_compute_ms", "GPU compute"},  {"ndp_path_ms", "NDP path"},
      {"cxl_d2h_busy_ms", "CXL device->host busy"}, {"pcie_to_gpu_busy_ms", "PCIe ->GPU busy"}};
  std::ostringstream s;
  const int bars = int(points.size() * policies.size());
  s << header(terminal, r, std::max(900, 110 * bars + 300)) << histogram_style()
    << "set title " << q(r.title.empty() ? "Time per step: step time and each component's busy time (concurrent, not additive)"
                                          : r.title) << " noenhanced\n"
    << "set ylabel \"time per step (ms)\"\nset xlabel \"sweep point / policy\"\n$data << EOD\n";
  for (const json* p : points) {
    for (const auto& pol : policies) {
      if (!p->at("policies").contains(pol)) continue;
      s << q(point_label(*p, {}, r.label_keys) + " / " + pol);
      for (const auto& [metric, name] : terms) s << " " << value_or_missing(*p, pol, metric);
      s << "\n";
    }
  }
  s << "EOD\nplot ";
  for (std::size_t i = 0; i < terms.size(); ++i) {
    s << (i ? ", " : "") << "$data using " << i + 2 << (i == 0 ? ":xtic(1)" : "") << " title " << q(terms[i].second);
  }
  s << "\n";
  return s.str();
}

// The x axis's label: the key with its unit where the key is a known one (--xlabel overrides).
std::string axis_label(const std::string& key) {
  static const std::map<std::string, std::string> units = {
      {"run.batch", "sequences per step"},    {"run.prompt_tokens", "tokens per sequence"},
      {"run.steps", "steps"},                 {"routing.zipf_exponent", "Zipf exponent, unitless"},
      {"model.top_k", "experts per token"},   {"device.ndp.units", "NDP units"},
      {"device.ndp.mac.clock_mhz", "MHz"},    {"device.cxl.lanes", "lanes"},
      {"run.gpu_memory_budget_bytes_per_layer", "B"}};
  const auto it = units.find(key);
  return it == units.end() ? key : key + " (" + it->second + ")";
}

std::string sensitivity(const json& results, const ChartRequest& r, const std::string& terminal) {
  const auto axes = results.at("axes").get<std::vector<std::string>>();
  if (r.x.empty() || std::find(axes.begin(), axes.end(), r.x) == axes.end()) {
    std::string allowed;
    for (const auto& a : axes) allowed += (allowed.empty() ? "" : ", ") + a;
    throw std::runtime_error("--x: " + (r.x.empty() ? std::string("missing") : "'" + r.x + "' is not an axis of the sweep") +
                             "; allowed " + allowed);
  }
  const std::string unit = metric_unit(results, r.metric);
  const auto points = finished(results);
  const auto policies = chosen_policies(results, r);
  // One series per policy and combination of the other axes' values, points in x order.
  std::map<std::string, std::vector<std::pair<double, std::string>>> series;
  std::vector<std::string> order;
  for (const json* p : points) {
    const json& xv = p->at("values").at(r.x);
    if (!xv.is_number()) throw std::runtime_error("--x: '" + r.x + "' has the value " + xv.dump() + ", not a number");
    const std::string rest = point_label(*p, {r.x}, r.label_keys);
    for (const auto& pol : policies) {
      if (!p->at("policies").contains(pol)) continue;
      const std::string name = pol + " (" + rest + ")";
      if (!series.count(name)) order.push_back(name);
      series[name].emplace_back(xv.get<double>(), value_or_missing(*p, pol, r.metric));
    }
  }
  std::ostringstream s;
  s << header(terminal, r, 1000) << "set key noenhanced\n" << (r.log_x ? "set logscale x 2\n" : "")
    << "set title " << q(r.title.empty() ? r.metric + " against " + r.x : r.title) << " noenhanced\n"
    << "set xlabel " << q(r.xlabel.empty() ? axis_label(r.x) : r.xlabel) << " noenhanced\nset ylabel " << q(r.metric + " (" + unit + ")") << " noenhanced\n";
  for (std::size_t i = 0; i < order.size(); ++i) {
    auto& pts = series[order[i]];
    std::stable_sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    s << "$s" << i << " << EOD\n";
    for (const auto& [x, y] : pts) s << x << " " << y << "\n";
    s << "EOD\n";
  }
  s << "plot ";
  for (std::size_t i = 0; i < order.size(); ++i) {
    s << (i ? ", " : "") << "$s" << i << " using 1:2 with linespoints lw 2 pt 7 title " << q(order[i]);
  }
  s << "\n";
  return s.str();
}

bool gnuplot_has_terminal(const std::string& terminal) {
  const std::string cmd = "gnuplot -e 'set terminal " + terminal + "' >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

std::string gnuplot_script(const json& results, const ChartRequest& r, const std::string& terminal) {
  if (!results.contains("points") || !results.contains("policies") || !results.contains("metrics")) {
    throw std::runtime_error("not a sweep's results.json (no points, policies or metrics)");
  }
  if (r.kind == "speedup") return speedup(results, r, terminal);
  if (r.kind == "breakdown") return breakdown(results, r, terminal);
  if (r.kind == "sensitivity") return sensitivity(results, r, terminal);
  throw std::runtime_error("--kind: '" + r.kind + "'; allowed speedup, breakdown, sensitivity");
}

std::string draw_chart(const json& results, const ChartRequest& r, std::string* script_out) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    throw std::runtime_error("gnuplot not found: install Debian's gnuplot-nox (apt-get install gnuplot-nox; "
                             "scripts/bootstrap does)");
  }
  const std::string terminal = gnuplot_has_terminal("pngcairo") ? "pngcairo" : "png";
  const std::string script = gnuplot_script(results, r, terminal);
  if (script_out) *script_out = script;
  const std::string err = (fs::temp_directory_path() / ("monde-gnuplot." + std::to_string(::getpid()) + ".err")).string();
  FILE* g = ::popen(("gnuplot 2>" + err).c_str(), "w");
  if (g == nullptr) throw std::runtime_error("cannot start gnuplot");
  std::fwrite(script.data(), 1, script.size(), g);
  const int status = ::pclose(g);
  std::ifstream ef(err);
  std::stringstream message;
  message << ef.rdbuf();
  std::remove(err.c_str());
  if (status != 0) throw std::runtime_error("gnuplot failed drawing " + r.out + ": " + message.str());
  std::error_code ec;
  if (!fs::is_regular_file(r.out, ec) || fs::file_size(r.out, ec) == 0) {
    throw std::runtime_error(r.out + ": gnuplot wrote no image (" + message.str() + ")");
  }
  return terminal;
}

}  // namespace monde::sweep
