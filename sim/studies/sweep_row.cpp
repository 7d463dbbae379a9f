#include "sim/studies/sweep_row.hpp"

#include <cmath>

#include <fmt/format.h>

#include "workloads/util/parse.hpp"

namespace rowsim {
namespace {

// Swept values that are numbers stay numbers in the JSON; anything else stays text.
nlohmann::json value_json(const std::string& text) {
  double v = 0;
  if (!parse_number(text, v)) return text;
  if (v == std::floor(v) && std::fabs(v) < 9e15) return static_cast<int64_t>(v);
  return v;
}

std::string value_text(const nlohmann::json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return fmt::format("{}", v.get<double>());
  return v.get<std::string>();
}

}  // namespace

std::string SweepRow::arch_value(const std::string& key) const {
  for (const auto& [k, v] : arch)
    if (k == key) return v;
  return "";
}

nlohmann::json SweepRow::to_json() const {
  nlohmann::json row = {{"point", point}, {"network", network}, {"pes", pes}, {"storage_bytes", storage_bytes}};
  for (const auto& [key, value] : arch) row["arch"][key] = value_json(value);
  if (area_mm2) row["area_mm2"] = {{"pe_array", area_mm2->pe_array}, {"glb", area_mm2->glb}, {"noc", area_mm2->noc},
                                   {"total", area_mm2->total}};
  if (!ok) {
    row["status"] = "infeasible";
    row["reason"] = reason;
    return row;
  }
  const Energy& e = energy_per_image;
  row["status"] = "ok";
  row["energy_per_image"] = {{"total", e.total}, {"weights_only", e.weights_only}, {"dram", e.dram}, {"glb", e.glb},
                             {"array", e.array}, {"rf", e.rf},                     {"mac", e.mac}};
  row["cycles"] = cycles;
  row["utilization"] = utilization;
  row["cycles_source"] = cycles_source;
  row["latency_ms"] = latency_ms;
  row["latency_ms_per_image"] = latency_ms_per_image;
  row["frames_per_s"] = frames_per_s;
  if (pj_per_image) {
    const Picojoules& p = *pj_per_image;
    row["pj_per_image"] = {{"total", p.total}, {"dram", p.dram}, {"glb", p.glb},        {"array", p.array},
                           {"rf", p.rf},       {"mac", p.mac},   {"leakage", p.leakage}};
    row["power_mw"] = power_mw;
    row["chip_power_mw"] = chip_power_mw;
    row["tops_per_w"] = tops_per_w;
  }
  return row;
}

std::optional<SweepRow> SweepRow::from_json(const nlohmann::json& j, std::string& why) {
  try {
    if (!j.is_object() || !j.contains("point") || !j["point"].is_number_integer() || j["point"].get<int64_t>() < 0) {
      why = "not a sweep row: no non-negative integer 'point'";
      return std::nullopt;
    }
    SweepRow r;
    r.point = j.at("point").get<int64_t>();
    r.network = j.at("network").get<std::string>();
    if (j.contains("arch"))
      for (const auto& [key, value] : j["arch"].items()) r.arch.emplace_back(key, value_text(value));
    r.pes = j.at("pes").get<int64_t>();
    r.storage_bytes = j.at("storage_bytes").get<int64_t>();
    if (j.contains("area_mm2")) {
      const auto& a = j["area_mm2"];
      r.area_mm2 = Area{a.at("pe_array").get<double>(), a.at("glb").get<double>(), a.at("noc").get<double>(),
                        a.at("total").get<double>()};
    }
    r.ok = j.at("status").get<std::string>() == "ok";
    if (!r.ok) {
      r.reason = j.at("reason").get<std::string>();
      return r;
    }
    const auto& e = j.at("energy_per_image");
    r.energy_per_image = {e.at("total").get<double>(), e.at("weights_only").get<double>(), e.at("dram").get<double>(),
                          e.at("glb").get<double>(),   e.at("array").get<double>(),        e.at("rf").get<double>(),
                          e.at("mac").get<double>()};
    r.cycles = j.at("cycles").get<int64_t>();
    r.utilization = j.at("utilization").get<double>();
    r.cycles_source = j.at("cycles_source").get<std::string>();
    r.latency_ms = j.at("latency_ms").get<double>();
    r.latency_ms_per_image = j.at("latency_ms_per_image").get<double>();
    r.frames_per_s = j.at("frames_per_s").get<double>();
    if (j.contains("pj_per_image")) {
      const auto& p = j["pj_per_image"];
      r.pj_per_image = Picojoules{p.at("total").get<double>(), p.at("dram").get<double>(),  p.at("glb").get<double>(),
                                  p.at("array").get<double>(), p.at("rf").get<double>(),    p.at("mac").get<double>(),
                                  p.at("leakage").get<double>()};
      r.power_mw = j.at("power_mw").get<double>();
      r.chip_power_mw = j.at("chip_power_mw").get<double>();
      r.tops_per_w = j.at("tops_per_w").get<double>();
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    why = fmt::format("not a sweep row: {}", e.what());
    return std::nullopt;
  }
}

}  // namespace rowsim
