#include "backend/fake_backend.h"

#include <thread>

#include "util/error.h"

namespace bootgate {
namespace {

class FakeGuest : public Guest {
 public:
  FakeGuest(const Clock* clock, FakeGuestScript script,
            std::shared_ptr<std::atomic<int>> live)
      : clock_(clock), t0_(clock->Now()), script_(std::move(script)), live_(std::move(live)) {
    ++*live_;
    player_ = std::thread([this] { Play(); });
  }
  ~FakeGuest() override { Destroy(); }

  ByteStream& console() override { return console_; }
  TimePoint started_at() const override { return t0_; }

  std::optional<std::string> Ended() override {
    std::lock_guard lock(mu_);
    if (ended_) return *ended_;
    if (destroyed_) return std::string("destroyed by bootgate");
    return std::nullopt;
  }

  std::vector<GuestEvent> Events() override {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<double> DebugPortMarks() override { return {}; }

  void Destroy() override {
    {
      std::lock_guard lock(mu_);
      if (destroyed_) return;
      destroyed_ = true;
    }
    cv_.notify_all();
    if (player_.joinable()) player_.join();
    console_.Close();
    --*live_;
  }

  void Shutdown(Duration) override { Destroy(); }
  std::vector<std::string> Describe() const override { return {"fake-vm"}; }
  std::map<std::string, std::string> ProfileApplied() const override { return {}; }
  std::vector<std::string> Warnings() const override { return {}; }
  std::string HypervisorVersion() const override { return "fake"; }
  int pid() const override { return 0; }

 private:
  // Writes the script's bytes at their times; wakes early when destroyed.
  void Play() {
    const size_t n = script_.console.size();
    for (size_t i = 0; i < n; ++i) {
      if (i + 1 == n && script_.ends_before_last_step && !End()) return;
      const auto& step = script_.console[i];
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, step.after, [&] { return destroyed_; })) return;
      lock.unlock();
      console_.Push(step.bytes);
    }
    if (!script_.exit_status || !End()) return;
    console_.Close();
  }

  // Marks the VM ended with the script's status (once); false if it was
  // destroyed first.
  bool End() {
    std::lock_guard lock(mu_);
    if (destroyed_) return false;
    if (ended_ || !script_.exit_status) return true;
    ended_ = script_.exit_status;
    if (!script_.shutdown_reason.empty())
      events_.push_back({"SHUTDOWN", script_.shutdown_reason,
                         ToSeconds(clock_->Now() - t0_)});
    return true;
  }

  std::vector<GuestEvent> events_;  // guarded by mu_
  const Clock* clock_;
  TimePoint t0_;
  FakeGuestScript script_;
  std::shared_ptr<std::atomic<int>> live_;
  FakeByteStream console_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool destroyed_ = false;
  std::optional<std::string> ended_;
  std::thread player_;
};

}  // namespace

FakeBackend::FakeBackend(const Clock* clock, std::vector<FakeGuestScript> scripts)
    : clock_(clock), scripts_(std::move(scripts)) {
  if (scripts_.empty()) scripts_.emplace_back();
}

FakeBackend::~FakeBackend() = default;

std::unique_ptr<Guest> FakeBackend::Boot(const BootRequest& request) {
  FakeGuestScript script;
  {
    std::lock_guard lock(mu_);
    size_t i = std::min(static_cast<size_t>(boots_), scripts_.size() - 1);
    script = scripts_[i];
    ++boots_;
    requests_.push_back(request);
  }
  if (!script.boot_error.empty()) throw Error(request.name, script.boot_error);
  return std::make_unique<FakeGuest>(clock_, std::move(script), live_);
}

BootPreview FakeBackend::Preview(const BootRequest& request) const {
  BootPreview p{"qemu.argv", "fake\n-name\n" + request.name + "\n-accel\n" + request.accel + "\n"};
  if (!request.kernel.empty()) p.text += "-kernel\n" + request.kernel + "\n-append\n" + request.append + "\n";
  for (const auto& d : request.drives) p.text += "-drive\n" + d.role + "=" + d.path + "\n";
  return p;
}

std::pair<std::string, std::string> FakeBackend::ResolveAccel(const std::string& requested) {
  std::lock_guard lock(mu_);
  if (requested == "tcg" || (requested == "auto" && !kvm_usable_)) return {"tcg", "fake backend"};
  if (!kvm_usable_) throw Error("accel", "KVM was requested but is not usable here (fake host)");
  return {"kvm", "fake backend: KVM usable"};
}

void FakeBackend::ReportAccelBroken(const std::string& accel, const std::string& evidence) {
  std::lock_guard lock(mu_);
  if (accel == "kvm") kvm_usable_ = false;
  accel_reports_.push_back(evidence);
}

void FakeBackend::SetKvmUsable(bool usable) {
  std::lock_guard lock(mu_);
  kvm_usable_ = usable;
}

std::vector<std::string> FakeBackend::accel_reports() const {
  std::lock_guard lock(mu_);
  return accel_reports_;
}

int FakeBackend::boots() const {
  std::lock_guard lock(mu_);
  return boots_;
}

int FakeBackend::live_guests() const { return live_->load(); }

std::vector<BootRequest> FakeBackend::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

}  // namespace bootgate
