// Experiments written in the test as JSON text, loaded and checked the way monde-sim loads a
// file ("test.json" names it in messages; data files come from ../shared/data of the checkout).
#pragma once

#include <string>

#include "system/experiment.hpp"

namespace monde::test {

inline config::ExperimentSource experiment_text(const std::string& json, const std::string& name = "test.json") {
  config::ExperimentSource s;
  s.experiment = name;
  s.text = json;
  s.data_dirs = {std::string(MONDE_SOURCE_DIR) + "/../shared/data"};
  return s;
}

inline system::Experiment load_experiment_text(const std::string& json, const std::string& name = "test.json") {
  return system::load_experiment(experiment_text(json, name));
}

}  // namespace monde::test
