// Parameters of the host root complex the GPU's PCIe link and the host CPU reach the CXL device
// through. No SystemC.
#pragma once

namespace monde::root_complex {

struct RootComplexConfig {
  // Added once on the way to the CXL root port and once on the way back, ns. The default 0
  // charges nothing beyond the two links: their latency terms already include their ports
  // (PcieLinkConfig::latency_ns, CxlLinkConfig host_port_ns). Set it to model a fabric hop
  // between the PCIe root port and the CXL root port (e.g. a mesh crossing on a server CPU).
  double latency_ns = 0.0;
};

}  // namespace monde::root_complex
