// Port seam: where a run's loopback TCP ports come from (the guest's SSH
// forward). A picked port is only a candidate: it is released before the
// hypervisor binds it, so the bind that matters is QEMU's own, and a taken
// port is retried with another (runner/vm_session.cc).
#pragma once

namespace bootgate {

class PortPicker {
 public:
  virtual ~PortPicker() = default;
  /// A TCP port on 127.0.0.1 that is free now; throws Error if none is.
  virtual int Pick() = 0;
};

/// The kernel's choice: bind port 0 on 127.0.0.1, read it, release it.
class LoopbackPortPicker : public PortPicker {
 public:
  int Pick() override;
};

/// LoopbackPortPicker's choice, without an object.
int PickFreeLoopbackPort();

}  // namespace bootgate
