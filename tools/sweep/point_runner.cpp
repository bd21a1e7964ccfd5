#include "tools/sweep/point_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "system/cancellation.hpp"

extern char** environ;

namespace monde::sweep {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string log_tail(const std::string& path, std::size_t lines) {
  std::ifstream f(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(f, line);) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + ::strsignal(WTERMSIG(status)) + ")";
  }
  return "status " + std::to_string(status);
}

// Starts one point's run; returns its pid. The point's markers go first, so that a point that
// is rerun is unfinished until its new run says otherwise.
pid_t start_point(const PlannedPoint& p, const RunnerSettings& s) {
  const std::string dir = point_path(s.sweep_dir, p);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the point's directory: " + ec.message());
  for (const auto& m : {done_marker(s.sweep_dir, p), failed_marker(s.sweep_dir, p)}) {
    fs::remove(m, ec);
    if (ec) throw std::runtime_error(m + ": cannot remove the old marker: " + ec.message());
  }
  std::vector<std::string> args = {s.program};
  args.insert(args.end(), p.args.begin(), p.args.end());
  args.insert(args.end(), {"--out", dir, "--jobs", std::to_string(s.jobs_per_point)});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const std::string log = (fs::path(dir) / "run.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, s.program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(s.program + ": cannot start it for point " + p.point.id + ": " + std::strerror(rc));
  return pid;
}

void finish_point(const PlannedPoint& p, const RunnerSettings& s, PointOutcome& o) {
  const std::string dir = point_path(s.sweep_dir, p);
  nlohmann::ordered_json marker = {{"index", p.point.index}, {"id", p.point.id}};
  std::error_code ec;
  if (o.ok && !fs::is_regular_file(fs::path(dir) / "stats.json", ec)) {
    o.ok = false;
    o.problem = "exit status 0 but no stats.json";
  }
  if (o.ok) {
    marker["wall_s"] = o.wall_s;
    write_file_atomically(done_marker(s.sweep_dir, p), marker.dump(2) + "\n");
  } else {
    marker["problem"] = o.problem;
    marker["log_tail"] = log_tail((fs::path(dir) / "run.log").string(), 10);
    write_file_atomically(failed_marker(s.sweep_dir, p), marker.dump(2) + "\n");
  }
}

// The sweep's progress on stderr: a bar redrawn in place on a terminal, else one line per
// finished point; with quiet, only failures.
class SweepProgress {
 public:
  SweepProgress(std::size_t total, bool quiet)
      : total_(total), quiet_(quiet), live_(!quiet && ::isatty(STDERR_FILENO) != 0), start_(Clock::now()) {}

  void finished(const PlannedPoint& p, const PointOutcome& o, std::size_t running) {
    ++done_;
    if (!o.ok) ++failed_;
    clear();
    if (!o.ok) {
      std::cerr << "point " << p.point.index << " (" << p.point.id << ") FAILED: " << o.problem << "; see "
                << p.dir << "/run.log\n";
    } else if (!quiet_ && !live_) {
      std::cerr << "[" << done_ << "/" << total_ << "] point " << p.point.id << " done in " << std::fixed
                << std::setprecision(1) << o.wall_s << " s; " << timing() << "\n";
    }
    if (live_ && done_ < total_) draw(running);
  }
  void started(std::size_t running) {
    if (live_) draw(running);
  }
  void clear() {
    if (!live_ || width_ == 0) return;
    std::cerr << "\r" << std::string(width_, ' ') << "\r" << std::flush;
    width_ = 0;
  }

 private:
  std::string timing() const {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    std::ostringstream s;
    s << std::fixed << std::setprecision(0) << elapsed << " s elapsed";
    if (done_ > 0 && done_ < total_) s << ", ETA " << elapsed / double(done_) * double(total_ - done_) << " s";
    return s.str();
  }
  void draw(std::size_t running) {
    constexpr std::size_t kBar = 24;
    const std::size_t filled = total_ == 0 ? kBar : done_ * kBar / total_;
    std::ostringstream line;
    line << "sweep [" << std::string(filled, '#') << std::string(kBar - filled, '.') << "] " << done_ << "/" << total_
         << " points";
    if (failed_ > 0) line << " (" << failed_ << " failed)";
    line << ", " << running << " running, " << timing();
    clear();
    const std::string text = line.str();
    std::cerr << text << std::flush;
    width_ = text.size();
  }

  std::size_t total_, done_ = 0, failed_ = 0;
  bool quiet_, live_;
  Clock::time_point start_;
  std::size_t width_ = 0;
};

}  // namespace

std::string own_executable() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("/proc/self/exe: cannot find this program's path: " + ec.message());
  return p.string();
}

std::vector<PointOutcome> run_points(const SweepPlan& plan, const std::vector<std::size_t>& indices,
                                     const RunnerSettings& s) {
  std::vector<PointOutcome> outcomes(indices.size());
  std::map<pid_t, std::pair<std::size_t, Clock::time_point>> running;  // pid -> (slot in indices, start)
  SweepProgress progress(indices.size(), s.quiet);
  std::size_t next = 0;
  int forwarded = 0;  // cancelling signals passed on to the running points
  while (next < indices.size() || !running.empty()) {
    if (system::cancel_signal() != 0) {
      next = indices.size();  // cancelled: start no more points
      if (forwarded != system::cancel_count()) {
        // Once: the signal itself (each point writes what it finished); again: stop them now.
        const int sig = system::cancel_count() > 1 ? SIGKILL : system::cancel_signal();
        for (const auto& r : running) ::kill(r.first, sig);
        forwarded = system::cancel_count();
      }
      if (running.empty()) break;
    }
    while (next < indices.size() && running.size() < std::max(1u, s.workers)) {
      const PlannedPoint& p = plan.points.at(indices[next]);
      outcomes[next].index = p.point.index;
      running[start_point(p, s)] = {next, Clock::now()};
      ++next;
      progress.started(running.size());
    }
    int status = 0;
    // Polled, so that a cancelling signal is seen within 100 ms even if it lands just before a wait.
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("waiting for the sweep's runs failed: ") + std::strerror(errno));
    }
    if (pid == 0) {
      ::usleep(100000);
      continue;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours
    const auto [slot, started] = it->second;
    running.erase(it);
    PointOutcome& o = outcomes[slot];
    o.wall_s = std::chrono::duration<double>(Clock::now() - started).count();
    o.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!o.ok) o.problem = describe_status(status);
    const PlannedPoint& p = plan.points.at(indices[slot]);
    finish_point(p, s, o);
    progress.finished(p, o, running.size());
  }
  progress.clear();
  return outcomes;
}

}  // namespace monde::sweep
