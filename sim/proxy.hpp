// `orca-onshi-sim proxy`: a CONNECT-only HTTP proxy on 127.0.0.1 for the HTTPS transport's tests.
#pragma once

#include <string>

namespace onshi::sim {

// Listens on 127.0.0.1:port (0: any; the port is written to port_file) until SIGTERM/SIGINT.
int run_proxy(int port, const std::string& port_file);

}  // namespace onshi::sim
