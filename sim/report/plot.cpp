#include "sim/report/plot.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <unistd.h>

#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"

namespace rowsim {
namespace {

std::string gp_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The .dat and .gp files sit beside the SVG and name each other by file name only, so the
// script runs from that directory wherever the output was written.
struct PlotFiles {
  std::string dir, stem;
  explicit PlotFiles(const std::string& svg_path) {
    std::filesystem::path p(svg_path);
    dir = p.parent_path().empty() ? "." : p.parent_path().string();
    stem = p.stem().string();
  }
  std::string path(const std::string& suffix) const { return (std::filesystem::path(dir) / (stem + suffix)).string(); }
  std::string temp_svg() const { return stem + ".svg.tmp." + std::to_string(::getpid()); }
};

std::string preamble(const std::string& title, const std::string& ylabel) {
  return fmt::format(
      "set terminal svg size 1100,560 dynamic enhanced font 'sans,11' background rgb 'white'\n"
      "set title {} noenhanced\nset ylabel {} noenhanced\n"
      "set key outside right top noenhanced\nset grid ytics\n",
      gp_quote(title), gp_quote(ylabel));
}

// Saves the script (drawing into the SVG's name, for rerunning by hand) and runs a copy that
// draws into a temporary file, renamed into place when gnuplot succeeds.
void run_gnuplot(const std::string& svg_path, const PlotFiles& files, const std::string& body) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    fail("{}: gnuplot is not installed (scripts/setup installs gnuplot-nox); cannot draw the plot", svg_path);
  write_file_atomic(files.path(".gp"), fmt::format("set output {}\n", gp_quote(files.stem + ".svg")) + body);
  std::string temp_svg = files.temp_svg();
  std::string temp_script = temp_svg + ".gp";
  write_file_atomic((std::filesystem::path(files.dir) / temp_script).string(),
                    fmt::format("set output {}\n", gp_quote(temp_svg)) + body);
  std::string log = std::filesystem::absolute(std::filesystem::path(files.dir) / (temp_svg + ".log")).string();
  std::string cmd =
      fmt::format("cd {} && gnuplot {} >{} 2>&1", gp_quote(files.dir), gp_quote(temp_script), gp_quote(log));
  int status = std::system(cmd.c_str());
  std::string temp_path = (std::filesystem::path(files.dir) / temp_svg).string();
  std::remove((std::filesystem::path(files.dir) / temp_script).string().c_str());
  if (status != 0) {
    std::string message = file_exists(log) ? read_file(log) : "";
    std::remove(log.c_str());
    std::remove(temp_path.c_str());
    fail("{}: gnuplot failed: {}", svg_path, message);
  }
  std::remove(log.c_str());
  if (std::rename(temp_path.c_str(), svg_path.c_str()) != 0) fail("{}: cannot move the plot into place", svg_path);
}

}  // namespace

void write_bar_chart(const std::string& svg_path, const BarChart& chart) {
  PlotFiles files(svg_path);
  std::string data;
  for (size_t i = 0; i < chart.categories.size(); ++i) {
    data += gp_quote(chart.categories[i]);
    for (const auto& s : chart.series) data += fmt::format(" {:.10g}", i < s.values.size() ? s.values[i] : 0.0);
    for (const auto& m : chart.markers)
      data += i < m.values.size() && !std::isnan(m.values[i]) ? fmt::format(" {:.10g}", m.values[i]) : " NaN";
    data += "\n";
  }
  write_file_atomic(files.path(".dat"), data);
  std::string script = preamble(chart.title, chart.ylabel);
  script += chart.stacked ? "set style histogram rowstacked\n" : "set style histogram clustered gap 1\n";
  script += "set style data histograms\nset style fill solid 0.85 border -1\nset boxwidth 0.8\n";
  script += "set xtics rotate by -45 noenhanced\nset yrange [0:*]\n";
  if (chart.log_y) script += "set logscale y\nset yrange [*:*]\n";
  script += "plot ";
  for (size_t k = 0; k < chart.series.size(); ++k) {
    const auto& series = chart.series[k];
    std::string color = series.color.empty() ? "" : fmt::format(" lc rgb {}", gp_quote(series.color));
    script += fmt::format("{}{} using {}{} title {}{}", k ? ", " : "", k ? "''" : gp_quote(files.stem + ".dat"), k + 2,
                          k ? "" : ":xtic(1)", gp_quote(series.name), color);
  }
  // Markers at the bars' x positions (category i sits at x = i), over the bars.
  for (size_t k = 0; k < chart.markers.size(); ++k)
    script += fmt::format(", '' using 0:{} with points pt {} ps 1.6 lc rgb {} title {}", chart.series.size() + k + 2,
                          k % 2 ? 7 : 9, gp_quote(chart.markers[k].color), gp_quote(chart.markers[k].name));
  script += "\n";
  run_gnuplot(svg_path, files, script);
}

void write_line_chart(const std::string& svg_path, const LineChart& chart) {
  PlotFiles files(svg_path);
  std::string data;
  for (const auto& s : chart.series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) data += fmt::format("{:.10g} {:.10g}\n", s.x[i], s.y[i]);
    data += "\n\n";  // gnuplot index separator
  }
  write_file_atomic(files.path(".dat"), data);
  std::string script = preamble(chart.title, chart.ylabel);
  script += fmt::format("set xlabel {} noenhanced\n", gp_quote(chart.xlabel));
  if (chart.log_x) script += "set logscale x\n";
  if (chart.log_y) script += "set logscale y\n";
  script += "plot ";
  for (size_t k = 0; k < chart.series.size(); ++k) {
    const auto& series = chart.series[k];
    std::string style = series.points_only ? fmt::format("points pt 7 ps {}", series.point_size) : "linespoints pt 7 lw 2";
    if (!series.color.empty()) style += fmt::format(" lc rgb {}", gp_quote(series.color));
    script += fmt::format("{}{} index {} with {} title {}", k ? ", " : "", gp_quote(files.stem + ".dat"), k, style,
                          gp_quote(series.name));
  }
  script += "\n";
  run_gnuplot(svg_path, files, script);
}

}  // namespace rowsim
